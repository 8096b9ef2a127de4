//! The planning masters to and from Excel (admin): who plans which ERP customer
//! (`forecast_assignments`) and the customer-product matrix (`forecast_matrix`, whose
//! description and active flag per customer × part are the products' planning attributes).
//! One workbook, two sheets: "Assignments" (customer code, customer, rep e-mail, active) and
//! "Matrix" (customer code, part, description, active). The import reads whichever of the two
//! the workbook holds through [`crate::sheets`] (limits before expansion), checks every row
//! and cell, and writes the added and changed rows in one transaction with their audit
//! entries — or nothing. Nothing is deleted: a row set to active = no retires it.

use crate::accounts::User;
use crate::app::Portdesk;
use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::sheets::{Column, Limits, Sheet, Value};
use crate::store::Store;
use portdesk_types::Role;
use portdesk_types::accounts::{ExportReply, ExportRequest, ImportIssue, ImportMode};
use portdesk_types::forecasts::{MastersCounts, MastersImport, MastersImportReport};
use std::collections::{HashMap, HashSet};
use std::path::Path;

pub const ASSIGNMENTS: &str = "Assignments";
pub const MATRIX: &str = "Matrix";
pub const CUSTOMER_CODE: &str = "Customer code";
pub const CUSTOMER: &str = "Customer";
pub const REP_EMAIL: &str = "Rep e-mail";
pub const PART: &str = "Part";
pub const DESCRIPTION: &str = "Description";
pub const ACTIVE: &str = "Active";

const ASSIGNMENT_HEADER: [&str; 4] = [CUSTOMER_CODE, CUSTOMER, REP_EMAIL, ACTIVE];
const MATRIX_HEADER: [&str; 4] = [CUSTOMER_CODE, PART, DESCRIPTION, ACTIVE];

/// Writes both masters to `path`; returns (assignments, matrix lines).
pub async fn export(store: &Store, path: &Path) -> Result<(u64, u64)> {
    let assignments: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT a.erp_customer_code, a.customer_name, u.email, a.active FROM forecast_assignments a \
         LEFT JOIN users u ON u.id = a.rep_id ORDER BY a.erp_customer_code",
    )
    .fetch_all(store.pool())
    .await?;
    let lines: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT erp_customer_code, part, description, active FROM forecast_matrix \
         ORDER BY erp_customer_code, part",
    )
    .fetch_all(store.pool())
    .await?;
    let counts = (assignments.len() as u64, lines.len() as u64);
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || write(&assignments, &lines, &path))
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))??;
    Ok(counts)
}

fn yes_no(active: i64) -> &'static str {
    if active == 1 { "yes" } else { "no" }
}

fn write(
    assignments: &[(String, String, Option<String>, i64)],
    lines: &[(String, String, String, i64)],
    path: &Path,
) -> Result<()> {
    use crate::files::{finish_sheet, save_workbook, start_sheet, xlsx_error as xerr};
    let mut wb = rust_xlsxwriter::Workbook::new();
    {
        let cols = [
            (CUSTOMER_CODE, 16.0),
            (CUSTOMER, 34.0),
            (REP_EMAIL, 30.0),
            (ACTIVE, 9.0),
        ];
        let ws = start_sheet(&mut wb, ASSIGNMENTS, &cols)?;
        for (i, (code, name, email, active)) in assignments.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, code).map_err(xerr)?;
            ws.write_string(r, 1, name).map_err(xerr)?;
            if let Some(e) = email {
                ws.write_string(r, 2, e).map_err(xerr)?;
            }
            ws.write_string(r, 3, yes_no(*active)).map_err(xerr)?;
        }
        finish_sheet(ws, assignments.len() as u32, cols.len())?;
    }
    {
        let cols = [
            (CUSTOMER_CODE, 16.0),
            (PART, 18.0),
            (DESCRIPTION, 40.0),
            (ACTIVE, 9.0),
        ];
        let ws = start_sheet(&mut wb, MATRIX, &cols)?;
        for (i, (code, part, description, active)) in lines.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, code).map_err(xerr)?;
            ws.write_string(r, 1, part).map_err(xerr)?;
            ws.write_string(r, 2, description).map_err(xerr)?;
            ws.write_string(r, 3, yes_no(*active)).map_err(xerr)?;
        }
        finish_sheet(ws, lines.len() as u32, cols.len())?;
    }
    save_workbook(&mut wb, path)
}

