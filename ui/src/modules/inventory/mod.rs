//! The Inventory window: a customer's stock from the local cache, refreshed from the ERP.
//! The grid is virtualised: only the rows in view are in the page, fetched by offset.

mod text;
use text::{age, fmt_num, grouped, same_customer, when};

mod picker;
use picker::CustomerPicker;

mod refresh;
use refresh::{RefreshAction, RefreshState};

mod export_card;
mod settings_card;
pub use settings_card::InventorySettingsCard;

use crate::common::grid::VirtualGrid;
use crate::common::ipc::{call, subscribe};
use crate::common::widgets::Field;
use gloo_timers::callback::Interval;
use portdesk_types::api::{
    CancelRefresh, ErpCustomer, ErpCustomerQuery, ErpCustomers, GetInventorySettings,
    QueryInventory, RefreshInventory, SessionInfo,
};
use portdesk_types::events::InventoryRefreshEvent;
use portdesk_types::inventory::*;
use portdesk_types::{ApiError, ErrorKind, Role};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

const ROW_H: f64 = 30.0;
const VIEW_ROWS: u32 = 18;
const PAGE: u32 = 200;

#[derive(Properties, PartialEq)]
pub struct InventoryProps {
    pub me: SessionInfo,
    pub allow_export: bool,
    /// At a kiosk there is no auto-refresh: every command counts as activity for the idle
    /// sign-out, so a timer would keep a forgotten session open.
    #[prop_or_default]
    pub kiosk: bool,
}

