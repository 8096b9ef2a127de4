//! The Procurement window: requests raised by low stock (with a badge for new ones), their
//! e-mails and trail, approve / reject / receive / cancel; the catalogue (search, edit,
//! deactivate, Excel in and out) and suppliers.

mod catalogue;
mod product_editor;
mod settings_card;

pub use settings_card::ProcurementSettingsCard;

use crate::common::ipc::call;
use crate::common::widgets::{Field, date_time, error_line};
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::procurement::*;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Requests,
    Catalogue,
    Suppliers,
}

#[function_component(ProcurementWindow)]
pub fn procurement_window() -> Html {
    let tab = use_state(|| Tab::Requests);
    let pick = |t: Tab| {
        let tab = tab.clone();
        Callback::from(move |_: MouseEvent| tab.set(t))
    };
    let tab_button = |t: Tab, id: &'static str, label: &'static str| {
        html! { <button id={id} class={if *tab == t { "" } else { "secondary" }} onclick={pick(t)}>{ label }</button> }
    };
    html! {
        <>
            <div class="actions" style="margin:0 0 1rem">
                { tab_button(Tab::Requests, "tab-requests", "Requests") }
                { tab_button(Tab::Catalogue, "tab-catalogue", "Catalogue") }
                { tab_button(Tab::Suppliers, "tab-suppliers", "Suppliers") }
            </div>
            { match *tab {
                Tab::Requests => html! { <Requests /> },
                Tab::Catalogue => html! { <catalogue::Catalogue /> },
                Tab::Suppliers => html! { <catalogue::Suppliers /> },
            } }
        </>
    }
}

