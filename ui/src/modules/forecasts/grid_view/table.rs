//! The grid's table: the months' heads, the virtualised rows, the month totals and the chart
//! of all lines or the selected one.

use crate::common::grid::VirtualGrid;
use crate::modules::forecasts::chart::ForecastChart;
use portdesk_types::forecasts::Grid;
use std::rc::Rc;
use yew::prelude::*;

const ROW_H: f64 = 34.0;
const VIEW_ROWS: u32 = 14;

#[derive(Properties, PartialEq)]
pub(super) struct TableProps {
    pub(super) grid: Rc<Grid>,
    /// The cells of each row (`cells::row_cells`).
    pub(super) row: Callback<u32, Option<Html>>,
    pub(super) first: u32,
    pub(super) on_first: Callback<u32>,
    pub(super) selected: u32,
    pub(super) on_select: Callback<u32>,
    /// The chart shows every line, else the selected one.
    pub(super) whole_chart: bool,
    pub(super) on_whole_chart: Callback<()>,
}

#[function_component(GridTable)]
pub(super) fn grid_table(p: &TableProps) -> Html {
    let g = &p.grid;
    let months = &g.cycle.months;
    let columns = format!(
        "grid-template-columns: 14rem repeat({}, 4.6rem) 5rem",
        months.len()
    );
    let on_whole_chart = p.on_whole_chart.reform(|_: Event| ());
    html! {
        <>
            <div class="fc-head" style={columns.clone()}>
                <div>{ "Customer · product" }</div>
                <div class="num" title="Sales in the 12 months before the cycle">{ "Last 12 m" }</div>
                { for months.iter().map(|m| html! { <div class="num">{ m.clone() }</div> }) }
                <div class="num">{ "Total" }</div>
            </div>
            <div style={format!("--fc-cols:{}", months.len())} class="fc-wrap" data-columns={columns.clone()}>
                <VirtualGrid id="fc-grid" class="inv-grid fc-grid" row_class="fc-row" total={g.rows.len() as u32}
                    view_rows={VIEW_ROWS.min(g.rows.len() as u32).max(1)} row_height={ROW_H} first={p.first}
                    on_first={p.on_first.clone()} selected={p.selected} on_select={p.on_select.clone()} row={p.row.clone()} />
            </div>
            <div class="fc-head" id="fc-month-totals" style={columns}>
                <div>{ "Total" }</div>
                <div class="num muted">{ g.rows.iter().map(|r| r.last_12_months).sum::<i64>() }</div>
                { for g.month_totals.iter().map(|t| html! { <div class="num">{ *t }</div> }) }
                <div class="num">{ g.month_totals.iter().sum::<i64>() }</div>
            </div>
            { match g.rows.get(p.selected as usize).filter(|_| !p.whole_chart) {
                Some(r) => html! { <ForecastChart title={format!("{} · {}", r.customer, r.part)} months={months.clone()}
                    forecast={r.cells.iter().map(|c| c.quantity.unwrap_or(0)).collect::<Vec<_>>()} year_before={r.history.clone()} /> },
                None => html! { <ForecastChart title="All lines" months={months.clone()}
                    forecast={g.month_totals.clone()} year_before={g.history_totals.clone()} /> },
            } }
            <label class="check"><input type="checkbox" id="fc-chart-all" checked={p.whole_chart}
                onchange={on_whole_chart} />{ " Chart all lines (else the selected line)" }</label>
        </>
    }
}
