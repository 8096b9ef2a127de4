//! Order path benchmark (not a test): orders of one line through `orders::place`, which takes
//! the stock, stores the order and its line, runs the reorder check, queues the customer's
//! confirmation in the outbox and writes the audit row, in one transaction. 200 products with
//! far more stock than is sold, each reaching its reorder level once in the run, so 200 of the
//! orders also raise a procurement request (and queue two more mails).
//!
//! Measures, on one machine in one run:
//! * one writer on SQLite through `orders::place` (target >= 5,000 orders/s);
//! * the same five statements per order through sqlx alone (body pre-rendered, no reads);
//! * the limit: those statements through raw SQLite (`benches/orders_sqlite_peer.py`, Python's
//!   sqlite3, same schema, same pragmas, checkpoints off the commit path as the store's
//!   writer does them), and the ratio Portdesk : raw SQLite;
//! * what rendering the confirmation and one more point read cost on their own;
//! * eight concurrent writers on PostgreSQL when `PORTDESK_TEST_PG_HOST` is set
//!   (`eval "$(scripts/pg-test.sh start DIR)"`), skipped with a note otherwise.
//!
//! The three SQLite runs each have a store of their own and take turns in rounds of
//! [`ROUND`] orders, so a busy neighbour on the machine slows all three alike and the ratios
//! hold. Wall clock and CPU time (all threads) are both shown.
//!
//! Run: `cargo bench -p portdesk-core --bench orders`. The SQLite files go to the system's
//! temporary folder; `ORDERS_BENCH_DIR=/dev/shm` runs the same in memory (no disk).

use portdesk_core::accounts::{self, NewUser, User};
use portdesk_core::audit::Actor;
use portdesk_core::mail::templates::{self, Brand, Template};
use portdesk_core::store::Store;
use portdesk_core::{orders, procurement};
use portdesk_types::money::money;
use portdesk_types::orders::NewOrderLine;
use portdesk_types::procurement::{ProductEdit, SupplierEdit};
use portdesk_types::settings::PostgresSettings;
use portdesk_types::{Role, Secret};
use sqlx::{Connection, Row};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Orders in each single-writer SQLite run (one line, one unit each).
const ORDERS: usize = 20_000;
/// Orders each SQLite run places before the next one takes its turn.
const ROUND: usize = 1_000;
/// Orders in the PostgreSQL run, shared by [`PG_WRITERS`] writers.
const PG_ORDERS: usize = 8_000;
const PG_WRITERS: usize = 8;
const PRODUCTS: usize = 200;
/// Far more than is sold: no order is ever refused for stock.
const STOCK: i64 = 1_000_000;
/// Repeats of the render and point-read timings.
const PARTS: usize = 5_000;

/// Wendy (warehouse, user 1) places the orders.
fn staff() -> Actor {
    Actor::user(1, "wendy@example.com")
}

/// CPU seconds this process has used (all threads, user + system), from `/proc/self/stat`
/// (in clock ticks of 10 ms); `None` elsewhere. On a shared machine the wall clock also counts
/// waiting for a core; the CPU time is the work.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// What one run took: per-order latencies and, summed over its rounds, the wall clock and
/// the CPU time.
#[derive(Default)]
struct Tally {
    lat: Vec<Duration>,
    rounds: usize,
    secs: f64,
    cpu_secs: f64,
    cpu_unknown: bool,
}

impl Tally {
    fn add(&mut self, secs: f64, cpu: Option<f64>) {
        self.rounds += 1;
        self.secs += secs;
        match cpu {
            Some(c) => self.cpu_secs += c,
            None => self.cpu_unknown = true,
        }
    }

