//! S&OP forecasts on a real store (SQLite file and PostgreSQL): cycles and their bad input,
//! versioned cells (a stale edit comes back as a conflict, never overwrites), whole-batch
//! validation, idempotent replay, submit / take back, and the lock after close.

use crate::common;

use portdesk_core::accounts;
use portdesk_core::audit::{self, Actor};
use portdesk_core::error::CoreError;
use portdesk_core::forecasts;
use portdesk_core::store::Store;
use portdesk_types::forecasts::*;
use portdesk_types::{Role, Secret};

use common::forecasts::user;

/// 2027-01 at noon UTC, in ms.
const JAN_2027: i64 = 1_798_804_800_000;

fn new_cycle(first: &str, horizon: u32, deadline: i64) -> NewCycle {
    NewCycle {
        name: "FY27".into(),
        first_month: first.into(),
        horizon,
        deadline,
    }
}

/// What [`setup`] makes: the admin, the two reps (account id and actor), the open cycle.
struct Reps {
    admin: Actor,
    rita: i64,
    rita_a: Actor,
    sam: i64,
    sam_a: Actor,
    c: Cycle,
}

/// Admin, two reps (Rita: C1 with parts A and B; Sam: C2 with part A), an open cycle.
async fn setup(store: &Store) -> Reps {
    let admin_id = user(store, "Ada", Role::Admin).await;
    let admin = Actor::user(admin_id, "ada@example.com");
    let rita = user(store, "Rita", Role::SalesRep).await;
    let sam = user(store, "Sam", Role::SalesRep).await;
    common::forecasts::plan(
        store,
        &admin,
        &[("C1", "Northwind", rita), ("C2", "Bluewater", sam)],
        &[("C1", "A"), ("C1", "B"), ("C2", "A")],
    )
    .await;
    let c = forecasts::create_cycle(
        store,
        &admin,
        &new_cycle("2027-01", 12, JAN_2027 + 86_400_000 * 10),
    )
    .await
    .unwrap();
    let c = forecasts::open_cycle(store, &admin, c.id).await.unwrap();
    Reps {
        admin,
        rita,
        rita_a: Actor::user(rita, "rita@example.com"),
        sam,
        sam_a: Actor::user(sam, "sam@example.com"),
        c,
    }
}

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

async fn cell(store: &Store, cycle: i64, rep: i64, code: &str, part: &str, month: &str) -> Cell {
    let g = forecasts::grid(store, cycle, rep).await.unwrap();
    g.rows
        .into_iter()
        .find(|r| r.customer_code == code && r.part == part)
        .unwrap()
        .cells
        .into_iter()
        .find(|c| c.month == month)
        .unwrap()
}

on_both_backends!(cycles_and_their_bad_input, |store: Store| async move {
    let admin = Actor::user(user(&store, "Ada", Role::Admin).await, "ada@example.com");
    let rep = user(&store, "Rita", Role::SalesRep).await;
    forecasts::assign(
        &store,
        &admin,
        &Assignment {
            customer_code: "C1".into(),
            customer: "Northwind".into(),
            rep_id: Some(rep),
        },
    )
    .await
    .unwrap();
    for (c, field) in [
        (new_cycle("2027-13", 12, JAN_2027), "first_month"),
        (new_cycle("Jan 2027", 12, JAN_2027), "first_month"),
        (new_cycle("2027-01", 11, JAN_2027), "horizon"),
        (new_cycle("2027-01", 19, JAN_2027), "horizon"),
        (
            new_cycle("2027-01", 12, JAN_2027 - 86_400_000 * 30),
            "deadline",
        ),
        (
            NewCycle {
                name: " ".into(),
                ..new_cycle("2027-01", 12, JAN_2027)
            },
            "name",
        ),
    ] {
        match forecasts::create_cycle(&store, &admin, &c).await {
            Err(CoreError::Validation { field: f, .. }) => assert_eq!(f, field, "{c:?}"),
            other => panic!("{c:?}: {other:?}"),
        }
    }
    assert!(
        forecasts::list_cycles(&store).await.unwrap().is_empty(),
        "nothing half made"
    );
    let c = forecasts::create_cycle(
        &store,
        &admin,
        &new_cycle("2027-07", 18, JAN_2027 + 200 * 86_400_000),
    )
    .await
    .unwrap();
    assert_eq!(c.months.len(), 18);
    assert_eq!(
        (c.months[0].as_str(), c.months[17].as_str()),
        ("2027-07", "2028-12")
    );
    // Open: the rep with customers is e-mailed; opening twice is refused.
    forecasts::open_cycle(&store, &admin, c.id).await.unwrap();
    let (to, body): (String, String) = sqlx::query_as(
        "SELECT recipients, body_text FROM mail_outbox WHERE kind = 'forecast_cycle_opened'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(
        to.contains("rita@example.com") && body.contains("2027-07 to 2028-12"),
        "{to} {body}"
    );
    assert!(matches!(
        forecasts::open_cycle(&store, &admin, c.id).await,
        Err(CoreError::Conflict { .. })
    ));
    forecasts::close_cycle(&store, &admin, c.id).await.unwrap();
    assert!(matches!(
        forecasts::reopen_cycle(&store, &admin, c.id, "").await,
        Err(CoreError::Validation {
            field: "reason",
            ..
        })
    ));
    let c = forecasts::reopen_cycle(&store, &admin, c.id, "late order from Northwind")
        .await
        .unwrap();
    assert_eq!(c.status, CycleStatus::Open);
    let trail = audit::for_target(&store, "forecast_cycle", &c.id.to_string())
        .await
        .unwrap();
    assert!(trail.iter().any(|t| {
        t.action == "forecast.cycle_open"
            && t.detail
                .as_deref()
                .unwrap()
                .contains("late order from Northwind")
    }));
});

