//! Forecast import benchmark (not a test): a rep with 100,000 grid rows (1,000 customers × 100
//! parts) and an 18-month cycle whose 1.8 million cells are all filled in the store. The sheet
//! has the export's layout and hidden versions; 10,000 cells differ from the store and 1,000
//! hold text. Measures the import in "check" mode (every bad cell reported; target <= 1 s),
//! "valid rows only" (the changed cells saved), 10,000 edited cells saved through `save_cells`
//! alone (target < 200 ms), and the export. In the same run `benches/pandas_read_peer.py`
//! (`pandas.read_excel`, target: Portdesk >= 15x faster) and `benches/openpyxl_read_peer.py`
//! read the same file. Run: `cargo bench -p portdesk-core --bench forecast_import`
//! (the peers need `python3 -m pip install pandas openpyxl`).

use portdesk_core::audit::Actor;
use portdesk_core::forecasts::{self, xlsx};
use portdesk_core::store::Store;
use portdesk_types::accounts::ImportMode;
use portdesk_types::forecasts::{Assignment, CellEdit, NewCycle, SaveCells};
use std::time::Instant;

const CUSTOMERS: usize = 1_000;
const PARTS: usize = 100;
const HORIZON: u32 = 18;

/// The stored (and exported) value of a cell.
fn value(row: usize, m: usize) -> i64 {
    ((row * 31 + m * 7) % 500) as i64
}
/// 10,000 cells the rep changed in Excel.
fn changed(row: usize, m: usize) -> bool {
    (row * HORIZON as usize + m).is_multiple_of(180)
}
/// 1,000 cells with text in them.
fn bad(row: usize, m: usize) -> bool {
    row % 100 == 1 && m == 3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("portal.db"))
        .await
        .unwrap();
    let admin = Actor::system("bench");
    let rep = portdesk_core::accounts::create(
        &store,
        &admin,
        portdesk_core::accounts::NewUser {
            name: "Rita".into(),
            email: "rita@example.com".into(),
            role: portdesk_types::Role::SalesRep,
            erp_customer: None,
            erp_customer_code: None,
            password: portdesk_types::Secret::new("Forklift-Harbour-42"),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
    .id;
    let setup = Instant::now();
    for c in 0..CUSTOMERS {
        forecasts::assign(
            &store,
            &admin,
            &Assignment {
                customer_code: format!("C{c:05}"),
                customer: format!("Customer {c}"),
                rep_id: Some(rep),
            },
        )
        .await
        .unwrap();
    }
    let mut tx = store.pool().begin().await.unwrap();
    for c in 0..CUSTOMERS {
        let mut sql = String::from(
            "INSERT INTO forecast_matrix (erp_customer_code, part, description, active) VALUES ",
        );
        for p in 0..PARTS {
            let n = p * 3;
            sql.push_str(&format!(
                "{}(${}, ${}, ${}, 1)",
                if p > 0 { ", " } else { "" },
                n + 1,
                n + 2,
                n + 3
            ));
        }
        let mut q = sqlx::query(&sql);
        for p in 0..PARTS {
            q = q
                .bind(format!("C{c:05}"))
                .bind(format!("P{p:03}"))
                .bind(format!("Part {p}"));
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let cycle = forecasts::create_cycle(
        &store,
        &admin,
        &NewCycle {
            name: "Bench".into(),
            first_month: "2027-01".into(),
            horizon: HORIZON,
            deadline: 1_900_000_000_000,
        },
    )
    .await
    .unwrap();
    let cycle = forecasts::open_cycle(&store, &admin, cycle.id)
        .await
        .unwrap();
    // Every cell filled at version 1, in row order (customer, part).
    let mut tx = store.pool().begin().await.unwrap();
    for c in 0..CUSTOMERS {
        for p in 0..PARTS {
            let row = c * PARTS + p;
            let mut sql = String::from(
                "INSERT INTO forecast_cells (cycle_id, erp_customer_code, part, month, quantity, version, updated_by, updated_at) VALUES ",
            );
            for m in 0..HORIZON as usize {
                let n = m * 4;
                sql.push_str(&format!(
                    "{}($1, ${}, ${}, ${}, ${}, 1, 0, 0)",
                    if m > 0 { ", " } else { "" },
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5
                ));
            }
            let mut q = sqlx::query(&sql).bind(cycle.id);
            for (m, month) in cycle.months.iter().enumerate() {
                q = q
                    .bind(format!("C{c:05}"))
                    .bind(format!("P{p:03}"))
                    .bind(month.clone())
                    .bind(value(row, m));
            }
            q.execute(&mut *tx).await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    let setup = setup.elapsed();

    // The sheet as the rep brings it back: the export's layout, hidden versions.
    let path = dir.path().join("forecast.xlsx");
    let written = Instant::now();
    {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let header = xlsx::header(&cycle.months);
        for (sheet, versions) in [(xlsx::SHEET, false), (xlsx::VERSIONS_SHEET, true)] {
            let ws = wb.add_worksheet_with_constant_memory().unwrap();
            ws.set_name(sheet).unwrap();
            for (i, h) in header.iter().enumerate() {
                ws.write_string(0, i as u16, h).unwrap();
            }
            for c in 0..CUSTOMERS {
                for p in 0..PARTS {
                    let row = c * PARTS + p;
                    let r = row as u32 + 1;
                    ws.write_string(r, 0, format!("C{c:05}")).unwrap();
                    ws.write_string(r, 1, format!("Customer {c}")).unwrap();
                    ws.write_string(r, 2, format!("P{p:03}")).unwrap();
                    ws.write_string(r, 3, format!("Part {p}")).unwrap();
                    for m in 0..HORIZON as usize {
                        let col = 5 + m as u16;
                        if versions {
                            // As the export writes it: version 1 and the value it had.
                            let hidden = xlsx::hidden(1, Some(value(row, m)));
                            ws.write_number(r, col, hidden as f64).unwrap();
                        } else if bad(row, m) {
                            ws.write_string(r, col, "n/a").unwrap();
                        } else {
                            let v = value(row, m) + i64::from(changed(row, m));
                            ws.write_number(r, col, v as f64).unwrap();
                        }
                    }
                }
            }
            ws.set_hidden(versions);
        }
        wb.save(&path).unwrap();
    }
    let written = written.elapsed();
    let size = std::fs::metadata(&path).unwrap().len();

    let t = Instant::now();
    let g = forecasts::grid(&store, cycle.id, rep).await.unwrap();
    let grid_t = t.elapsed();
    assert_eq!(g.rows.len(), CUSTOMERS * PARTS);
    drop(g);
    let t = Instant::now();
    let check = xlsx::import(
        &store,
        &admin,
        rep,
        true,
        cycle.id,
        &path,
        ImportMode::Check,
    )
    .await
    .unwrap();
    let check_t = t.elapsed();
    assert_eq!(check.rows as usize, CUSTOMERS * PARTS);
    assert_eq!(check.issues.len(), 1_000, "every bad cell reported");
    let t = Instant::now();
    let applied = xlsx::import(
        &store,
        &admin,
        rep,
        true,
        cycle.id,
        &path,
        ImportMode::ValidRowsOnly,
    )
    .await
    .unwrap();
    let apply_t = t.elapsed();
    assert_eq!(applied.conflicts.len(), 0);
    // 10,000 cells edited in the grid, saved as one save: a paste (556 rows × 18 months in one
    // block), then 10,000 cells spread over the whole grid (one row in ten, every page of the
    // table touched: the worst case for the store's cache).
    let paste_t = save_10k(&store, &admin, rep, &cycle, |i| {
        (90_000 + i / HORIZON as usize, i % HORIZON as usize)
    })
    .await;
    let save_t = save_10k(&store, &admin, rep, &cycle, |i| {
        ((i * 7) % (CUSTOMERS * PARTS), i % HORIZON as usize)
    })
    .await;
    let export_path = dir.path().join("export.xlsx");
    let t = Instant::now();
    xlsx::export(&store, cycle.id, rep, &export_path)
        .await
        .unwrap();
    let export_t = t.elapsed();

    let pandas = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../benches/pandas_read_peer.py"
        ))
        .arg(&path)
        .output();
    let pandas_s: Option<f64> = pandas
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok());
    let peer = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../benches/openpyxl_read_peer.py"
        ))
        .arg(&path)
        .output();
    let peer_s: Option<f64> = peer
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok());

    println!(
        "forecast import benchmark: {} rows × {HORIZON} months ({:.1} MB .xlsx with hidden versions; setup {:.1} s, sheet written in {:.0} ms)",
        CUSTOMERS * PARTS,
        size as f64 / 1_048_576.0,
        setup.as_secs_f64(),
        written.as_secs_f64() * 1000.0
    );
    println!(
        "  check (read both sheets, validate, compare with the store; {} bad cells reported, {} changed): {:.0} ms   (target <= 1000 ms)",
        check.issues.len(),
        check.changed,
        check_t.as_secs_f64() * 1000.0
    );
    println!(
        "  the store's whole grid (forecasts::grid, {} cells through sqlx; the import reads it only for a sheet without its hidden sheet), alone: {:.0} ms",
        CUSTOMERS * PARTS * HORIZON as usize,
        grid_t.as_secs_f64() * 1000.0
    );
    println!(
        "  valid rows only ({} rows valid, {} cells saved in one transaction): {:.0} ms",
        applied.valid,
        applied.applied,
        apply_t.as_secs_f64() * 1000.0
    );
    println!(
        "  10,000 edited cells saved (save_cells, one transaction): a pasted block {:.0} ms, spread over the grid {:.0} ms   (target < 200 ms)",
        paste_t.as_secs_f64() * 1000.0,
        save_t.as_secs_f64() * 1000.0
    );
    println!(
        "  export of the same grid: {:.0} ms",
        export_t.as_secs_f64() * 1000.0
    );
    match peer_s {
        Some(s) => println!(
            "  openpyxl (read-only) reading the same file's values: {:.0} ms; Portdesk's whole check is {:.1}x faster",
            s * 1000.0,
            s / check_t.as_secs_f64()
        ),
        None => println!("  openpyxl peer not run (python3 -m pip install openpyxl)"),
    }
    match pandas_s {
        Some(s) => println!(
            "  pandas.read_excel (every sheet) on the same file: {:.0} ms; Portdesk's whole check is {:.1}x faster   (target >= 15x)",
            s * 1000.0,
            s / check_t.as_secs_f64()
        ),
        None => println!("  pandas peer not run (python3 -m pip install pandas openpyxl)"),
    }
}

/// Saves 10,000 cells at `at(i)` = (grid row, month) as one save (every cell at version 1,
/// or 2 where the import changed it); returns how long it took.
async fn save_10k(
    store: &Store,
    admin: &Actor,
    rep: i64,
    cycle: &portdesk_types::forecasts::Cycle,
    at: impl Fn(usize) -> (usize, usize),
) -> std::time::Duration {
    let edits: Vec<CellEdit> = (0..10_000usize)
        .map(|i| {
            let (row, m) = at(i);
            let (c, p) = (row / PARTS, row % PARTS);
            let version = if changed(row, m) && !bad(row, m) {
                2
            } else {
                1
            };
            CellEdit {
                customer_code: format!("C{c:05}"),
                part: format!("P{p:03}"),
                month: cycle.months[m].clone(),
                quantity: 900.0,
                base_version: version,
                key: None,
            }
        })
        .collect();
    let t = Instant::now();
    let saved = forecasts::save_cells(
        store,
        admin,
        rep,
        true,
        &SaveCells {
            cycle_id: cycle.id,
            edits,
        },
    )
    .await;
    let took = t.elapsed();
    let saved = saved.unwrap();
    assert_eq!((saved.applied, saved.conflicts.len()), (10_000, 0));
    took
}
