//! The cycle report (.xlsx, admin): every rep's status and totals, every grid line with its
//! months, the forecast by customer and by product, and by month beside the same months a year
//! earlier, with a chart of the two.

use crate::error::Result;
use crate::files::{finish_sheet, save_workbook, start_sheet, xlsx_error as xerr};
use crate::store::Store;
use portdesk_types::forecasts::{ForecastSummary, Grid, RepStatus, SummaryRow};
use std::collections::BTreeMap;
use std::path::Path;

/// Every active rep's status and grid in the cycle.
async fn grids(store: &Store, cycle_id: i64) -> Result<Vec<(RepStatus, Grid)>> {
    let reps = super::status(store, cycle_id).await?;
    let mut out = Vec::with_capacity(reps.len());
    for r in reps {
        let g = super::grid(store, cycle_id, r.rep_id).await?;
        out.push((r, g));
    }
    Ok(out)
}

/// The report's totals: by rep (in the reps' order), by customer and by product (by name).
fn totals(grids: &[(RepStatus, Grid)]) -> ForecastSummary {
    let mut by_customer: BTreeMap<(String, String), SummaryRow> = BTreeMap::new();
    let mut by_product: BTreeMap<String, SummaryRow> = BTreeMap::new();
    let mut by_rep = Vec::with_capacity(grids.len());
    for (r, g) in grids {
        by_rep.push(SummaryRow {
            key: r.rep_id.to_string(),
            label: r.name.clone(),
            detail: g.status.as_str().into(),
            forecast: g.month_totals.iter().sum(),
            year_before: g.history_totals.iter().sum(),
        });
        for line in &g.rows {
            let before: i64 = line.history.iter().sum();
            let c = by_customer
                .entry((line.customer.clone(), line.customer_code.clone()))
                .or_insert_with(|| SummaryRow {
                    key: line.customer_code.clone(),
                    label: line.customer.clone(),
                    detail: r.name.clone(),
                    forecast: 0,
                    year_before: 0,
                });
            c.forecast += line.total;
            c.year_before += before;
            let p = by_product
                .entry(line.part.clone())
                .or_insert_with(|| SummaryRow {
                    key: line.part.clone(),
                    label: line.part.clone(),
                    detail: String::new(),
                    forecast: 0,
                    year_before: 0,
                });
            p.forecast += line.total;
            p.year_before += before;
        }
    }
    ForecastSummary {
        by_rep,
        by_customer: by_customer.into_values().collect(),
        by_product: by_product.into_values().collect(),
    }
}

/// The report for the window.
pub async fn summary(store: &Store, cycle_id: i64) -> Result<ForecastSummary> {
    super::cycle(store, cycle_id).await?;
    Ok(totals(&grids(store, cycle_id).await?))
}