#[function_component(Requests)]
fn requests() -> Html {
    let status = use_state(|| Some(RequestStatus::Open));
    let page = use_state(|| None::<Result<RequestPage, ApiError>>);
    let open = use_state(|| None::<i64>);
    let reload = use_state(|| 0u32);
    {
        let page = page.clone();
        use_effect_with((*status, *reload), move |(s, _)| {
            let q = RequestQuery { status: *s };
            spawn_local(async move { page.set(Some(call::<ListRequests>(&q).await)) });
        });
    }
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_: ()| reload.set(*reload + 1))
    };
    let filter = |s: Option<RequestStatus>, label: String, id: String| {
        let st = status.clone();
        let class = if *status == s { "" } else { "secondary" };
        html! { <button id={id} class={class} onclick={Callback::from(move |_: MouseEvent| st.set(s))}>{ label }</button> }
    };
    let (counts, new_count) = match &*page {
        Some(Ok(p)) => (p.counts.clone(), p.new_count),
        _ => (Vec::new(), 0),
    };
    let count = |s: RequestStatus| counts.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
    let show = |id: i64| {
        let (open, bump) = (open.clone(), bump.clone());
        Callback::from(move |_: MouseEvent| {
            open.set(Some(id));
            bump.emit(());
        })
    };
    html! {
        <>
            <div class="card">
                <h2>
                    { "Procurement requests " }
                    if new_count > 0 { <span class="tag" id="procurement-badge" style="background:#fee2e2;padding:.1rem .5rem;border-radius:9px;font-size:.85rem">{ format!("{new_count} new") }</span> }
                </h2>
                <div class="chips">
                    { for RequestStatus::ALL.iter().map(|s| filter(Some(*s), format!("{} ({})", s.label(), count(*s)), format!("req-filter-{}", s.as_str()))) }
                    { filter(None, "All".into(), "req-filter-all".into()) }
                </div>
                { match &*page {
                    Some(Ok(p)) if p.rows.is_empty() => html! { <p class="muted" id="requests-empty">{ "No requests." }</p> },
                    Some(Ok(p)) => html! {
                        <table id="requests">
                            <thead><tr><th>{ "Request" }</th><th>{ "Product" }</th><th>{ "Supplier" }</th><th class="num">{ "Qty" }</th><th class="num">{ "Stock at trigger" }</th><th class="num">{ "Stock now" }</th><th>{ "Status" }</th><th>{ "Raised" }</th></tr></thead>
                            <tbody>{ for p.rows.iter().map(|r| html! {
                                <tr class={classes!("mail-row", (*open == Some(r.id)).then_some("sel"))} data-request={r.number.clone()} onclick={show(r.id)} tabindex="0">
                                    <td>{ r.number.clone() }{ if r.new { " •" } else { "" } }</td>
                                    <td>{ format!("{} {}", r.sku, r.product) }</td>
                                    <td>{ r.supplier.clone().unwrap_or_default() }
                                        if r.cannot_notify { <span class="error cannot-notify">{ " cannot notify" }</span> }</td>
                                    <td class="num">{ r.quantity }</td><td class="num">{ r.stock_at_trigger }</td>
                                    <td class="num stock-now">{ r.stock_now }</td>
                                    <td class="req-status">{ r.status.label() }{ r.po_number.as_ref().map(|po| format!(" · {po}")).unwrap_or_default() }</td>
                                    <td>{ date_time(r.created_at) }</td>
                                </tr>
                            }) }</tbody>
                        </table>
                    },
                    Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
                    None => html! { <p class="muted">{ "Loading…" }</p> },
                } }
            </div>
            if let Some(id) = *open { <RequestPane id={id} on_changed={bump} /> }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct PaneProps {
    id: i64,
    on_changed: Callback<()>,
}

#[function_component(RequestPane)]
fn request_pane(p: &PaneProps) -> Html {
    let detail = use_state(|| None::<Result<RequestDetail, ApiError>>);
    let quantity = use_state(String::new);
    let note = use_state(String::new);
    let reason = use_state(String::new);
    let receive = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    {
        let (detail, quantity, receive) = (detail.clone(), quantity.clone(), receive.clone());
        use_effect_with(p.id, move |id| {
            let id = *id;
            spawn_local(async move {
                let d = call::<GetRequest>(&RequestRef { id }).await;
                if let Ok(d) = &d {
                    quantity.set(d.request.quantity.to_string());
                    let left = d.request.quantity - d.request.po_received.unwrap_or(0);
                    receive.set(left.to_string());
                }
                detail.set(Some(d));
            });
        });
    }
    let Some(Ok(d)) = &*detail else {
        return match &*detail {
            Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
            _ => html! {},
        };
    };
    // One way to run an action: the reply replaces the pane, the list reloads.
    let run = |what: &'static str| {
        let (detail, error, on_changed, id) =
            (detail.clone(), error.clone(), p.on_changed.clone(), p.id);
        let (quantity, note, reason, receive) = (
            quantity.clone(),
            note.clone(),
            reason.clone(),
            receive.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (detail, error, on_changed) = (detail.clone(), error.clone(), on_changed.clone());
            let num = |s: &str| s.trim().parse::<f64>().unwrap_or(0.0);
            let (q, n, r, rc) = (
                num(&quantity),
                (*note).clone(),
                (*reason).clone(),
                num(&receive),
            );
            spawn_local(async move {
                let reply = match what {
                    "approve" => {
                        call::<ApproveProcurement>(&ApproveRequest {
                            id,
                            quantity: Some(q),
                            note: n,
                        })
                        .await
                    }
                    "reject" => call::<RejectProcurement>(&RejectRequest { id, reason: r }).await,
                    "cancel" => call::<CancelProcurement>(&RejectRequest { id, reason: r }).await,
                    _ => call::<ReceivePurchaseOrder>(&ReceiveRequest { id, quantity: rc }).await,
                };
                match reply {
                    Ok(d) => {
                        error.set(None);
                        detail.set(Some(Ok(d)));
                        on_changed.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let r = &d.request;
    html! {
        <div class="card" id="request-detail">
            <h3>{ format!("{} · {} · {}", r.number, r.product, r.status.label()) }</h3>
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
            if d.needs_admin && r.status == RequestStatus::Open { <p class="banner warn">{ "Above the approval limit: only an administrator may approve." }</p> }
            if r.status == RequestStatus::Open {
                <div class="grid2">
                    <div><Field id="approve-quantity" label="Quantity to order" value={(*quantity).clone()} oninput={{ let s = quantity.clone(); Callback::from(move |v| s.set(v)) }} /></div>
                    <div><Field id="approve-note" label="Note (optional)" value={(*note).clone()} oninput={{ let s = note.clone(); Callback::from(move |v| s.set(v)) }} /></div>
                </div>
                <div class="actions"><button id="request-approve" onclick={run("approve")}>{ "Approve and send the purchase order" }</button></div>
            }
            if r.status == RequestStatus::Ordered {
                <div class="grid2">
                    <div><Field id="receive-quantity" label="Units received" value={(*receive).clone()} oninput={{ let s = receive.clone(); Callback::from(move |v| s.set(v)) }} /></div>
                    <div class="actions" style="align-items:end"><button id="request-receive" onclick={run("receive")}>{ "Receive" }</button></div>
                </div>
            }
            if matches!(r.status, RequestStatus::Open | RequestStatus::Ordered) {
                <Field id="request-reason" label="Reason (to reject or cancel)" value={(*reason).clone()} oninput={{ let s = reason.clone(); Callback::from(move |v| s.set(v)) }} />
                <div class="actions">
                    if r.status == RequestStatus::Open { <button class="secondary" id="request-reject" onclick={run("reject")}>{ "Reject" }</button> }
                    <button class="secondary" id="request-cancel" onclick={run("cancel")}>{ "Cancel" }</button>
                </div>
            }
            { error_line("request-error", &error) }
            <h3>{ "E-mails" }</h3>
            if d.mails.is_empty() { <p class="muted">{ "None." }</p> }
            <table id="request-mails"><tbody>{ for d.mails.iter().map(|m| html! {
                <tr data-kind={m.kind.clone()}><td>{ m.kind.replace('_', " ") }</td><td>{ m.recipients.join(", ") }</td><td>{ m.subject.clone() }</td><td class="mail-status">{ m.status.clone() }</td></tr>
            }) }</tbody></table>
            <h3>{ "Trail" }</h3>
            <table id="request-trail"><tbody>{ for d.trail.iter().map(|t| html! {
                <tr><td>{ date_time(t.at) }</td><td>{ t.actor.clone() }</td><td>{ t.action.clone() }</td><td>{ t.detail.clone().unwrap_or_default() }</td></tr>
            }) }</tbody></table>
        </div>
    }
}
