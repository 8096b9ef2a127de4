//! One procurement request: what it is for, approve (with the quantity to order), receive
//! against its purchase order, reject or cancel with a reason; its e-mails and its trail.

use crate::common::data::{Action, use_action, use_command};
use crate::common::widgets::{Field, date_time, error_line};
use portdesk_types::Command;
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::procurement::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct PaneProps {
    pub id: i64,
    pub on_changed: Callback<()>,
}

#[function_component(RequestPane)]
pub(super) fn request_pane(p: &PaneProps) -> Html {
    let detail = use_command::<GetRequest>(RequestRef { id: p.id });
    let quantity = use_state(String::new);
    let note = use_state(String::new);
    let reason = use_state(String::new);
    let receive = use_state(String::new);
    let approve = use_action::<ApproveProcurement>();
    let reject = use_action::<RejectProcurement>();
    let cancel = use_action::<CancelProcurement>();
    let received = use_action::<ReceivePurchaseOrder>();
    {
        // Each request read fills the quantities in; an action's reply leaves them as typed.
        let (quantity, receive) = (quantity.clone(), receive.clone());
        let r = detail.data().map(|d| d.request.clone());
        use_effect_with(r.as_ref().map(|r| r.id), move |_| {
            if let Some(r) = r {
                quantity.set(r.quantity.to_string());
                receive.set((r.quantity - r.po_received.unwrap_or(0)).to_string());
            }
        });
    }
    let d = match (detail.data(), detail.error()) {
        (Some(d), _) => d,
        (None, Some(e)) => return html! { <p class="error">{ e.message.clone() }</p> },
        (None, None) => return html! {},
    };
    // One error line: a new try forgets the last refusal, whichever action it was.
    let clear = {
        let (a, b, c, d) = (
            approve.clone(),
            reject.clone(),
            cancel.clone(),
            received.clone(),
        );
        Callback::from(move |_: ()| {
            a.clear();
            b.clear();
            c.clear();
            d.clear();
        })
    };
    // The reply replaces the pane; the list reloads.
    let settle = {
        let (detail, on_changed) = (detail.clone(), p.on_changed.clone());
        Callback::from(move |d: RequestDetail| {
            detail.replace(d);
            on_changed.emit(());
        })
    };
    let id = p.id;
    let on_approve = button(&approve, &clear, &settle, {
        let (quantity, note) = (quantity.clone(), note.clone());
        move || ApproveRequest {
            id,
            quantity: Some(num(&quantity)),
            note: (*note).clone(),
        }
    });
    let on_receive = button(&received, &clear, &settle, {
        let receive = receive.clone();
        move || ReceiveRequest {
            id,
            quantity: num(&receive),
        }
    });
    let reject_request = {
        let reason = reason.clone();
        move || RejectRequest {
            id,
            reason: (*reason).clone(),
        }
    };
    let on_reject = button(&reject, &clear, &settle, reject_request.clone());
    let on_cancel = button(&cancel, &clear, &settle, reject_request);
    let error = [
        approve.error(),
        reject.error(),
        cancel.error(),
        received.error(),
    ]
    .into_iter()
    .find_map(Option::clone);
    let r = &d.request;
    let text = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v| s.set(v))
    };
    html! {
        <div class="card" id="request-detail">
            <h3>{ format!("{} · {} · {}", r.number, r.product, r.status.label()) }</h3>
            { facts(d) }
            if d.needs_admin && r.status == RequestStatus::Open { <p class="banner warn">{ "Above the approval limit: only an administrator may approve." }</p> }
            if r.status == RequestStatus::Open {
                <div class="grid2">
                    <div><Field id="approve-quantity" label="Quantity to order" value={(*quantity).clone()} oninput={text(&quantity)} /></div>
                    <div><Field id="approve-note" label="Note (optional)" value={(*note).clone()} oninput={text(&note)} /></div>
                </div>
                <div class="actions"><button id="request-approve" onclick={on_approve}>{ "Approve and send the purchase order" }</button></div>
            }
            if r.status == RequestStatus::Ordered {
                <div class="grid2">
                    <div><Field id="receive-quantity" label="Units received" value={(*receive).clone()} oninput={text(&receive)} /></div>
                    <div class="actions" style="align-items:end"><button id="request-receive" onclick={on_receive}>{ "Receive" }</button></div>
                </div>
            }
            if matches!(r.status, RequestStatus::Open | RequestStatus::Ordered) {
                <Field id="request-reason" label="Reason (to reject or cancel)" value={(*reason).clone()} oninput={text(&reason)} />
                <div class="actions">
                    if r.status == RequestStatus::Open { <button class="secondary" id="request-reject" onclick={on_reject}>{ "Reject" }</button> }
                    <button class="secondary" id="request-cancel" onclick={on_cancel}>{ "Cancel" }</button>
                </div>
            }
            { error_line("request-error", &error) }
            { history(d) }
        </div>
    }
}

