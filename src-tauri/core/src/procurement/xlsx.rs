//! The catalogue to and from Excel. An import checks every row and cell (a price with text in
//! it, a negative stock, an unknown supplier, a SKU twice) and applies in one transaction:
//! all or nothing, or only the valid rows when asked.

use super::catalogue::Base;
use super::{CheckedProduct, check_product, write_product};
use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::sheets::Column;
use crate::store::Store;
use portdesk_types::accounts::{ImportIssue, ImportMode, ImportReport};
use portdesk_types::money::money;
use portdesk_types::procurement::{ProductEdit, ProductQuery};
use std::collections::HashMap;
use std::path::Path;

pub const COLUMNS: [&str; 10] = [
    "SKU",
    "Name",
    "Description",
    "Category",
    "Unit price",
    "Stock",
    "Reorder level",
    "Reorder quantity",
    "Pack size",
    "Supplier",
];

fn columns() -> [Column; 10] {
    const MAX: i64 = super::MAX_QUANTITY * 100;
    [
        Column::code("SKU", 64).required(),
        Column::text("Name", 200).required(),
        Column::text("Description", 2000),
        Column::text("Category", 100),
        Column::number("Unit price", 0.0, 10_000_000.0).required(),
        Column::integer("Stock", 0, MAX).required(),
        Column::integer("Reorder level", 0, MAX),
        Column::integer("Reorder quantity", 0, MAX),
        Column::integer("Pack size", 1, MAX),
        Column::text("Supplier", 200),
    ]
}

/// Every product matching `q` (all pages) to `path`, in the import's columns.
pub async fn export(store: &Store, q: &ProductQuery, path: &Path) -> Result<u64> {
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let p = super::list_products(
            store,
            &ProductQuery {
                offset,
                limit: 1000,
                ..q.clone()
            },
        )
        .await?;
        let n = p.rows.len() as u32;
        rows.extend(p.rows);
        if n < 1000 {
            break;
        }
        offset += n;
    }
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<u64> {
        use crate::files::{finish_sheet, save_workbook, start_sheet, xlsx_error as xerr};
        let widths = [16.0, 32.0, 40.0, 16.0, 12.0, 10.0, 12.0, 14.0, 10.0, 24.0];
        let cols: Vec<(&str, f64)> = COLUMNS.iter().copied().zip(widths).collect();
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = start_sheet(&mut wb, "Catalogue", &cols)?;
        let price = rust_xlsxwriter::Format::new().set_num_format("0.00");
        for (i, p) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, &p.sku).map_err(xerr)?;
            ws.write_string(r, 1, &p.name).map_err(xerr)?;
            ws.write_string(r, 2, &p.description).map_err(xerr)?;
            ws.write_string(r, 3, &p.category).map_err(xerr)?;
            ws.write_number_with_format(r, 4, p.unit_price as f64 / 100.0, &price)
                .map_err(xerr)?;
            ws.write_number(r, 5, p.stock as f64).map_err(xerr)?;
            ws.write_number(r, 6, p.reorder_level as f64)
                .map_err(xerr)?;
            ws.write_number(r, 7, p.reorder_quantity as f64)
                .map_err(xerr)?;
            if let Some(n) = p.pack_size {
                ws.write_number(r, 8, n as f64).map_err(xerr)?;
            }
            ws.write_string(r, 9, p.supplier.as_deref().unwrap_or(""))
                .map_err(xerr)?;
        }
        finish_sheet(ws, rows.len() as u32, COLUMNS.len())?;
        save_workbook(&mut wb, &path)?;
        Ok(rows.len() as u64)
    })
    .await
    .map_err(|e| CoreError::Internal(e.to_string()))?
}

