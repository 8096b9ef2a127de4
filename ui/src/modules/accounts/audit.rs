//! The audit log of the Customers window: filtered by who, action and dates; exported to .xlsx.

use super::when;
use crate::common::data::{use_action, use_command};
use crate::common::widgets::Field;
use portdesk_types::accounts::{AuditQuery, ExportRequest};
use portdesk_types::api::{ExportAudit, ListAudit};
use yew::prelude::*;

pub(super) fn date_to_ms(s: &str, end_of_day: bool) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let d = web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{s}T00:00:00")));
    let ms = d.get_time();
    if ms.is_nan() {
        return None;
    }
    Some(ms as i64 + if end_of_day { 86_400_000 } else { 0 })
}

#[function_component(AuditLog)]
pub(super) fn audit_log() -> Html {
    let actor = use_state(String::new);
    let action = use_state(String::new);
    let from = use_state(String::new);
    let to = use_state(String::new);
    let page = use_state(|| 0u32);
    let path = use_state(String::new);
    let query = AuditQuery {
        actor: (*actor).clone(),
        action: (*action).clone(),
        from_ms: date_to_ms(&from, false),
        to_ms: date_to_ms(&to, true),
        page: *page,
        page_size: 100,
    };
    let data = use_command::<ListAudit>(query.clone());
    let export = use_action::<ExportAudit>();
    let s = |st: &UseStateHandle<String>| {
        let (st, page) = (st.clone(), page.clone());
        Callback::from(move |v: String| {
            st.set(v);
            page.set(0);
        })
    };
    let do_export = {
        let (export, path, query) = (export.clone(), path.clone(), query.clone());
        Callback::from(move |_| {
            let req = ExportRequest {
                query: AuditQuery {
                    page: 0,
                    ..query.clone()
                },
                path: (*path).clone(),
            };
            export.run(req, |_| ());
        })
    };
    let list = match (data.data(), data.error()) {
        (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
        (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        (Some(d), _) => html! {
            <>
                <p class="muted" id="audit-count">{ format!("{} entr{}", d.total, if d.total == 1 { "y" } else { "ies" }) }</p>
                <table id="audit-table">
                    <thead><tr><th>{ "When" }</th><th>{ "Who" }</th><th>{ "Action" }</th><th>{ "Record" }</th><th>{ "Detail" }</th></tr></thead>
                    <tbody>
                        { for d.rows.iter().map(|r| html! {
                            <tr>
                                <td>{ when(Some(r.at)) }</td><td>{ r.actor.clone() }</td><td>{ r.action.clone() }</td>
                                <td>{ format!("{} {}", r.target_type.clone().unwrap_or_default(), r.target_id.clone().unwrap_or_default()) }</td>
                                <td>{ r.detail.clone().unwrap_or_default() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                <div class="actions">
                    <button class="secondary" onclick={{ let page = page.clone(); move |_| page.set(page.saturating_sub(1)) }} disabled={*page == 0}>{ "Newer" }</button>
                    <button class="secondary" onclick={{ let page = page.clone(); move |_| page.set(*page + 1) }} disabled={u64::from(*page + 1) * 100 >= d.total}>{ "Older" }</button>
                </div>
            </>
        },
    };
    html! {
        <div class="card">
            <div class="grid2">
                <div><Field id="audit-actor" label="Who" value={(*actor).clone()} oninput={s(&actor)} hint="Part of the e-mail." /></div>
                <div><Field id="audit-action" label="Action" value={(*action).clone()} oninput={s(&action)} hint="Starts with, e.g. auth. or user." /></div>
                <div><Field id="audit-from" label="From" kind="date" value={(*from).clone()} oninput={s(&from)} /></div>
                <div><Field id="audit-to" label="To (inclusive)" kind="date" value={(*to).clone()} oninput={s(&to)} /></div>
            </div>
            <div class="grid2">
                <div><Field id="audit-export-path" label="Export to (.xlsx)" value={(*path).clone()} oninput={{ let p = path.clone(); Callback::from(move |v| p.set(v)) }} hint="Empty: a dated file in your Downloads folder." /></div>
                <div class="actions" style="align-items:end"><button id="audit-export" onclick={do_export}>{ "Export to Excel" }</button></div>
            </div>
            if let Some(e) = export.error() {
                <p class="error" id="audit-export-result">{ e.message.clone() }</p>
            } else if let Some(r) = export.done() {
                <p class="ok" id="audit-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p>
            }
            { list }
        </div>
    }
}
