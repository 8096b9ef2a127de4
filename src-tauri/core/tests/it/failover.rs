//! The shared store fails over: a primary and its synchronous standby (two real PostgreSQL
//! clusters in streaming replication, made by the test), a desktop ordering; the primary is
//! killed with SIGKILL and the standby promoted. The desktop works again on the new primary
//! within 30 s without a restart, and every order it was told was placed is there; its
//! listener follows (another desktop's change reaches it); a desktop started during the
//! outage says there is no primary, and works once there is one.

use crate::common::harness;
use crate::common::pg_cluster::Cluster;
use crate::orders::{P, customer, line, product};
use portdesk_types::api::*;
use portdesk_types::orders::NewOrder;
use portdesk_types::settings::PostgresSettings;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_primary_fails_over_to_its_standby_and_no_placed_order_is_lost() {
    let primary = Cluster::new();
    let standby = Cluster::standby_of(&primary);
    let pg = PostgresSettings {
        standbys: vec![format!("127.0.0.1:{}", standby.port)],
        ..primary.settings()
    };
    let h = harness::start_on(pg.clone()).await;
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    let buyer = customer(&store, "b@example.com", "C1").await;
    let p = product(
        &store,
        P {
            sku: "FAIL",
            stock: 100_000,
            level: 0,
            reorder: 0,
            pack: None,
        },
        None,
    )
    .await;
    drop(store);
    // Each order form's request key: a retry sends the same one.
    let order = |key: String| NewOrder {
        customer_id: buyer.id,
        lines: line(p, 1.0),
        note: String::new(),
        key: Some(key),
    };
    let mut placed = Vec::new();
    for i in 0..10 {
        placed.push(
            h.call::<PlaceOrder>(order(format!("before-{i}")))
                .await
                .unwrap()
                .order
                .id,
        );
    }

    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    {
        let events = events.clone();
        h.app.set_event_sink(std::sync::Arc::new(
            move |name: &str, _: serde_json::Value| events.lock().unwrap().push(name.to_owned()),
        ));
    }

    primary.kill();
    let killed = Instant::now();
    // A desktop started now finds no primary (the standby is still in recovery): it says so
    // and writes nowhere.
    let late = harness::start_on(pg.clone()).await;
    let status = late.call::<AppStatus>(()).await.unwrap();
    let said = status.store_error.unwrap_or_default();
    assert!(said.contains("none of them is a primary"), "{said}");
    standby.promote();
    // The desktop finds the new primary by itself: commands may be refused meanwhile (each
    // "not placed"), never applied twice.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut refused = 0;
    loop {
        // The same form retried: whatever reached the server before an answer was lost is
        // found again, never placed twice.
        match h.call::<PlaceOrder>(order("across".into())).await {
            Ok(o) => {
                placed.push(o.order.id);
                break;
            }
            Err(e) => {
                assert_eq!(e.kind, portdesk_types::ErrorKind::Unavailable, "{e:?}");
                refused += 1;
                assert!(
                    Instant::now() < deadline,
                    "no order placed 30 s after the failover: {}",
                    e.message
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    eprintln!(
        "failover: ordering again {:?} after the kill, {refused} order(s) refused meanwhile",
        killed.elapsed()
    );
    for i in 0..5 {
        placed.push(
            h.call::<PlaceOrder>(order(format!("after-{i}")))
                .await
                .unwrap()
                .order
                .id,
        );
    }
    // A double click on a form already answered: the first order again.
    let again = h
        .call::<PlaceOrder>(order("after-4".into()))
        .await
        .unwrap()
        .order
        .id;
    assert_eq!(Some(&again), placed.last());
    let status = h.call::<AppStatus>(()).await.unwrap();
    assert!(
        status.store.contains(&standby.port.to_string()),
        "{}",
        status.store
    );
    // The late desktop finds the new primary too, and the customer's ticket there reaches the
    // first desktop through its listener, now on the new primary.
    let deadline = Instant::now() + Duration::from_secs(30);
    while late
        .call::<AppStatus>(())
        .await
        .unwrap()
        .store_error
        .is_some()
    {
        assert!(
            Instant::now() < deadline,
            "the late desktop never found the primary"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    late.sign_in_as("b@example.com").await;
    late.call::<CreateTicket>(portdesk_types::support::NewTicket {
        title: "Where is order 12?".into(),
        description: "It was due this morning.".into(),
        category: "Delivery".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let support = <portdesk_types::events::SupportChangedEvent as portdesk_types::Event>::NAME;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !events.lock().unwrap().iter().any(|n| n == support) {
        assert!(
            Instant::now() < deadline,
            "the change never reached the first desktop"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The old primary comes back without being demoted (a service restart): a desktop
    // started now still chooses the promoted standby, on the later timeline.
    primary.start();
    let after = harness::start_on(pg.clone()).await;
    let chosen = after.app.store().await.unwrap();
    assert!(
        chosen
            .description()
            .contains(&format!(":{}/", standby.port)),
        "split: {}",
        chosen.description()
    );
    // Every order the desktop was told was placed is on the new primary, once.
    let now =
        portdesk_core::store::Store::open_postgres(&standby.settings(), None, &Default::default())
            .await
            .unwrap();
    let on_server: Vec<i64> = sqlx::query_scalar("SELECT id FROM orders ORDER BY id")
        .fetch_all(now.pool())
        .await
        .unwrap();
    placed.sort();
    assert_eq!(on_server, placed, "{refused} refused meanwhile");
}

#[test]
fn standbys_are_host_and_port_and_a_bad_one_is_named() {
    let pg = PostgresSettings {
        standbys: vec!["db2.site.lan:5433".into(), " [::1]:5434 ".into()],
        ..Default::default()
    };
    let all = pg.servers().unwrap();
    let order: Vec<(String, u16)> = all.iter().map(|s| (s.host.clone(), s.port)).collect();
    assert_eq!(
        order,
        [
            ("localhost".to_owned(), 5432),
            ("db2.site.lan".to_owned(), 5433),
            ("::1".to_owned(), 5434)
        ]
    );
    assert!(
        all.iter()
            .all(|s| s.standbys.is_empty() && s.database == "portdesk")
    );
    let bad = PostgresSettings {
        standbys: vec!["db2.site.lan".into()],
        ..Default::default()
    };
    let e = bad.servers().unwrap_err();
    assert!(e.contains("db2.site.lan") && e.contains("host:port"), "{e}");
}
