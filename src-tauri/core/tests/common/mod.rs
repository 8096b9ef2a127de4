//! Test helpers: throwaway stores on both back ends.
#![allow(dead_code)]

pub mod harness;
pub mod smtp;
pub mod xlsx;

use portdesk_core::store::Store;
use portdesk_types::Secret;
use portdesk_types::settings::PostgresSettings;
use sqlx::Connection;

/// A store in a fresh SQLite file; keep the TempDir alive for the test's duration.
pub async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("portal.db"))
        .await
        .unwrap();
    (store, dir)
}

/// The PostgreSQL server started by the test script (`scripts/pg-test.sh`). Missing settings
/// fail the test: a skipped back end would be a silent gap.
pub fn pg_settings() -> PostgresSettings {
    let host = std::env::var("PORTDESK_TEST_PG_HOST").expect(
        "PORTDESK_TEST_PG_HOST is not set: run the tests through scripts/test.sh, which starts a throwaway PostgreSQL server",
    );
    PostgresSettings {
        host,
        port: std::env::var("PORTDESK_TEST_PG_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(5432),
        database: "postgres".into(),
        user: std::env::var("PORTDESK_TEST_PG_USER").unwrap_or_else(|_| "postgres".into()),
        tls: false,
        connect_timeout_secs: 10,
    }
}

/// A new, empty PostgreSQL database of its own, as settings.
pub async fn pg_fresh_database() -> PostgresSettings {
    let admin = pg_settings();
    let db = format!("portdesk_t_{}_{}", std::process::id(), fastrand::u64(..));
    let url = format!(
        "postgres://{}@{}:{}/postgres",
        admin.user, admin.host, admin.port
    );
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    PostgresSettings {
        database: db,
        ..admin
    }
}

/// A store in a new, empty PostgreSQL database of its own.
pub async fn pg_store() -> Store {
    Store::open_postgres(&pg_fresh_database().await, None::<&Secret>)
        .await
        .unwrap()
}

/// Runs the same async test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (store, _dir) = common::sqlite_store().await;
                ($body)(store).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let store = common::pg_store().await;
                ($body)(store).await;
            }
        }
    };
}