#[function_component(InventoryWindow)]
pub fn inventory_page(p: &InventoryProps) -> Html {
    let staff = p.me.role != Role::Customer;
    // The ERP customer code on screen (the cache and every command key on it) and its name
    // for display. A customer account's own code comes from the core, never from a pick.
    let customer = use_state(|| {
        if staff {
            None
        } else {
            p.me.erp_customer_code.clone()
        }
    });
    let customer_name = use_state(|| {
        if staff {
            None
        } else {
            p.me.erp_customer.clone()
        }
    });
    // A customer account signed in before it was linked: the core links it (or says why it
    // cannot) at the first inventory command.
    let unlinked = use_state(|| None::<ApiError>);
    {
        let (customer, customer_name, unlinked) =
            (customer.clone(), customer_name.clone(), unlinked.clone());
        let ask = !staff && customer.is_none();
        use_effect_with(ask, move |ask| {
            if *ask {
                spawn_local(async move {
                    match call::<QueryInventory>(&InventoryQuery::default()).await {
                        Ok(pg) => {
                            customer_name.set(Some(pg.customer_name.clone()));
                            customer.set(Some(pg.customer_code));
                        }
                        Err(e) => unlinked.set(Some(e)),
                    }
                });
            }
        });
    }
    let filter = use_state(InventoryFilter::default);
    let page = use_state(|| None::<Result<InventoryPage, ApiError>>);
    let first = use_state(|| 0u32);
    let selected = use_state(|| 0u32);
    let state = {
        let c = (*customer).clone();
        use_reducer(move || RefreshState {
            customer: c,
            ..Default::default()
        })
    };
    let auto_minutes = use_state_eq(|| 0u32);
    // The customer on screen, for the refresh events and replies.
    {
        let dispatch = state.dispatcher();
        use_effect_with((*customer).clone(), move |c| {
            dispatch.dispatch(RefreshAction::Show(c.clone()))
        });
    }
    // Progress of any refresh, from whichever window started it; the state keeps only the
    // customer on screen.
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let sub = subscribe::<InventoryRefreshEvent>(move |p: RefreshProgress| {
                dispatch.dispatch(RefreshAction::Event(p))
            });
            move || drop(sub)
        });
    }
    // Auto-refresh: read the interval on opening and whenever the window gets the focus, so
    // a change in Settings reaches windows already open. A failure leaves it as it was (off
    // unless read before). No timer polls it: any command would count as activity.
    {
        let auto_minutes = auto_minutes.clone();
        use_effect_with(p.kiosk, move |kiosk| {
            let kiosk = *kiosk;
            auto_minutes.set(0);
            let load = move || {
                if kiosk {
                    return;
                }
                let auto_minutes = auto_minutes.clone();
                spawn_local(async move {
                    if let Ok(s) = call::<GetInventorySettings>(&()).await {
                        auto_minutes.set(s.auto_refresh_minutes.min(1440));
                    }
                });
            };
            load();
            let on_focus = Closure::<dyn FnMut()>::new(load);
            let win = web_sys::window();
            if let Some(w) = &win {
                let _ =
                    w.add_event_listener_with_callback("focus", on_focus.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &win {
                    let _ = w.remove_event_listener_with_callback(
                        "focus",
                        on_focus.as_ref().unchecked_ref(),
                    );
                }
                drop(on_focus);
            }
        });
    }

    let full_filter = InventoryFilter {
        customer_code: (*customer).clone(),
        ..(*filter).clone()
    };
    // Load the page around the first visible row whenever the filter or scroll window moves.
    let window_offset = first.saturating_sub(PAGE / 4) / (PAGE / 2) * (PAGE / 2);
    {
        let page = page.clone();
        use_effect_with(
            (full_filter.clone(), window_offset, state.reloads),
            move |(f, offset, _)| {
                if f.customer_code.is_some() {
                    let q = InventoryQuery {
                        filter: f.clone(),
                        offset: *offset,
                        limit: PAGE,
                    };
                    spawn_local(async move { page.set(Some(call::<QueryInventory>(&q).await)) });
                }
            },
        );
    }
    let refresh = {
        let (customer, dispatch) = (customer.clone(), state.dispatcher());
        Callback::from(move |_: ()| {
            let Some(c) = (*customer).clone() else { return };
            let dispatch = dispatch.clone();
            dispatch.dispatch(RefreshAction::Call(c.clone()));
            spawn_local(async move {
                let req = RefreshRequest {
                    customer_code: Some(c.clone()),
                };
                let r = call::<RefreshInventory>(&req).await;
                dispatch.dispatch(RefreshAction::Reply(c, r));
            });
        })
    };
    let running = (*customer)
        .as_deref()
        .is_some_and(|c| state.shows(c) && state.running());
    // Each auto-refresh tick acts on what the window shows at that moment.
    let tick = use_mut_ref(Callback::<()>::noop);
    *tick.borrow_mut() = {
        let refresh = refresh.clone();
        Callback::from(move |_: ()| {
            if !running {
                refresh.emit(());
            }
        })
    };
    {
        let tick = tick.clone();
        use_effect_with(*auto_minutes, move |m| {
            let every = (*m > 0).then(|| {
                Interval::new(m.min(&1440) * 60_000, move || {
                    let cb = tick.borrow().clone();
                    cb.emit(());
                })
            });
            move || drop(every)
        });
    }
    let cancel = {
        let (customer, dispatch) = (customer.clone(), state.dispatcher());
        Callback::from(move |_: MouseEvent| {
            let Some(c) = (*customer).clone() else { return };
            let dispatch = dispatch.clone();
            dispatch.dispatch(RefreshAction::Cancel);
            spawn_local(async move {
                let req = RefreshRequest {
                    customer_code: Some(c.clone()),
                };
                let r = call::<CancelRefresh>(&req).await;
                dispatch.dispatch(RefreshAction::Cancelled(c, r));
            });
        })
    };
    // First open of a customer with nothing cached: fetch from the ERP.
    {
        let refresh = refresh.clone();
        let never = matches!(&*page, Some(Ok(pg)) if pg.as_of.is_none());
        use_effect_with(((*customer).clone(), never), move |(_, never)| {
            if *never {
                refresh.emit(());
            }
        });
    }

    let set_f = |f: fn(&mut InventoryFilter, String)| {
        let (filter, first) = (filter.clone(), first.clone());
        Callback::from(move |v: String| {
            let mut next = (*filter).clone();
            f(&mut next, v);
            filter.set(next);
            first.set(0);
        })
    };
    let header = |sort: InventorySort, label: &'static str| {
        let filter = filter.clone();
        let arrow = if filter.sort == sort {
            if filter.descending { " ▼" } else { " ▲" }
        } else {
            ""
        };
        let onclick = Callback::from(move |_: MouseEvent| {
            let mut f = (*filter).clone();
            f.descending = f.sort == sort && !f.descending;
            f.sort = sort;
            filter.set(f);
        });
        html! { <div class="inv-h" role="columnheader" id={format!("sort-{label}").to_lowercase().replace(' ', "-")} {onclick}>{ format!("{label}{arrow}") }</div> }
    };
    let picker = if staff {
        html! { <CustomerPicker on_pick={{ let (c, n, f) = (customer.clone(), customer_name.clone(), first.clone()); Callback::from(move |picked: ErpCustomer| { n.set(Some(picked.name)); c.set(Some(picked.code)); f.set(0); }) }} current={(*customer).clone()} /> }
    } else {
        html! {}
    };
    let Some(cust) = (*customer).clone() else {
        if let Some(e) = &*unlinked {
            return html! { <div class="card"><p class="error" id="inventory-unlinked">{ e.message.clone() }</p></div> };
        }
        let hint = if staff {
            "Choose an ERP customer to see their stock."
        } else {
            "Reading your account…"
        };
        return html! { <>{ picker }<div class="card"><p class="muted" id="inventory-hint">{ hint }</p></div></> };
    };
    // The ERP's name as of the last refresh (it follows a rename), else the one picked.
    let cust_name = match &*page {
        Some(Ok(pg)) if same_customer(&pg.customer_code, &cust) && !pg.customer_name.is_empty() => {
            pg.customer_name.clone()
        }
        _ => (*customer_name).clone().unwrap_or_else(|| cust.clone()),
    };

    let status = match &*page {
        Some(Ok(pg)) => {
            let as_of = pg
                .as_of
                .map(|t| format!("as of {} ({})", when(t), age(t)))
                .unwrap_or_else(|| "not fetched yet".into());
            html! {
                <div class="actions" style="margin-top:0">
                    <strong id="inventory-customer">{ cust_name.clone() }</strong>
                    <span class="muted" id="inventory-customer-code">{ format!("ERP code {cust}") }</span>
                    <span class="muted" id="inventory-as-of">{ as_of }</span>
                    <button class="secondary" id="inventory-refresh" disabled={running} onclick={refresh.reform(|_: MouseEvent| ())}>{ "Refresh from the ERP" }</button>
                </div>
            }
        }
        _ => html! {},
    };
    let refresh_error = if state.shows(&cust) {
        state.error.clone()
    } else {
        None
    };
    let banner = match (&refresh_error, &*page) {
        (Some(e), Some(Ok(pg))) if pg.as_of.is_some() => html! {
            <div class="banner warn" id="inventory-stale">{ format!("The ERP could not be read ({}). Showing the saved copy from {} ({}).", e.message, when(pg.as_of.unwrap_or(0)), age(pg.as_of.unwrap_or(0))) }</div>
        },
        (Some(e), _) => {
            html! { <div class="banner err" id="inventory-stale">{ format!("No stock to show: the ERP could not be read and nothing is saved on this computer yet. {}", e.message) }</div> }
        }
        _ => html! {},
    };
    // Said by the core about the local copy itself (e.g. a damaged file was set aside).
    let cache_notice = match &*page {
        Some(Ok(pg)) => match &pg.notice {
            Some(n) => {
                html! { <div class="banner warn" id="inventory-cache-notice">{ n.clone() }</div> }
            }
            None => html! {},
        },
        _ => html! {},
    };
    let as_of = match &*page {
        Some(Ok(pg)) if same_customer(&pg.customer_code, &cust) => pg.as_of,
        _ => None,
    };
    let shown = state
        .progress
        .as_ref()
        .filter(|p| state.shows(&cust) && same_customer(&p.customer_code, &cust));
    let status_line = shown.map(|p| match p.phase {
        RefreshPhase::Reading => ("muted", "Reading from the ERP…".to_owned()),
        RefreshPhase::Writing => (
            "muted",
            match (p.rows_total, p.percent()) {
                (Some(t), Some(pct)) => format!(
                    "Saving {} of {} rows ({pct} %)",
                    grouped(p.rows_done),
                    grouped(t)
                ),
                _ => format!("Saving {} rows…", grouped(p.rows_done)),
            },
        ),
        RefreshPhase::Done => (
            "ok",
            match p.rows_done {
                1 => "Refreshed 1 row".to_owned(),
                n => format!("Refreshed {} rows", grouped(n)),
            },
        ),
        RefreshPhase::Cancelled => (
            "muted",
            match as_of {
                Some(t) => format!("Refresh cancelled; the copy from {} is kept.", when(t)),
                None => "Refresh cancelled; nothing is saved on this computer yet.".to_owned(),
            },
        ),
        RefreshPhase::Failed => (
            "error",
            p.message
                .clone()
                .unwrap_or_else(|| "The refresh failed.".to_owned()),
        ),
    });
    // While running without any progress yet (the reply of this window's call is awaited).
    let status_line =
        status_line.or_else(|| running.then(|| ("muted", "Reading from the ERP…".to_owned())));
    let percent = shown
        .filter(|p| p.phase == RefreshPhase::Writing)
        .and_then(|p| p.percent());
    let refresh_line = html! {
        <div class="refresh-line">
            if running {
                <progress id="refresh-progress" max="100" value={percent.map(|v| AttrValue::from(v.to_string()))}
                    aria-label="Refresh progress"></progress>
            }
            if let Some((class, text)) = status_line {
                <span id="refresh-status" class={class} role="status">{ text }</span>
            }
            if running {
                <button class="secondary" id="refresh-cancel" disabled={state.cancelling} onclick={cancel}>
                    { if state.cancelling { "Cancelling…" } else { "Cancel" } }
                </button>
            }
            if let Some(e) = state.cancel_error.as_ref().filter(|_| state.shows(&cust)) {
                <span class="error" id="refresh-cancel-error">{ e.clone() }</span>
            }
            if *auto_minutes > 0 {
                <span class="muted" id="auto-refresh-note">{ format!("Refreshes every {} min", *auto_minutes) }</span>
            }
        </div>
    };
    let grid = match &*page {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(pg)) => {
            let row = {
                let pg = pg.clone();
                Callback::from(move |i: u32| {
                    let r = pg.rows.get(i.checked_sub(pg.offset)? as usize)?;
                    Some(html! {
                        <>
                            <div>{ r.part.clone() }</div><div>{ r.description.clone() }</div><div>{ r.bin.clone() }</div>
                            <div>{ r.lot.clone().unwrap_or_default() }</div>
                            <div class="num">{ fmt_num(r.on_hand) }</div><div class="num">{ fmt_num(r.allocated) }</div><div class="num">{ fmt_num(r.available) }</div>
                            <div>{ r.unit.clone() }</div><div>{ r.last_received.clone().unwrap_or_default() }</div><div class="num">{ fmt_num(r.value) }</div>
                        </>
                    })
                })
            };
            let on_first = {
                let first = first.clone();
                Callback::from(move |i| first.set(i))
            };
            let on_select = {
                let selected = selected.clone();
                Callback::from(move |i| selected.set(i))
            };
            html! {
                <>
                    <p class="muted" id="inventory-count">{ format!("{} row(s) · on hand {} · allocated {} · available {}", pg.total, fmt_num(Some(pg.totals.on_hand)), fmt_num(Some(pg.totals.allocated)), fmt_num(Some(pg.totals.available))) }</p>
                    <div class="inv-head" role="row">
                        { header(InventorySort::Part, "Part") }{ header(InventorySort::Description, "Description") }{ header(InventorySort::Bin, "Bin") }
                        { header(InventorySort::Lot, "Lot") }{ header(InventorySort::OnHand, "On hand") }{ header(InventorySort::Allocated, "Allocated") }
                        { header(InventorySort::Available, "Available") }{ header(InventorySort::Unit, "Unit") }{ header(InventorySort::LastReceived, "Received") }
                        { header(InventorySort::Value, "Value") }
                    </div>
                    <VirtualGrid id="inventory-grid" class="inv-grid" row_class="inv-row" total={pg.total as u32}
                        view_rows={VIEW_ROWS} row_height={ROW_H} first={*first} {on_first}
                        selected={*selected} {on_select} {row} />
                </>
            }
        }
    };
    html! {
        <>
            { picker }
            if running { <div class="banner info" id="inventory-progress">{ format!("Fetching {cust_name}'s stock from the ERP…") }</div> }
            { banner }
            { cache_notice }
            <div class="card">
                { status }
                { refresh_line }
                <div class="grid3">
                    <div><Field id="inv-part" label="Part starts with" value={filter.part_prefix.clone()} oninput={set_f(|f, v| f.part_prefix = v)} /></div>
                    <div><Field id="inv-bin" label="Bin starts with" value={filter.bin_prefix.clone()} oninput={set_f(|f, v| f.bin_prefix = v)} /></div>
                    <div><Field id="inv-text" label="Contains" value={filter.text.clone()} oninput={set_f(|f, v| f.text = v)} /></div>
                </div>
                { grid }
            </div>
            if p.allow_export {
                <export_card::ExportCard filter={full_filter.clone()} kiosk={p.kiosk} />
            }
        </>
    }
}
