//! Customer accounts to and from Excel. Import reports every bad row and cell and applies
//! nothing unless asked, in one transaction.

use crate::accounts::{self, User};
use crate::audit::{self, Actor};
use crate::erp::Erp;
use crate::error::{CoreError, Result};
use crate::sheets::Column;
use crate::store::Store;
use portdesk_types::Role;
use portdesk_types::accounts::{AccountKind, AccountQuery, ImportIssue, ImportMode, ImportReport};
use portdesk_types::api::ErpCustomer;
use portdesk_types::password::normalize_email;
use std::collections::HashMap;
use std::path::Path;

pub const COLUMNS: [&str; 3] = ["Name", "E-mail", "ERP customer"];
/// Optional on import: the ERP customer code, which decides the link. Without it a row is
/// linked by its ERP customer name when exactly one ERP customer has that name.
pub const CODE_COLUMN: &str = "ERP customer code";

/// Writes every account matching `q` (all pages) to `path`.
pub async fn export(store: &Store, q: &AccountQuery, path: &Path) -> Result<u64> {
    let mut rows = Vec::new();
    let mut page = 0;
    loop {
        let p = accounts::list(
            store,
            &AccountQuery {
                page,
                page_size: 500,
                ..q.clone()
            },
        )
        .await?;
        let n = p.rows.len();
        rows.extend(p.rows);
        if n < 500 {
            break;
        }
        page += 1;
    }
    let customers = q.kind == AccountKind::Customers;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<u64> {
        use crate::files::{finish_sheet, save_workbook, start_sheet, xlsx_error as xerr};
        let third = if customers { "ERP customer" } else { "Role" };
        let columns = [
            ("Name", 28.0),
            ("E-mail", 32.0),
            (third, 28.0),
            ("Active", 8.0),
            ("Locked", 8.0),
            ("Last sign-in (UTC)", 18.0),
            ("Created (UTC)", 18.0),
            (if customers { CODE_COLUMN } else { "" }, 18.0),
        ];
        // Staff sheets have no code column.
        let columns = &columns[..if customers { 8 } else { 7 }];
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = start_sheet(
            &mut wb,
            if customers {
                "Customer accounts"
            } else {
                "Staff accounts"
            },
            columns,
        )?;
        let when = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
        let date = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .unwrap_or_default()
                .naive_utc()
        };
        for (i, a) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, &a.name).map_err(xerr)?;
            ws.write_string(r, 1, &a.email).map_err(xerr)?;
            let third = if customers {
                a.erp_customer.clone().unwrap_or_default()
            } else {
                a.role.as_str().to_owned()
            };
            ws.write_string(r, 2, &third).map_err(xerr)?;
            ws.write_boolean(r, 3, a.active).map_err(xerr)?;
            ws.write_boolean(r, 4, a.locked).map_err(xerr)?;
            if let Some(ms) = a.last_login_at {
                ws.write_datetime_with_format(r, 5, date(ms), &when)
                    .map_err(xerr)?;
            }
            ws.write_datetime_with_format(r, 6, date(a.created_at), &when)
                .map_err(xerr)?;
            if customers && let Some(code) = &a.erp_customer_code {
                ws.write_string(r, 7, code).map_err(xerr)?;
            }
        }
        finish_sheet(ws, rows.len() as u32, columns.len())?;
        save_workbook(&mut wb, &path)?;
        Ok(rows.len() as u64)
    })
    .await
    .map_err(|e| CoreError::Internal(e.to_string()))?
}

/// The customer sheet's columns, in [`COLUMNS`] order; read by [`crate::sheets`].
fn columns() -> [Column; 4] {
    [
        // The account form's limit for a name.
        Column::text("Name", 200).required(),
        Column::email("E-mail")
            .aliases(&["email", "e-mail address"])
            .required(),
        // ERP customer codes typed as numbers are fine as text.
        // Required unless the row has a code (checked with the ERP below).
        Column::code("ERP customer", 200).aliases(&["erp_customer", "erp customer name"]),
        Column::code(CODE_COLUMN, 100)
            .aliases(&["erp_customer_code", "customer code"])
            .may_be_absent(),
    ]
}
struct Candidate {
    row: u32,
    name: String,
    email: String,
}

const NAME: usize = 0;
const EMAIL: usize = 1;
const ERP: usize = 2;
const CODE: usize = 3;

