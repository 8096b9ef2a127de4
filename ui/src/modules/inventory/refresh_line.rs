//! The line under the customer's name: how the refresh goes (with its progress and "Cancel"),
//! and the auto-refresh interval.

use super::text::{grouped, when};
use portdesk_types::inventory::{RefreshPhase, RefreshProgress};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct RefreshLineProps {
    pub(super) running: bool,
    /// The last progress of a refresh of the customer on screen.
    pub(super) progress: Option<RefreshProgress>,
    /// When the copy on screen was fetched from the ERP.
    pub(super) as_of: Option<i64>,
    pub(super) cancelling: bool,
    pub(super) cancel_error: Option<String>,
    pub(super) auto_minutes: u32,
    pub(super) on_cancel: Callback<MouseEvent>,
}

#[function_component(RefreshLine)]
pub(super) fn refresh_line(p: &RefreshLineProps) -> Html {
    let status_line = p.progress.as_ref().map(|pr| match pr.phase {
        RefreshPhase::Reading => ("muted", "Reading from the ERP…".to_owned()),
        RefreshPhase::Writing => (
            "muted",
            match (pr.rows_total, pr.percent()) {
                (Some(t), Some(pct)) => format!(
                    "Saving {} of {} rows ({pct} %)",
                    grouped(pr.rows_done),
                    grouped(t)
                ),
                _ => format!("Saving {} rows…", grouped(pr.rows_done)),
            },
        ),
        RefreshPhase::Done => (
            "ok",
            match pr.rows_done {
                1 => "Refreshed 1 row".to_owned(),
                n => format!("Refreshed {} rows", grouped(n)),
            },
        ),
        RefreshPhase::Cancelled => (
            "muted",
            match p.as_of {
                Some(t) => format!("Refresh cancelled; the copy from {} is kept.", when(t)),
                None => "Refresh cancelled; nothing is saved on this computer yet.".to_owned(),
            },
        ),
        RefreshPhase::Failed => (
            "error",
            pr.message
                .clone()
                .unwrap_or_else(|| "The refresh failed.".to_owned()),
        ),
    });
    // While running without any progress yet (the reply of this window's call is awaited).
    let status_line = status_line.or_else(|| {
        p.running
            .then(|| ("muted", "Reading from the ERP…".to_owned()))
    });
    let percent = p
        .progress
        .as_ref()
        .filter(|pr| pr.phase == RefreshPhase::Writing)
        .and_then(|pr| pr.percent());
    html! {
        <div class="refresh-line">
            if p.running {
                <progress id="refresh-progress" max="100" value={percent.map(|v| AttrValue::from(v.to_string()))}
                    aria-label="Refresh progress"></progress>
            }
            if let Some((class, text)) = status_line {
                <span id="refresh-status" class={class} role="status">{ text }</span>
            }
            if p.running {
                <button class="secondary" id="refresh-cancel" disabled={p.cancelling} onclick={p.on_cancel.clone()}>
                    { if p.cancelling { "Cancelling…" } else { "Cancel" } }
                </button>
            }
            if let Some(e) = &p.cancel_error {
                <span class="error" id="refresh-cancel-error">{ e.clone() }</span>
            }
            if p.auto_minutes > 0 {
                <span class="muted" id="auto-refresh-note">{ format!("Refreshes every {} min", p.auto_minutes) }</span>
            }
        </div>
    }
}
