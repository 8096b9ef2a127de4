//! The forecast grid in the real app: a rep types into a cell of the shared virtualised grid,
//! leaves it (saved at once), sees the row and month totals follow, fills the row right,
//! submits; the edit is in the store.

use super::*;
use portdesk_core::audit::Actor;
use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::MemorySecrets;
use portdesk_types::forecasts::{Assignment, MatrixEntry, NewCycle};
use std::sync::Arc;

/// A rep with one customer and two products, and an open 12-month cycle from 2027-01.
async fn prepare(dir: &Path) -> (i64, i64) {
    let core = portdesk_core::Portdesk::start(
        AppPaths::in_folder(dir),
        Arc::new(MemorySecrets::default()),
    )
    .await;
    let store = core.store().await.expect("the store opens");
    let admin = Actor::system("e2e");
    let rep = sales_rep(&store, &admin).await;
    portdesk_core::forecasts::assign(
        &store,
        &admin,
        &Assignment {
            customer_code: "C10000".into(),
            customer: "Northwind Foods".into(),
            rep_id: Some(rep),
        },
    )
    .await
    .unwrap();
    for part in ["P-100", "P-200"] {
        portdesk_core::forecasts::set_matrix(
            &store,
            &MatrixEntry {
                customer_code: "C10000".into(),
                part: part.into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    }
    let c = portdesk_core::forecasts::create_cycle(
        &store,
        &admin,
        &NewCycle {
            name: "FY27".into(),
            first_month: "2027-01".into(),
            horizon: 12,
            deadline: 1_799_000_000_000,
        },
    )
    .await
    .unwrap();
    portdesk_core::forecasts::open_cycle(&store, &admin, c.id)
        .await
        .unwrap();
    store.pool().close().await;
    (c.id, rep)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_types_into_the_grid_and_submits() {
    let _turn = ONE_AT_A_TIME.lock().await;
    if !e2e_runs() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let (cycle, rep) = prepare(data.path()).await;
    let (_driver, port) = Driver::start(data.path());
    let c = connect(port, data.path()).await;
    let result = journey(&c).await;
    let _ = c.close().await;
    result.unwrap();
    // The edit is in the store, version 1.
    let store = portdesk_core::store::Store::open_sqlite(
        &AppPaths::in_folder(data.path()).default_store_file(),
    )
    .await
    .unwrap();
    let grid = portdesk_core::forecasts::grid(&store, cycle, rep)
        .await
        .unwrap();
    let row = grid.rows.iter().find(|r| r.part == "P-100").unwrap();
    let cell = row.cells.iter().find(|c| c.month == "2027-02").unwrap();
    let (q, v) = (cell.quantity.unwrap_or(0), cell.version);
    assert_eq!((q, v), (250, 1));
}

async fn journey(c: &Client) -> Result<(), String> {
    let main = c.window().await.map_err(|e| e.to_string())?;
    wait_for(c, "#login-form").await;
    type_into(c, "#login-email", "rita@example.com").await;
    type_into(c, "#login-password", PASSWORD).await;
    click(c, "#login-submit").await;
    wait_for(c, "#home-title").await;
    open_module(c, &main, "forecasts").await?;
    wait_text(c, "#module-title", |t| t == "Forecasts").await;
    wait_for(c, "#fc-grid").await;
    let cell = "#fc-grid .fc-row[data-index='0'] input[data-month='2027-02']";
    type_into(c, cell, "250").await;
    // Leaving the cell saves it.
    c.find(Locator::Css(
        "#fc-grid .fc-row[data-index='0'] input[data-month='2027-03']",
    ))
    .await
    .map_err(|e| e.to_string())?
    .click()
    .await
    .map_err(|e| e.to_string())?;
    wait_text(c, "#fc-grid .fc-row[data-index='0'] .fc-total", |t| {
        t == "250"
    })
    .await;
    wait_text(c, "#fc-month-totals", |t| t.contains("250")).await;
    // Arrow keys move between cells: down from P-100's February to P-200's February, where
    // the typed 5 is saved when the focus moves on (right, to March).
    c.find(Locator::Css(cell))
        .await
        .map_err(|e| e.to_string())?
        .send_keys(&fantoccini::key::Key::Down.to_string())
        .await
        .map_err(|e| e.to_string())?;
    let below = "#fc-grid .fc-row[data-index='1'] input[data-month='2027-02']";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let active = c.active_element().await.map_err(|e| e.to_string())?;
        let month = active.attr("data-month").await.map_err(|e| e.to_string())?;
        let focused_below = c
            .find(Locator::Css(below))
            .await
            .map_err(|e| e.to_string())?
            .attr("aria-label")
            .await
            .map_err(|e| e.to_string())?
            == active.attr("aria-label").await.map_err(|e| e.to_string())?;
        if month.as_deref() == Some("2027-02") && focused_below {
            active
                .send_keys(&format!("5{}", fantoccini::key::Key::Right))
                .await
                .map_err(|e| e.to_string())?;
            break;
        }
        if Instant::now() > deadline {
            return Err("ArrowDown did not move the focus to the cell below".into());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    // The caret was at the end: Right went to March, and leaving February saved the 5.
    wait_text(c, "#fc-grid .fc-row[data-index='1'] .fc-total", |t| {
        t == "5"
    })
    .await;
    wait_text(c, "#fc-month-totals", |t| t.contains("255")).await;
    // Up again: the selection (and the focus) back on P-100 for Fill right.
    c.active_element()
        .await
        .map_err(|e| e.to_string())?
        .send_keys(&fantoccini::key::Key::Up.to_string())
        .await
        .map_err(|e| e.to_string())?;
    wait_for(c, "#fc-grid .fc-row.sel[data-index='0']").await;
    // WebKit paints a moment after the DOM changes; the screenshot is for people.
    tokio::time::sleep(Duration::from_millis(800)).await;
    shot(c, "30-forecast-grid.png").await;
    // Fill right: the selected first row's 250 goes into March to December.
    click(c, "#fc-fill-right").await;
    wait_text(c, "#fc-grid .fc-row[data-index='0'] .fc-total", |t| {
        t == "2750"
    })
    .await;
    // Undo takes the whole fill back in one step; done again for what follows.
    wait_text(c, "#fc-undo", |t| t == "Undo fill right (10 cell(s))").await;
    click(c, "#fc-undo").await;
    wait_text(c, "#fc-grid .fc-row[data-index='0'] .fc-total", |t| {
        t == "250"
    })
    .await;
    wait_text(c, "#fc-undone", |t| {
        t.starts_with("Undone: fill right (10 cell(s) put back)")
    })
    .await;
    click(c, "#fc-fill-right").await;
    wait_text(c, "#fc-grid .fc-row[data-index='0'] .fc-total", |t| {
        t == "2750"
    })
    .await;
    // The chart of all lines follows: the forecast beside the same months a year earlier.
    wait_text(c, "#fc-chart figcaption", |t| {
        t.starts_with("All lines: forecast 2755, a year earlier")
    })
    .await;
    // Drawn by plotters: its two line series are in the SVG.
    wait_for(c, "#fc-chart svg polyline").await;
    click(c, "#fc-submit").await;
    wait_text(c, "#fc-status", |t| t.contains("submitted")).await;
    wait_for(c, "#fc-take-back").await;
    Ok(())
}

/// The rep's laptop on a shared PostgreSQL server: a cell saved while it answers; the server
/// stops, the rep keeps typing ("not yet synced"), closes the app and starts it again without
/// the server, signs in offline and finds the grid from the laptop's copy; the server comes
/// back, the edits sync by themselves, the rep submits. The store then has every edit once;
/// after the cycle closes an edit is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_keeps_forecasting_while_the_shared_store_is_away() {
    let _turn = ONE_AT_A_TIME.lock().await;
    if !e2e_runs() {
        return;
    }
    let server = crate::pg_cluster::Cluster::new();
    let data = tempfile::tempdir().unwrap();
    let cfg = portdesk_core::config::Config {
        store: portdesk_types::settings::StoreSettings::Postgres(server.settings()),
        ..Default::default()
    };
    portdesk_core::config::save(&data.path().join("portdesk.toml"), &cfg).unwrap();
    let (cycle, rep) = prepare(data.path()).await;
    // Rita's first day: an admin gave her a temporary password, which she must change at her
    // first sign-in; the one she chooses is the one that works on the road.
    {
        let store = portdesk_core::store::Store::open_postgres(
            &server.settings(),
            None,
            &Default::default(),
        )
        .await
        .unwrap();
        portdesk_core::accounts::reset_password(
            &store,
            &portdesk_core::audit::Actor::system("e2e"),
            "rita@example.com",
            Some(portdesk_types::Secret::new(PASSWORD)),
        )
        .await
        .unwrap();
        store.close().await;
    }
    let (_driver, port) = Driver::start(data.path());

    let c = connect(port, data.path()).await;
    let first = online_then_away(&c, &server).await;
    let _ = c.close().await;
    first.unwrap();

    // The app starts again while the server is still away.
    let c = connect(port, data.path()).await;
    let second = offline_start(&c, &server).await;
    let _ = c.close().await;
    second.unwrap();

    let store =
        portdesk_core::store::Store::open_postgres(&server.settings(), None, &Default::default())
            .await
            .unwrap();
    let grid = portdesk_core::forecasts::grid(&store, cycle, rep)
        .await
        .unwrap();
    let row = grid.rows.iter().find(|r| r.part == "P-100").unwrap();
    let got: Vec<(Option<i64>, i64)> = row.cells[1..4]
        .iter()
        .map(|c| (c.quantity, c.version))
        .collect();
    assert_eq!(
        got,
        vec![(Some(250), 1), (Some(40), 1), (Some(7), 1)],
        "each edit once"
    );
    assert_eq!(
        grid.status,
        portdesk_types::forecasts::SubmissionStatus::Submitted
    );
    // After close, an edit is refused.
    let admin = portdesk_core::audit::Actor::system("e2e");
    portdesk_core::forecasts::close_cycle(&store, &admin, cycle)
        .await
        .unwrap();
    let late = portdesk_core::forecasts::save_cells(
        &store,
        &portdesk_core::audit::Actor::user(rep, "rita@example.com"),
        rep,
        true,
        &portdesk_types::forecasts::SaveCells {
            cycle_id: cycle,
            edits: vec![portdesk_types::forecasts::CellEdit {
                customer_code: "C10000".into(),
                part: "P-100".into(),
                month: "2027-05".into(),
                quantity: 1.0,
                base_version: 0,
                key: None,
            }],
        },
    )
    .await
    .unwrap_err();
    assert!(late.to_string().contains("closed"), "{late}");
}

/// The password Rita chooses at her first sign-in.
const CHOSEN: &str = "Harbour-Crane-Route-8";

async fn online_then_away(c: &Client, server: &crate::pg_cluster::Cluster) -> Result<(), String> {
    let main = c.window().await.map_err(|e| e.to_string())?;
    wait_for(c, "#login-form").await;
    type_into(c, "#login-email", "rita@example.com").await;
    type_into(c, "#login-password", PASSWORD).await;
    click(c, "#login-submit").await;
    wait_for(c, "#change-password-form").await;
    type_into(c, "#cp-current", PASSWORD).await;
    type_into(c, "#cp-new", CHOSEN).await;
    type_into(c, "#cp-confirm", CHOSEN).await;
    click(c, "#cp-submit").await;
    wait_for(c, "#home-title").await;
    wait_for(c, "#open-forecasts").await;
    open_module(c, &main, "forecasts").await?;
    wait_for(c, "#fc-grid").await;
    let row = "#fc-grid .fc-row[data-index='0']";
    type_into(c, &format!("{row} input[data-month='2027-02']"), "250").await;
    click(c, &format!("{row} input[data-month='2027-05']")).await;
    wait_text(c, &format!("{row} .fc-total"), |t| t == "250").await;
    server.stop();
    type_into(c, &format!("{row} input[data-month='2027-03']"), "40").await;
    click(c, &format!("{row} input[data-month='2027-05']")).await;
    wait_text(c, "#fc-pending", |t| t.contains("1 edit(s) not yet synced")).await;
    wait_for(c, "#fc-offline").await;
    shot(c, "40-forecast-offline.png").await;
    Ok(())
}

async fn offline_start(c: &Client, server: &crate::pg_cluster::Cluster) -> Result<(), String> {
    let main = c.window().await.map_err(|e| e.to_string())?;
    wait_for(c, "#offline-signin-hint").await;
    type_into(c, "#login-email", "rita@example.com").await;
    // The password she chose at the forced change, never signed in with online since.
    type_into(c, "#login-password", CHOSEN).await;
    click(c, "#login-submit").await;
    wait_text(c, "#home-offline", |t| t.contains("only Forecasts")).await;
    wait_for(c, "#open-forecasts").await;
    open_module(c, &main, "forecasts").await?;
    wait_for(c, "#fc-offline").await;
    let row = "#fc-grid .fc-row[data-index='0']";
    // The laptop's copy, with the edit not yet synced.
    wait_text(c, &format!("{row} .fc-total"), |t| t == "290").await;
    type_into(c, &format!("{row} input[data-month='2027-04']"), "7").await;
    click(c, &format!("{row} input[data-month='2027-05']")).await;
    wait_text(c, "#fc-pending", |t| t.contains("2 edit(s) not yet synced")).await;
    server.start();
    // The window looks again every 10 s; a store that did not open is retried every 15 s.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let pending = c.find(Locator::Css("#fc-pending")).await.is_ok();
        let offline = c.find(Locator::Css("#fc-offline")).await.is_ok();
        if !pending && !offline {
            break;
        }
        if Instant::now() > deadline {
            return Err("the edits never synced after the server came back".into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    wait_text(c, &format!("{row} .fc-total"), |t| t == "297").await;
    click(c, "#fc-submit").await;
    wait_text(c, "#fc-status", |t| t.contains("submitted")).await;
    Ok(())
}
