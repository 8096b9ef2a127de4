//! A desktop's connection budget on a shared PostgreSQL store: a few pooled connections, a
//! command that waits for one (this desktop's all busy, or the server at its limit) goes on
//! when one frees, once; one that waits past the connect timeout is refused as "busy" having
//! changed nothing, and the status line says so.

use crate::common::{self, harness};
use portdesk_types::ErrorKind;
use portdesk_types::api::*;
use portdesk_types::settings::{PostgresSettings, STORE_BUSY};
use sqlx::Connection;
use std::time::Duration;

/// A database of its own, owned by a role of its own (so the server's per-role connection
/// limit can stand in for `max_connections` without touching other tests).
async fn own_database_and_role() -> (PostgresSettings, sqlx::PgConnection) {
    let db = common::pg_fresh_database().await;
    let role = format!("{}_r", db.database);
    let admin = common::pg_settings();
    let url = format!(
        "postgres://{}@{}:{}/postgres",
        admin.user, admin.host, admin.port
    );
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    for sql in [
        format!("CREATE ROLE {role} LOGIN"),
        format!("ALTER DATABASE {} OWNER TO {role}", db.database),
    ] {
        sqlx::query(&sql).execute(&mut conn).await.unwrap();
    }
    let pg = PostgresSettings {
        user: role,
        connect_timeout_secs: 2,
        pool_size: Some(2),
        idle_secs: Some(5),
        ..db
    };
    (pg, conn)
}

async fn saves_of(h: &harness::Harness) -> i64 {
    let store = h.app.store().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'settings.backups'")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// A settings save started as a window would, left running (it may wait for a connection).
fn save_in_background(
    h: &harness::Harness,
) -> tokio::task::JoinHandle<Result<serde_json::Value, portdesk_types::ApiError>> {
    let app = h.app.clone();
    tokio::spawn(async move {
        app.dispatch(
            SaveBackupSettings::NAME,
            serde_json::to_value(portdesk_types::settings::BackupSettings::default()).unwrap(),
        )
        .await
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_waits_for_a_connection_and_a_long_wait_is_refused_as_busy() {
    let (pg, mut admin) = own_database_and_role().await;
    let h = harness::start_on(pg.clone()).await;
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    // This desktop's two pooled connections, both taken (two long jobs of other windows).
    let first = store.pool().acquire().await.unwrap();
    let second = store.pool().acquire().await.unwrap();
    assert_eq!(store.pool().size(), 2, "the budget: two pooled connections");

    // A write waits, and goes on once when a connection frees.
    let save = save_in_background(&h);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!save.is_finished(), "it waits for a connection");
    drop(first);
    save.await.unwrap().unwrap();
    assert_eq!(saves_of(&h).await, 1, "applied once");

    // Held past the connect timeout: refused as busy, nothing changed, the status line says.
    let first = store.pool().acquire().await.unwrap();
    let e = h
        .call::<SaveBackupSettings>(Default::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
    assert_eq!(e.message, STORE_BUSY);
    drop((first, second));
    assert_eq!(saves_of(&h).await, 1, "the refused save changed nothing");
    assert!(h.call::<AppStatus>(()).await.unwrap().store_busy);

    // The server at its limit (here the role's): a new connection is refused with "too many
    // connections"; the command waits, retried with back-off, and goes on when one frees.
    // One pooled connection stays busy; the other leaves the pool (still open on the server),
    // so the command needs a new one.
    let first = store.pool().acquire().await.unwrap();
    let second = store.pool().acquire().await.unwrap();
    let _outside = first.detach();
    sqlx::query(&format!("ALTER ROLE {} CONNECTION LIMIT 0", pg.user))
        .execute(&mut admin)
        .await
        .unwrap();
    let save = save_in_background(&h);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(!save.is_finished(), "it waits for the server");
    sqlx::query(&format!("ALTER ROLE {} CONNECTION LIMIT -1", pg.user))
        .execute(&mut admin)
        .await
        .unwrap();
    save.await.unwrap().unwrap();
    drop(second);
    assert_eq!(saves_of(&h).await, 2, "applied once, after the wait");
}

#[test]
fn the_budget_is_two_connections_one_at_a_kiosk_and_the_file_cannot_widen_it_past_twenty() {
    let pg = PostgresSettings::default();
    assert_eq!(pg.pool_budget(false), (2, 30));
    assert_eq!(pg.pool_budget(true), (1, 30));
    let wide = PostgresSettings {
        pool_size: Some(500),
        idle_secs: Some(1),
        ..Default::default()
    };
    assert_eq!(
        wide.pool_budget(false),
        (2, 30),
        "out of range: the defaults"
    );
    let set = PostgresSettings {
        pool_size: Some(4),
        idle_secs: Some(120),
        ..Default::default()
    };
    assert_eq!(set.pool_budget(true), (4, 120));
}
