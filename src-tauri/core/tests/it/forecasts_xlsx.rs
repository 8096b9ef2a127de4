//! The forecast grid to and from Excel on a real store (SQLite file and PostgreSQL): the round
//! trip, every bad cell named by row and column with nothing applied, valid rows only, a stale
//! hidden version coming back as a conflict, another rep's customer, another rep's grid, a
//! closed cycle and a file that is not a workbook.

use crate::common;

use calamine::{Data, Reader, SheetVisible, Xlsx, open_workbook};

use portdesk_core::audit::Actor;
use portdesk_core::error::CoreError;
use portdesk_core::forecasts::{self, xlsx};
use portdesk_core::store::Store;
use portdesk_types::accounts::{ImportIssue, ImportMode};
use portdesk_types::forecasts::*;
use std::path::Path;

use common::forecasts::{World, setup};

fn edit(code: &str, part: &str, month: &str, q: f64, base: i64) -> CellEdit {
    CellEdit {
        customer_code: code.into(),
        part: part.into(),
        month: month.into(),
        quantity: q,
        base_version: base,
        key: None,
    }
}

async fn save(store: &Store, who: &Actor, rep: i64, admin: bool, cycle: i64, e: Vec<CellEdit>) {
    let r = forecasts::save_cells(
        store,
        who,
        rep,
        admin,
        &SaveCells {
            cycle_id: cycle,
            edits: e,
        },
    )
    .await
    .unwrap();
    assert!(r.conflicts.is_empty());
}

/// Rep's grid as (customer, part, month) → quantity, filled cells only.
async fn filled(store: &Store, cycle: i64, rep: i64) -> Vec<(String, String, String, i64)> {
    let g = forecasts::grid(store, cycle, rep).await.unwrap();
    let mut out = Vec::new();
    for r in g.rows {
        for c in r.cells {
            if let Some(q) = c.quantity {
                out.push((r.customer_code.clone(), r.part.clone(), c.month, q));
            }
        }
    }
    out
}

fn cells(v: &[(&str, &str, &str, i64)]) -> Vec<(String, String, String, i64)> {
    v.iter()
        .map(|(a, b, c, q)| ((*a).into(), (*b).into(), (*c).into(), *q))
        .collect()
}

/// Every sheet of the workbook as (name, hidden, cells).
fn read_all(path: &Path) -> Vec<(String, bool, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let meta = wb.sheets_metadata().to_vec();
    meta.into_iter()
        .map(|s| {
            let range = wb.worksheet_range(&s.name).unwrap();
            assert_eq!(range.start(), Some((0, 0)));
            let rows = range.rows().map(<[Data]>::to_vec).collect();
            (s.name, s.visible != SheetVisible::Visible, rows)
        })
        .collect()
}

