//! The event bus on a real PostgreSQL server: every committed event is read once, also one
//! whose transaction committed after a later-numbered one (ids are taken at insert, so such
//! a row appears behind a reader that went by its number).

use crate::common;

use portdesk_core::bus::{self, Cursor};
use portdesk_types::events::StoreMoveEvent;
use portdesk_types::settings::StoreMoveProgress;

fn progress(table: &str) -> StoreMoveProgress {
    StoreMoveProgress {
        table: table.into(),
        rows_done: 0,
        rows_total: 0,
    }
}

fn tables(read: &[(String, String, String)]) -> Vec<String> {
    read.iter()
        .map(|(_, payload, _)| {
            serde_json::from_str::<StoreMoveProgress>(payload)
                .unwrap()
                .table
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_committed_out_of_order_are_all_delivered_once() {
    let store = common::pg_store().await;
    let mut cursor = Cursor::starting_now(&store).await.unwrap();
    // T1 records first (the lower id) and commits last.
    let mut t1 = store.pool().begin().await.unwrap();
    bus::record::<StoreMoveEvent>(&mut t1, &store, "desk-a", &progress("first"))
        .await
        .unwrap();
    let mut t2 = store.pool().begin().await.unwrap();
    bus::record::<StoreMoveEvent>(&mut t2, &store, "desk-b", &progress("second"))
        .await
        .unwrap();
    t2.commit().await.unwrap();
    assert_eq!(tables(&cursor.read(&store).await.unwrap()), ["second"]);
    t1.commit().await.unwrap();
    assert_eq!(
        tables(&cursor.read(&store).await.unwrap()),
        ["first"],
        "the late commit is delivered"
    );
    assert!(
        cursor.read(&store).await.unwrap().is_empty(),
        "and only once"
    );

    // A rolled-back event never appears; a new reader starts after what exists.
    let mut t3 = store.pool().begin().await.unwrap();
    bus::record::<StoreMoveEvent>(&mut t3, &store, "desk-a", &progress("rolled back"))
        .await
        .unwrap();
    t3.rollback().await.unwrap();
    let mut late_reader = Cursor::starting_now(&store).await.unwrap();
    let mut t4 = store.pool().begin().await.unwrap();
    bus::record::<StoreMoveEvent>(&mut t4, &store, "desk-a", &progress("fourth"))
        .await
        .unwrap();
    t4.commit().await.unwrap();
    assert_eq!(tables(&cursor.read(&store).await.unwrap()), ["fourth"]);
    assert_eq!(tables(&late_reader.read(&store).await.unwrap()), ["fourth"]);
}