on_both_backends!(versioned_cells_never_overwrite, |store: Store| async move {
    let Reps {
        admin,
        rita,
        rita_a,
        c,
        ..
    } = setup(&store).await;
    let save = |edits: Vec<CellEdit>| SaveCells {
        cycle_id: c.id,
        edits,
    };
    let r = forecasts::save_cells(
        &store,
        &rita_a,
        rita,
        false,
        &save(vec![
            edit("C1", "A", "2027-01", 100.0, 0),
            edit("C1", "A", "2027-02", 120.0, 0),
            edit("C1", "B", "2027-01", 5.0, 0),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.applied, r.versions.clone(), r.conflicts.len()),
        (3, vec![1, 1, 1], 0)
    );
    // The admin changes a cell meanwhile (version 2).
    forecasts::save_cells(
        &store,
        &admin,
        0,
        true,
        &save(vec![edit("C1", "A", "2027-01", 90.0, 1)]),
    )
    .await
    .unwrap();
    // Rita's laptop still has version 1: a conflict with both values, and her other cell goes in.
    let r = forecasts::save_cells(
        &store,
        &rita_a,
        rita,
        false,
        &save(vec![
            edit("C1", "A", "2027-01", 110.0, 1),
            edit("C1", "A", "2027-03", 130.0, 0),
            // A cell she thinks is new was written elsewhere: also a conflict.
            edit("C1", "B", "2027-01", 7.0, 0),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(r.applied, 1);
    assert_eq!(r.conflicts.len(), 2);
    let c1 = &r.conflicts[0];
    assert_eq!((c1.yours, c1.theirs, c1.version), (110, Some(90), 2));
    assert_eq!(
        cell(&store, c.id, rita, "C1", "A", "2027-01")
            .await
            .quantity,
        Some(90),
        "never silently overwritten"
    );
    assert_eq!(
        cell(&store, c.id, rita, "C1", "B", "2027-01")
            .await
            .quantity,
        Some(5)
    );
    // She keeps hers by saving against the version she now knows.
    forecasts::save_cells(
        &store,
        &rita_a,
        rita,
        false,
        &save(vec![edit("C1", "A", "2027-01", 110.0, 2)]),
    )
    .await
    .unwrap();
    let g = forecasts::grid(&store, c.id, rita).await.unwrap();
    let row = g.rows.iter().find(|r| r.part == "A").unwrap();
    assert_eq!(row.total, 110 + 120 + 130);
    assert_eq!(g.month_totals[0], 110 + 5);
    assert_eq!(g.rows.len(), 2, "Rita's rows: C1 × A, B");
});

on_both_backends!(
    a_bad_cell_refuses_the_whole_batch,
    |store: Store| async move {
        let Reps {
            rita, rita_a, c, ..
        } = setup(&store).await;
        let cases = [
            (
                edit("C1", "A", "2028-01", 1.0, 0),
                "month",
                "outside the cycle",
            ),
            (
                edit("C2", "A", "2027-01", 1.0, 0),
                "customer_code",
                "not a customer and product",
            ),
            (
                edit("C1", "Z", "2027-01", 1.0, 0),
                "customer_code",
                "not a customer and product",
            ),
            (edit("C1", "A", "2027-01", -1.0, 0), "quantity", "0 or more"),
            (
                edit("C1", "A", "2027-01", 2.5, 0),
                "quantity",
                "whole number",
            ),
            (edit("C1", "A", "2027-01", 1e15, 0), "quantity", "more than"),
            (
                edit("C1", "A", "2027-01", f64::NAN, 0),
                "quantity",
                "0 or more",
            ),
        ];
        for (bad, field, text) in cases {
            let req = SaveCells {
                cycle_id: c.id,
                edits: vec![edit("C1", "B", "2027-02", 9.0, 0), bad.clone()],
            };
            match forecasts::save_cells(&store, &rita_a, rita, false, &req).await {
                Err(CoreError::Validation { field: f, message }) => {
                    assert_eq!(f, field, "{message}");
                    assert!(message.contains(text), "{message}");
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert_eq!(
            cell(&store, c.id, rita, "C1", "B", "2027-02")
                .await
                .quantity,
            None,
            "nothing half applied"
        );
    }
);

on_both_backends!(replay_submit_and_close, |store: Store| async move {
    let Reps {
        admin,
        rita,
        rita_a,
        c,
        ..
    } = setup(&store).await;
    // The same journal entry replayed twice applies once.
    let keyed = CellEdit {
        key: Some("laptop-1:42".into()),
        ..edit("C1", "A", "2027-05", 40.0, 0)
    };
    let req = SaveCells {
        cycle_id: c.id,
        edits: vec![keyed.clone()],
    };
    forecasts::save_cells(&store, &rita_a, rita, false, &req)
        .await
        .unwrap();
    let again = forecasts::save_cells(&store, &rita_a, rita, false, &req)
        .await
        .unwrap();
    assert_eq!((again.applied, again.conflicts.len()), (1, 0));
    assert_eq!(
        cell(&store, c.id, rita, "C1", "A", "2027-05").await.version,
        1,
        "applied once"
    );
    // Submitted: edits refused until taken back.
    let g = forecasts::set_submitted(&store, &rita_a, c.id, rita, true)
        .await
        .unwrap();
    assert_eq!(g.status, SubmissionStatus::Submitted);
    let st = forecasts::status(&store, c.id).await.unwrap();
    assert_eq!(
        st.iter().find(|s| s.rep_id == rita).unwrap().status,
        SubmissionStatus::Submitted
    );
    let e = forecasts::save_cells(
        &store,
        &rita_a,
        rita,
        false,
        &SaveCells {
            cycle_id: c.id,
            edits: vec![edit("C1", "A", "2027-06", 1.0, 0)],
        },
    )
    .await;
    assert!(
        matches!(e, Err(CoreError::Conflict { message, .. }) if message.contains("take it back"))
    );
    forecasts::set_submitted(&store, &rita_a, c.id, rita, false)
        .await
        .unwrap();
    forecasts::save_cells(
        &store,
        &rita_a,
        rita,
        false,
        &SaveCells {
            cycle_id: c.id,
            edits: vec![edit("C1", "A", "2027-06", 1.0, 0)],
        },
    )
    .await
    .unwrap();
    // Closed: a late edit gets "closed", and a submission cannot be taken back.
    forecasts::close_cycle(&store, &admin, c.id).await.unwrap();
    let late = forecasts::save_cells(
        &store,
        &rita_a,
        rita,
        false,
        &SaveCells {
            cycle_id: c.id,
            edits: vec![edit("C1", "A", "2027-07", 1.0, 0)],
        },
    )
    .await;
    assert!(matches!(late, Err(CoreError::Conflict { message, .. }) if message.contains("closed")));
    assert!(
        forecasts::set_submitted(&store, &rita_a, c.id, rita, true)
            .await
            .is_err()
    );
});

// ---- through the dispatch --------------------------------------------------------------

use common::harness::{GOOD, Harness};
use portdesk_types::ErrorKind;
use portdesk_types::api::{CreateCycle, GetGrid, SaveForecastCells};

async fn reps_reach_only_their_own_grid(h: Harness) {
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    let rita = user(&store, "Rita", Role::SalesRep).await;
    let sam = user(&store, "Sam", Role::SalesRep).await;
    let admin = Actor::system("test");
    forecasts::assign(
        &store,
        &admin,
        &Assignment {
            customer_code: "C2".into(),
            customer: "Bluewater".into(),
            rep_id: Some(sam),
        },
    )
    .await
    .unwrap();
    forecasts::set_matrix(
        &store,
        &MatrixEntry {
            customer_code: "C2".into(),
            part: "A".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let c = h
        .call::<CreateCycle>(new_cycle("2027-01", 12, JAN_2027))
        .await
        .unwrap();
    forecasts::open_cycle(&store, &admin, c.id).await.unwrap();
    let _ = rita;
    h.sign_in_as("rita@example.com").await;
    let e = h
        .call::<GetGrid>(GridRequest {
            cycle_id: c.id,
            rep_id: Some(sam),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(
        h.call::<GetGrid>(GridRequest {
            cycle_id: c.id,
            rep_id: None
        })
        .await
        .unwrap()
        .rows
        .is_empty()
    );
    // Sam's customer through Rita's save: refused, nothing written.
    let e = h
        .call::<SaveForecastCells>(SaveCells {
            cycle_id: c.id,
            edits: vec![edit("C2", "A", "2027-01", 5.0, 0)],
        })
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Validation, Some("customer_code"))
    );
    // A rep cannot create cycles.
    assert_eq!(
        h.call::<CreateCycle>(new_cycle("2027-02", 12, JAN_2027 * 2))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    let _ = GOOD;
}
on_both_stores!(grid_commands, reps_reach_only_their_own_grid);

async fn the_matrix_and_history_come_from_the_erp(h: Harness) {
    use portdesk_types::api::{AssignCustomer, DeriveMatrix, OpenCycle};
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    let rita = user(&store, "Rita", Role::SalesRep).await;
    // Northwind Foods in the demo ERP, whose history covers the 24 months up to this one.
    h.call::<AssignCustomer>(Assignment {
        customer_code: "C10000".into(),
        customer: "Northwind Foods".into(),
        rep_id: Some(rita),
    })
    .await
    .unwrap();
    let d = h.call::<DeriveMatrix>(()).await.unwrap();
    assert_eq!(d.customers, 1);
    assert!(d.history_rows > 0 && d.matrix_added > 0, "{d:?}");
    // Again: nothing added twice, history replaced.
    let again = h.call::<DeriveMatrix>(()).await.unwrap();
    assert_eq!(
        (again.matrix_added, again.history_rows),
        (0, d.history_rows)
    );
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();
    let (y, m) = forecasts::parse_month("m", &this_month).unwrap();
    let next = forecasts::months((y, m), 2)[1].clone();
    let c = h
        .call::<CreateCycle>(NewCycle {
            name: "Next".into(),
            first_month: next,
            horizon: 12,
            deadline: chrono::Utc::now().timestamp_millis() + 90 * 86_400_000,
        })
        .await
        .unwrap();
    h.call::<OpenCycle>(CycleRef { id: c.id }).await.unwrap();
    h.sign_in_as("rita@example.com").await;
    let g = h
        .call::<GetGrid>(GridRequest {
            cycle_id: c.id,
            rep_id: None,
        })
        .await
        .unwrap();
    assert_eq!(
        g.rows.len() as u32,
        d.matrix_added,
        "one row per part Northwind bought"
    );
    assert!(
        g.rows.iter().any(|r| r.last_12_months > 0),
        "last year's sales beside the forecast"
    );
    // The history summed in the store is what the ERP says for those 12 months.
    let erp_rows: i64 = sqlx::query_scalar(&format!(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM forecast_history WHERE month >= '{}' AND month < '{}'",
        forecasts::months((y - 1, m), 2)[1],
        g.cycle.first_month
    ))
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        g.rows.iter().map(|r| r.last_12_months).sum::<i64>(),
        erp_rows
    );
}
on_both_stores!(erp_history, the_matrix_and_history_come_from_the_erp);

/// The reminders queued at `now`, as (recipient list, body) per message.
async fn reminders_in_outbox(store: &Store) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT recipients, body_text FROM mail_outbox WHERE kind = 'forecast_deadline' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

on_both_backends!(
    deadline_reminder_once_to_who_has_not_submitted,
    |store: Store| async move {
        let Reps {
            admin,
            sam,
            sam_a,
            c,
            ..
        } = setup(&store).await;
        // A third rep without customers is never reminded.
        user(&store, "Nina", Role::SalesRep).await;
        forecasts::set_submitted(&store, &sam_a, c.id, sam, true)
            .await
            .unwrap();
        let day = 86_400_000;
        // Default: 3 days. Ten days ahead nothing is due yet.
        assert_eq!(
            forecasts::reminders::queue_due(&store, c.deadline - 10 * day)
                .await
                .unwrap(),
            0
        );
        let now = c.deadline - 2 * day - 3_600_000;
        assert_eq!(
            forecasts::reminders::queue_due(&store, now).await.unwrap(),
            1
        );
        let sent = reminders_in_outbox(&store).await;
        assert_eq!(sent.len(), 1, "only Rita has not submitted: {sent:?}");
        assert!(sent[0].0.contains("rita@example.com"), "{sent:?}");
        assert!(sent[0].1.contains("FY27"), "{}", sent[0].1);
        assert!(
            sent[0].1.contains("(3 day(s) left)"),
            "rounded up: {}",
            sent[0].1
        );
        assert!(
            sent[0].1.contains("2 of your"),
            "C1 × A and B are empty: {}",
            sent[0].1
        );
        // Another desktop, or the next tick: nothing new.
        assert_eq!(
            forecasts::reminders::queue_due(&store, now + 60_000)
                .await
                .unwrap(),
            0
        );
        assert_eq!(reminders_in_outbox(&store).await.len(), 1);
        // Past the deadline, or with the cycle closed, nothing is sent.
        assert_eq!(
            forecasts::reminders::queue_due(&store, c.deadline + 1)
                .await
                .unwrap(),
            0
        );
        // Off (0 days); the setting's bad values are refused by name.
        forecasts::reminders::set_reminder_days(&store, 0)
            .await
            .unwrap();
        for bad in [-1, 31] {
            match forecasts::reminders::set_reminder_days(&store, bad).await {
                Err(CoreError::Validation { field, .. }) => assert_eq!(field, "reminder_days"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let rest = forecasts::create_cycle(&store, &admin, &new_cycle("2027-01", 12, c.deadline))
            .await
            .unwrap();
        forecasts::open_cycle(&store, &admin, rest.id)
            .await
            .unwrap();
        assert_eq!(
            forecasts::reminders::queue_due(&store, now).await.unwrap(),
            0
        );
        forecasts::reminders::set_reminder_days(&store, 7)
            .await
            .unwrap();
        // The second cycle: Rita and Sam (Sam submitted only the first).
        assert_eq!(
            forecasts::reminders::queue_due(&store, now).await.unwrap(),
            2
        );
    }
);

on_both_backends!(
    the_cycle_report_and_the_year_before,
    |store: Store| async move {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let Reps {
            rita, rita_a, c, ..
        } = setup(&store).await;
        // Sales kept from the ERP: C1 × A sold 40 in 2026-01 (a year before the cycle's first
        // month) and 7 in 2026-12; C2 × A sold 9 in 2026-03.
        for (code, part, month, q) in [
            ("C1", "A", "2026-01", 40),
            ("C1", "A", "2026-12", 7),
            ("C2", "A", "2026-03", 9),
            ("C1", "B", "2025-12", 1000), // before both windows
        ] {
            sqlx::query(
            "INSERT INTO forecast_history (erp_customer_code, part, month, quantity) VALUES ($1, $2, $3, $4)",
        )
        .bind(code)
        .bind(part)
        .bind(month)
        .bind(q as i64)
        .execute(store.pool())
        .await
        .unwrap();
        }
        forecasts::save_cells(
            &store,
            &rita_a,
            rita,
            false,
            &SaveCells {
                cycle_id: c.id,
                edits: vec![
                    edit("C1", "A", "2027-01", 50.0, 0),
                    edit("C1", "B", "2027-02", 5.0, 0),
                ],
            },
        )
        .await
        .unwrap();
        forecasts::set_submitted(&store, &rita_a, c.id, rita, true)
            .await
            .unwrap();
        let g = forecasts::grid(&store, c.id, rita).await.unwrap();
        let a = g.rows.iter().find(|r| r.part == "A").unwrap();
        assert_eq!(a.last_12_months, 47);
        assert_eq!(
            &a.history[..3],
            &[40, 0, 0],
            "2027-01's counterpart is 2026-01"
        );
        assert_eq!(a.history[11], 7);
        assert_eq!(g.history_totals[0], 40);
        assert_eq!(
            g.rows
                .iter()
                .find(|r| r.part == "B")
                .unwrap()
                .last_12_months,
            0
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.xlsx");
        let lines = forecasts::report::write(&store, c.id, &path).await.unwrap();
        assert_eq!(lines, 3, "Rita's two lines and Sam's one");
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let summary = wb.worksheet_range("Summary").unwrap();
        let rows: Vec<Vec<String>> = summary
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[1][0], "Rita");
        assert_eq!(rows[1][3], "submitted");
        assert_eq!(rows[1][5], "55", "{rows:?}");
        assert_eq!(rows[1][6], "47", "{rows:?}");
        assert_eq!(rows[2][0], "Sam");
        assert_eq!(rows[2][3], "draft");
        let by_month = wb.worksheet_range("By month").unwrap();
        assert_eq!(by_month.get((1, 0)), Some(&Data::String("2027-01".into())));
        assert_eq!(by_month.get((1, 1)), Some(&Data::Float(50.0)));
        assert_eq!(by_month.get((1, 2)), Some(&Data::Float(40.0)));
        assert_eq!(
            by_month.get((3, 2)),
            Some(&Data::Float(9.0)),
            "Sam's 2026-03"
        );
        let forecast = wb.worksheet_range("Forecast").unwrap();
        assert_eq!(forecast.height(), 4, "a header and three lines");
        let by_customer = wb.worksheet_range("By customer").unwrap();
        // Bluewater (C2, Sam: nothing forecast, 9 a year earlier), Northwind (C1, Rita: 55, 47).
        assert_eq!(
            by_customer.get((1, 0)),
            Some(&Data::String("Bluewater".into()))
        );
        assert_eq!(by_customer.get((1, 4)), Some(&Data::Float(9.0)));
        assert_eq!(by_customer.get((2, 2)), Some(&Data::String("Rita".into())));
        assert_eq!(by_customer.get((2, 3)), Some(&Data::Float(55.0)));
        assert_eq!(by_customer.get((2, 4)), Some(&Data::Float(47.0)));
        let by_product = wb.worksheet_range("By product").unwrap();
        // Part A: 50 forecast (Rita), 40 + 7 + 9 a year earlier; part B: 5 and 0.
        assert_eq!(by_product.get((1, 0)), Some(&Data::String("A".into())));
        assert_eq!(by_product.get((1, 1)), Some(&Data::Float(50.0)));
        assert_eq!(by_product.get((1, 2)), Some(&Data::Float(56.0)));
        assert_eq!(by_product.get((2, 1)), Some(&Data::Float(5.0)));
        // The same report in the window.
        let sum = forecasts::report::summary(&store, c.id).await.unwrap();
        let rows = |v: &[SummaryRow]| {
            v.iter()
                .map(|r| (r.label.clone(), r.detail.clone(), r.forecast, r.year_before))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            rows(&sum.by_rep),
            vec![
                ("Rita".into(), "submitted".into(), 55, 47),
                ("Sam".into(), "draft".into(), 0, 9)
            ]
        );
        assert_eq!(
            rows(&sum.by_customer),
            vec![
                ("Bluewater".into(), "Sam".into(), 0, 9),
                ("Northwind".into(), "Rita".into(), 55, 47)
            ]
        );
        assert_eq!(
            rows(&sum.by_product),
            vec![
                ("A".into(), String::new(), 50, 56),
                ("B".into(), String::new(), 5, 0)
            ]
        );
        // The chart is in the file.
        let zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert!(
            zip.file_names()
                .any(|n| n.is_ok_and(|n| n.starts_with("xl/charts/chart")))
        );
    }
);

mod offline_journal {
    //! The laptop's journal against a real store: edits recorded while the store is away,
    //! replayed in order, twice after a "crash", conflicts and refusals kept for the rep.
    use super::*;
    use portdesk_core::forecasts::offline::{self, Replayer};
    use portdesk_core::local::LocalStore;

    async fn local() -> (LocalStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let l = LocalStore::open(&dir.path().join("local.db"))
            .await
            .unwrap();
        (l, dir)
    }

    fn keyed(code: &str, part: &str, month: &str, q: f64, base: i64, key: &str) -> CellEdit {
        CellEdit {
            key: Some(key.into()),
            ..edit(code, part, month, q, base)
        }
    }

    on_both_backends!(replayed_in_order_once, |store: Store| async move {
        let Reps {
            rita, rita_a, c, ..
        } = setup(&store).await;
        let (l, _dir) = local().await;
        let me = Replayer {
            user_id: rita,
            actor: rita_a.clone(),
            admin: false,
        };
        // The grid is kept for the next time the store does not answer.
        let g = forecasts::grid(&store, c.id, rita).await.unwrap();
        offline::keep_grid(&l, rita, &g).await.unwrap();
        // Offline: Jan typed twice (10, then 12), Feb once; all on the versions she saw (0).
        offline::record(
            &l,
            &rita_a,
            rita,
            c.id,
            &[keyed("C1", "A", "2027-01", 10.0, 0, "k1")],
        )
        .await
        .unwrap();
        offline::record(
            &l,
            &rita_a,
            rita,
            c.id,
            &[
                keyed("C1", "A", "2027-01", 12.0, 0, "k2"),
                keyed("C1", "B", "2027-02", 3.0, 0, "k3"),
            ],
        )
        .await
        .unwrap();
        // A bad value never enters the journal.
        let bad = offline::record(
            &l,
            &rita_a,
            rita,
            c.id,
            &[edit("C1", "A", "2027-03", 2.5, 0)],
        )
        .await;
        assert!(
            matches!(
                bad,
                Err(CoreError::Validation {
                    field: "quantity",
                    ..
                })
            ),
            "{bad:?}"
        );
        let mut kept = offline::kept_grid(&l, rita, c.id).await.unwrap().unwrap();
        assert!(kept.sync.offline_as_of.is_some());
        offline::overlay(&l, rita, &mut kept).await.unwrap();
        assert_eq!(kept.sync.pending, 3);
        let a = kept.rows.iter().find(|r| r.part == "A").unwrap();
        assert_eq!((a.cells[0].quantity, a.cells[0].pending), (Some(12), true));
        assert_eq!(kept.month_totals[0], 12);
        // The store saw nothing yet.
        assert_eq!(
            cell(&store, c.id, rita, "C1", "A", "2027-01")
                .await
                .quantity,
            None
        );

        // The laptop died after the store applied k1 but before the journal noted it: the
        // store has k1; the journal still holds it.
        forecasts::save_cells(
            &store,
            &rita_a,
            rita,
            false,
            &SaveCells {
                cycle_id: c.id,
                edits: vec![keyed("C1", "A", "2027-01", 10.0, 0, "k1")],
            },
        )
        .await
        .unwrap();
        let r = offline::replay(&l, &store, &me).await.unwrap();
        assert_eq!(
            (r.applied, r.conflicts, r.refused, r.remaining),
            (3, 0, 0, 0),
            "{r:?}"
        );
        let jan = cell(&store, c.id, rita, "C1", "A", "2027-01").await;
        assert_eq!(
            (jan.quantity, jan.version),
            (Some(12), 2),
            "k1 once, then k2 on top"
        );
        let feb = cell(&store, c.id, rita, "C1", "B", "2027-02").await;
        assert_eq!((feb.quantity, feb.version), (Some(3), 1));
        // Replaying again sends nothing.
        let again = offline::replay(&l, &store, &me).await.unwrap();
        assert_eq!((again.applied, again.conflicts, again.refused), (0, 0, 0));
        let mut now = forecasts::grid(&store, c.id, rita).await.unwrap();
        offline::overlay(&l, rita, &mut now).await.unwrap();
        assert_eq!(now.sync, SyncState::default());
    });

    /// The server refuses a replay for a reason of the moment (here a serialization failure,
    /// 40001, raised once by a trigger; a restart's 57P01 or a deadlock's 40P01 are the same
    /// kind): the edits stay pending and go in on the next replay, never "refused".
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_transient_refusal_is_retried_not_refused() {
        let store = common::pg_store().await;
        let Reps {
            rita, rita_a, c, ..
        } = setup(&store).await;
        let (l, _dir) = local().await;
        let me = Replayer {
            user_id: rita,
            actor: rita_a.clone(),
            admin: false,
        };
        offline::record(
            &l,
            &rita_a,
            rita,
            c.id,
            &[edit("C1", "A", "2027-01", 10.0, 0)],
        )
        .await
        .unwrap();
        // A sequence is not rolled back with the failed transaction: it fails exactly once.
        for sql in [
            "CREATE SEQUENCE fail_once",
            "CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF nextval('fail_once') = 1 THEN \
                 RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; \
               END IF; RETURN NEW; END $$",
            "CREATE TRIGGER fail_once BEFORE INSERT ON forecast_cells FOR EACH ROW EXECUTE FUNCTION fail_once()",
        ] {
            sqlx::query(sql).execute(store.pool()).await.unwrap();
        }
        let first = offline::replay(&l, &store, &me).await.unwrap();
        assert_eq!(
            (first.applied, first.refused, first.remaining),
            (0, 0, 1),
            "{first:?}"
        );
        let second = offline::replay(&l, &store, &me).await.unwrap();
        assert_eq!(
            (second.applied, second.refused, second.remaining),
            (1, 0, 0),
            "{second:?}"
        );
        assert_eq!(
            cell(&store, c.id, rita, "C1", "A", "2027-01")
                .await
                .quantity,
            Some(10)
        );
    }

    on_both_backends!(
        conflicts_and_refusals_stay_for_the_rep,
        |store: Store| async move {
            let Reps {
                admin,
                rita,
                rita_a,
                sam,
                c,
                ..
            } = setup(&store).await;
            let (l, _dir) = local().await;
            let me = Replayer {
                user_id: rita,
                actor: rita_a.clone(),
                admin: false,
            };
            // Offline, Rita edits Jan (seen empty), a cell of Sam's customer C2, and Feb: three
            // saves; then one save of two cells where one is Sam's (refused whole).
            for e in [
                edit("C1", "A", "2027-01", 10.0, 0),
                edit("C2", "A", "2027-01", 99.0, 0),
                edit("C1", "B", "2027-02", 4.0, 0),
            ] {
                offline::record(&l, &rita_a, rita, c.id, &[e])
                    .await
                    .unwrap();
            }
            offline::record(
                &l,
                &rita_a,
                rita,
                c.id,
                &[
                    edit("C1", "B", "2027-05", 1.0, 0),
                    edit("C2", "A", "2027-05", 1.0, 0),
                ],
            )
            .await
            .unwrap();
            // Meanwhile the admin filled Jan on the server.
            forecasts::save_cells(
                &store,
                &admin,
                rita,
                true,
                &SaveCells {
                    cycle_id: c.id,
                    edits: vec![edit("C1", "A", "2027-01", 7.0, 0)],
                },
            )
            .await
            .unwrap();
            let r = offline::replay(&l, &store, &me).await.unwrap();
            assert_eq!((r.applied, r.conflicts, r.refused), (1, 1, 3), "{r:?}");
            assert_eq!(r.refusals.len(), 2, "two saves refused");
            assert_eq!(
                cell(&store, c.id, rita, "C1", "B", "2027-05")
                    .await
                    .quantity,
                None,
                "whole save"
            );
            // Nothing was overwritten: the server keeps 7; Feb arrived.
            assert_eq!(
                cell(&store, c.id, rita, "C1", "A", "2027-01")
                    .await
                    .quantity,
                Some(7)
            );
            assert_eq!(
                cell(&store, c.id, rita, "C1", "B", "2027-02")
                    .await
                    .quantity,
                Some(4)
            );
            assert_eq!(
                cell(&store, c.id, sam, "C2", "A", "2027-01").await.quantity,
                None
            );
            let mut g = forecasts::grid(&store, c.id, rita).await.unwrap();
            offline::overlay(&l, rita, &mut g).await.unwrap();
            assert_eq!(g.sync.pending, 0);
            assert_eq!(g.sync.conflicts.len(), 1);
            let k = &g.sync.conflicts[0];
            assert_eq!((k.yours, k.theirs, k.version), (10, Some(7), 1));
            assert_eq!(g.sync.refused.len(), 3);
            assert!(
                g.sync.refused[0].reason.contains("C2 A 2027-01"),
                "{:?}",
                g.sync.refused
            );
            assert!(
                g.sync.refused[1].reason.contains("C2 A 2027-05"),
                "{:?}",
                g.sync.refused
            );
            // Rita keeps hers: the decision leaves the journal, her value goes in on version 1.
            offline::settle_cell(&l, rita, c.id, ("C1", "A", "2027-01"))
                .await
                .unwrap();
            offline::record(
                &l,
                &rita_a,
                rita,
                c.id,
                &[edit("C1", "A", "2027-01", 10.0, k.version)],
            )
            .await
            .unwrap();
            assert_eq!(offline::replay(&l, &store, &me).await.unwrap().applied, 1);
            assert_eq!(
                cell(&store, c.id, rita, "C1", "A", "2027-01")
                    .await
                    .quantity,
                Some(10)
            );
            // A store that does not answer leaves the journal as it is.
            offline::record(
                &l,
                &rita_a,
                rita,
                c.id,
                &[edit("C1", "B", "2027-03", 1.0, 0)],
            )
            .await
            .unwrap();
            store.pool().close().await;
            let r = offline::replay(&l, &store, &me).await.unwrap();
            assert_eq!(r.remaining, 1, "{r:?}");
        }
    );
}

/// The app on a PostgreSQL server of the test's own (to stop and start), as the config names it.
async fn on_a_server_of_its_own() -> (common::pg_cluster::Cluster, common::harness::Harness) {
    let server = common::pg_cluster::Cluster::new();
    let h = common::harness::start_on(server.settings()).await;
    (server, h)
}

/// A rep's laptop on a shared PostgreSQL server that goes away and comes back: the grid opens
/// from the local copy, edits wait in the journal ("not yet synced"), and reach the server,
/// once, when it answers again. Through the commands, as the window drives them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grid_works_while_the_shared_store_is_away() {
    use portdesk_types::api::{GetGrid, ListCycles, SaveForecastCells};
    let (server, h) = on_a_server_of_its_own().await;
    let store = h.app.store().await.unwrap();
    let Reps { rita, c, .. } = setup(&store).await;
    h.sign_in_as("rita@example.com").await;
    let req = GridRequest {
        cycle_id: c.id,
        rep_id: None,
    };
    // The window opens: the cycles, then the grid (both kept on this desktop).
    assert_eq!(h.call::<ListCycles>(()).await.unwrap().len(), 1);
    let online = h.call::<GetGrid>(req.clone()).await.unwrap();
    assert_eq!(online.sync, SyncState::default());

    server.stop();
    let t = std::time::Instant::now();
    let away = h.call::<GetGrid>(req.clone()).await.unwrap();
    assert!(away.sync.offline_as_of.is_some(), "{:?}", away.sync);
    assert_eq!(away.rows.len(), 2);
    assert_eq!(h.call::<ListCycles>(()).await.unwrap().len(), 1);
    h.call::<SaveForecastCells>(SaveCells {
        cycle_id: c.id,
        edits: vec![edit("C1", "A", "2027-03", 30.0, 0)],
    })
    .await
    .unwrap();
    let waiting = h.call::<GetGrid>(req.clone()).await.unwrap();
    assert_eq!(waiting.sync.pending, 1);
    // Only the first command waited for the server (2 s connect timeout here, retried by the
    // pool); the next ones answered from the local copy at once.
    assert!(
        t.elapsed() < std::time::Duration::from_secs(9),
        "{:?}",
        t.elapsed()
    );
    let a = waiting.rows.iter().find(|r| r.part == "A").unwrap();
    assert_eq!((a.cells[2].quantity, a.cells[2].pending), (Some(30), true));

    server.start();
    // The window looks again every 10 s; Portdesk leaves a silent store alone for 10 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let back = loop {
        let g = h.call::<GetGrid>(req.clone()).await.unwrap();
        if g.sync.offline_as_of.is_none() || std::time::Instant::now() > deadline {
            break g;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    };
    assert_eq!(back.sync, SyncState::default(), "replayed on the way");
    assert_eq!(
        cell(&store, c.id, rita, "C1", "A", "2027-03").await.version,
        1
    );
    assert_eq!(
        cell(&store, c.id, rita, "C1", "A", "2027-03")
            .await
            .quantity,
        Some(30)
    );
}

/// The laptop starts its day without the shared store: Rita, who signed in here before, signs
/// in against this desktop's verifier (Forecasts only, said so), edits; wrong passwords lock
/// the offline sign-in; when the store answers and her password was changed there meanwhile,
/// the session ends and her edit waits, applied once she signs in with the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_signs_in_without_the_store() {
    use portdesk_types::api::*;
    use portdesk_types::modules::ModuleId;
    let (server, h) = on_a_server_of_its_own().await;
    let store = h.app.store().await.unwrap();
    let Reps { admin, rita, c, .. } = setup(&store).await;
    // Ada (admin) and Rita sign in while the store answers; Rita opens her grid.
    h.sign_in_as("ada@example.com").await;
    let info = h.sign_in_as("rita@example.com").await;
    assert!(!info.offline);
    let req = GridRequest {
        cycle_id: c.id,
        rep_id: None,
    };
    h.call::<ListCycles>(()).await.unwrap();
    h.call::<GetGrid>(req.clone()).await.unwrap();
    h.call::<Logout>(()).await.unwrap();

    server.stop();
    let login = |email: &str, pw: &str| {
        h.call::<Login>(LoginRequest {
            email: email.into(),
            password: Secret::new(pw),
        })
    };
    // Only a rep who signed in here before; for anyone else the store is simply unavailable.
    assert_eq!(
        login("ada@example.com", GOOD).await.unwrap_err().kind,
        ErrorKind::Unavailable
    );
    let off = login("Rita@Example.com", GOOD).await.unwrap();
    assert!(off.offline, "{off:?}");
    let status = h.call::<AppStatus>(()).await.unwrap();
    assert!(status.session.unwrap().offline);
    let modules = h.call::<ListModules>(()).await.unwrap();
    assert_eq!(
        modules.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![ModuleId::Forecasts]
    );
    assert_eq!(
        h.call::<OpenModule>(ModuleId::Orders)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Unavailable
    );
    let g = h.call::<GetGrid>(req.clone()).await.unwrap();
    assert!(g.sync.offline_as_of.is_some());
    h.call::<SaveForecastCells>(SaveCells {
        cycle_id: c.id,
        edits: vec![edit("C1", "B", "2027-04", 8.0, 0)],
    })
    .await
    .unwrap();
    h.call::<Logout>(()).await.unwrap();
    // Five wrong passwords lock the offline sign-in; the right one is then refused too.
    for _ in 0..5 {
        assert_eq!(
            login("rita@example.com", "Wrong-Password-99")
                .await
                .unwrap_err()
                .kind,
            ErrorKind::InvalidCredentials
        );
    }
    assert_eq!(
        login("rita@example.com", GOOD).await.unwrap_err().kind,
        ErrorKind::InvalidCredentials,
        "locked on this desktop"
    );
    // The lock's 15 minutes pass (the app's own re-tagged write: an edit of the file would
    // fail the record's check, see `a_laptop_trusts_only_what_it_can_check`).
    let local = h.app.local_store().await.unwrap();
    portdesk_core::accounts::offline::end_lockout(local, h.secrets.as_ref(), "rita@example.com")
        .await
        .unwrap();
    assert!(login("rita@example.com", GOOD).await.unwrap().offline);

    // Meanwhile, on the server, Rita's password was reset.
    server.start();
    let fresh = Store::open_postgres(&server.settings(), None::<&Secret>, &Default::default())
        .await
        .unwrap();
    let (_, temp) = accounts::reset_password(&fresh, &admin, "rita@example.com", None)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let ended = loop {
        match h.call::<GetGrid>(req.clone()).await {
            Err(e) if e.kind == ErrorKind::Unauthenticated => break true,
            _ if std::time::Instant::now() > deadline => break false,
            _ => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
        }
    };
    assert!(
        ended,
        "the session ends when the store says the password changed"
    );
    assert_eq!(
        cell(&fresh, c.id, rita, "C1", "B", "2027-04")
            .await
            .quantity,
        None,
        "not applied"
    );
    // Signed in with the new password, her edit goes through.
    let back = login("rita@example.com", temp.expose()).await.unwrap();
    assert!(!back.offline && back.must_change_password);
    h.call::<ChangePassword>(ChangePasswordRequest {
        current: temp.clone(),
        new: Secret::new("Harbour-Forklift-43"),
    })
    .await
    .unwrap();
    h.call::<GetGrid>(req.clone()).await.unwrap();
    assert_eq!(
        cell(&fresh, c.id, rita, "C1", "B", "2027-04")
            .await
            .quantity,
        Some(8)
    );
}

/// The laptop trusts only what it can check: an offline record copied to another desktop
/// lets nobody in there; a record edited in the file (another role) is refused and gone; a
/// journal row planted in the file under the admin's id is refused and reported, never
/// applied; a new rep who chose their own password at the forced change signs in offline
/// with it (and not with the temporary one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laptop_trusts_only_what_it_can_check() {
    use portdesk_core::forecasts::offline::{self, Replayer};
    use portdesk_types::api::*;
    let (server, h) = on_a_server_of_its_own().await;
    let store = h.app.store().await.unwrap();
    let Reps {
        admin,
        rita,
        rita_a,
        c,
        ..
    } = setup(&store).await;
    // A new rep's first day: a temporary password, the forced change, then out of the office.
    let (_, temp) = accounts::reset_password(&store, &admin, "sam@example.com", None)
        .await
        .unwrap();
    let login = |email: &str, pw: &str| {
        h.call::<Login>(LoginRequest {
            email: email.into(),
            password: Secret::new(pw),
        })
    };
    let first = login("sam@example.com", temp.expose()).await.unwrap();
    assert!(first.must_change_password);
    h.call::<ChangePassword>(ChangePasswordRequest {
        current: temp.clone(),
        new: Secret::new("Harbour-Forklift-43"),
    })
    .await
    .unwrap();
    h.sign_in_as("rita@example.com").await;
    h.call::<ListCycles>(()).await.unwrap();
    h.call::<GetGrid>(GridRequest {
        cycle_id: c.id,
        rep_id: None,
    })
    .await
    .unwrap();
    h.call::<Logout>(()).await.unwrap();
    let local = h.app.local_store().await.unwrap();
    /// A row of `offline_records`, every column in order.
    type Kept = (
        String,
        i64,
        String,
        String,
        String,
        String,
        String,
        i64,
        i64,
        Option<i64>,
        String,
    );
    let rows: Vec<Kept> = sqlx::query_as("SELECT * FROM offline_records ORDER BY email")
        .fetch_all(local.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "Rita's and Sam's records");
    assert!(
        rows.iter().all(|r| !r.5.starts_with("$argon2")),
        "no password hash in the file"
    );
    server.stop();

    assert!(
        login("sam@example.com", "Harbour-Forklift-43")
            .await
            .unwrap()
            .offline
    );
    h.call::<Logout>(()).await.unwrap();
    assert_eq!(
        login("sam@example.com", temp.expose())
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidCredentials,
        "the temporary password no longer works"
    );

    // Rita's record copied to another desktop (its own key): nobody signs in there.
    let other = common::harness::start_on(server.settings()).await;
    let other_local = other.app.local_store().await.unwrap();
    for r in &rows {
        sqlx::query(
            "INSERT INTO offline_records (email, user_id, name, role, salt, verifier, server_tag, \
             last_contact, failed, locked_until, tag) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&r.0)
        .bind(r.1)
        .bind(&r.2)
        .bind(&r.3)
        .bind(&r.4)
        .bind(&r.5)
        .bind(&r.6)
        .bind(r.7)
        .bind(r.8)
        .bind(r.9)
        .bind(&r.10)
        .execute(other_local.pool())
        .await
        .unwrap();
    }
    let copied = other
        .call::<Login>(LoginRequest {
            email: "rita@example.com".into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap_err();
    assert_eq!(copied.kind, ErrorKind::Unavailable, "{copied:?}");

    // Rita signs in offline here and types an edit (tagged by this desktop). Someone plants a
    // row under the admin's id and edits the quantity of hers.
    assert!(login("rita@example.com", GOOD).await.unwrap().offline);
    h.call::<SaveForecastCells>(SaveCells {
        cycle_id: c.id,
        edits: vec![edit("C1", "A", "2027-02", 5.0, 0)],
    })
    .await
    .unwrap();
    h.call::<Logout>(()).await.unwrap();
    let ada_id = admin.id.unwrap();
    sqlx::query(
        "INSERT INTO forecast_journal (idempotency_key, save_id, user_id, actor, cycle_id, rep_id, \
         erp_customer_code, part, month, quantity, base_version, state, created_at) \
         VALUES ('planted', 'planted-save', $1, 'ada@example.com', $2, $3, 'C1', 'B', '2027-03', 999, 0, 'pending', 0)",
    )
    .bind(ada_id)
    .bind(c.id)
    .bind(rita)
    .execute(local.pool())
    .await
    .unwrap();
    // An edit of a role in the file: that record is refused and gone.
    sqlx::query("UPDATE offline_records SET role = 'admin' WHERE email = 'sam@example.com'")
        .execute(local.pool())
        .await
        .unwrap();
    assert_eq!(
        login("sam@example.com", "Harbour-Forklift-43")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Unavailable
    );

    server.start();
    let fresh = Store::open_postgres(&server.settings(), None::<&Secret>, &Default::default())
        .await
        .unwrap();
    let as_ada = offline::replay(
        local,
        &fresh,
        &Replayer {
            user_id: ada_id,
            actor: admin.clone(),
            admin: true,
        },
    )
    .await
    .unwrap();
    assert_eq!((as_ada.applied, as_ada.refused), (0, 1), "{as_ada:?}");
    assert_eq!(
        cell(&fresh, c.id, rita, "C1", "B", "2027-03")
            .await
            .quantity,
        None,
        "the planted row is never applied"
    );
    let as_rita = offline::replay(
        local,
        &fresh,
        &Replayer {
            user_id: rita,
            actor: rita_a.clone(),
            admin: false,
        },
    )
    .await
    .unwrap();
    assert_eq!((as_rita.applied, as_rita.refused), (1, 0), "{as_rita:?}");
    assert_eq!(
        cell(&fresh, c.id, rita, "C1", "A", "2027-02")
            .await
            .quantity,
        Some(5)
    );
}

/// A laptop away from the store longer than `[offline] max_days` (default 14) lets nobody in
/// offline: the record is gone, and the next online sign-in keeps a fresh one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_record_expires_without_contact() {
    use portdesk_types::api::*;
    let (server, h) = on_a_server_of_its_own().await;
    let store = h.app.store().await.unwrap();
    setup(&store).await;
    h.sign_in_as("rita@example.com").await;
    h.call::<Logout>(()).await.unwrap();
    server.stop();
    let login = || {
        h.call::<Login>(LoginRequest {
            email: "rita@example.com".into(),
            password: Secret::new(GOOD),
        })
    };
    let local = h.app.local_store().await.unwrap();
    // Thirteen days away: still fine.
    portdesk_core::accounts::offline::age_contact(
        local,
        h.secrets.as_ref(),
        "rita@example.com",
        13,
    )
    .await
    .unwrap();
    assert!(login().await.unwrap().offline);
    h.call::<Logout>(()).await.unwrap();
    // Two more: past the fourteen days, nobody signs in without the store.
    portdesk_core::accounts::offline::age_contact(local, h.secrets.as_ref(), "rita@example.com", 2)
        .await
        .unwrap();
    assert_eq!(login().await.unwrap_err().kind, ErrorKind::Unavailable);
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM offline_records")
        .fetch_one(local.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "the expired record is deleted");
}