/// What the report held: grid lines (customer × part, all reps).
pub async fn write(store: &Store, cycle_id: i64, path: &Path) -> Result<u64> {
    let cycle = super::cycle(store, cycle_id).await?;
    let grids = grids(store, cycle_id).await?;
    let sums = totals(&grids);
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<u64> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let pct = rust_xlsxwriter::Format::new().set_num_format("0.0%");
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
        let n = cycle.months.len();

        // Summary: one row per rep.
        let cols = [
            ("Sales rep", 24.0),
            ("Customers", 11.0),
            ("Lines", 9.0),
            ("Status", 11.0),
            ("Submitted at (UTC)", 18.0),
            ("Forecast", 12.0),
            ("Same months a year earlier", 14.0),
            ("Change", 9.0),
        ];
        let ws = start_sheet(&mut wb, "Summary", &cols)?;
        for (i, (r, g)) in grids.iter().enumerate() {
            let row = i as u32 + 1;
            let forecast: i64 = g.month_totals.iter().sum();
            let before: i64 = g.history_totals.iter().sum();
            ws.write_string(row, 0, &r.name).map_err(xerr)?;
            ws.write_number(row, 1, r.customers as f64).map_err(xerr)?;
            ws.write_number(row, 2, g.rows.len() as f64).map_err(xerr)?;
            ws.write_string(row, 3, g.status.as_str()).map_err(xerr)?;
            if let Some(at) = r
                .submitted_at
                .and_then(chrono::DateTime::from_timestamp_millis)
            {
                ws.write_datetime_with_format(row, 4, at.naive_utc(), &date)
                    .map_err(xerr)?;
            }
            ws.write_number(row, 5, forecast as f64).map_err(xerr)?;
            ws.write_number(row, 6, before as f64).map_err(xerr)?;
            if before > 0 {
                ws.write_number_with_format(
                    row,
                    7,
                    (forecast - before) as f64 / before as f64,
                    &pct,
                )
                .map_err(xerr)?;
            }
        }
        finish_sheet(ws, grids.len() as u32, cols.len())?;

        // Every line of every grid.
        let mut cols: Vec<(String, f64)> = [
            ("Sales rep", 20.0),
            ("Customer code", 14.0),
            ("Customer", 26.0),
            ("Part", 16.0),
            ("Description", 30.0),
            ("Last 12 months", 12.0),
        ]
        .iter()
        .map(|(h, w)| (h.to_string(), *w))
        .collect();
        cols.extend(cycle.months.iter().map(|m| (m.clone(), 10.0)));
        cols.push(("Total".into(), 12.0));
        cols.push(("A year earlier".into(), 12.0));
        let heads: Vec<(&str, f64)> = cols.iter().map(|(h, w)| (h.as_str(), *w)).collect();
        let ws = start_sheet(&mut wb, "Forecast", &heads)?;
        let mut row = 0u32;
        for (r, g) in &grids {
            for line in &g.rows {
                row += 1;
                ws.write_string(row, 0, &r.name).map_err(xerr)?;
                ws.write_string(row, 1, &line.customer_code).map_err(xerr)?;
                ws.write_string(row, 2, &line.customer).map_err(xerr)?;
                ws.write_string(row, 3, &line.part).map_err(xerr)?;
                ws.write_string(row, 4, &line.description).map_err(xerr)?;
                ws.write_number(row, 5, line.last_12_months as f64)
                    .map_err(xerr)?;
                for (j, c) in line.cells.iter().enumerate() {
                    if let Some(q) = c.quantity {
                        ws.write_number(row, 6 + j as u16, q as f64).map_err(xerr)?;
                    }
                }
                ws.write_number(row, 6 + n as u16, line.total as f64)
                    .map_err(xerr)?;
                ws.write_number(row, 7 + n as u16, line.history.iter().sum::<i64>() as f64)
                    .map_err(xerr)?;
            }
        }
        finish_sheet(ws, row, heads.len())?;

        // By customer and by product, each with the same months a year earlier.
        let cols = [
            ("Customer", 28.0),
            ("Customer code", 14.0),
            ("Sales rep", 20.0),
            ("Forecast", 12.0),
            ("A year earlier", 14.0),
            ("Change", 9.0),
        ];
        let ws = start_sheet(&mut wb, "By customer", &cols)?;
        for (i, c) in sums.by_customer.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, &c.label).map_err(xerr)?;
            ws.write_string(row, 1, &c.key).map_err(xerr)?;
            ws.write_string(row, 2, &c.detail).map_err(xerr)?;
            ws.write_number(row, 3, c.forecast as f64).map_err(xerr)?;
            ws.write_number(row, 4, c.year_before as f64)
                .map_err(xerr)?;
            if c.year_before > 0 {
                ws.write_number_with_format(row, 5, change(c), &pct)
                    .map_err(xerr)?;
            }
        }
        finish_sheet(ws, sums.by_customer.len() as u32, cols.len())?;
        let cols = [
            ("Part", 18.0),
            ("Forecast", 12.0),
            ("A year earlier", 14.0),
            ("Change", 9.0),
        ];
        let ws = start_sheet(&mut wb, "By product", &cols)?;
        for (i, p) in sums.by_product.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, &p.label).map_err(xerr)?;
            ws.write_number(row, 1, p.forecast as f64).map_err(xerr)?;
            ws.write_number(row, 2, p.year_before as f64)
                .map_err(xerr)?;
            if p.year_before > 0 {
                ws.write_number_with_format(row, 3, change(p), &pct)
                    .map_err(xerr)?;
            }
        }
        finish_sheet(ws, sums.by_product.len() as u32, cols.len())?;

        // By month, with the chart (an ordinary sheet: charts need the whole sheet in memory,
        // and it has at most 18 rows).
        let ws = wb.add_worksheet();
        ws.set_name("By month").map_err(xerr)?;
        for (c, h) in ["Month", "Forecast", "A year earlier"].iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(xerr)?;
            ws.set_column_width(c as u16, 14).map_err(xerr)?;
        }
        for (i, m) in cycle.months.iter().enumerate() {
            let row = i as u32 + 1;
            let (f, h) = grids.iter().fold((0, 0), |(f, h), (_, g)| {
                (f + g.month_totals[i], h + g.history_totals[i])
            });
            ws.write_string(row, 0, m).map_err(xerr)?;
            ws.write_number(row, 1, f as f64).map_err(xerr)?;
            ws.write_number(row, 2, h as f64).map_err(xerr)?;
        }
        if n > 0 {
            use rust_xlsxwriter::{Chart, ChartType};
            let mut chart = Chart::new(ChartType::Line);
            for (col, name) in [(1u16, "Forecast"), (2, "A year earlier")] {
                chart
                    .add_series()
                    .set_name(name)
                    .set_categories(("By month", 1, 0, n as u32, 0))
                    .set_values(("By month", 1, col, n as u32, col));
            }
            chart
                .title()
                .set_name(&format!("{}: forecast and a year earlier", cycle.name));
            ws.insert_chart(1, 4, &chart).map_err(xerr)?;
        }
        save_workbook(&mut wb, &path)?;
        Ok(grids.iter().map(|(_, g)| g.rows.len() as u64).sum())
    })
    .await
    .map_err(|e| crate::error::CoreError::Internal(format!("the report stopped: {e}")))?
}

/// Forecast against a year earlier, as a fraction (+0.25 = 25% more).
fn change(r: &SummaryRow) -> f64 {
    (r.forecast - r.year_before) as f64 / r.year_before as f64
}