    fn run(mut self) -> Run {
        self.lat.sort();
        let at = |p: f64| {
            self.lat[((self.lat.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
        };
        Run {
            orders: self.lat.len(),
            secs: self.secs,
            cpu_secs: (self.rounds > 0 && !self.cpu_unknown).then_some(self.cpu_secs),
            mean_ms: self.lat.iter().sum::<Duration>().as_secs_f64() * 1e3 / self.lat.len() as f64,
            p50_ms: at(0.5),
            p99_ms: at(0.99),
        }
    }
}

struct Run {
    orders: usize,
    secs: f64,
    cpu_secs: Option<f64>,
    mean_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.orders as f64 / self.secs
    }

    /// Wall clock per order (1 / throughput), in microseconds.
    fn wall_us(&self) -> f64 {
        self.secs * 1e6 / self.orders as f64
    }

    /// CPU time per order, in microseconds.
    fn cpu_us(&self) -> Option<f64> {
        self.cpu_secs.map(|c| c * 1e6 / self.orders as f64)
    }

    fn header() {
        println!(
            "  {:<58} {:>6} {:>9} {:>8} {:>8} {:>8} {:>8}",
            "", "orders", "orders/s", "mean ms", "p50 ms", "p99 ms", "CPU ms"
        );
    }

    fn print(&self, label: &str) {
        println!(
            "  {label:<58} {:>6} {:>9.0} {:>8.3} {:>8.3} {:>8.3} {:>8}",
            self.orders,
            self.rate(),
            self.mean_ms,
            self.p50_ms,
            self.p99_ms,
            self.cpu_us()
                .map_or("-".to_owned(), |c| format!("{:.3}", c / 1e3))
        );
    }
}

async fn user(store: &Store, name: &str, email: &str, role: Role, code: Option<&str>) -> User {
    accounts::create(
        store,
        &Actor::system("bench"),
        NewUser {
            name: name.into(),
            email: email.into(),
            role,
            erp_customer: code.map(|c| format!("Customer {c}")),
            erp_customer_code: code.map(str::to_owned),
            password: Secret::new("Forklift-Harbour-42"),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
}

/// The accounts (Wendy 1, Pat 2 procurement, Ada 3 admin, the buyer), one supplier with an
/// e-mail address and [`PRODUCTS`] products, each reaching its reorder level on its
/// `trigger_at`-th order. Returns the buyer and the product ids.
async fn seed(store: &Store, trigger_at: i64) -> (User, Vec<i64>) {
    user(store, "Wendy", "wendy@example.com", Role::Warehouse, None).await;
    user(store, "Pat", "pat@example.com", Role::Procurement, None).await;
    user(store, "Ada", "ada@example.com", Role::Admin, None).await;
    let buyer = user(
        store,
        "Buyer",
        "buyer@northwind.example",
        Role::Customer,
        Some("C10000"),
    )
    .await;
    let supplier = procurement::save_supplier(
        store,
        &staff(),
        &SupplierEdit {
            id: None,
            version: None,
            name: "TechParts Inc".into(),
            email: "orders@techparts.example".into(),
            phone: String::new(),
            lead_time_days: 5,
            active: true,
        },
    )
    .await
    .unwrap()
    .id;
    let mut products = Vec::with_capacity(PRODUCTS);
    for i in 0..PRODUCTS {
        let p = procurement::save_product(
            store,
            &staff(),
            &ProductEdit {
                id: None,
                version: None,
                sku: format!("P{:04}", i + 1),
                name: format!("Wireless Mouse model {}", i + 1),
                description: String::new(),
                category: "Peripherals".into(),
                unit_price: "24.99".into(),
                stock: STOCK,
                reorder_level: STOCK - trigger_at,
                reorder_quantity: 500,
                pack_size: None,
                supplier_id: Some(supplier),
                active: true,
            },
        )
        .await
        .unwrap();
        products.push(p.id);
    }
    (buyer, products)
}

fn line(product_id: i64) -> Vec<NewOrderLine> {
    vec![NewOrderLine {
        product_id,
        quantity: 1.0,
    }]
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// A new, empty PostgreSQL database on the test server (as `tests/it/common` makes them).
async fn pg_fresh_database(host: String) -> PostgresSettings {
    let port = std::env::var("PORTDESK_TEST_PG_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(5432);
    let user = std::env::var("PORTDESK_TEST_PG_USER").unwrap_or_else(|_| "postgres".into());
    let db = format!(
        "portdesk_bench_{}_{}",
        std::process::id(),
        fastrand::u64(..)
    );
    let url = format!("postgres://{user}@{host}:{port}/postgres");
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .expect("connect to the PostgreSQL server named by PORTDESK_TEST_PG_*");
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    PostgresSettings {
        host,
        port,
        database: db,
        user,
        allow_unencrypted: true,
        connect_timeout_secs: 10,
        ..Default::default()
    }
}

/// The confirmation of one order of one line, as `orders::place` builds it.
fn confirmation(n: usize) -> Template {
    Template::OrderConfirmation(templates::OrderConfirmation {
        order_no: orders::order_number(n as i64 + 1),
        customer: "Customer C10000".into(),
        placed_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        lines: vec![templates::OrderLine {
            part: "P0001".into(),
            description: "Wireless Mouse model 1".into(),
            quantity: "1".into(),
            unit_price: money(2499),
            line_total: money(2499),
        }],
        total: money(2499),
        currency: String::new(),
        delivery_slot: String::new(),
        estimated_delivery: String::new(),
        delivery_address: String::new(),
    })
}

/// One order as the statements the raw SQLite peer runs, through sqlx on a Portdesk store:
/// one transaction of the conditional stock UPDATE … RETURNING, the order, its line, an
/// outbox row with a body already rendered, and the audit row. No template, no settings
/// read, no reorder check.
async fn bare_order(
    store: &Store,
    buyer: &User,
    product_id: i64,
    (subject, text, html): &(String, String, String),
) {
    let now = portdesk_core::now_ms();
    let mut tx = store.pool().begin().await.unwrap();
    let r = sqlx::query(
        "UPDATE products SET stock = stock - $1, updated_at = $2 \
         WHERE id = $3 AND active = 1 AND stock >= $1 \
         RETURNING sku, name, unit_price, stock, reorder_level, reorder_quantity, pack_size, supplier_id",
    )
    .bind(1_i64)
    .bind(now)
    .bind(product_id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let (sku, name, price): (String, String, i64) = (r.get(0), r.get(1), r.get(2));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (customer_id, customer_name, erp_customer_code, placed_by, placed_by_name, status, \
         total, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'placed', $6, $7, $8, $8) RETURNING id",
    )
    .bind(buyer.id)
    .bind("Customer C10000")
    .bind("C10000")
    .bind(1_i64)
    .bind("wendy@example.com")
    .bind(price)
    .bind(None::<&str>)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(1_i64)
    .bind(product_id)
    .bind(&sku)
    .bind(&name)
    .bind(1_i64)
    .bind(price)
    .bind(price)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO mail_outbox (idempotency_key, kind, recipients, subject, body_text, body_html, \
         message_id, status, attempts, next_attempt_at, created_at, updated_at, secret, secret_expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8, $8, $9, $10) \
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(format!("bare-confirmation:{id}"))
    .bind("order_confirmation")
    .bind(r#"["buyer@northwind.example"]"#)
    .bind(subject)
    .bind(text)
    .bind(html)
    .bind(portdesk_core::mail::outbox::new_message_id())
    .bind(now)
    .bind(None::<&str>)
    .bind(None::<i64>)
    .fetch_optional(&mut *tx)
    .await
    .unwrap();
    sqlx::query("INSERT INTO audit_log (at, actor_id, actor, action, target_type, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(now)
        .bind(1_i64)
        .bind("wendy@example.com")
        .bind("order.place")
        .bind("order")
        .bind(id.to_string())
        .bind(format!("{} for Customer C10000: 1 line(s), total {}", orders::order_number(id), money(price)))
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Orders `from..from + n` one after the other, cycling through the products, through
/// `orders::place` (`body` is `None`) or as the bare statements; returns the requests raised.
async fn round(
    store: &Store,
    buyer: &User,
    products: &[i64],
    from: usize,
    n: usize,
    body: Option<&(String, String, String)>,
    tally: &mut Tally,
) -> usize {
    let mut raised = 0;
    let (t0, c0) = (Instant::now(), cpu_secs());
    for i in from..from + n {
        let product = products[i % products.len()];
        let t = Instant::now();
        match body {
            None => {
                raised += orders::place(store, &staff(), buyer, &line(product), "")
                    .await
                    .unwrap()
                    .raised
                    .len();
            }
            Some(body) => bare_order(store, buyer, product, body).await,
        }
        tally.lat.push(t.elapsed());
    }
    tally.add(
        t0.elapsed().as_secs_f64(),
        cpu_secs().zip(c0).map(|(c, c0)| c - c0),
    );
    raised
}

/// The Python peer, kept running between its rounds (see `orders_sqlite_peer.py`).
struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    fn start(db: &Path, body: &Path) -> Option<Peer> {
        let mut child = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/benches/orders_sqlite_peer.py"
            ))
            .arg(db)
            .arg(body)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = BufReader::new(child.stdout.take()?);
        let mut peer = Peer {
            child,
            stdin,
            stdout,
        };
        (peer.line()? == "ready").then_some(peer)
    }

    fn line(&mut self) -> Option<String> {
        let mut l = String::new();
        self.stdout.read_line(&mut l).ok()?;
        Some(l.trim().to_owned())
    }

    /// Runs the peer's next `n` orders; its wall clock and CPU seconds for them.
    fn round(&mut self, n: usize) -> Option<(f64, f64)> {
        writeln!(self.stdin, "{n}").ok()?;
        self.stdin.flush().ok()?;
        let reply = self.line()?;
        let (s, c) = reply.split_once(' ')?;
        Some((s.parse().ok()?, c.parse().ok()?))
    }

    /// Ends the peer; its per-order latencies and the requests it raised.
    fn finish(mut self) -> Option<(Vec<Duration>, u64)> {
        writeln!(self.stdin, "done").ok()?;
        self.stdin.flush().ok()?;
        let v: serde_json::Value = serde_json::from_str(&self.line()?).ok()?;
        let _ = self.child.wait();
        let lat = v["latencies"]
            .as_array()?
            .iter()
            .map(|s| Duration::from_secs_f64(s.as_f64().unwrap_or(0.0)))
            .collect();
        Some((lat, v["raised"].as_u64()?))
    }
}

fn progress(t0: Instant, what: &str) {
    eprintln!("  [{:>5.1} s] {what}", t0.elapsed().as_secs_f64());
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let start = Instant::now();
    // ORDERS_BENCH_DIR=/dev/shm puts the SQLite files in memory: the same run without the disk.
    let dir = match std::env::var_os("ORDERS_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    let trigger_at = (ORDERS / PRODUCTS) as i64 / 2;

    // Three stores seeded alike: the order path's, the bare statements', the peer's.
    let store = Store::open_sqlite(&dir.path().join("portal.db"))
        .await
        .unwrap();
    let (buyer, products) = seed(&store, trigger_at).await;
    let sqlite_version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let bare_store = Store::open_sqlite(&dir.path().join("bare.db"))
        .await
        .unwrap();
    let (bare_buyer, bare_products) = seed(&bare_store, trigger_at).await;
    let peer_db = dir.path().join("peer.db");
    let peer_store = Store::open_sqlite(&peer_db).await.unwrap();
    seed(&peer_store, trigger_at).await;
    peer_store.close().await;
    progress(start, "three SQLite stores seeded");

    // The bare statements and the peer insert the body the order path renders: one order
    // first (not timed) to have it.
    let mut place = Tally::default();
    let mut raised = round(&store, &buyer, &products, 0, 1, None, &mut place).await;
    let body: (String, String, String) = {
        let r = sqlx::query(
            "SELECT subject, body_text, body_html FROM mail_outbox WHERE kind = 'order_confirmation' ORDER BY id LIMIT 1",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    place = Tally::default();
    let body_file = dir.path().join("body.json");
    std::fs::write(
        &body_file,
        serde_json::json!({ "subject": body.0, "text": body.1, "html": body.2 }).to_string(),
    )
    .unwrap();
    let mut peer = Peer::start(&peer_db, &body_file);
    let (mut bare, mut raw) = (Tally::default(), Tally::default());

    // The three runs take turns. The order path's first order was placed above; its runs
    // cover orders 1..=ORDERS so that every run places ORDERS timed orders.
    for r in 0..ORDERS / ROUND {
        raised += round(
            &store,
            &buyer,
            &products,
            1 + r * ROUND,
            ROUND,
            None,
            &mut place,
        )
        .await;
        round(
            &bare_store,
            &bare_buyer,
            &bare_products,
            r * ROUND,
            ROUND,
            Some(&body),
            &mut bare,
        )
        .await;
        if let Some(p) = peer.as_mut() {
            match p.round(ROUND) {
                Some((s, c)) => raw.add(s, Some(c)),
                None => peer = None,
            }
        }
    }
    progress(start, "SQLite runs done");
    assert_eq!(raised, PRODUCTS, "each product raised one request");
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM orders").await,
        ORDERS as i64 + 1
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM mail_outbox").await,
        (ORDERS + 1 + 2 * PRODUCTS) as i64,
        "a confirmation per order, a supplier request and an alert per request"
    );
    let raw = match peer.and_then(Peer::finish) {
        Some((lat, peer_raised)) => {
            assert_eq!(
                peer_raised, PRODUCTS as u64,
                "the peer raised one request per product"
            );
            raw.lat = lat;
            Some(raw.run())
        }
        None => None,
    };
    let (place, bare) = (place.run(), bare.run());
    bare_store.close().await;

    // Where the time goes: the confirmation rendered alone, and one point read through sqlx on
    // one connection (what `enqueue_template`'s settings read and `reorder_check`'s
    // open-request query each add to an order).
    let t = Instant::now();
    for i in 0..PARTS {
        std::hint::black_box(templates::render(&confirmation(i), &Brand::default()).unwrap());
    }
    let render_us = t.elapsed().as_secs_f64() * 1e6 / PARTS as f64;
    let mut conn = store.pool().acquire().await.unwrap();
    let t = Instant::now();
    for _ in 0..PARTS {
        std::hint::black_box(
            portdesk_core::mail::load_settings(&mut *conn)
                .await
                .unwrap(),
        );
    }
    let read_us = t.elapsed().as_secs_f64() * 1e6 / PARTS as f64;
    drop(conn);
    store.close().await;

    println!(
        "order path benchmark: orders of one line (1 unit) over {PRODUCTS} products, each product raising one procurement request"
    );
    Run::header();
    place.print("Portdesk orders::place, SQLite, 1 writer");
    bare.print("same 5 statements via sqlx, body pre-rendered, no reads");
    match &raw {
        Some(r) => r.print("raw SQLite (Python sqlite3), same statements: the limit"),
        None => println!("  raw SQLite peer not run (python3 with sqlite3 >= 3.35 is needed)"),
    }
    println!("  (CPU ms: CPU time per order of this process, all threads; the peer's of its own)");
    println!();
    let verdict = if place.rate() >= 5000.0 {
        "met".to_owned()
    } else {
        format!("MISSED by {:.0}%", (1.0 - place.rate() / 5000.0) * 100.0)
    };
    println!(
        "  target >= 5,000 orders/s, one writer on SQLite: {:.0}/s, {verdict}",
        place.rate()
    );
    if let Some(raw) = &raw {
        println!(
            "  Portdesk : raw SQLite = 1 : {:.1}   (Portdesk reaches {:.0}% of the limit)",
            raw.rate() / place.rate(),
            place.rate() / raw.rate() * 100.0
        );
    }
    println!(
        "  per order (wall): place {:.0} us, the 5 statements via sqlx {:.0} us: the order path's own work {:.0} us",
        place.wall_us(),
        bare.wall_us(),
        place.wall_us() - bare.wall_us()
    );
    println!(
        "    of which, measured alone: rendering the confirmation {render_us:.0} us; one point read via sqlx \
         {read_us:.0} us (place makes 2 more: mail settings, open request)"
    );
    if let Some(raw) = &raw {
        println!(
            "  the 5 statements (wall): raw SQLite {:.0} us, via sqlx {:.0} us (sqlx adds {:.0} us an order)",
            raw.wall_us(),
            bare.wall_us(),
            bare.wall_us() - raw.wall_us()
        );
    }
    if let (Some(p), Some(b), Some(r)) = (
        place.cpu_us(),
        bare.cpu_us(),
        raw.as_ref().and_then(Run::cpu_us),
    ) {
        println!(
            "  CPU per order: place {p:.0} us, the 5 statements via sqlx {b:.0} us, raw SQLite {r:.0} us"
        );
    }
    println!(
        "  confirmation body: text {} B, html {} B; SQLite {sqlite_version} (sqlx), {} (Python); files in {}",
        body.1.len(),
        body.2.len(),
        peer_sqlite_version().unwrap_or_else(|| "?".into()),
        dir.path().parent().unwrap_or(dir.path()).display()
    );

    // Eight writers on PostgreSQL, after the SQLite figures are out.
    println!();
    match std::env::var("PORTDESK_TEST_PG_HOST") {
        Ok(host) => {
            let pg = postgres(host, start).await;
            Run::header();
            pg.print(&format!(
                "Portdesk orders::place, PostgreSQL, {PG_WRITERS} writers"
            ));
        }
        Err(_) => println!(
            "  PostgreSQL, {PG_WRITERS} writers: skipped (PORTDESK_TEST_PG_HOST is not set; eval \"$(scripts/pg-test.sh start DIR)\" first)"
        ),
    }
    progress(start, "done");
}

fn peer_sqlite_version() -> Option<String> {
    let out = Command::new("python3")
        .args(["-c", "import sqlite3; print(sqlite3.sqlite_version)"])
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// [`PG_WRITERS`] writers, each placing every `PG_WRITERS`-th of [`PG_ORDERS`] orders (so
/// at any moment they mostly touch different products).
async fn postgres(host: String, start: Instant) -> Run {
    let settings = pg_fresh_database(host).await;
    let store = Store::open_postgres(&settings, None::<&Secret>, &Default::default())
        .await
        .unwrap();
    let (buyer, products) = seed(&store, (PG_ORDERS / PRODUCTS) as i64 / 2).await;
    progress(start, "PostgreSQL store seeded");
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..PG_WRITERS {
        let (store, buyer, products) = (store.clone(), buyer.clone(), products.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(PG_ORDERS / PG_WRITERS);
            let mut raised = 0;
            for k in (w..PG_ORDERS).step_by(PG_WRITERS) {
                let t = Instant::now();
                let placed = orders::place(
                    &store,
                    &staff(),
                    &buyer,
                    &line(products[k % products.len()]),
                    "",
                )
                .await
                .unwrap();
                lat.push(t.elapsed());
                raised += placed.raised.len();
            }
            (lat, raised)
        }));
    }
    let mut tally = Tally::default();
    let mut raised = 0;
    for t in tasks {
        let (l, r) = t.await.unwrap();
        tally.lat.extend(l);
        raised += r;
    }
    // The client's CPU only would mislead (the server is another process): not shown.
    tally.secs = t0.elapsed().as_secs_f64();
    assert_eq!(raised, PRODUCTS, "each product raised one request");
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM orders").await,
        PG_ORDERS as i64
    );
    store.close().await;
    tally.run()
}
