//! Offline journal replay benchmark (not a test): a sales rep's laptop comes back with 50,400
//! edits in its journal (50 customers × 84 parts × 12 months, in saves of 100 cells) and
//! replays them into the SQLite portal store through `forecasts::offline::replay` — the same
//! `save_cells` the window uses: the rights check, each key recorded, each cell written at
//! its base version, the audit row, then the journal settled. Target: < 5 s.
//!
//! In the same run, the limit: the same two statements per edit (the key, then the cell)
//! through raw SQLite (rusqlite) on a store migrated alike, in transactions of 2,000, with the
//! ratio printed.
//!
//! Run: `cargo bench -p portdesk-core --bench forecast_replay`.

use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::Actor;
use portdesk_core::forecasts::{self, offline};
use portdesk_core::local::LocalStore;
use portdesk_core::store::Store;
use portdesk_types::forecasts::*;
use portdesk_types::{Role, Secret};
use std::time::Instant;

const CUSTOMERS: usize = 50;
const PARTS: usize = 84;

async fn seed(store: &Store) -> (i64, Cycle) {
    let admin = Actor::system("bench");
    let rep = accounts::create(
        store,
        &admin,
        NewUser {
            name: "Rita".into(),
            email: "rita@example.com".into(),
            role: Role::SalesRep,
            erp_customer: None,
            erp_customer_code: None,
            password: Secret::new("Forklift-Harbour-42"),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
    .id;
    for c in 0..CUSTOMERS {
        let code = format!("C{c:03}");
        forecasts::assign(
            store,
            &admin,
            &Assignment {
                customer_code: code.clone(),
                customer: format!("Customer {c}"),
                rep_id: Some(rep),
            },
        )
        .await
        .unwrap();
        for p in 0..PARTS {
            forecasts::set_matrix(
                store,
                &MatrixEntry {
                    customer_code: code.clone(),
                    part: format!("P{p:03}"),
                    description: String::new(),
                },
            )
            .await
            .unwrap();
        }
    }
    let c = forecasts::create_cycle(
        store,
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
    let c = forecasts::open_cycle(store, &admin, c.id).await.unwrap();
    (rep, c)
}

fn cells(c: &Cycle) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for cu in 0..CUSTOMERS {
        for p in 0..PARTS {
            for m in &c.months {
                out.push((format!("C{cu:03}"), format!("P{p:03}"), m.clone()));
            }
        }
    }
    out
}

/// Every cell typed offline (5 units), in saves of 100 cells: the journal the laptop brings back.
async fn record_all(
    local: &LocalStore,
    actor: &Actor,
    rep: i64,
    cycle: i64,
    cells: &[(String, String, String)],
) {
    for chunk in cells.chunks(100) {
        let edits: Vec<CellEdit> = chunk
            .iter()
            .map(|(cu, p, m)| CellEdit {
                customer_code: cu.clone(),
                part: p.clone(),
                month: m.clone(),
                quantity: 5.0,
                base_version: 0,
                key: None,
            })
            .collect();
        offline::record(local, actor, rep, cycle, &edits)
            .await
            .unwrap();
    }
}

/// The limit: the key and the cell per edit through rusqlite, 2,000 per transaction.
fn raw(path: &std::path::Path, cycle: i64, cells: &[(String, String, String)]) -> f64 {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    )
    .unwrap();
    let t = Instant::now();
    for (n, chunk) in cells.chunks(2_000).enumerate() {
        let tx = conn.transaction().unwrap();
        for (i, (c, p, m)) in chunk.iter().enumerate() {
            tx.prepare_cached(
                "INSERT INTO forecast_edit_keys (idempotency_key, cycle_id, applied_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key",
            )
            .unwrap()
            .query_row(rusqlite::params![format!("raw-{n}-{i}"), cycle, 1i64], |_| Ok(()))
            .unwrap();
            tx.prepare_cached(
                "INSERT INTO forecast_cells (cycle_id, erp_customer_code, part, month, quantity, version, updated_by, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7) ON CONFLICT (cycle_id, erp_customer_code, part, month) DO NOTHING \
                 RETURNING version",
            )
            .unwrap()
            .query_row(rusqlite::params![cycle, c, p, m, 5i64, 1i64, 1i64], |_| Ok(()))
            .unwrap();
        }
        tx.commit().unwrap();
    }
    t.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("portal.db"))
        .await
        .unwrap();
    let (rep, c) = seed(&store).await;
    let peer_path = dir.path().join("peer.db");
    let peer = Store::open_sqlite(&peer_path).await.unwrap();
    let (_, pc) = seed(&peer).await;
    peer.pool().close().await;
    let cells = cells(&c);
    let local = LocalStore::open(&dir.path().join("local.db"))
        .await
        .unwrap();
    let actor = Actor::user(rep, "rita@example.com");
    let t = Instant::now();
    record_all(&local, &actor, rep, c.id, &cells).await;
    let recorded = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r = offline::replay(
        &local,
        &store,
        &offline::Replayer {
            user_id: rep,
            actor: actor.clone(),
            admin: false,
        },
    )
    .await
    .unwrap();
    let replayed = t.elapsed().as_secs_f64();
    assert_eq!(
        (r.applied as usize, r.conflicts, r.refused),
        (cells.len(), 0, 0)
    );
    let limit = tokio::task::spawn_blocking({
        let cells = cells.clone();
        move || raw(&peer_path, pc.id, &cells)
    })
    .await
    .unwrap();
    println!(
        "offline journal replay: {} edits (saves of 100 cells), SQLite portal store",
        cells.len()
    );
    println!(
        "  journal: {:.2} s to record ({:.0} edits/s)",
        recorded,
        cells.len() as f64 / recorded
    );
    println!(
        "  replay through save_cells: {:.2} s ({:.0} edits/s); target < 5 s: {}",
        replayed,
        cells.len() as f64 / replayed,
        if replayed < 5.0 { "met" } else { "MISSED" }
    );
    println!(
        "  raw SQLite, key + cell per edit, 2,000 per transaction (the limit): {:.2} s ({:.0} edits/s)",
        limit,
        cells.len() as f64 / limit
    );
    println!("  Portdesk : raw SQLite = 1 : {:.1}", replayed / limit);
    match pg_replay(&cells).await {
        Some(t) => println!(
            "  replay to PostgreSQL (the shared store of the laptop case): {:.2} s ({:.0} edits/s); target < 5 s: {}",
            t,
            cells.len() as f64 / t,
            if t < 5.0 { "met" } else { "MISSED" }
        ),
        None => {
            println!("  PostgreSQL: skipped (set PORTDESK_TEST_PG_HOST, see scripts/pg-test.sh)")
        }
    }
}

