//! The state of a refresh of the inventory copy, from the events of whichever window started it: rows read, rows saved, done, cancelled, failed.

use super::text::same_customer;
use crate::common::data::{self, use_event};
use portdesk_types::api::{CancelRefresh, RefreshInventory};
use portdesk_types::events::InventoryRefreshEvent;
use portdesk_types::inventory::{RefreshPhase, RefreshProgress, RefreshReply, RefreshRequest};
use portdesk_types::{ApiError, Command, ErrorKind};
use std::rc::Rc;
use yew::prelude::*;

/// The refresh of the customer on screen, whoever started it: this window's own call and the
/// progress events the core emits to every window.
#[derive(Clone, PartialEq, Default)]
pub(super) struct RefreshState {
    /// The ERP customer code on screen; events and replies about another are ignored.
    pub(super) customer: Option<String>,
    /// This window's `RefreshInventory` call is in flight.
    pub(super) calling: bool,
    /// The last progress of a refresh of `customer` (or the outcome of this window's call).
    pub(super) progress: Option<RefreshProgress>,
    /// The last refresh this window asked for could not read the ERP.
    pub(super) error: Option<ApiError>,
    /// A cancel was asked for and has not been answered yet.
    pub(super) cancelling: bool,
    pub(super) cancel_error: Option<String>,
    /// Bumped whenever the cache holds new rows: the page is queried again.
    pub(super) reloads: u32,
}

impl RefreshState {
    pub(super) fn running(&self) -> bool {
        self.calling
            || matches!(
                self.progress.as_ref().map(|p| p.phase),
                Some(RefreshPhase::Reading | RefreshPhase::Writing)
            )
    }
    pub(super) fn shows(&self, customer: &str) -> bool {
        self.customer
            .as_deref()
            .is_some_and(|c| same_customer(c, customer))
    }
}

pub(super) enum RefreshAction {
    /// The customer on screen changed.
    Show(Option<String>),
    /// This window asks the core to refresh this customer.
    Call(String),
    Event(RefreshProgress),
    Reply(String, Result<RefreshReply, ApiError>),
    Cancel,
    /// The answer to a cancel of this customer.
    Cancelled(String, Result<bool, ApiError>),
}

pub(super) fn progress(
    customer: &str,
    phase: RefreshPhase,
    rows: u64,
    message: Option<String>,
) -> RefreshProgress {
    RefreshProgress {
        customer_code: customer.to_owned(),
        phase,
        rows_done: rows,
        rows_total: (phase == RefreshPhase::Done).then_some(rows),
        message,
    }
}

impl Reducible for RefreshState {
    type Action = RefreshAction;

