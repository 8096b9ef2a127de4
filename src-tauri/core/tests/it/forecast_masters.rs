//! The planning masters (rep assignments, the customer-product matrix) to and from Excel on a
//! real store (SQLite file and PostgreSQL): the round trip seen in the reps' grids, every bad
//! cell named with nothing applied, valid rows only, and through the dispatch: a rep refused,
//! a picture renamed .xlsx and a workbook without the masters' sheets.

use crate::common;

use calamine::{Data, Reader, Xlsx, open_workbook};

use portdesk_core::forecasts::{self, masters};
use portdesk_core::store::Store;
use portdesk_types::Role;
use portdesk_types::accounts::{ImportIssue, ImportMode};
use portdesk_types::forecasts::*;
use std::path::Path;

use common::forecasts::user;

use common::forecasts::setup;

/// A rep's grid as (customer, customer name, part, description) lines.
async fn lines(store: &Store, cycle: i64, rep: i64) -> Vec<(String, String, String, String)> {
    forecasts::grid(store, cycle, rep)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.customer_code, r.customer, r.part, r.description))
        .collect()
}

fn line(code: &str, name: &str, part: &str, d: &str) -> (String, String, String, String) {
    (code.into(), name.into(), part.into(), d.into())
}

/// Every sheet of the workbook as (name, cells as text).
fn read_all(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|d| match d {
                            Data::Empty => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (n, rows)
        })
        .collect()
}