fn assignment_columns() -> Vec<Column> {
    vec![
        Column::code(CUSTOMER_CODE, 64).required(),
        Column::text(CUSTOMER, 200),
        // The header is required: a sheet without it would otherwise unassign every row.
        Column::email(REP_EMAIL),
        Column::yes_no(ACTIVE).may_be_absent(),
    ]
}

fn matrix_columns() -> Vec<Column> {
    vec![
        Column::code(CUSTOMER_CODE, 64).required(),
        Column::code(PART, 64).required(),
        Column::text(DESCRIPTION, 200).may_be_absent(),
        Column::yes_no(ACTIVE).may_be_absent(),
    ]
}

#[derive(Debug, Clone, PartialEq)]
struct StoredAssignment {
    name: String,
    rep_id: Option<i64>,
    active: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct StoredLine {
    description: String,
    active: bool,
}

/// An account as a rep cell names it.
struct Account {
    id: i64,
    email: String,
    role: String,
    active: bool,
}

/// A row to write: the stored state it replaces (`None`: new) and the new one.
struct Change<K, V> {
    row: u32,
    key: K,
    before: Option<V>,
    after: V,
}

/// The issues of one sheet, with the sheet's name before the column.
struct Issues {
    sheet: &'static str,
    list: Vec<ImportIssue>,
}

impl Issues {
    fn push(&mut self, row: u32, column: &str, message: String) {
        self.list.push(ImportIssue {
            sheet: self.sheet.to_owned(),
            row,
            column: column.to_owned(),
            message,
        });
    }
    /// The reader's issues and the columns it did not take (unknown, or a header twice).
    fn from_sheet(sheet: &'static str, s: &Sheet, header: &[&str]) -> Issues {
        let mut out = Issues {
            sheet,
            list: s.issues.clone(),
        };
        let names = header.join(", ");
        for (_, text) in &s.unmatched {
            let message = if header.iter().any(|h| h.eq_ignore_ascii_case(text.trim())) {
                format!("The column {} appears twice; keep one.", text.trim())
            } else {
                format!("The {sheet} sheet has no column \"{text}\": its columns are {names}.")
            };
            out.push(s.header_row.max(1), text, message);
        }
        out
    }
    /// Sorted by row, then by the sheet's declared column order.
    fn finish(mut self, header: &[&str]) -> Vec<ImportIssue> {
        let order = |c: &str| header.iter().position(|h| *h == c).unwrap_or(usize::MAX);
        self.list.sort_by_key(|i| (i.row, order(&i.column)));
        self.list
    }
}

/// Rows sharing a key: each is named with the others' row numbers.
fn duplicates<K: std::hash::Hash + Eq + Clone>(keys: &[(u32, K)]) -> HashMap<u32, Vec<u32>> {
    let mut on_rows: HashMap<K, Vec<u32>> = HashMap::new();
    for (row, k) in keys {
        on_rows.entry(k.clone()).or_default().push(*row);
    }
    let mut out = HashMap::new();
    for rows in on_rows.values().filter(|r| r.len() > 1) {
        for r in rows {
            out.insert(*r, rows.iter().copied().filter(|o| o != r).collect());
        }
    }
    out
}

fn rows_list(rows: &[u32]) -> String {
    rows.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

type AssignmentChange = Change<String, StoredAssignment>;
type LineChange = Change<(String, String), StoredLine>;

fn check_assignments(
    sheet: &Sheet,
    stored: &HashMap<String, StoredAssignment>,
    accounts: &HashMap<String, Account>,
    counts: &mut MastersCounts,
) -> (Vec<AssignmentChange>, Issues) {
    let mut issues = Issues::from_sheet(ASSIGNMENTS, sheet, &ASSIGNMENT_HEADER);
    counts.found = true;
    counts.rows = sheet.rows.len() as u32;
    let keys: Vec<(u32, String)> = sheet
        .rows
        .iter()
        .filter_map(|r| {
            r.text(0)
                .filter(|c| !c.is_empty())
                .map(|c| (r.number, c.to_owned()))
        })
        .collect();
    let twice = duplicates(&keys);
    let mut changes = Vec::new();
    for row in &sheet.rows {
        let before = issues.list.len();
        let code = row.text(0).unwrap_or_default();
        if let Some(others) = twice.get(&row.number) {
            issues.push(
                row.number,
                CUSTOMER_CODE,
                format!(
                    "{code} is also on row {}; neither row is applied.",
                    rows_list(others)
                ),
            );
        }
        let old = stored.get(code);
        // Empty keeps what is stored; a bad cell was reported by the reader.
        let active = row.get(3).and_then(Value::as_bool);
        // Empty keeps what is stored; a new customer is planned from now on.
        let active = active.unwrap_or_else(|| old.is_none_or(|o| o.active));
        let name = match row.text(1) {
            Some("") => match old {
                Some(o) => o.name.clone(),
                None => {
                    if !code.is_empty() {
                        issues.push(
                            row.number,
                            CUSTOMER,
                            format!("Customer {code} is new here: give its name."),
                        );
                    }
                    String::new()
                }
            },
            Some(n) => n.to_owned(),
            None => String::new(),
        };
        let rep_id = match row.text(2) {
            Some("") | None => None,
            Some(email) => match accounts.get(&email.to_lowercase()) {
                None => {
                    issues.push(
                        row.number,
                        REP_EMAIL,
                        format!("No account has the e-mail {email}."),
                    );
                    None
                }
                // A retired row may keep the rep it had, even one who left since.
                Some(a) if !active && old.is_some_and(|o| o.rep_id == Some(a.id)) => Some(a.id),
                Some(a) if a.role != Role::SalesRep.as_str() => {
                    issues.push(
                        row.number,
                        REP_EMAIL,
                        format!(
                            "{} is not a sales rep (the account's role is {}).",
                            a.email,
                            a.role.replace('_', " ")
                        ),
                    );
                    None
                }
                Some(a) if !a.active => {
                    issues.push(
                        row.number,
                        REP_EMAIL,
                        format!("{} is deactivated: choose an active sales rep.", a.email),
                    );
                    None
                }
                Some(a) => Some(a.id),
            },
        };
        if code.is_empty() || !row.is_clean() || issues.list.len() != before {
            continue;
        }
        counts.valid += 1;
        let after = StoredAssignment {
            name,
            rep_id,
            active,
        };
        if old == Some(&after) {
            continue;
        }
        if old.is_some() {
            counts.changed += 1;
        } else {
            counts.added += 1;
        }
        changes.push(Change {
            row: row.number,
            key: code.to_owned(),
            before: old.cloned(),
            after,
        });
    }
    (changes, issues)
}

fn check_matrix(
    sheet: &Sheet,
    stored: &HashMap<(String, String), StoredLine>,
    customers: &HashSet<String>,
    counts: &mut MastersCounts,
) -> (Vec<LineChange>, Issues) {
    let mut issues = Issues::from_sheet(MATRIX, sheet, &MATRIX_HEADER);
    counts.found = true;
    counts.rows = sheet.rows.len() as u32;
    let keys: Vec<(u32, (String, String))> = sheet
        .rows
        .iter()
        .filter_map(|r| match (r.text(0), r.text(1)) {
            (Some(c), Some(p)) if !c.is_empty() && !p.is_empty() => {
                Some((r.number, (c.to_owned(), p.to_owned())))
            }
            _ => None,
        })
        .collect();
    let twice = duplicates(&keys);
    let mut changes = Vec::new();
    for row in &sheet.rows {
        let before = issues.list.len();
        let (code, part) = (
            row.text(0).unwrap_or_default(),
            row.text(1).unwrap_or_default(),
        );
        let key = (code.to_owned(), part.to_owned());
        if let Some(others) = twice.get(&row.number) {
            issues.push(
                row.number,
                PART,
                format!(
                    "{code} / {part} is also on row {}; neither row is applied.",
                    rows_list(others)
                ),
            );
        }
        let old = stored.get(&key);
        // A line only shows in a grid through its customer's assignment: an unknown code is
        // most likely a typo, so it is named rather than stored where nobody sees it.
        if !code.is_empty() && old.is_none() && !customers.contains(code) {
            issues.push(
                row.number,
                CUSTOMER_CODE,
                format!(
                    "Customer {code} is not planned: add it to the {ASSIGNMENTS} sheet (or the planning form) first."
                ),
            );
        }
        // Empty keeps what is stored; a bad cell was reported by the reader.
        let active = row.get(3).and_then(Value::as_bool);
        let active = active.unwrap_or_else(|| old.is_none_or(|o| o.active));
        let description = match row.text(2) {
            Some("") | None => old.map(|o| o.description.clone()).unwrap_or_default(),
            Some(d) => d.to_owned(),
        };
        if code.is_empty() || part.is_empty() || !row.is_clean() || issues.list.len() != before {
            continue;
        }
        counts.valid += 1;
        let after = StoredLine {
            description,
            active,
        };
        if old == Some(&after) {
            continue;
        }
        if old.is_some() {
            counts.changed += 1;
        } else {
            counts.added += 1;
        }
        changes.push(Change {
            row: row.number,
            key,
            before: old.cloned(),
            after,
        });
    }
    (changes, issues)
}

/// Reads the masters workbook at `path` and, per `mode`, writes its added and changed rows.
pub async fn import(
    store: &Store,
    actor: &Actor,
    path: &Path,
    mode: ImportMode,
) -> Result<MastersImportReport> {
    let p = path.to_path_buf();
    let (names, mut sheets) = tokio::task::spawn_blocking(move || {
        crate::sheets::read_named(
            &p,
            &[
                (ASSIGNMENTS, &assignment_columns()),
                (MATRIX, &matrix_columns()),
            ],
            &Limits::DEFAULT,
        )
    })
    .await
    .map_err(|e| CoreError::Internal(e.to_string()))??;
    let (matrix_sheet, assignment_sheet) = (sheets.pop().flatten(), sheets.pop().flatten());
    if matrix_sheet.is_none() && assignment_sheet.is_none() {
        return Err(CoreError::validation(
            "path",
            format!(
                "The workbook has no sheet named {ASSIGNMENTS} or {MATRIX} (its sheets: {}). Export the masters to get both, or name your sheet {ASSIGNMENTS} (Customer code, Customer, Rep e-mail, Active) or {MATRIX} (Customer code, Part, Description, Active).",
                names.join(", ")
            ),
        ));
    }

    let stored_a: HashMap<String, StoredAssignment> =
        sqlx::query_as::<_, (String, String, Option<i64>, i64)>(
            "SELECT erp_customer_code, customer_name, rep_id, active FROM forecast_assignments",
        )
        .fetch_all(store.pool())
        .await?
        .into_iter()
        .map(|(code, name, rep_id, active)| {
            (
                code,
                StoredAssignment {
                    name,
                    rep_id,
                    active: active == 1,
                },
            )
        })
        .collect();
    let mut report = MastersImportReport {
        assignments: MastersCounts::default(),
        matrix: MastersCounts::default(),
        issues: Vec::new(),
        applied: false,
    };
    let mut assignment_changes = Vec::new();
    if let Some(sheet) = &assignment_sheet {
        let accounts: HashMap<String, Account> = sqlx::query_as::<_, (i64, String, String, i64)>(
            "SELECT id, email, role, active FROM users",
        )
        .fetch_all(store.pool())
        .await?
        .into_iter()
        .map(|(id, email, role, active)| {
            (
                email.to_lowercase(),
                Account {
                    id,
                    email,
                    role,
                    active: active == 1,
                },
            )
        })
        .collect();
        let (changes, issues) =
            check_assignments(sheet, &stored_a, &accounts, &mut report.assignments);
        assignment_changes = changes;
        report.issues.extend(issues.finish(&ASSIGNMENT_HEADER));
    }
    let mut line_changes = Vec::new();
    if let Some(sheet) = &matrix_sheet {
        let stored_m: HashMap<(String, String), StoredLine> =
            sqlx::query_as::<_, (String, String, String, i64)>(
                "SELECT erp_customer_code, part, description, active FROM forecast_matrix",
            )
            .fetch_all(store.pool())
            .await?
            .into_iter()
            .map(|(code, part, description, active)| {
                (
                    (code, part),
                    StoredLine {
                        description,
                        active: active == 1,
                    },
                )
            })
            .collect();
        // Known customers: stored, or added by this import's valid assignment rows.
        let customers: HashSet<String> = stored_a
            .keys()
            .cloned()
            .chain(assignment_changes.iter().map(|c| c.key.clone()))
            .collect();
        let (changes, issues) = check_matrix(sheet, &stored_m, &customers, &mut report.matrix);
        line_changes = changes;
        report.issues.extend(issues.finish(&MATRIX_HEADER));
    }

    let apply = match mode {
        ImportMode::Check => false,
        ImportMode::AllOrNothing => report.issues.is_empty(),
        ImportMode::ValidRowsOnly => true,
    };
    if !apply || (assignment_changes.is_empty() && line_changes.is_empty()) {
        return Ok(report);
    }
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let emails: HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, email FROM users WHERE role = $1")
            .bind(Role::SalesRep.as_str())
            .fetch_all(store.pool())
            .await?
            .into_iter()
            .collect();
    let rep = |r: Option<i64>| match r {
        Some(id) => emails.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
        None => "none".into(),
    };
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    for c in &assignment_changes {
        sqlx::query(
            "INSERT INTO forecast_assignments (erp_customer_code, customer_name, rep_id, active, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (erp_customer_code) DO UPDATE SET \
             customer_name = excluded.customer_name, rep_id = excluded.rep_id, active = excluded.active, \
             updated_at = excluded.updated_at",
        )
        .bind(&c.key)
        .bind(&c.after.name)
        .bind(c.after.rep_id)
        .bind(i64::from(c.after.active))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Each assignment change in the trail, as `assign` records one typed in the form.
        let was = c.before.as_ref().map_or("new".to_string(), |b| {
            format!("rep {}, {}", rep(b.rep_id), yes_no(i64::from(b.active)))
        });
        audit::record(
            &mut tx,
            actor,
            "forecast.assign",
            Some(("erp_customer", c.key.clone())),
            Some(&format!(
                "{was} → rep {}, {} ({file}, row {})",
                rep(c.after.rep_id),
                if c.after.active { "active" } else { "retired" },
                c.row
            )),
        )
        .await?;
    }
    for c in &line_changes {
        sqlx::query(
            "INSERT INTO forecast_matrix (erp_customer_code, part, description, active) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (erp_customer_code, part) DO UPDATE SET description = excluded.description, \
             active = excluded.active",
        )
        .bind(&c.key.0)
        .bind(&c.key.1)
        .bind(&c.after.description)
        .bind(i64::from(c.after.active))
        .execute(&mut *tx)
        .await?;
    }
    let retired = line_changes
        .iter()
        .filter(|c| !c.after.active && c.before.as_ref().is_none_or(|b| b.active))
        .count();
    audit::record(
        &mut tx,
        actor,
        "forecast.masters_import",
        None,
        Some(&format!(
            "{file}: assignments {} added, {} changed; matrix {} added, {} changed ({retired} retired); {} problem(s) skipped",
            report.assignments.added,
            report.assignments.changed,
            report.matrix.added,
            report.matrix.changed,
            report.issues.len()
        )),
    )
    .await?;
    tx.commit().await?;
    report.applied = true;
    Ok(report)
}

impl Portdesk {
    pub async fn export_forecast_masters(
        &self,
        user: User,
        req: ExportRequest<()>,
    ) -> Result<ExportReply> {
        let path = self.export_path(&req.path, "forecast-masters")?;
        let store = self.store().await?;
        let (assignments, lines) = export(&store, &path).await?;
        audit::record_on(
            &store,
            &user.actor(),
            "forecast.masters_export",
            None,
            Some(&format!(
                "{assignments} assignment(s), {lines} matrix line(s) to {}",
                path.display()
            )),
        )
        .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows: assignments + lines,
        })
    }

    pub async fn import_forecast_masters(
        &self,
        user: User,
        req: MastersImport,
    ) -> Result<MastersImportReport> {
        if req.path.trim().is_empty() {
            return Err(CoreError::validation(
                "path",
                "Choose the .xlsx file to import.",
            ));
        }
        import(
            &self.store().await?,
            &user.actor(),
            Path::new(req.path.trim()),
            req.mode,
        )
        .await
    }
}