/// A button running `action` with the request `req` makes at the click: the click forgets the
/// last refusal (`clear`), the reply goes to `settle`.
fn button<C>(
    action: &Action<C>,
    clear: &Callback<()>,
    settle: &Callback<RequestDetail>,
    req: impl Fn() -> C::Request + 'static,
) -> Callback<MouseEvent>
where
    C: Command<Reply = RequestDetail> + 'static,
    C::Request: 'static,
{
    let (action, clear, settle) = (action.clone(), clear.clone(), settle.clone());
    Callback::from(move |_: MouseEvent| {
        clear.emit(());
        let settle = settle.clone();
        action.run(req(), move |d| settle.emit(d));
    })
}

/// A quantity as typed; text that is no number is sent as 0.
fn num(s: &str) -> f64 {
    s.trim().parse().unwrap_or(0.0)
}

/// What the request is for: product, supplier, quantity and value, stock, purchase order.
fn facts(d: &RequestDetail) -> Html {
    let r = &d.request;
    html! {
        <table class="mail-meta"><tbody>
            <tr><th>{ "Product" }</th><td>{ format!("{} {}", r.sku, r.product) }</td></tr>
            <tr><th>{ "Supplier" }</th><td>{ r.supplier.clone().unwrap_or_else(|| "none".into()) }{ " · " }{ d.supplier_email.clone().unwrap_or_else(|| "no e-mail address".into()) }</td></tr>
            if r.cannot_notify { <tr><th></th><td class="error" id="request-cannot-notify">{ "Cannot notify: the supplier has no e-mail address. Contact them another way." }</td></tr> }
            <tr><th>{ "Quantity" }</th><td id="request-quantity">{ r.quantity }{ format!(" × {} = {}", money(d.unit_price), money(d.value)) }</td></tr>
            <tr><th>{ "Stock" }</th><td id="request-stock">{ format!("{} at trigger · {} now", r.stock_at_trigger, r.stock_now) }</td></tr>
            if let Some(po) = &r.po_number { <tr><th>{ "Purchase order" }</th><td id="request-po">{ format!("{po} · received {} of {}", r.po_received.unwrap_or(0), r.quantity) }</td></tr> }
            if let Some(n) = &d.note { <tr><th>{ "Note" }</th><td>{ n.clone() }</td></tr> }
            if let Some(n) = &d.reason { <tr><th>{ "Reason" }</th><td>{ n.clone() }</td></tr> }
        </tbody></table>
    }
}

/// The e-mails the request caused and its trail.
fn history(d: &RequestDetail) -> Html {
    html! {
        <>
            <h3>{ "E-mails" }</h3>
            if d.mails.is_empty() { <p class="muted">{ "None." }</p> }
            <table id="request-mails"><tbody>{ for d.mails.iter().map(|m| html! {
                <tr data-kind={m.kind.clone()}><td>{ m.kind.replace('_', " ") }</td><td>{ m.recipients.join(", ") }</td><td>{ m.subject.clone() }</td><td class="mail-status">{ m.status.clone() }</td></tr>
            }) }</tbody></table>
            <h3>{ "Trail" }</h3>
            <table id="request-trail"><tbody>{ for d.trail.iter().map(|t| html! {
                <tr><td>{ date_time(t.at) }</td><td>{ t.actor.clone() }</td><td>{ t.action.clone() }</td><td>{ t.detail.clone().unwrap_or_default() }</td></tr>
            }) }</tbody></table>
        </>
    }
}
