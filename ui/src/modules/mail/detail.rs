//! One message of the Mail window: its recipients, attempts, errors, and resend / cancel.

use super::{can_cancel, can_resend, kind_label, status_label};
use crate::common::data::{use_action, use_command};
use crate::common::widgets::{date_time, error_line};
use portdesk_types::api::{CancelMail, GetMail, ResendMail};
use portdesk_types::mail::{MailDetail, MailRef, MailRow, MailStatus};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct DetailProps {
    pub(super) id: i64,
    /// The message's row in the list as last polled: when it changes, the detail is read again.
    pub(super) row: Option<MailRow>,
    pub(super) on_changed: Callback<()>,
    pub(super) on_close: Callback<()>,
}

/// One message: its text, attachments and attempts, with resend and cancel.
#[function_component(MailDetailPane)]
pub(super) fn mail_detail_pane(p: &DetailProps) -> Html {
    let id = p.id;
    let detail = use_command::<GetMail>(MailRef { id });
    // The row changed in the list: read again (not on opening, the read has just started).
    {
        let reload = detail.reload();
        let opening = use_mut_ref(|| true);
        use_effect_with(p.row.clone(), move |_| {
            if !opening.replace(false) {
                reload.emit(());
            }
        });
    }
    let resend = use_action::<ResendMail>();
    let cancel = use_action::<CancelMail>();
    // What the last action did, in words; its refusal is that action's error (the other
    // action's is cleared when one starts).
    let outcome = use_state(|| None::<String>);
    let busy = resend.busy() || cancel.busy();
    // Done: the detail and the list show it.
    let changed = {
        let (reload, changed) = (detail.reload(), p.on_changed.clone());
        Callback::from(move |_: ()| {
            reload.emit(());
            changed.emit(());
        })
    };
    let on_resend = |sent: bool| {
        let (resend, cancel, outcome, changed) = (
            resend.clone(),
            cancel.clone(),
            outcome.clone(),
            changed.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (outcome, changed) = (outcome.clone(), changed.clone());
            cancel.clear();
            resend.run(MailRef { id }, move |row| {
                outcome.set(Some(if sent || row.id != id {
                    format!("A copy is queued as message #{}.", row.id)
                } else {
                    format!("Message #{id} is queued to be sent now.")
                }));
                changed.emit(());
            });
        })
    };
    let on_cancel = {
        let (resend, cancel, outcome, changed) = (
            resend.clone(),
            cancel.clone(),
            outcome.clone(),
            changed.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (outcome, changed) = (outcome.clone(), changed.clone());
            resend.clear();
            cancel.run(MailRef { id }, move |_| {
                outcome.set(Some(format!("Message #{id} is cancelled.")));
                changed.emit(());
            });
        })
    };
    let refused = resend.error().clone().or_else(|| cancel.error().clone());
    let outcome = match (&*outcome, refused.is_some()) {
        (Some(m), false) => html! { <p class="ok" id="mail-action-result">{ m.clone() }</p> },
        _ => error_line("mail-action-error", &refused),
    };
    let close = p.on_close.reform(|_: MouseEvent| ());
    let on_key = {
        let close = p.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                close.emit(());
            }
        })
    };
    let body = detail.view("mail-detail-error", |d| {
        let r = &d.row;
        let sent = r.status == MailStatus::Sent;
        let actions = html! {
            <div class="actions">
                // A one-time code is not kept after the message left the queue.
                if can_resend(r.status) && !(d.one_time_code && r.status != MailStatus::Queued) {
                    <button id="mail-resend" onclick={on_resend(sent)} disabled={busy}>{ if sent { "Send again" } else { "Resend" } }</button>
                }
                if can_cancel(r.status) {
                    <button id="mail-cancel" class="secondary" onclick={on_cancel} disabled={busy}>{ "Cancel" }</button>
                }
            </div>
        };
        message(d, actions, outcome)
    });
    html! {
        <aside class="card mail-detail" id="mail-detail" aria-label={format!("Message #{}", p.id)} onkeydown={on_key}>
            <div class="actions" style="margin-top:0">
                <h2 style="flex:1;margin:0">{ format!("Message #{}", p.id) }</h2>
                <button class="secondary" id="mail-detail-close" onclick={close}>{ "Close" }</button>
            </div>
            { body }
        </aside>
    }
}

/// The message as read: its header, the `actions` on it and their `outcome`, its text,
/// attachments and attempts.
fn message(d: &MailDetail, actions: Html, outcome: Html) -> Html {
    let r = &d.row;
    html! {
        <>
            <table class="mail-meta">
                <tr><th>{ "To" }</th><td id="mail-detail-to">{ r.to.join(", ") }</td></tr>
                <tr><th>{ "Subject" }</th><td id="mail-detail-subject">{ r.subject.clone() }</td></tr>
                <tr><th>{ "Kind" }</th><td>{ kind_label(&r.kind) }</td></tr>
                <tr class={format!("st-{}", r.status.as_str())}><th>{ "Status" }</th><td class="mail-status" id="mail-detail-status">{ status_label(r.status) }</td></tr>
                <tr><th>{ "Created" }</th><td>{ date_time(r.created_at) }</td></tr>
                <tr><th>{ "Attempts" }</th><td>{ r.attempts }</td></tr>
                if let Some(t) = r.sent_at { <tr><th>{ "Sent" }</th><td>{ date_time(t) }</td></tr> }
                if let (Some(t), MailStatus::Queued) = (r.next_attempt_at, r.status) { <tr><th>{ "Next attempt" }</th><td>{ date_time(t) }</td></tr> }
                if let Some(e) = &r.last_error { <tr><th>{ "Last error" }</th><td class="mail-error" id="mail-detail-last-error">{ e.clone() }</td></tr> }
            </table>
            { actions }
            { outcome }
            <h3>{ "Text" }</h3>
            <pre id="mail-text" class="mail-text">{ d.text.clone() }</pre>
            if d.one_time_code {
                <p class="muted" id="mail-code-masked">{ "The one-time code in this message is masked: it is never shown here, and it is deleted once the message is sent, fails, is cancelled or expires." }</p>
            }
            if d.html.is_some() { <p class="muted">{ "The message also has an HTML version." }</p> }
            <h3>{ "Attachments" }</h3>
            if d.attachments.is_empty() {
                <p class="muted" id="mail-attachments">{ "None." }</p>
            } else {
                <ul id="mail-attachments">{ for d.attachments.iter().map(|a| html! { <li>{ a.clone() }</li> }) }</ul>
            }
            <h3>{ "Attempts" }</h3>
            if d.attempts.is_empty() {
                <p class="muted" id="mail-attempts">{ "No attempt yet." }</p>
            } else {
                <table id="mail-attempts">
                    <thead><tr><th>{ "When" }</th><th>{ "Result" }</th><th>{ "Detail" }</th></tr></thead>
                    <tbody>
                        { for d.attempts.iter().map(|a| html! {
                            <tr class={if a.ok { "attempt-ok" } else { "attempt-failed" }}>
                                <td>{ date_time(a.at) }</td>
                                <td class={if a.ok { "ok" } else { "mail-error" }}>{ if a.ok { "ok" } else { "failed" } }</td>
                                <td>{ a.detail.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </>
    }
}