/// What an admin does in Excel: the workbook's sheets rewritten (by rust_xlsxwriter) after
/// `change`; a "1"/"0" cell is written as a number and "TRUE"/"FALSE" as Excel's logical
/// value, as Excel would keep them typed so.
fn write_all(path: &Path, sheets: &[(String, Vec<Vec<String>>)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                if v.is_empty() {
                    continue;
                }
                match v.as_str() {
                    "1" | "0" => ws.write_number(r, c, v.parse::<f64>().unwrap()),
                    "TRUE" | "FALSE" => ws.write_boolean(r, c, v == "TRUE"),
                    _ => ws.write_string(r, c, v),
                }
                .unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

/// Each issue as (row, "Sheet: Column").
fn named(issues: &[ImportIssue]) -> Vec<(u32, String)> {
    issues
        .iter()
        .map(|i| (i.row, format!("{}: {}", i.sheet, i.column)))
        .collect()
}

fn owned(v: &[(u32, &str)]) -> Vec<(u32, String)> {
    v.iter().map(|(r, c)| (*r, (*c).to_owned())).collect()
}

async fn audit_actions(store: &Store) -> Vec<String> {
    sqlx::query_as::<_, (String,)>("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|(a,)| a)
        .collect()
}

on_both_backends!(export_edit_import_round_trip, |store: Store| async move {
    let w = setup(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("masters.xlsx");
    assert_eq!(masters::export(&store, &path).await.unwrap(), (2, 4));
    let mut sheets = read_all(&path);
    assert_eq!(
        sheets,
        vec![
            (
                "Assignments".to_string(),
                vec![
                    row(&["Customer code", "Customer", "Rep e-mail", "Active"]),
                    row(&["C1", "Northwind", "rita@example.com", "yes"]),
                    row(&["C2", "Bluewater", "sam@example.com", "yes"]),
                ]
            ),
            (
                "Matrix".to_string(),
                vec![
                    row(&["Customer code", "Part", "Description", "Active"]),
                    row(&["C1", "A", "Part A", "yes"]),
                    row(&["C1", "B", "Part B", "yes"]),
                    row(&["C1", "C", "Part C", "yes"]),
                    row(&["C2", "A", "Part A", "yes"]),
                ]
            ),
        ]
    );

    // In Excel: C2 moves to Rita, a new customer C3 for Rita; C1 × B retired ("0"), C1 × A
    // described anew, C3 × X added (its customer is new in the same workbook).
    {
        let a = &mut sheets[0].1;
        a[2][2] = "rita@example.com".into();
        a.push(row(&["C3", "Eastport", "Rita@Example.com", "1"]));
        let m = &mut sheets[1].1;
        m[2][3] = "0".into();
        m[1][2] = "Pallet wrap 23 µm".into();
        m.push(row(&["C3", "X", "Crates", "yes"]));
    }
    write_all(&path, &sheets);

    let before = lines(&store, w.cycle.id, w.rita).await;
    let r = masters::import(&store, &w.admin, &path, ImportMode::Check)
        .await
        .unwrap();
    assert_eq!(r.issues, vec![], "{:#?}", r.issues);
    assert_eq!(
        (
            r.assignments.rows,
            r.assignments.valid,
            r.assignments.added,
            r.assignments.changed
        ),
        (3, 3, 1, 1)
    );
    assert_eq!(
        (
            r.matrix.rows,
            r.matrix.valid,
            r.matrix.added,
            r.matrix.changed
        ),
        (5, 5, 1, 2)
    );
    assert!(!r.applied);
    assert_eq!(
        lines(&store, w.cycle.id, w.rita).await,
        before,
        "check changes nothing"
    );

    let r = masters::import(&store, &w.admin, &path, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert!(r.applied);
    let mut got = lines(&store, w.cycle.id, w.rita).await;
    got.sort();
    assert_eq!(
        got,
        vec![
            line("C1", "Northwind", "A", "Pallet wrap 23 µm"),
            line("C1", "Northwind", "C", "Part C"),
            line("C2", "Bluewater", "A", "Part A"),
            line("C3", "Eastport", "X", "Crates"),
        ],
        "C1 × B retired, C2 and C3 planned by Rita"
    );
    assert!(lines(&store, w.cycle.id, w.sam).await.is_empty());
    let actions = audit_actions(&store).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "forecast.masters_import")
            .count(),
        1
    );
    // setup's two assignments, then C2's move and C3's arrival.
    assert_eq!(
        actions.iter().filter(|a| *a == "forecast.assign").count(),
        4
    );

    // The export shows the retired line, so it can be brought back; the same sheet again
    // changes nothing and writes nothing.
    masters::export(&store, &path).await.unwrap();
    let again = read_all(&path);
    assert!(again[1].1.contains(&row(&["C1", "B", "Part B", "no"])));
    assert!(
        again[0]
            .1
            .contains(&row(&["C3", "Eastport", "rita@example.com", "yes"]))
    );
    let r = masters::import(&store, &w.admin, &path, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert_eq!(
        (
            r.assignments.added + r.assignments.changed + r.matrix.added + r.matrix.changed,
            r.applied
        ),
        (0, false)
    );
    assert_eq!(audit_actions(&store).await.len(), actions.len());
});

on_both_backends!(
    every_bad_cell_is_named_and_nothing_applied,
    |store: Store| async move {
        let w = setup(&store).await;
        let dora = user(&store, "Dora", Role::SalesRep).await;
        sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
            .bind(dora)
            .execute(store.pool())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("typed.xlsx");
        let sheets = vec![
            (
                "Assignments".to_string(),
                vec![
                    row(&["Customer code", "Customer", "Rep e-mail", "Active"]),
                    row(&["C1", "Northwind", "nobody@example.com", "yes"]), // 2
                    row(&["C2", "Bluewater", "alma@example.com", "yes"]),   // 3
                    row(&["C4", "", "rita@example.com", "yes"]),            // 4
                    row(&["C5", "Fifth", "rita@example.com", "maybe"]),     // 5
                    row(&["C6", "Six", "rita@example.com", "yes"]),         // 6
                    row(&["C6", "Six again", "sam@example.com", "yes"]),    // 7
                    row(&["", "Nameless", "rita@example.com", "yes"]),      // 8
                    row(&["C7", "Seven", "rita at example", "yes"]),        // 9
                    row(&["C8", "Eight", "sam@example.com", "FALSE"]),      // 10: valid
                    row(&["C9", "Nine", "dora@example.com", "yes"]),        // 11
                ],
            ),
            (
                "Matrix".to_string(),
                vec![
                    row(&["Customer code", "Part", "Description", "Active", "Notes"]),
                    row(&["C1", "A", "Wrap", "2"]),              // 2
                    row(&["C1", "B", "Box", "yes"]),             // 3
                    row(&["C1", "B", "Box too", "no"]),          // 4
                    row(&["C77", "A", "Wrap", "yes"]),           // 5
                    row(&["C1", "", "No part", "yes"]),          // 6
                    row(&["C1", "D", "Drums", "TRUE"]),          // 7: valid
                    row(&["C8", "E", "For the new one", "yes"]), // 8: valid with row 10 above
                ],
            ),
        ];
        write_all(&path, &sheets);
        let before = (
            lines(&store, w.cycle.id, w.rita).await,
            lines(&store, w.cycle.id, w.sam).await,
        );
        let r = masters::import(&store, &w.admin, &path, ImportMode::AllOrNothing)
            .await
            .unwrap();
        assert_eq!(
            named(&r.issues),
            owned(&[
                (2, "Assignments: Rep e-mail"),
                (3, "Assignments: Rep e-mail"),
                (4, "Assignments: Customer"),
                (5, "Assignments: Active"),
                (6, "Assignments: Customer code"),
                (7, "Assignments: Customer code"),
                (8, "Assignments: Customer code"),
                (9, "Assignments: Rep e-mail"),
                (11, "Assignments: Rep e-mail"),
                (1, "Matrix: Notes"),
                (2, "Matrix: Active"),
                (3, "Matrix: Part"),
                (4, "Matrix: Part"),
                (5, "Matrix: Customer code"),
                (6, "Matrix: Part"),
            ]),
            "{:#?}",
            r.issues
        );
        let says = |row: u32, column: &str, text: &str| {
            let i = r
                .issues
                .iter()
                .find(|i| i.row == row && format!("{}: {}", i.sheet, i.column) == column)
                .unwrap();
            assert!(i.message.contains(text), "{row} {column}: {}", i.message);
        };
        says(
            2,
            "Assignments: Rep e-mail",
            "No account has the e-mail nobody@example.com",
        );
        says(
            3,
            "Assignments: Rep e-mail",
            "alma@example.com is not a sales rep (the account's role is admin)",
        );
        says(
            4,
            "Assignments: Customer",
            "Customer C4 is new here: give its name",
        );
        says(5, "Assignments: Active", "(\"maybe\"), not yes or no");
        says(
            6,
            "Assignments: Customer code",
            "C6 is also on row 7; neither row is applied",
        );
        says(7, "Assignments: Customer code", "C6 is also on row 6");
        says(8, "Assignments: Customer code", "Customer code is required");
        says(
            9,
            "Assignments: Rep e-mail",
            "\"rita at example\" is not an e-mail address",
        );
        says(
            11,
            "Assignments: Rep e-mail",
            "dora@example.com is deactivated",
        );
        says(1, "Matrix: Notes", "has no column \"Notes\"");
        says(2, "Matrix: Active", "(\"2\"), not yes or no");
        says(3, "Matrix: Part", "C1 / B is also on row 4");
        says(5, "Matrix: Customer code", "Customer C77 is not planned");
        says(6, "Matrix: Part", "Part is required");
        assert_eq!((r.assignments.rows, r.assignments.valid), (10, 1));
        assert_eq!((r.matrix.rows, r.matrix.valid, r.matrix.added), (7, 2, 2));
        assert!(!r.applied);
        let after = (
            lines(&store, w.cycle.id, w.rita).await,
            lines(&store, w.cycle.id, w.sam).await,
        );
        assert_eq!(after, before, "nothing applied");
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM forecast_assignments")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 2);

        // Valid rows only: C8 (retired, Sam's) and the lines C1 × D and C8 × E go in; the
        // rest is reported the same way.
        let r = masters::import(&store, &w.admin, &path, ImportMode::ValidRowsOnly)
            .await
            .unwrap();
        assert!(r.applied);
        assert_eq!(r.issues.len(), 15);
        let mut got = lines(&store, w.cycle.id, w.rita).await;
        got.sort();
        assert_eq!(
            got,
            vec![
                line("C1", "Northwind", "A", "Part A"),
                line("C1", "Northwind", "B", "Part B"),
                line("C1", "Northwind", "C", "Part C"),
                line("C1", "Northwind", "D", "Drums"),
            ]
        );
        // C8 is Sam's but retired, so his grid does not show it.
        assert_eq!(
            lines(&store, w.cycle.id, w.sam).await,
            vec![line("C2", "Bluewater", "A", "Part A")]
        );
        let c8: (Option<i64>, i64) = sqlx::query_as(
            "SELECT rep_id, active FROM forecast_assignments WHERE erp_customer_code = 'C8'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(c8, (Some(w.sam), 0));
        let (e,): (i64,) = sqlx::query_as(
            "SELECT active FROM forecast_matrix WHERE erp_customer_code = 'C8' AND part = 'E'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(e, 1);

        // A sheet without the rep column is refused on its header row, not read as "no rep".
        write_all(
            &path,
            &[(
                "Assignments".to_string(),
                vec![
                    row(&["Customer code", "Customer"]),
                    row(&["C1", "Northwind"]),
                ],
            )],
        );
        let r = masters::import(&store, &w.admin, &path, ImportMode::ValidRowsOnly)
            .await
            .unwrap();
        assert_eq!(named(&r.issues), owned(&[(1, "Assignments: Rep e-mail")]));
        assert!(!r.applied);
        assert!(!r.matrix.found);
    }
);

// ---- through the dispatch --------------------------------------------------------------

use common::harness::Harness;
use portdesk_types::ErrorKind;
use portdesk_types::accounts::ExportRequest;
use portdesk_types::api::{ExportForecastMasters, ImportForecastMasters};

async fn only_admins_reach_the_masters(h: Harness) {
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    let w = setup(&store).await;
    let file = |name: &str| h.dir.path().join(name).display().to_string();
    let import = |path: String, mode| MastersImport { path, mode };

    // The admin's export, edited: Sam takes C1.
    h.sign_in_as("ada@example.com").await;
    let out = h
        .call::<ExportForecastMasters>(ExportRequest {
            query: (),
            path: file("masters.xlsx"),
        })
        .await
        .unwrap();
    assert_eq!(out.rows, 6);
    let mut sheets = read_all(Path::new(&out.path));
    sheets[0].1[1][2] = "sam@example.com".into();
    write_all(Path::new(&out.path), &sheets);

    // A rep gets Forbidden both ways, before any file is touched.
    h.sign_in_as("rita@example.com").await;
    let e = h
        .call::<ExportForecastMasters>(ExportRequest {
            query: (),
            path: file("rita.xlsx"),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(!h.dir.path().join("rita.xlsx").exists());
    let e = h
        .call::<ImportForecastMasters>(import(out.path.clone(), ImportMode::AllOrNothing))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert_eq!(lines(&store, w.cycle.id, w.sam).await.len(), 1, "unchanged");

    h.sign_in_as("ada@example.com").await;
    // A picture renamed .xlsx gets the sheet reader's message.
    std::fs::write(h.dir.path().join("logo.xlsx"), common::xlsx::PNG).unwrap();
    let e = h
        .call::<ImportForecastMasters>(import(file("logo.xlsx"), ImportMode::Check))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Validation, Some("path")),
    );
    assert!(
        e.message
            .contains("logo.xlsx: this is not an .xlsx workbook"),
        "{}",
        e.message
    );
    // A workbook without either sheet is named with the sheets it has.
    write_all(
        &h.dir.path().join("other.xlsx"),
        &[("Sheet1".to_string(), vec![row(&["Customer code", "Part"])])],
    );
    let e = h
        .call::<ImportForecastMasters>(import(file("other.xlsx"), ImportMode::Check))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("path"));
    assert!(
        e.message
            .contains("no sheet named Assignments or Matrix (its sheets: Sheet1)"),
        "{}",
        e.message
    );

    let r = h
        .call::<ImportForecastMasters>(import(out.path, ImportMode::AllOrNothing))
        .await
        .unwrap();
    assert_eq!(
        (r.issues.len(), r.assignments.changed, r.applied),
        (0, 1, true)
    );
    assert_eq!(
        lines(&store, w.cycle.id, w.sam).await.len(),
        4,
        "C1's three and C2's"
    );
    assert!(lines(&store, w.cycle.id, w.rita).await.is_empty());
}
on_both_stores!(masters_commands, only_admins_reach_the_masters);
