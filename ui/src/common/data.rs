//! The typed data layer: how a window loads what it shows and runs what the user asks, with
//! the loading state, the error and the reload in one place (in the manner of Yaak's hooks and
//! the Modrinth app's fetching standard) instead of `use_state` + `spawn_local(call…)` written
//! by hand in each component.
//!
//! - [`use_command`]`::<C>(req)`: loads `C`'s reply for `req` (again whenever `req` changes, and
//!   on [`Loaded::reload`]); [`Loaded::view`] turns it into "Loading…", the error, or the page.
//! - [`use_action`]`::<C>()`: runs `C` when the user asks ([`Action::run`]), with a busy flag and
//!   the last error, which [`Action::error_for`] routes to the field it names.

use super::ipc::call;
use portdesk_types::{ApiError, Command};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

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

/// Loads `C`'s reply for `req`, again when `req` changes or [`Loaded::reload`] is called.
#[hook]
pub fn use_command<C>(req: C::Request) -> Loaded<C>
where
    C: Command + 'static,
    C::Request: Clone + PartialEq + 'static,
    C::Reply: 'static,
{
    let state = use_state(|| None::<Result<C::Reply, ApiError>>);
    let tick = use_state(|| 0u32);
    {
        let state = state.clone();
        use_effect_with((req, *tick), move |(req, _)| {
            let req = req.clone();
            spawn_local(async move { state.set(Some(call::<C>(&req).await)) });
        });
    }
    Loaded { state, tick }
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
