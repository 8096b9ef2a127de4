//! Test helpers: throwaway stores on both back ends.

pub mod forecasts;
#[macro_use]
pub mod harness;
pub mod pg_cluster;
pub mod smtp;
pub mod tls;
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
        // The script's server runs without TLS: explicitly allowed, as a site would for a
        // test server.
        allow_unencrypted: true,
        connect_timeout_secs: 10,
        ..Default::default()
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
    Store::open_postgres(
        &pg_fresh_database().await,
        None::<&Secret>,
        &Default::default(),
    )
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

/// A small demo ERP (3,000 rows, 8 customers: Northwind Foods is C10000, Bluewater Trading
/// C10001, ...) at the app's default place, plus extra ERP customers `(code, name, rows)`;
/// each extra customer's rows are all in bin `Z-<code>`, so a test can tell them apart.
/// Call it before anything opens the ERP.
pub async fn demo_erp_with(
    paths: &portdesk_core::paths::AppPaths,
    extra: &[(&str, &str, i64)],
) -> sqlx::SqlitePool {
    use portdesk_core::erp::demo::{self, DemoOptions};
    let path = paths.default_demo_erp_file();
    demo::generate(
        &path,
        &DemoOptions {
            stock_rows: 3_000,
            seed: 7,
            last_month: (2026, 10),
            one_customer: false,
        },
    )
    .await
    .unwrap();
    let erp = demo_erp_writer(paths).await;
    for (code, name, rows) in extra {
        add_erp_customer(&erp, code, name, *rows).await;
    }
    erp
}

/// A writable connection to the demo ERP, as the ERP's own staff would change it.
pub async fn demo_erp_writer(paths: &portdesk_core::paths::AppPaths) -> sqlx::SqlitePool {
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new().filename(paths.default_demo_erp_file()),
        )
        .await
        .unwrap()
}

pub async fn add_erp_customer(erp: &sqlx::SqlitePool, code: &str, name: &str, rows: i64) {
    sqlx::query("INSERT INTO customers (code, name, city) VALUES (?1, ?2, 'Oslo')")
        .bind(code)
        .bind(name)
        .execute(erp)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO stock (customer_code, part, bin, lot, on_hand, allocated, last_received) \
         SELECT ?1, part, ?2, NULL, 5, 1, '2026-09-01' FROM parts ORDER BY part LIMIT ?3",
    )
    .bind(code)
    .bind(format!("Z-{code}"))
    .bind(rows)
    .execute(erp)
    .await
    .unwrap();
}