/// The same replay into a new database on the test PostgreSQL server, if one is set.
async fn pg_replay(cells: &[(String, String, String)]) -> Option<f64> {
    use sqlx::Connection;
    let host = std::env::var("PORTDESK_TEST_PG_HOST").ok()?;
    let port: u16 = std::env::var("PORTDESK_TEST_PG_PORT").ok()?.parse().ok()?;
    let db = format!("portdesk_replay_{}", std::process::id());
    let mut admin =
        sqlx::PgConnection::connect(&format!("postgres://postgres@{host}:{port}/postgres"))
            .await
            .ok()?;
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&mut admin)
        .await
        .ok()?;
    let settings = portdesk_types::settings::PostgresSettings {
        host,
        port,
        database: db,
        user: "postgres".into(),
        allow_unencrypted: true,
        connect_timeout_secs: 10,
        ..Default::default()
    };
    let store = Store::open_postgres(&settings, None::<&Secret>, &Default::default())
        .await
        .ok()?;
    let (rep, c) = seed(&store).await;
    let dir = tempfile::tempdir().ok()?;
    let local = LocalStore::open(&dir.path().join("local.db")).await.ok()?;
    let actor = Actor::user(rep, "rita@example.com");
    record_all(&local, &actor, rep, c.id, cells).await;
    let t = Instant::now();
    let r = offline::replay(
        &local,
        &store,
        &offline::Replayer {
            user_id: rep,
            actor,
            admin: false,
        },
    )
    .await
    .ok()?;
    let took = t.elapsed().as_secs_f64();
    assert_eq!(r.applied as usize, cells.len());
    Some(took)
}
