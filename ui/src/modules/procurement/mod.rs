//! The Procurement window: requests raised by low stock (with a badge for new ones), their
//! e-mails and trail, approve / reject / receive / cancel; the catalogue (search, edit,
//! deactivate, Excel in and out) and suppliers.

mod catalogue;
mod product_editor;
mod request_pane;
mod settings_card;

pub use settings_card::ProcurementSettingsCard;

use crate::common::data::use_command;
use crate::common::widgets::date_time;
use portdesk_types::api::*;
use portdesk_types::procurement::*;
use request_pane::RequestPane;
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
    let page = use_command::<ListRequests>(RequestQuery { status: *status });
    let open = use_state(|| None::<i64>);
    let bump = page.reload();
    let filter = |s: Option<RequestStatus>, label: String, id: String| {
        let st = status.clone();
        let class = if *status == s { "" } else { "secondary" };
        html! { <button id={id} class={class} onclick={Callback::from(move |_: MouseEvent| st.set(s))}>{ label }</button> }
    };
    let (counts, new_count) = page
        .data()
        .map_or((&[][..], 0), |p| (&p.counts[..], p.new_count));
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
                { match (page.data(), page.error()) {
                    (Some(p), _) if p.rows.is_empty() => html! { <p class="muted" id="requests-empty">{ "No requests." }</p> },
                    (Some(p), _) => html! {
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
                    (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
                    (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
                } }
            </div>
            if let Some(id) = *open { <RequestPane id={id} on_changed={bump} /> }
        </>
    }
}
