//! The outbox as an open Mail window polls it.

use crate::common::data::send;
use gloo_timers::callback::Interval;
use portdesk_types::ApiError;
use portdesk_types::api::ListMail;
use portdesk_types::mail::{MailPage, MailQuery};
use std::cell::Cell;
use std::rc::Rc;
use yew::prelude::*;

/// How often an open Mail window asks for the outbox again.
const POLL_MS: u32 = 5_000;

/// The outbox page for `query`, and why the last poll could not read it. Loaded now and every
/// few seconds while the window is open; a new query or `reload` replaces the poll, and late
/// answers to an old one are dropped. By hand rather than `use_command`: a failed poll keeps
/// the page last read on screen, and an answer to a query no longer shown must not land.
#[hook]
pub(super) fn use_outbox(
    query: MailQuery,
    reload: u32,
) -> (
    UseStateHandle<Option<MailPage>>,
    UseStateHandle<Option<ApiError>>,
) {
    let page = use_state_eq(|| None::<MailPage>);
    let error = use_state_eq(|| None::<ApiError>);
    {
        let (page, error) = (page.clone(), error.clone());
        use_effect_with((query, reload), move |(q, _)| {
            let live = Rc::new(Cell::new(true));
            let load = {
                let (q, live) = (q.clone(), live.clone());
                move || {
                    let (q, live, page, error) =
                        (q.clone(), live.clone(), page.clone(), error.clone());
                    send::<ListMail>(q, move |r| {
                        if !live.get() {
                            return;
                        }
                        match r {
                            Ok(p) => {
                                page.set(Some(p));
                                error.set(None);
                            }
                            Err(e) => error.set(Some(e)),
                        }
                    });
                }
            };
            load();
            let interval = Interval::new(POLL_MS, load);
            move || {
                live.set(false);
                drop(interval);
            }
        });
    }
    (page, error)
}
