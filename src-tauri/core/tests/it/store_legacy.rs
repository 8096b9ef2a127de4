//! A store made by Portdesk 0.1 (sequential migrations 0001-0003, cache 0001-0002) opens with
//! the per-module, time-stamped migrations: nothing re-applied, nothing lost. The fixtures in
//! `tests/fixtures/store-0.1/` are the 0.1 migration files byte for byte, so their checksums are
//! those real 0.1 stores recorded.

use crate::common;

use portdesk_core::schema::{self, Target};
use portdesk_core::store::Store;
use portdesk_types::Secret;
use sqlx::Connection;

static SQLITE_0_1: sqlx::migrate::Migrator = sqlx::migrate!("tests/fixtures/store-0.1/sqlite");
static POSTGRES_0_1: sqlx::migrate::Migrator = sqlx::migrate!("tests/fixtures/store-0.1/postgres");
static CACHE_0_1: sqlx::migrate::Migrator = sqlx::migrate!("tests/fixtures/store-0.1/cache");

/// Rows a 0.1 user would have: an account, an audit entry, a queued message, a reset code.
const DATA_0_1: &[&str] = &[
    "INSERT INTO users (name, email, role, erp_customer, password_hash, created_at, updated_at) VALUES ('Cara Customer', 'cara@example.com', 'customer', 'Acme Ltd', 'hash', 1, 1)",
    "INSERT INTO audit_log (at, actor_id, actor, action) VALUES (2, 1, 'cara@example.com', 'auth.sign_in')",
    "INSERT INTO settings (key, value, updated_at) VALUES ('security', '{}', 3)",
    "INSERT INTO mail_outbox (idempotency_key, kind, recipients, subject, body_text, message_id, next_attempt_at, created_at, updated_at) VALUES ('k1', 'test', '[\"a@example.com\"]', 'Hello', 'Body', '<m1@portdesk>', 4, 4, 4)",
    "INSERT INTO password_reset_codes (user_id, code_hash, created_at, expires_at) VALUES (1, 'h', 5, 6)",
];

async fn versions(pool: &sqlx::AnyPool) -> Vec<i64> {
    sqlx::query_as::<_, (i64,)>("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(v,)| v)
        .collect()
}

async fn assert_0_1_data_kept(store: &Store, target: Target) {
    let (name, erp, verified): (String, String, i64) = sqlx::query_as(
        "SELECT name, erp_customer, erp_verified FROM users WHERE email = 'cara@example.com'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        (name.as_str(), erp.as_str(), verified),
        ("Cara Customer", "Acme Ltd", 1)
    );
    for (table, n) in [
        ("audit_log", 1),
        ("settings", 1),
        ("mail_outbox", 1),
        ("password_reset_codes", 1),
    ] {
        let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(count, n, "{table} lost rows");
    }
    let expected: Vec<i64> = schema::migrations(target)
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(
        versions(store.pool()).await,
        expected,
        "the history holds every time-stamped version, no 0.1 number"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_made_by_0_1_opens_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portal.db");
    {
        let url = format!("sqlite:{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        SQLITE_0_1.run(&mut conn).await.unwrap();
        for sql in DATA_0_1 {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
    let store = Store::open_sqlite(&path).await.expect("a 0.1 store opens");
    assert_0_1_data_kept(&store, Target::PortalSqlite).await;
    store.close().await;
    // And again: the carried-over history is stable.
    let store = Store::open_sqlite(&path)
        .await
        .expect("opens a second time");
    assert_0_1_data_kept(&store, Target::PortalSqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_made_by_0_1_opens_with_nothing_lost() {
    let settings = common::pg_fresh_database().await;
    {
        let url = format!(
            "postgres://{}@{}:{}/{}",
            settings.user, settings.host, settings.port, settings.database
        );
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        POSTGRES_0_1.run(&mut conn).await.unwrap();
        for sql in DATA_0_1 {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
    // Two desktops starting at once on the shared store: both open, history carried over once.
    let trust = portdesk_core::tls::Trust::system();
    let (a, b) = tokio::join!(
        Store::open_postgres(&settings, None::<&Secret>, &trust),
        Store::open_postgres(&settings, None::<&Secret>, &trust)
    );
    let (a, b) = (
        a.expect("first desktop opens"),
        b.expect("second desktop opens"),
    );
    assert_0_1_data_kept(&a, Target::PortalPostgres).await;
    assert_0_1_data_kept(&b, Target::PortalPostgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_stores_record_only_time_stamped_versions() {
    let (store, _dir) = common::sqlite_store().await;
    let expected: Vec<i64> = schema::migrations(Target::PortalSqlite)
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(versions(store.pool()).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_cache_made_by_0_1_opens_with_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory-cache.db");
    {
        let url = format!("sqlite:{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        CACHE_0_1.run(&mut conn).await.unwrap();
        sqlx::query("INSERT INTO snapshots (customer, fetched_at, row_count, total_on_hand) VALUES ('Acme Ltd', 7, 1, 5)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO stock (customer, seq, part, description, bin, on_hand, unit, part_lc, bin_lc, search) VALUES ('Acme Ltd', 0, 'P-1', 'Bolt', 'A1', 5, 'EA', 'p-1', 'a1', 'p-1 bolt a1')")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let cache = portdesk_core::inventory::InventoryCache::open(&path)
        .await
        .expect("a 0.1 cache opens");
    // 0.1 keyed snapshots by the ERP customer's name, which two customers can share: the
    // code-keyed schema drops them (the next refresh fetches them again) instead of guessing.
    assert_eq!(cache.as_of("Acme Ltd").await.unwrap(), None);
    cache.close().await;
    let url = format!("sqlite:{}?mode=ro", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let got: Vec<i64> =
        sqlx::query_as::<_, (i64,)>("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|(v,)| v)
            .collect();
    let expected: Vec<i64> = schema::migrations(Target::Local)
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(
        got, expected,
        "the cache's history holds every time-stamped version, no 0.1 number"
    );
}
