//! The banners above the grid: a closed cycle, the local copy while the shared store is away,
//! edits not yet synced, and the journal's conflicts and refused edits waiting for a choice.

use crate::common::widgets::date_time;
use portdesk_types::forecasts::{CellConflict, SyncState};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct BannersProps {
    pub(super) closed: bool,
    pub(super) sync: SyncState,
    /// "Sync now": read the grid again.
    pub(super) on_sync: Callback<()>,
    /// A conflict or refused edit, and whether to keep mine.
    pub(super) on_resolve: Callback<(CellConflict, bool)>,
}

#[function_component(SyncBanners)]
pub(super) fn sync_banners(p: &BannersProps) -> Html {
    let s = &p.sync;
    let resolve = |c: &CellConflict, keep_mine: bool| {
        let c = c.clone();
        p.on_resolve
            .reform(move |_: MouseEvent| (c.clone(), keep_mine))
    };
    html! {
        <>
            if p.closed { <p class="banner warn" id="fc-closed">{ "This cycle is closed: the forecast can no longer change." }</p> }
            if let Some(at) = s.offline_as_of {
                <p class="banner warn" id="fc-offline">{ format!("The shared store does not answer: this is this desktop's copy from {}. Edits are kept here and sent when it answers.", date_time(at)) }</p>
            }
            if s.pending > 0 {
                <p class="banner" id="fc-pending">{ format!("{} edit(s) not yet synced  ", s.pending) }
                    <button class="link" id="fc-sync" onclick={p.on_sync.reform(|_: MouseEvent| ())}>{ "Sync now" }</button></p>
            }
            if !s.conflicts.is_empty() {
                <div class="banner warn" id="fc-conflicts">
                    <p>{ "Changed elsewhere since you loaded it; nothing was overwritten. Keep which value?" }</p>
                    { for s.conflicts.iter().map(|c| html! {
                        <p>{ format!("{} {} {}: yours {}, saved {}  ", c.customer_code, c.part, c.month, c.yours, c.theirs.map_or("(empty)".into(), |t| t.to_string())) }
                        <button class="link fc-keep-mine" onclick={resolve(c, true)}>{ "Keep mine" }</button>{ " · " }
                        <button class="link fc-keep-theirs" onclick={resolve(c, false)}>{ "Keep the saved one" }</button></p>
                    }) }
                </div>
            }
            if !s.refused.is_empty() {
                <div class="banner warn" id="fc-refused">
                    <p>{ "Edits made offline that the shared store refused:" }</p>
                    { for s.refused.iter().map(|r| {
                        let c = CellConflict { customer_code: r.customer_code.clone(), part: r.part.clone(), month: r.month.clone(), yours: r.quantity, theirs: None, version: 0 };
                        html! { <p>{ format!("{} {} {}: {} — {}  ", r.customer_code, r.part, r.month, r.quantity, r.reason) }
                            <button class="link" onclick={resolve(&c, false)}>{ "Dismiss" }</button></p> }
                    }) }
                </div>
            }
        </>
    }
}
