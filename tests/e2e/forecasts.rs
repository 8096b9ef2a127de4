//! The forecast grid in the real app: a rep types into a cell of the shared virtualised grid,
//! leaves it (saved at once), sees the row and month totals follow, fills the row right,
//! submits; the edit is in the store.

use super::*;
use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::Actor;
use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::MemorySecrets;
use portdesk_types::forecasts::{Assignment, MatrixEntry, NewCycle};
use portdesk_types::{Role, Secret};
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
    let rep = accounts::create(
        &store,
        &admin,
        NewUser {
            name: "Rita Rep".into(),
            email: "rita@example.com".into(),
            role: Role::SalesRep,
            erp_customer: None,
            erp_customer_code: None,
            password: Secret::new(PASSWORD),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
    .id;
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
    if std::env::var("PORTDESK_SKIP_E2E").as_deref() == Ok("1") {
        assert!(std::env::var("CI").is_err(), "CI must run the E2E test");
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
    // WebKit paints a moment after the DOM changes; the screenshot is for people.
    tokio::time::sleep(Duration::from_millis(800)).await;
    shot(c, "30-forecast-grid.png").await;
    // Fill right: the selected first row's 250 goes into March to December.
    click(c, "#fc-fill-right").await;
    wait_text(c, "#fc-grid .fc-row[data-index='0'] .fc-total", |t| {
        t == "2750"
    })
    .await;
    // The chart of all lines follows: the forecast beside the same months a year earlier.
    wait_text(c, "#fc-chart figcaption", |t| {
        t.starts_with("All lines: forecast 2750, a year earlier")
    })
    .await;
    // Drawn by plotters: its two line series are in the SVG.
    wait_for(c, "#fc-chart svg polyline").await;
    click(c, "#fc-submit").await;
    wait_text(c, "#fc-status", |t| t.contains("submitted")).await;
    wait_for(c, "#fc-take-back").await;
    Ok(())
}
