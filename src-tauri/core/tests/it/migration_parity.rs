//! The SQLite and PostgreSQL migrations are written twice, once per dialect. This test opens a
//! fresh store on each back end and compares every table's columns, types and nullability, so
//! the two sets cannot drift apart unnoticed.

use crate::common;

use portdesk_core::store::Store;
use std::collections::BTreeMap;

/// Full-text search is the one place the dialects differ on purpose: SQLite keeps an FTS5
/// table (and its shadow tables) beside the searched table, PostgreSQL a `tsvector` column.
const SQLITE_SEARCH_TABLES: &[&str] = &["shop_search", "support_kb_search"];
const POSTGRES_SEARCH_COLUMNS: &[(&str, &str)] =
    &[("shop_listings", "search"), ("support_articles", "search")];

/// One column as both back ends can describe it: (name, portable type, nullable).
type Columns = Vec<(String, &'static str, bool)>;

/// The portable type of a declared SQLite type (the migrations use these four).
fn sqlite_type(declared: &str) -> &'static str {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" => "integer",
        "TEXT" => "text",
        "BLOB" => "blob",
        "REAL" => "real",
        other => panic!("SQLite column type {other} has no PostgreSQL counterpart in this test"),
    }
}

/// The portable type of a PostgreSQL column: the store keeps every integer as a 64-bit
/// `BIGINT` so that the `Any` driver decodes it as `i64` on both back ends.
fn postgres_type(data_type: &str) -> &'static str {
    match data_type {
        "bigint" => "integer",
        "text" => "text",
        "bytea" => "blob",
        "double precision" => "real",
        other => panic!(
            "PostgreSQL column type {other} is not one the store uses (bigint, text, bytea, double precision)"
        ),
    }
}

async fn sqlite_schema(store: &Store) -> BTreeMap<String, Columns> {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for (table,) in tables {
        if SQLITE_SEARCH_TABLES.iter().any(|t| table.starts_with(t)) {
            continue;
        }
        // PRAGMA arguments cannot be bound; the name comes from sqlite_master itself.
        let cols: Vec<(i64, String, String, i64, Option<String>, i64)> =
            sqlx::query_as(&format!("PRAGMA table_info(\"{table}\")"))
                .fetch_all(store.pool())
                .await
                .unwrap();
        let cols = cols
            .into_iter()
            // SQLite lets an INTEGER PRIMARY KEY be NULL in its declaration; it never is.
            .map(|(_, name, ty, notnull, _, pk)| (name, sqlite_type(&ty), notnull == 0 && pk == 0))
            .collect();
        out.insert(table, cols);
    }
    out
}

async fn postgres_schema(store: &Store) -> BTreeMap<String, Columns> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
           FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'
          ORDER BY table_name, ordinal_position",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut out: BTreeMap<String, Columns> = BTreeMap::new();
    for (table, name, ty, nullable) in rows {
        if POSTGRES_SEARCH_COLUMNS.contains(&(table.as_str(), name.as_str())) {
            continue;
        }
        out.entry(table)
            .or_default()
            .push((name, postgres_type(&ty), nullable == "YES"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_migrations_make_the_same_tables_and_columns() {
    let (sqlite, _dir) = common::sqlite_store().await;
    let postgres = common::pg_store().await;
    let lite = sqlite_schema(&sqlite).await;
    let pg = postgres_schema(&postgres).await;
    assert!(
        lite.contains_key("users"),
        "the SQLite store has no tables: {lite:?}"
    );
    let lite_tables: Vec<_> = lite.keys().collect();
    let pg_tables: Vec<_> = pg.keys().collect();
    assert_eq!(
        lite_tables, pg_tables,
        "the two stores have different tables"
    );
    for (table, cols) in &lite {
        assert_eq!(
            cols, &pg[table],
            "table {table}: columns (name, type, nullable) differ between SQLite (left) and PostgreSQL (right)"
        );
    }
}