/// Reads and checks a catalogue sheet; a row whose SKU exists updates that product, a new SKU
/// creates one. Applies per `mode`, in one transaction.
pub async fn import(
    store: &Store,
    actor: &Actor,
    path: &Path,
    mode: ImportMode,
) -> Result<ImportReport> {
    let p = path.to_path_buf();
    let sheet = tokio::task::spawn_blocking(move || {
        crate::sheets::read(&p, &columns(), &crate::sheets::Limits::DEFAULT)
    })
    .await
    .map_err(|e| CoreError::Internal(e.to_string()))??;
    let rows = sheet.rows.len() as u32;
    let mut issues = sheet.issues;
    let sheet_name = sheet.name;
    let suppliers: HashMap<String, i64> = super::list_suppliers(store)
        .await?
        .into_iter()
        .map(|s| (s.name.trim().to_lowercase(), s.id))
        .collect();
    let existing: HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT lower(sku), id FROM products")
            .fetch_all(store.pool())
            .await?
            .into_iter()
            .collect();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut valid: Vec<(u32, Option<i64>, CheckedProduct)> = Vec::new();
    for row in &sheet.rows {
        let before = issues.len();
        let mut refuse = |column: &str, message: String| {
            issues.push(ImportIssue {
                sheet: sheet_name.clone(),
                row: row.number,
                column: column.into(),
                message,
            })
        };
        let sku = row.text(0).unwrap_or_default().trim().to_owned();
        if !sku.is_empty() {
            if let Some(first) = seen.get(&sku.to_lowercase()) {
                refuse("SKU", format!("{sku} is also on row {first}."));
            }
            seen.entry(sku.to_lowercase()).or_insert(row.number);
        }
        let supplier = row.text(9).unwrap_or_default().trim().to_owned();
        let supplier_id = if supplier.is_empty() {
            None
        } else {
            match suppliers.get(&supplier.to_lowercase()) {
                Some(id) => Some(*id),
                None => {
                    refuse(
                        "Supplier",
                        format!("There is no supplier named \"{supplier}\"."),
                    );
                    None
                }
            }
        };
        let int = |c: usize| row.get(c).and_then(|v| v.as_int()).unwrap_or(0);
        let price = row.get(4).and_then(|v| v.as_number());
        if !row.is_clean() || issues.len() != before {
            continue;
        }
        let edit = ProductEdit {
            id: None,
            version: None,
            sku: sku.clone(),
            name: row.text(1).unwrap_or_default().to_owned(),
            description: row.text(2).unwrap_or_default().to_owned(),
            category: row.text(3).unwrap_or_default().to_owned(),
            unit_price: price.map(|p| format!("{p:.2}")).unwrap_or_default(),
            stock: int(5),
            reorder_level: int(6),
            reorder_quantity: int(7),
            pack_size: row.get(8).and_then(|v| v.as_int()),
            supplier_id,
            active: true,
        };
        match check_product(&edit) {
            Ok(p) => valid.push((row.number, existing.get(&sku.to_lowercase()).copied(), p)),
            Err(CoreError::Validation { field, message }) => issues.push(ImportIssue {
                sheet: sheet_name.clone(),
                row: row.number,
                column: column_of(field).into(),
                message,
            }),
            Err(e) => return Err(e),
        }
    }
    let order = |c: &str| COLUMNS.iter().position(|n| *n == c);
    issues.sort_by_key(|i| (i.row, order(&i.column)));
    let apply = match mode {
        ImportMode::Check => false,
        ImportMode::AllOrNothing => issues.is_empty(),
        ImportMode::ValidRowsOnly => true,
    };
    let mut created = 0;
    if apply && !valid.is_empty() {
        let mut tx = store.pool().begin().await?;
        for (row, id, p) in &valid {
            let pid = write_product(&mut tx, actor, *id, Base::Any, p).await?.id;
            audit::record(
                &mut tx,
                actor,
                if id.is_some() {
                    "product.import_update"
                } else {
                    "product.import"
                },
                Some(("product", pid.to_string())),
                Some(&format!(
                    "sheet row {row}: {} at {}",
                    p.sku,
                    money(p.unit_price)
                )),
            )
            .await?;
            created += 1;
        }
        tx.commit().await?;
    }
    Ok(ImportReport {
        rows,
        valid: valid.len() as u32,
        issues,
        created,
        unverified: 0,
    })
}

/// The sheet column a product field's message is about.
fn column_of(field: &str) -> &'static str {
    match field {
        "sku" => "SKU",
        "name" => "Name",
        "unit_price" => "Unit price",
        "stock" => "Stock",
        "reorder_level" => "Reorder level",
        "reorder_quantity" => "Reorder quantity",
        "pack_size" => "Pack size",
        "supplier_id" => "Supplier",
        _ => "Name",
    }
}