    fn reduce(self: Rc<Self>, action: RefreshAction) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            RefreshAction::Show(c) => {
                if s.customer == c {
                    return self;
                }
                s = RefreshState {
                    customer: c,
                    reloads: s.reloads,
                    ..Default::default()
                };
            }
            RefreshAction::Call(c) => {
                if !s.shows(&c) {
                    return self;
                }
                s.calling = true;
                s.cancel_error = None;
                if !self.running() {
                    s.progress = Some(progress(&c, RefreshPhase::Reading, 0, None));
                }
            }
            RefreshAction::Event(p) => {
                if !s.shows(&p.customer_code) {
                    return self;
                }
                match p.phase {
                    RefreshPhase::Reading | RefreshPhase::Writing => {}
                    RefreshPhase::Done => {
                        // Same filter, new data: run the query again.
                        s.reloads += 1;
                        s.error = None;
                        s.cancelling = false;
                    }
                    RefreshPhase::Cancelled | RefreshPhase::Failed => s.cancelling = false,
                }
                s.progress = Some(p);
            }
            RefreshAction::Reply(c, r) => {
                if !s.shows(&c) {
                    return self;
                }
                s.calling = false;
                s.cancelling = false;
                let phase = s.progress.as_ref().map(|p| p.phase);
                match r {
                    Ok(reply) => {
                        s.error = None;
                        // The Done event normally came first and reloaded already.
                        if phase != Some(RefreshPhase::Done) {
                            s.reloads += 1;
                            s.progress = Some(progress(&c, RefreshPhase::Done, reply.rows, None));
                        }
                    }
                    // Cancelled, or a refresh of this customer started elsewhere is running:
                    // the saved copy is untouched, and that refresh's events tell the rest.
                    Err(e)
                        if matches!(e.kind, ErrorKind::Cancelled | ErrorKind::AlreadyRunning) =>
                    {
                        if !matches!(
                            phase,
                            Some(
                                RefreshPhase::Reading
                                    | RefreshPhase::Writing
                                    | RefreshPhase::Cancelled
                            )
                        ) {
                            s.progress =
                                Some(progress(&c, RefreshPhase::Failed, 0, Some(e.message)));
                        }
                    }
                    Err(e) => {
                        if phase != Some(RefreshPhase::Failed) {
                            s.progress = Some(progress(
                                &c,
                                RefreshPhase::Failed,
                                0,
                                Some(e.message.clone()),
                            ));
                        }
                        s.error = Some(e);
                    }
                }
            }
            RefreshAction::Cancel => {
                if !s.running() {
                    return self;
                }
                s.cancelling = true;
                s.cancel_error = None;
            }
            RefreshAction::Cancelled(c, _) if !s.shows(&c) => return self,
            RefreshAction::Cancelled(_, r) => match r {
                // The Cancelled event (or the reply) ends the refresh.
                Ok(true) => return self,
                // Nothing was running any more: it had just finished.
                Ok(false) => s.cancelling = false,
                Err(e) => {
                    s.cancelling = false;
                    s.cancel_error = Some(e.message);
                }
            },
        }
        Rc::new(s)
    }
}

/// The refresh of the customer on screen: its state, and the callbacks that start and cancel
/// it (both act on the customer on screen when called).
#[hook]
pub(super) fn use_refresh(
    customer: &UseStateHandle<Option<String>>,
) -> (
    UseReducerHandle<RefreshState>,
    Callback<()>,
    Callback<MouseEvent>,
) {
    let state = {
        let c = (**customer).clone();
        use_reducer(move || RefreshState {
            customer: c,
            ..Default::default()
        })
    };
    {
        let dispatch = state.dispatcher();
        use_effect_with((**customer).clone(), move |c| {
            dispatch.dispatch(RefreshAction::Show(c.clone()))
        });
    }
    // Progress of any refresh, from whichever window started it; the state keeps only the
    // customer on screen.
    {
        let dispatch = state.dispatcher();
        use_event::<InventoryRefreshEvent>(Callback::from(move |p: RefreshProgress| {
            dispatch.dispatch(RefreshAction::Event(p))
        }));
    }
    let start = {
        let (customer, dispatch) = (customer.clone(), state.dispatcher());
        Callback::from(move |_: ()| {
            let Some(c) = (*customer).clone() else { return };
            dispatch.dispatch(RefreshAction::Call(c.clone()));
            send::<RefreshInventory>(dispatch.clone(), c, RefreshAction::Reply);
        })
    };
    let cancel = {
        let (customer, dispatch) = (customer.clone(), state.dispatcher());
        Callback::from(move |_: MouseEvent| {
            let Some(c) = (*customer).clone() else { return };
            dispatch.dispatch(RefreshAction::Cancel);
            send::<CancelRefresh>(dispatch.clone(), c, RefreshAction::Cancelled);
        })
    };
    (state, start, cancel)
}

/// Sends `C` about `customer` and hands the answer, refusal or not, to the state. Not through
/// `use_action`: the state merges the answer with the progress events (a refusal is part of
/// it, not a form's error), and the refreshes of two customers may overlap.
fn send<C>(
    dispatch: UseReducerDispatcher<RefreshState>,
    customer: String,
    answer: fn(String, Result<C::Reply, ApiError>) -> RefreshAction,
) where
    C: Command<Request = RefreshRequest> + 'static,
{
    let req = RefreshRequest {
        customer_code: Some(customer.clone()),
    };
    data::send::<C>(req, move |r| dispatch.dispatch(answer(customer, r)));
}
