//! The stock of the customer on screen: banners, the refresh line, the filter, the grid and
//! the export card.

use super::export_card::ExportCard;
use super::refresh::RefreshState;
use super::refresh_line::RefreshLine;
use super::table::StockTable;
use super::text::{age, same_customer, when};
use crate::common::data::use_command;
use crate::common::widgets::Field;
use portdesk_types::api::QueryInventory;
use portdesk_types::inventory::{InventoryFilter, InventoryQuery, InventorySort};
use yew::prelude::*;

/// Rows fetched per query, around the first row in view.
const PAGE: u32 = 200;

#[derive(Properties, PartialEq)]
pub(super) struct StockProps {
    /// The ERP customer code on screen, and the name it was picked by.
    pub(super) customer: String,
    pub(super) picked_name: Option<String>,
    /// The first row in view.
    pub(super) first: u32,
    pub(super) on_first: Callback<u32>,
    pub(super) refresh: RefreshState,
    /// A refresh of this customer is running.
    pub(super) running: bool,
    pub(super) on_refresh: Callback<()>,
    pub(super) on_cancel: Callback<MouseEvent>,
    pub(super) auto_minutes: u32,
    pub(super) allow_export: bool,
    pub(super) kiosk: bool,
}

#[function_component(Stock)]
pub(super) fn stock(p: &StockProps) -> Html {
    let filter = use_state(InventoryFilter::default);
    let selected = use_state(|| 0u32);
    let full_filter = InventoryFilter {
        customer_code: Some(p.customer.clone()),
        ..(*filter).clone()
    };
    // The page around the first visible row, loaded again whenever the filter or the scroll
    // window moves.
    let page = use_command::<QueryInventory>(InventoryQuery {
        filter: full_filter.clone(),
        offset: p.first.saturating_sub(PAGE / 4) / (PAGE / 2) * (PAGE / 2),
        limit: PAGE,
    });
    // A refresh saved new rows: the same query again (not on opening, it has just run).
    {
        let reload = page.reload();
        let seen = use_mut_ref(|| p.refresh.reloads);
        use_effect_with(p.refresh.reloads, move |&n| {
            if seen.replace(n) != n {
                reload.emit(());
            }
        });
    }
    // First open of a customer with nothing cached: fetch from the ERP.
    {
        let refresh = p.on_refresh.clone();
        let never = page.data().is_some_and(|pg| pg.as_of.is_none());
        use_effect_with((p.customer.clone(), never), move |(_, never)| {
            if *never {
                refresh.emit(());
            }
        });
    }

    let cust = &p.customer;
    let pg = page.data();
    // The ERP's name as of the last refresh (it follows a rename), else the one picked.
    let cust_name = match pg {
        Some(pg) if same_customer(&pg.customer_code, cust) && !pg.customer_name.is_empty() => {
            pg.customer_name.clone()
        }
        _ => p.picked_name.clone().unwrap_or_else(|| cust.clone()),
    };
    let status = match pg {
        Some(pg) => {
            let as_of = pg
                .as_of
                .map(|t| format!("as of {} ({})", when(t), age(t)))
                .unwrap_or_else(|| "not fetched yet".into());
            html! {
                <div class="actions" style="margin-top:0">
                    <strong id="inventory-customer">{ cust_name.clone() }</strong>
                    <span class="muted" id="inventory-customer-code">{ format!("ERP code {cust}") }</span>
                    <span class="muted" id="inventory-as-of">{ as_of }</span>
                    <button class="secondary" id="inventory-refresh" disabled={p.running} onclick={p.on_refresh.reform(|_: MouseEvent| ())}>{ "Refresh from the ERP" }</button>
                </div>
            }
        }
        None => html! {},
    };
    let shows = p.refresh.shows(cust);
    let banner = match (p.refresh.error.as_ref().filter(|_| shows), pg) {
        (Some(e), Some(pg)) if pg.as_of.is_some() => html! {
            <div class="banner warn" id="inventory-stale">{ format!("The ERP could not be read ({}). Showing the saved copy from {} ({}).", e.message, when(pg.as_of.unwrap_or(0)), age(pg.as_of.unwrap_or(0))) }</div>
        },
        (Some(e), _) => {
            html! { <div class="banner err" id="inventory-stale">{ format!("No stock to show: the ERP could not be read and nothing is saved on this computer yet. {}", e.message) }</div> }
        }
        _ => html! {},
    };
    // Said by the core about the local copy itself (e.g. a damaged file was set aside).
    let cache_notice = match pg.and_then(|pg| pg.notice.as_ref()) {
        Some(n) => {
            html! { <div class="banner warn" id="inventory-cache-notice">{ n.clone() }</div> }
        }
        None => html! {},
    };
    let as_of = pg
        .filter(|pg| same_customer(&pg.customer_code, cust))
        .and_then(|pg| pg.as_of);
    let progress = p
        .refresh
        .progress
        .clone()
        .filter(|pr| shows && same_customer(&pr.customer_code, cust));
    let cancel_error = p.refresh.cancel_error.clone().filter(|_| shows);

    let set_f = |f: fn(&mut InventoryFilter, String)| {
        let (filter, on_first) = (filter.clone(), p.on_first.clone());
        Callback::from(move |v: String| {
            let mut next = (*filter).clone();
            f(&mut next, v);
            filter.set(next);
            on_first.emit(0);
        })
    };
    let on_sort = {
        let filter = filter.clone();
        Callback::from(move |sort: InventorySort| {
            let mut f = (*filter).clone();
            f.descending = f.sort == sort && !f.descending;
            f.sort = sort;
            filter.set(f);
        })
    };
    let grid = match (pg, page.error()) {
        (Some(pg), _) => html! {
            <StockTable page={pg.clone()} sort={filter.sort} descending={filter.descending} {on_sort}
                first={p.first} on_first={p.on_first.clone()} selected={*selected}
                on_select={{ let selected = selected.clone(); Callback::from(move |i| selected.set(i)) }} />
        },
        (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
    };
    html! {
        <>
            if p.running { <div class="banner info" id="inventory-progress">{ format!("Fetching {cust_name}'s stock from the ERP…") }</div> }
            { banner }
            { cache_notice }
            <div class="card">
                { status }
                <RefreshLine running={p.running} {progress} {as_of} cancelling={p.refresh.cancelling}
                    {cancel_error} auto_minutes={p.auto_minutes} on_cancel={p.on_cancel.clone()} />
                <div class="grid3">
                    <div><Field id="inv-part" label="Part starts with" value={filter.part_prefix.clone()} oninput={set_f(|f, v| f.part_prefix = v)} /></div>
                    <div><Field id="inv-bin" label="Bin starts with" value={filter.bin_prefix.clone()} oninput={set_f(|f, v| f.bin_prefix = v)} /></div>
                    <div><Field id="inv-text" label="Contains" value={filter.text.clone()} oninput={set_f(|f, v| f.text = v)} /></div>
                </div>
                { grid }
            </div>
            if p.allow_export {
                <ExportCard filter={full_filter} kiosk={p.kiosk} />
            }
        </>
    }
}
