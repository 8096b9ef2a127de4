//! The typed data layer: how a window loads what it shows and runs what the user asks, with
//! the loading state, the error and the reload in one place (in the manner of Yaak's hooks and
//! the Modrinth app's fetching standard) instead of `use_state` + `spawn_local(call…)` written
//! by hand in each component.
//!
//! - [`use_command`]`::<C>(req)`: loads `C`'s reply for `req` (again whenever `req` changes, and
//!   on [`Loaded::reload`]); [`Loaded::view`] turns it into "Loading…", the error, or the page.
//! - [`use_action`]`::<C>()`: runs `C` when the user asks ([`Action::run`]), with a busy flag and
//!   the last error, which [`Action::error_for`] routes to the field it names.
//! - [`use_command_live`]`::<C, E>(req)`: as `use_command`, and loads again on each event `E`.
//! - [`use_event`]`::<E>(f)`: runs `f` with each payload of `E` while the component is shown.
//! - [`use_job`]`()`: the one place for async work that is not a single command (a native
//!   dialog, then a command): busy flag and the error in words.
//! - [`send`]`::<C>(req, answer)`: a command outside the hooks, its answer (refusal or not) to
//!   `answer` — for what keeps its own state: a poll, a progress stream merged with its
//!   events, the forecast grid's saves, the kiosk's guard. Nothing else spawns a call.