/// What a user does in Excel: the exported workbook opened, the data sheet's cells changed by
/// `change`, saved again (with rust_xlsxwriter; formulas come back as their values). With
/// `reverse`, the data sheet's columns are saved in the opposite order.
fn edit_in_excel(path: &Path, reverse: bool, change: impl Fn(&mut Vec<Vec<Data>>)) {
    let mut sheets = read_all(path);
    change(&mut sheets[0].2);
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (i, (name, hidden, rows)) in sheets.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        ws.set_hidden(*hidden);
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let c = (if reverse && i == 0 { width - 1 - c } else { c }) as u16;
                let r = r as u32;
                match v {
                    Data::String(s) => {
                        ws.write_string(r, c, s).unwrap();
                    }
                    Data::Float(f) => {
                        ws.write_number(r, c, *f).unwrap();
                    }
                    Data::Int(n) => {
                        ws.write_number(r, c, *n as f64).unwrap();
                    }
                    Data::Empty => {}
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
    wb.save(path).unwrap();
}

/// The data row of `code` / `part` and the column of `header` in an exported sheet.
fn at(rows: &[Vec<Data>], code: &str, part: &str, header: &str) -> (usize, usize) {
    let c = rows[0].iter().position(|h| *h == header).unwrap();
    let r = rows
        .iter()
        .position(|r| r[0] == code && r[2] == part)
        .unwrap();
    (r, c)
}

fn set(rows: &mut [Vec<Data>], code: &str, part: &str, month: &str, v: Data) {
    let (r, c) = at(rows, code, part, month);
    rows[r][c] = v;
}

async fn import(
    store: &Store,
    w: &World,
    path: &Path,
    mode: ImportMode,
) -> Result<ForecastImportReport, CoreError> {
    xlsx::import(store, &w.rita_a, w.rita, false, w.cycle.id, path, mode).await
}

on_both_backends!(export_edit_import_round_trip, |store: Store| async move {
    let w = setup(&store).await;
    let id = w.cycle.id;
    save(
        &store,
        &w.rita_a,
        w.rita,
        false,
        id,
        vec![edit("C1", "A", "2027-01", 100.0, 0)],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rita.xlsx");
    assert_eq!(xlsx::export(&store, id, w.rita, &path).await.unwrap(), 3);

    // What the export holds: the grid, and the versions on a hidden sheet of the same layout.
    let sheets = read_all(&path);
    assert_eq!(sheets.len(), 2);
    let (name, hidden, rows) = &sheets[0];
    assert_eq!((name.as_str(), *hidden), ("Forecast", false));
    let header: Vec<String> = rows[0].iter().map(|d| d.to_string()).collect();
    assert_eq!(header, xlsx::header(&w.cycle.months));
    assert_eq!(header[5], "2027-01");
    assert_eq!(rows.len(), 4, "header + C1 × A, B, C");
    let (r, c) = at(rows, "C1", "A", "2027-01");
    assert_eq!(rows[r][c], Data::Float(100.0));
    assert_eq!(rows[r][c + 1], Data::Empty, "an empty cell stays empty");
    assert_eq!(rows[r][header.len() - 1], Data::Float(100.0), "total");
    let (vname, vhidden, vrows) = &sheets[1];
    assert_eq!((vname.as_str(), *vhidden), ("Versions", true));
    assert_eq!(vrows[0], rows[0], "same layout");
    // The version and the value exported with it, in one number: 1 + 1,000,000 × (100 + 1).
    assert_eq!(vrows[r][c], Data::Float(101_000_001.0));
    assert_eq!(
        vrows[r][c + 1],
        Data::Float(0.0),
        "version 0, exported empty"
    );

    // A few cells changed in Excel, and the columns saved in another order: reported, once.
    edit_in_excel(&path, true, |rows| {
        set(rows, "C1", "A", "2027-02", Data::Float(50.0));
        set(rows, "C1", "B", "2027-03", Data::Float(7.0));
        set(rows, "C1", "C", "2027-12", Data::Float(0.0));
    });
    let r = import(&store, &w, &path, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert_eq!(named(&r.issues), vec![(1, "2027-12")], "{:?}", r.issues);
    assert_eq!(r.issues[0].sheet, "Forecast");
    assert!(
        r.issues[0]
            .message
            .contains("stands after Total: keep the export's order"),
        "{}",
        r.issues[0].message
    );
    assert_eq!((r.changed, r.applied), (3, 0), "nothing applied");
    // Put back in order, the same edits.
    edit_in_excel(&path, true, |_| {});
    // Check applies nothing but says what would change.
    let r = import(&store, &w, &path, ImportMode::Check).await.unwrap();
    assert_eq!(r.issues, vec![], "{:?}", r.issues);
    assert_eq!((r.rows, r.valid, r.changed, r.applied), (3, 3, 3, 0));
    assert_eq!(
        filled(&store, id, w.rita).await,
        cells(&[("C1", "A", "2027-01", 100)])
    );
    let r = import(&store, &w, &path, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert_eq!((r.changed, r.applied, r.conflicts.len()), (3, 3, 0));
    // One step the grid can undo: each cell with the value it had.
    let mut changes: Vec<_> = r
        .changes
        .iter()
        .map(|c| (c.part.as_str(), c.month.as_str(), c.before, c.after))
        .collect();
    changes.sort();
    assert_eq!(
        changes,
        vec![
            ("A", "2027-02", None, 50),
            ("B", "2027-03", None, 7),
            ("C", "2027-12", None, 0)
        ]
    );
    let mut got = filled(&store, id, w.rita).await;
    got.sort();
    assert_eq!(
        got,
        cells(&[
            ("C1", "A", "2027-01", 100),
            ("C1", "A", "2027-02", 50),
            ("C1", "B", "2027-03", 7),
            ("C1", "C", "2027-12", 0),
        ])
    );
    // The same sheet again: every value is already there, nothing is sent.
    let again = import(&store, &w, &path, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert_eq!((again.changed, again.applied), (0, 0));
});

/// A sheet typed by hand (no hidden versions): header and rows, `None` an empty cell.
fn hand_made(path: &Path, header: &[&str], rows: &[Vec<Option<Data>>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match v {
                Some(Data::String(s)) => {
                    ws.write_string(r, c, s).unwrap();
                }
                Some(Data::Float(f)) => {
                    ws.write_number(r, c, *f).unwrap();
                }
                None => {}
                other => panic!("{other:?}"),
            }
        }
    }
    wb.save(path).unwrap();
}

fn t(s: &str) -> Option<Data> {
    Some(Data::String(s.into()))
}
fn n(f: f64) -> Option<Data> {
    Some(Data::Float(f))
}

fn named(issues: &[ImportIssue]) -> Vec<(u32, &str)> {
    issues.iter().map(|i| (i.row, i.column.as_str())).collect()
}

on_both_backends!(
    every_bad_cell_is_named_and_nothing_applied,
    |store: Store| async move {
        let w = setup(&store).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("typed.xlsx");
        hand_made(
            &path,
            &[
                "Customer code",
                "Part",
                "2027-01",
                "2027-02",
                "2028-01",
                "Notes",
            ],
            &[
                vec![t("C1"), t("A"), t("lots"), n(-3.0), None, None],
                vec![t("C1"), t("B"), n(2.5), n(2e9), None, None],
                vec![t("C2"), t("A"), n(5.0), None, None, None],
                vec![t("C1"), t("Z"), n(5.0), None, None, None],
                vec![t("C1"), t("A"), n(9.0), None, None, None],
                vec![t("C1"), t("C"), n(11.0), n(12.0), None, None],
            ],
        );
        let r = import(&store, &w, &path, ImportMode::AllOrNothing)
            .await
            .unwrap();
        assert_eq!(
            named(&r.issues),
            vec![
                (1, "2027-03"),
                (1, "2028-01"),
                (1, "Notes"),
                (2, "Part"),
                (2, "2027-01"),
                (2, "2027-02"),
                (3, "2027-01"),
                (3, "2027-02"),
                (4, "Customer code"),
                (5, "Part"),
                (6, "Part"),
            ],
            "{:#?}",
            r.issues
        );
        let says = |row: u32, column: &str, text: &str| {
            let i = r
                .issues
                .iter()
                .find(|i| i.row == row && i.column == column)
                .unwrap();
            assert!(i.message.contains(text), "{row} {column}: {}", i.message);
        };
        assert!(
            r.issues.iter().all(|i| i.sheet == "Sheet1"),
            "{:?}",
            r.issues
        );
        says(1, "2027-03", "10 months have no column (2027-03, 2027-04");
        says(1, "2028-01", "outside the cycle (2027-01 to 2027-12)");
        says(1, "Notes", "has no column \"Notes\"");
        says(2, "2027-01", "text (\"lots\"), not a whole number");
        says(2, "2027-02", "the minimum is 0");
        says(2, "Part", "also on row 6");
        says(3, "2027-01", "(2.5), not a whole number");
        says(3, "2027-02", "the limit is 1000000000");
        says(
            4,
            "Customer code",
            "Customer C2 is not one of this sales rep's customers",
        );
        says(5, "Part", "Part Z is not planned for customer C1");
        says(6, "Part", "also on row 2");
        assert_eq!((r.rows, r.valid, r.applied), (6, 1, 0));
        assert!(
            filled(&store, w.cycle.id, w.rita).await.is_empty(),
            "nothing applied"
        );
        assert!(filled(&store, w.cycle.id, w.sam).await.is_empty());

        // Valid rows only: the one clean row goes in (no hidden sheet: its base is the current
        // version), the rest is reported the same way.
        let r = import(&store, &w, &path, ImportMode::ValidRowsOnly)
            .await
            .unwrap();
        assert_eq!(
            (r.valid, r.changed, r.applied, r.issues.len()),
            (1, 2, 2, 11)
        );
        let mut got = filled(&store, w.cycle.id, w.rita).await;
        got.sort();
        assert_eq!(
            got,
            cells(&[("C1", "C", "2027-01", 11), ("C1", "C", "2027-02", 12)])
        );
        assert!(filled(&store, w.cycle.id, w.sam).await.is_empty());

        // A sheet without the key columns is refused on its header row.
        hand_made(&path, &["Part", "2027-01"], &[vec![t("A"), n(1.0)]]);
        let r = import(&store, &w, &path, ImportMode::ValidRowsOnly)
            .await
            .unwrap();
        assert_eq!(named(&r.issues), vec![(1, "Customer code")]);
        assert_eq!(r.applied, 0);
    }
);

on_both_backends!(
    a_stale_hidden_version_is_a_conflict,
    |store: Store| async move {
        let w = setup(&store).await;
        let id = w.cycle.id;
        save(
            &store,
            &w.rita_a,
            w.rita,
            false,
            id,
            vec![
                edit("C1", "A", "2027-01", 100.0, 0),
                edit("C1", "C", "2027-01", 10.0, 0),
            ],
        )
        .await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rita.xlsx");
        xlsx::export(&store, id, w.rita, &path).await.unwrap();
        // Meanwhile the admin changes that cell and fills an empty one (versions move on), and
        // changes a cell the rep will leave alone in Excel.
        save(
            &store,
            &w.admin,
            w.rita,
            true,
            id,
            vec![
                edit("C1", "A", "2027-01", 90.0, 1),
                edit("C1", "B", "2027-05", 33.0, 0),
                edit("C1", "C", "2027-01", 15.0, 1),
            ],
        )
        .await;
        edit_in_excel(&path, false, |rows| {
            set(rows, "C1", "A", "2027-01", Data::Float(120.0));
            set(rows, "C1", "B", "2027-05", Data::Float(44.0));
            set(rows, "C1", "B", "2027-02", Data::Float(4.0));
        });
        let r = import(&store, &w, &path, ImportMode::AllOrNothing)
            .await
            .unwrap();
        assert_eq!(r.issues, vec![]);
        // C / 2027-01 still shows the exported 10: left alone, so neither an edit nor a conflict.
        assert_eq!((r.changed, r.applied), (3, 1));
        let mut conflicts: Vec<_> = r
            .conflicts
            .iter()
            .map(|c| (c.part.as_str(), c.month.as_str(), c.yours, c.theirs))
            .collect();
        conflicts.sort();
        assert_eq!(
            conflicts,
            vec![
                ("A", "2027-01", 120, Some(90)),
                ("B", "2027-05", 44, Some(33))
            ],
            "both values, from the hidden sheet's base versions"
        );
        let mut got = filled(&store, id, w.rita).await;
        got.sort();
        assert_eq!(
            got,
            cells(&[
                ("C1", "A", "2027-01", 90),
                ("C1", "B", "2027-02", 4),
                ("C1", "B", "2027-05", 33),
                ("C1", "C", "2027-01", 15),
            ]),
            "never silently overwritten"
        );
    }
);

on_both_backends!(
    a_closed_cycle_refuses_the_import,
    |store: Store| async move {
        let w = setup(&store).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rita.xlsx");
        xlsx::export(&store, w.cycle.id, w.rita, &path)
            .await
            .unwrap();
        forecasts::close_cycle(&store, &w.admin, w.cycle.id)
            .await
            .unwrap();
        for mode in [ImportMode::Check, ImportMode::AllOrNothing] {
            match import(&store, &w, &path, mode).await {
                Err(CoreError::Conflict { message, .. }) => {
                    assert!(message.contains("closed"), "{message}")
                }
                other => panic!("{other:?}"),
            }
        }
        // The export still works: a closed cycle is read, not changed.
        xlsx::export(&store, w.cycle.id, w.rita, &path)
            .await
            .unwrap();
    }
);

// ---- through the dispatch --------------------------------------------------------------

use common::harness::Harness;
use portdesk_types::ErrorKind;
use portdesk_types::accounts::ExportRequest;
use portdesk_types::api::{ExportForecast, ImportForecast};

async fn reps_import_only_into_their_own_grid(h: Harness) {
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    let w = setup(&store).await;
    let id = w.cycle.id;
    let file = |name: &str| h.dir.path().join(name).display().to_string();
    let req = |rep_id: Option<i64>, path: String, mode| ForecastImport {
        cycle_id: id,
        rep_id,
        path,
        mode,
    };
    h.sign_in_as("rita@example.com").await;
    // Another rep's grid: refused both ways, before any file is touched.
    let e = h
        .call::<ExportForecast>(ExportRequest {
            query: GridRequest {
                cycle_id: id,
                rep_id: Some(w.sam),
            },
            path: file("sam.xlsx"),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(!h.dir.path().join("sam.xlsx").exists());
    let e = h
        .call::<ImportForecast>(req(Some(w.sam), file("x.xlsx"), ImportMode::AllOrNothing))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);

    // Her own grid, out and back with Sam's customer added: that row is refused.
    let out = h
        .call::<ExportForecast>(ExportRequest {
            query: GridRequest {
                cycle_id: id,
                rep_id: None,
            },
            path: file("rita.xlsx"),
        })
        .await
        .unwrap();
    assert_eq!(out.rows, 3);
    edit_in_excel(Path::new(&out.path), false, |rows| {
        set(rows, "C1", "A", "2027-03", Data::Float(5.0));
        let mut sams = rows[1].clone();
        sams[0] = Data::String("C2".into());
        sams[2] = Data::String("A".into());
        rows.push(sams);
    });
    let r = h
        .call::<ImportForecast>(req(None, out.path.clone(), ImportMode::AllOrNothing))
        .await
        .unwrap();
    assert_eq!(named(&r.issues), vec![(5, "Customer code")]);
    assert_eq!(r.applied, 0);
    let r = h
        .call::<ImportForecast>(req(None, out.path.clone(), ImportMode::ValidRowsOnly))
        .await
        .unwrap();
    assert_eq!(r.applied, 1);
    assert!(filled(&store, id, w.sam).await.is_empty());

    // A picture renamed .xlsx gets the sheet reader's message.
    std::fs::write(h.dir.path().join("logo.xlsx"), common::xlsx::PNG).unwrap();
    let e = h
        .call::<ImportForecast>(req(None, file("logo.xlsx"), ImportMode::Check))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Validation, Some("path"))
    );
    assert!(
        e.message
            .contains("logo.xlsx: this is not an .xlsx workbook"),
        "{}",
        e.message
    );

    // The admin exports and imports for the rep she names (and must name one).
    h.sign_in_as("ada@example.com").await;
    let e = h
        .call::<ImportForecast>(req(None, file("x.xlsx"), ImportMode::Check))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("rep_id"));
    let out = h
        .call::<ExportForecast>(ExportRequest {
            query: GridRequest {
                cycle_id: id,
                rep_id: Some(w.sam),
            },
            path: file("sam.xlsx"),
        })
        .await
        .unwrap();
    assert_eq!(out.rows, 1);
    edit_in_excel(Path::new(&out.path), false, |rows| {
        set(rows, "C2", "A", "2027-04", Data::Float(8.0));
    });
    let r = h
        .call::<ImportForecast>(req(Some(w.sam), out.path, ImportMode::AllOrNothing))
        .await
        .unwrap();
    assert_eq!((r.issues.len(), r.applied), (0, 1));
    assert_eq!(
        filled(&store, id, w.sam).await,
        cells(&[("C2", "A", "2027-04", 8)])
    );
}
on_both_stores!(import_commands, reps_import_only_into_their_own_grid);

/// An import's conflicts wait in the grid with the journal's, and the rep decides there.
async fn import_conflicts_wait_in_the_grid(h: Harness) {
    use portdesk_types::api::{GetGrid, ResolveForecastCell};
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    let w = setup(&store).await;
    let id = w.cycle.id;
    save(
        &store,
        &w.rita_a,
        w.rita,
        false,
        id,
        vec![edit("C1", "A", "2027-01", 100.0, 0)],
    )
    .await;
    h.sign_in_as("rita@example.com").await;
    let out = h
        .call::<ExportForecast>(ExportRequest {
            query: GridRequest {
                cycle_id: id,
                rep_id: None,
            },
            path: h.dir.path().join("rita.xlsx").display().to_string(),
        })
        .await
        .unwrap();
    // The admin changes the cell after the export; Rita's sheet says 120.
    save(
        &store,
        &w.admin,
        w.rita,
        true,
        id,
        vec![edit("C1", "A", "2027-01", 90.0, 1)],
    )
    .await;
    edit_in_excel(Path::new(&out.path), false, |rows| {
        set(rows, "C1", "A", "2027-01", Data::Float(120.0));
    });
    let r = h
        .call::<ImportForecast>(ForecastImport {
            cycle_id: id,
            rep_id: None,
            path: out.path.clone(),
            mode: ImportMode::AllOrNothing,
        })
        .await
        .unwrap();
    assert_eq!(r.conflicts.len(), 1);
    let req = GridRequest {
        cycle_id: id,
        rep_id: None,
    };
    let g = h.call::<GetGrid>(req.clone()).await.unwrap();
    let k = g
        .sync
        .conflicts
        .first()
        .expect("the conflict waits in the grid")
        .clone();
    assert_eq!(
        (k.part.as_str(), k.yours, k.theirs, k.version),
        ("A", 120, Some(90), 2)
    );
    // "Keep mine": her 120 goes in on the store's version.
    h.call::<ResolveForecastCell>(ResolveCell {
        cycle_id: id,
        keep_mine: true,
        edit: CellEdit {
            customer_code: k.customer_code.clone(),
            part: k.part.clone(),
            month: k.month.clone(),
            quantity: k.yours as f64,
            base_version: k.version,
            key: None,
        },
    })
    .await
    .unwrap();
    let g = h.call::<GetGrid>(req).await.unwrap();
    assert!(g.sync.conflicts.is_empty(), "{:?}", g.sync);
    let a = g.rows.iter().find(|r| r.part == "A").unwrap();
    assert_eq!((a.cells[0].quantity, a.cells[0].version), (Some(120), 3));
}
on_both_stores!(import_conflicts, import_conflicts_wait_in_the_grid);

// A sheet typed by hand (no hidden sheet) may name every cell of a large grid: past 50,000
// cells to look up, the import compares it with one read of the whole grid instead. The same
// rules apply: only cells that differ from the store are changes.
on_both_backends!(
    a_hand_typed_sheet_naming_every_cell_of_a_large_grid,
    |store: Store| async move {
        let w = setup(&store).await;
        // Rita's C1 gets 4,200 more parts: 4,203 rows × 12 months = 50,436 cells.
        let parts: Vec<String> = (0..4_200).map(|i| format!("X{i:04}")).collect();
        let mut tx = store.pool().begin().await.unwrap();
        for chunk in parts.chunks(300) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("('C1', ${}, '', 1)", i + 1))
                .collect();
            let sql = format!(
                "INSERT INTO forecast_matrix (erp_customer_code, part, description, active) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for p in chunk {
                q = q.bind(p);
            }
            q.execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        save(
            &store,
            &w.rita_a,
            w.rita,
            false,
            w.cycle.id,
            vec![edit("C1", "X0001", "2027-01", 5.0, 0)],
        )
        .await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("typed.xlsx");
        let mut header = vec!["Customer code", "Part"];
        header.extend(w.cycle.months.iter().map(String::as_str));
        let rows: Vec<Vec<Option<Data>>> = ["A", "B", "C"]
            .iter()
            .map(|p| (*p).to_owned())
            .chain(parts.iter().cloned())
            .map(|p| {
                let mut r = vec![t("C1"), t(&p)];
                r.extend(w.cycle.months.iter().map(|_| n(5.0)));
                r
            })
            .collect();
        hand_made(&path, &header, &rows);
        let r = import(&store, &w, &path, ImportMode::Check).await.unwrap();
        assert_eq!(r.issues, vec![], "{:?}", r.issues);
        assert_eq!(r.rows, 4_203);
        assert_eq!(
            r.changed,
            4_203 * 12 - 1,
            "every cell but the one already holding 5"
        );
        assert_eq!(r.applied, 0);
    }
);
