//! The outbox table: one row per message (Enter opens it, arrows move), and the pager.

use super::{PAGE, kind_label, status_label, timing};
use crate::common::widgets::date_time;
use portdesk_types::mail::MailPage;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct MailTableProps {
    pub(super) page: MailPage,
    /// The first row of the page within the whole outbox.
    pub(super) offset: u64,
    pub(super) on_offset: Callback<u64>,
    /// The message open in the detail pane.
    pub(super) selected: Option<i64>,
    pub(super) on_select: Callback<Option<i64>>,
}

#[function_component(MailTable)]
pub(super) fn mail_table(p: &MailTableProps) -> Html {
    let pg = &p.page;
    let offset = p.offset;
    let open = |id: i64| p.on_select.reform(move |_: MouseEvent| Some(id));
    let on_row_key = |id: i64| {
        let on_select = p.on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            let row: web_sys::Element = e.target_unchecked_into();
            let next = match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    on_select.emit(Some(id));
                    return;
                }
                "Escape" => {
                    on_select.emit(None);
                    return;
                }
                "ArrowDown" => row.next_element_sibling(),
                "ArrowUp" => row.previous_element_sibling(),
                "Home" => row.parent_element().and_then(|p| p.first_element_child()),
                "End" => row.parent_element().and_then(|p| p.last_element_child()),
                _ => return,
            };
            e.prevent_default();
            if let Some(el) = next.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        })
    };
    let first = pg.total.min(offset + 1);
    let last = pg.total.min(offset + pg.rows.len() as u64);
    let count = if pg.total == 0 {
        "No messages.".to_owned()
    } else {
        format!("{first}–{last} of {} message(s)", pg.total)
    };
    let go = |to: u64| p.on_offset.reform(move |_: MouseEvent| to);
    html! {
        <>
            <p class="muted" id="mail-count">{ count }</p>
            <table id="mail-table">
                <thead><tr>
                    <th>{ "Created" }</th><th>{ "Kind" }</th><th>{ "To" }</th><th>{ "Subject" }</th>
                    <th>{ "Status" }</th><th class="num">{ "Attempts" }</th><th>{ "Last error" }</th><th>{ "Next attempt / sent" }</th>
                </tr></thead>
                <tbody>
                { for pg.rows.iter().map(|r| {
                    let sel = p.selected == Some(r.id);
                    let class = classes!("mail-row", format!("st-{}", r.status.as_str()), sel.then_some("sel"));
                    html! {
                        <tr id={format!("mail-row-{}", r.id)} {class} tabindex="0" data-status={r.status.as_str()}
                            aria-selected={sel.to_string()} onclick={open(r.id)} onkeydown={on_row_key(r.id)}>
                            <td>{ date_time(r.created_at) }</td>
                            <td>{ kind_label(&r.kind) }</td>
                            <td>{ r.to.join(", ") }</td>
                            <td>{ r.subject.clone() }</td>
                            <td class="mail-status">{ status_label(r.status) }</td>
                            <td class="num">{ r.attempts }</td>
                            <td class="mail-error">{ r.last_error.clone().unwrap_or_default() }</td>
                            <td>{ timing(r) }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
            <div class="actions">
                <button class="secondary" id="mail-prev" onclick={go(offset.saturating_sub(PAGE))} disabled={offset == 0}>{ "Previous" }</button>
                <button class="secondary" id="mail-next" onclick={go(offset + PAGE)} disabled={offset + PAGE >= pg.total}>{ "Next" }</button>
            </div>
        </>
    }
}