/// Reads and checks a customer sheet; creates accounts per `mode`. Imported accounts have no
/// usable password until an admin resets it, so no password list has to be handed around.
pub async fn import(
    store: &Store,
    erp: Option<&Erp>,
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

    // The ERP's customers, fetched once; `None` when the ERP cannot be asked.
    let erp_list = match erp {
        Some(erp) => match erp.customers(None).await {
            Ok(list) => Some(list),
            Err(e) if e.is_unavailable() => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let mut by_code: HashMap<&str, &ErpCustomer> = HashMap::new();
    let mut by_name: HashMap<String, Vec<&ErpCustomer>> = HashMap::new();
    for c in erp_list.iter().flatten() {
        by_code.insert(c.code.trim(), c);
        by_name
            .entry(c.name.trim().to_lowercase())
            .or_default()
            .push(c);
    }
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut valid = Vec::new();
    // The reader has reported every unreadable or missing cell; a row's other cells are still
    // checked so that one pass lists every problem.
    for row in &sheet.rows {
        let before = issues.len();
        if let Some(raw) = row.text(EMAIL) {
            let email = normalize_email(raw);
            if let Some(first) = seen.get(&email) {
                issues.push(ImportIssue {
                    sheet: sheet_name.clone(),
                    row: row.number,
                    column: "E-mail".into(),
                    message: format!("{email} is also on row {first}."),
                });
            } else if accounts::by_email(store, &email).await?.is_some() {
                issues.push(ImportIssue {
                    sheet: sheet_name.clone(),
                    row: row.number,
                    column: "E-mail".into(),
                    message: format!("An account with the e-mail {email} already exists."),
                });
            }
            seen.entry(email).or_insert(row.number);
        }
        // The link: (code, display name); the code stays empty only while the ERP is down.
        let erp_customer = row.text(ERP).unwrap_or_default().to_owned();
        let erp_code = row.text(CODE).unwrap_or_default().to_owned();
        let mut link = (erp_code.clone(), erp_customer.clone());
        let unreadable = issues.iter().any(|i| {
            i.row == row.number && (i.column == "ERP customer" || i.column == CODE_COLUMN)
        });
        let mut refuse = |column: &str, message: String| {
            issues.push(ImportIssue {
                sheet: sheet_name.clone(),
                row: row.number,
                column: column.into(),
                message,
            })
        };
        if unreadable {
            // The reader has reported the unreadable cell.
        } else if erp_customer.is_empty() && erp_code.is_empty() {
            refuse("ERP customer", "ERP customer is required.".into());
        } else if erp_list.is_none() {
            // Unverified: a code is kept as typed; a name is linked at the next ERP read.
        } else if !erp_code.is_empty() {
            match by_code.get(erp_code.as_str()) {
                Some(hit) => link.1 = hit.name.clone(),
                None => refuse(
                    CODE_COLUMN,
                    format!("The ERP has no customer with the code \"{erp_code}\"."),
                ),
            }
        } else {
            match by_name
                .get(&erp_customer.to_lowercase())
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                [one] => link = (one.code.clone(), one.name.clone()),
                [] => refuse(
                    "ERP customer",
                    format!("The ERP has no customer named \"{erp_customer}\"."),
                ),
                several => refuse(
                    "ERP customer",
                    format!(
                        "{} ERP customers are named \"{}\" ({}): add the ERP customer code.",
                        several.len(),
                        erp_customer,
                        {
                            let mut codes: Vec<&str> =
                                several.iter().map(|x| x.code.as_str()).collect();
                            codes.sort_unstable();
                            codes.join(", ")
                        }
                    ),
                ),
            }
        }
        if row.is_clean()
            && issues.len() == before
            && let (Some(name), Some(email)) = (row.text(NAME), row.text(EMAIL))
        {
            valid.push((
                Candidate {
                    row: row.number,
                    name: name.to_owned(),
                    email: normalize_email(email),
                },
                link,
            ));
        }
    }
    let order = |c: &str| COLUMNS.iter().position(|n| *n == c);
    issues.sort_by_key(|i| (i.row, order(&i.column)));
    let apply = match mode {
        ImportMode::Check => false,
        ImportMode::AllOrNothing => issues.is_empty(),
        ImportMode::ValidRowsOnly => true,
    };
    let verified = erp_list.is_some();
    let mut created = 0;
    if apply && !valid.is_empty() {
        let mut tx = store.pool().begin().await?;
        for (c, (code, name)) in &valid {
            let user: User = accounts::insert_without_password(
                &mut tx,
                &c.name,
                &c.email,
                Role::Customer,
                Some(name),
                Some(code),
                verified,
            )
            .await?;
            audit::record(
                &mut tx,
                actor,
                "user.import",
                Some(("user", user.id.to_string())),
                Some(&format!("sheet row {}", c.row)),
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
        unverified: if verified || created == 0 { 0 } else { created },
    })
}
