//! One message of the Mail window: its recipients, attempts, errors, and resend / cancel.

use super::*;

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
    let detail = use_state_eq(|| None::<Result<MailDetail, ApiError>>);
    let reload = use_state(|| 0u32);
    let busy = use_state(|| false);
    let outcome = use_state(|| None::<Result<String, ApiError>>);
    {
        let detail = detail.clone();
        use_effect_with((p.id, p.row.clone(), *reload), move |(id, _, _)| {
            let live = Rc::new(Cell::new(true));
            let (id, l) = (*id, live.clone());
            spawn_local(async move {
                let r = call::<GetMail>(&MailRef { id }).await;
                if l.get() {
                    detail.set(Some(r));
                }
            });
            move || live.set(false)
        });
    }
    let act = |cancel: bool, sent: bool| {
        let (id, busy, outcome, reload, changed) = (
            p.id,
            busy.clone(),
            outcome.clone(),
            reload.clone(),
            p.on_changed.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (busy, outcome, reload, changed) = (
                busy.clone(),
                outcome.clone(),
                reload.clone(),
                changed.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let req = MailRef { id };
                let r = if cancel {
                    call::<CancelMail>(&req)
                        .await
                        .map(|_| format!("Message #{id} is cancelled."))
                } else {
                    call::<ResendMail>(&req).await.map(|row| {
                        if sent || row.id != id {
                            format!("A copy is queued as message #{}.", row.id)
                        } else {
                            format!("Message #{id} is queued to be sent now.")
                        }
                    })
                };
                if r.is_ok() {
                    reload.set(*reload + 1);
                    changed.emit(());
                }
                outcome.set(Some(r));
                busy.set(false);
            });
        })
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
    let body = match &*detail {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => {
            html! { <p class="error" id="mail-detail-error" role="alert">{ e.message.clone() }</p> }
        }
        Some(Ok(d)) => {
            let r = &d.row;
            let sent = r.status == MailStatus::Sent;
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
                    <div class="actions">
                        // A one-time code is not kept after the message left the queue.
                        if can_resend(r.status) && !(d.one_time_code && r.status != MailStatus::Queued) {
                            <button id="mail-resend" onclick={act(false, sent)} disabled={*busy}>{ if sent { "Send again" } else { "Resend" } }</button>
                        }
                        if can_cancel(r.status) {
                            <button id="mail-cancel" class="secondary" onclick={act(true, false)} disabled={*busy}>{ "Cancel" }</button>
                        }
                    </div>
                    { match &*outcome {
                        Some(Ok(m)) => html! { <p class="ok" id="mail-action-result">{ m.clone() }</p> },
                        Some(Err(e)) => html! { <p class="error" id="mail-action-error" role="alert">{ e.message.clone() }</p> },
                        None => html! {},
                    } }
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
    };
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
