//! The stock grid: the count and totals, the sortable header, and the virtualised rows.

use super::text::fmt_num;
use crate::common::grid::VirtualGrid;
use portdesk_types::inventory::{InventoryPage, InventorySort};
use yew::prelude::*;

const ROW_H: f64 = 30.0;
const VIEW_ROWS: u32 = 18;

#[derive(Properties, PartialEq)]
pub(super) struct StockTableProps {
    /// The rows loaded around the first row in view.
    pub(super) page: InventoryPage,
    pub(super) sort: InventorySort,
    pub(super) descending: bool,
    /// A header was clicked: sort by it (again: the other way round).
    pub(super) on_sort: Callback<InventorySort>,
    pub(super) first: u32,
    pub(super) on_first: Callback<u32>,
    pub(super) selected: u32,
    pub(super) on_select: Callback<u32>,
}

#[function_component(StockTable)]
pub(super) fn stock_table(p: &StockTableProps) -> Html {
    let pg = &p.page;
    let header = |sort: InventorySort, label: &'static str| {
        let arrow = if p.sort == sort {
            if p.descending { " ▼" } else { " ▲" }
        } else {
            ""
        };
        let onclick = p.on_sort.reform(move |_: MouseEvent| sort);
        html! { <div class="inv-h" role="columnheader" id={format!("sort-{label}").to_lowercase().replace(' ', "-")} {onclick}>{ format!("{label}{arrow}") }</div> }
    };
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
                view_rows={VIEW_ROWS} row_height={ROW_H} first={p.first} on_first={p.on_first.clone()}
                selected={p.selected} on_select={p.on_select.clone()} {row} />
        </>
    }
}