use super::ipc::{Subscription, call, subscribe};
use portdesk_types::{ApiError, Command, Event};
use std::future::Future;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// Sends `C` with `req` and hands its answer, refusal or not, to `answer`.
pub fn send<C>(req: C::Request, answer: impl FnOnce(Result<C::Reply, ApiError>) + 'static)
where
    C: Command + 'static,
    C::Request: 'static,
{
    spawn_local(async move { answer(call::<C>(&req).await) });
}

/// A command's reply as loaded: `None` while the first answer is on its way.
pub struct Loaded<C: Command> {
    state: UseStateHandle<Option<Result<C::Reply, ApiError>>>,
    tick: UseStateHandle<u32>,
}

impl<C: Command> Loaded<C>
where
    C::Reply: 'static,
{
    /// The reply, once it came and was not an error.
    pub fn data(&self) -> Option<&C::Reply> {
        match &*self.state {
            Some(Ok(r)) => Some(r),
            _ => None,
        }
    }

    /// The refusal, once one came.
    pub fn error(&self) -> Option<&ApiError> {
        match &*self.state {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    /// The answer as it stands: `None` while the first is on its way.
    pub fn answer(&self) -> Option<Result<&C::Reply, &ApiError>> {
        self.state.as_ref().map(|r| r.as_ref())
    }

    /// Shows `reply` without asking the core again (the reply of a save is the record as
    /// stored now).
    pub fn replace(&self, reply: C::Reply) {
        self.state.set(Some(Ok(reply)));
    }

    /// Loads again (after a change elsewhere, or the user's "Refresh").
    pub fn reload(&self) -> Callback<()> {
        let tick = self.tick.clone();
        Callback::from(move |_| tick.set(tick.wrapping_add(1)))
    }

    /// The page for the reply, or "Loading…", or the error as a line of its own (`id`).
    pub fn view(&self, id: &str, page: impl FnOnce(&C::Reply) -> Html) -> Html {
        match &*self.state {
            None => html! { <p class="muted">{ "Loading…" }</p> },
            Some(Err(e)) => {
                html! { <p class="error" id={id.to_owned()} role="alert">{ e.message.clone() }</p> }
            }
            Some(Ok(r)) => page(r),
        }
    }
}

/// Loads `C`'s reply for `req`, again when `req` changes or [`Loaded::reload`] is called;
/// only the newest load's reply is shown.
#[hook]
pub fn use_command<C>(req: C::Request) -> Loaded<C>
where
    C: Command + 'static,
    C::Request: Clone + PartialEq + 'static,
    C::Reply: 'static,
{
    let state = use_state(|| None::<Result<C::Reply, ApiError>>);
    let tick = use_state(|| 0u32);
    // Which load is the newest: a slow reply to an older request (a search typed on) must not
    // replace the answer to the newer one.
    let latest = use_mut_ref(|| 0u64);
    {
        let state = state.clone();
        use_effect_with((req, *tick), move |(req, _)| {
            let req = req.clone();
            let mine = {
                let mut n = latest.borrow_mut();
                *n += 1;
                *n
            };
            spawn_local(async move {
                let reply = call::<C>(&req).await;
                if *latest.borrow() == mine {
                    state.set(Some(reply));
                }
            });
        });
    }
    Loaded { state, tick }
}

/// As [`use_command`], and loads again each time the shell emits `E` (another window or
/// desktop changed what this one shows).
#[hook]
pub fn use_command_live<C, E>(req: C::Request) -> Loaded<C>
where
    C: Command + 'static,
    C::Request: Clone + PartialEq + 'static,
    C::Reply: 'static,
    E: Event + 'static,
{
    let loaded = use_command::<C>(req);
    let reload = loaded.reload();
    use_event::<E>(Callback::from(move |_| reload.emit(())));
    loaded
}

/// Runs `reload` when `tick` changes (a change made in another view of the window); not on
/// the first render, which loads anyway.
#[hook]
pub fn use_reload_on(tick: u32, reload: Callback<()>) {
    let mounted = use_mut_ref(|| false);
    use_effect_with(tick, move |_| {
        if mounted.replace(true) {
            reload.emit(());
        }
    });
}

/// Runs `f` each time an action ends, done or refused (its busy flag falls): for what follows
/// either way (reading a list again after a cancel).
#[hook]
pub fn use_ended(busy: bool, f: Callback<()>) {
    let was = use_mut_ref(|| false);
    use_effect_with(busy, move |busy| {
        if std::mem::replace(&mut *was.borrow_mut(), *busy) && !*busy {
            f.emit(());
        }
    });
}

/// Runs `f` with each payload of event `E` while the component is shown.
#[hook]
pub fn use_event<E>(f: Callback<E::Payload>)
where
    E: Event + 'static,
{
    // The latest callback, so a re-render's new closure is the one that runs.
    let current = use_mut_ref(|| f.clone());
    *current.borrow_mut() = f;
    use_effect_with((), move |_| {
        let sub: Subscription = subscribe::<E>(move |p| {
            let f = current.borrow().clone();
            f.emit(p)
        });
        move || drop(sub)
    });
}

/// Async work that is more than one command: busy while it runs, its error in words.
pub struct Job {
    busy: UseStateHandle<bool>,
    error: UseStateHandle<Option<String>>,
}

impl Job {
    /// Runs `work` (ignored while one runs); an `Err` is kept as the job's error.
    pub fn run(&self, work: impl Future<Output = Result<(), String>> + 'static) {
        if *self.busy {
            return;
        }
        let (busy, error) = (self.busy.clone(), self.error.clone());
        busy.set(true);
        spawn_local(async move {
            let r = work.await;
            busy.set(false);
            error.set(r.err());
        });
    }

    pub fn busy(&self) -> bool {
        *self.busy
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

impl Clone for Job {
    fn clone(&self) -> Self {
        Job {
            busy: self.busy.clone(),
            error: self.error.clone(),
        }
    }
}

#[hook]
pub fn use_job() -> Job {
    Job {
        busy: use_state(|| false),
        error: use_state(|| None::<String>),
    }
}

/// Something the user asks `C` to do: busy while it runs, its refusal kept for the form.
pub struct Action<C: Command> {
    busy: UseStateHandle<bool>,
    error: UseStateHandle<Option<ApiError>>,
    done: UseStateHandle<Option<C::Reply>>,
}

impl<C> Action<C>
where
    C: Command + 'static,
    C::Request: 'static,
    C::Reply: Clone + 'static,
{
    /// Runs `C` with `req` (ignored while one runs); `then` gets the reply once it succeeded.
    pub fn run(&self, req: C::Request, then: impl FnOnce(C::Reply) + 'static) {
        if *self.busy {
            return;
        }
        let (busy, error, done) = (self.busy.clone(), self.error.clone(), self.done.clone());
        busy.set(true);
        spawn_local(async move {
            let r = call::<C>(&req).await;
            busy.set(false);
            match r {
                Ok(reply) => {
                    error.set(None);
                    done.set(Some(reply.clone()));
                    then(reply);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    }

    pub fn busy(&self) -> bool {
        *self.busy
    }

    /// Forgets the last refusal and reply (the form was reset).
    pub fn clear(&self) {
        self.error.set(None);
        self.done.set(None);
    }

    /// The last reply, until the next run fails.
    pub fn done(&self) -> Option<&C::Reply> {
        (*self.done).as_ref()
    }

    /// The last refusal, whatever it is about.
    pub fn error(&self) -> &Option<ApiError> {
        &self.error
    }

    /// The last refusal if it names one of `fields` (for the line under that input).
    pub fn error_for(&self, fields: &[&str]) -> Option<&ApiError> {
        self.error
            .as_ref()
            .filter(|e| e.field.as_deref().is_some_and(|f| fields.contains(&f)))
    }
}

#[hook]
pub fn use_action<C>() -> Action<C>
where
    C: Command + 'static,
    C::Reply: 'static,
{
    Action {
        busy: use_state(|| false),
        error: use_state(|| None::<ApiError>),
        done: use_state(|| None::<C::Reply>),
    }
}

impl<C: Command> Clone for Loaded<C> {
    fn clone(&self) -> Self {
        Loaded {
            state: self.state.clone(),
            tick: self.tick.clone(),
        }
    }
}

impl<C: Command> Clone for Action<C> {
    fn clone(&self) -> Self {
        Action {
            busy: self.busy.clone(),
            error: self.error.clone(),
            done: self.done.clone(),
        }
    }
}
