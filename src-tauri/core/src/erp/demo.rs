//! The bundled demo ERP: a deterministic generator writing a SQLite file of the same shape as
//! the SQL Server views Portdesk reads, and the reader for it. It is the default ERP source,
//! so the app runs on a fresh machine with no server at all.

use super::ErpError;
use portdesk_types::api::ErpCustomer;
use portdesk_types::inventory::InventoryRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use std::path::{Path, PathBuf};

pub const DEFAULT_STOCK_ROWS: usize = 20_000;
pub const DEFAULT_SEED: u64 = 0x5EED_F00D;

const SCHEMA: &str = r#"
-- Names are not unique in real ERPs (two branches, a rename): only the code is a key.
CREATE TABLE customers (code TEXT PRIMARY KEY, name TEXT NOT NULL, city TEXT);
CREATE TABLE parts (part TEXT PRIMARY KEY, description TEXT NOT NULL, unit TEXT NOT NULL, unit_cost REAL);
CREATE TABLE stock (
    id INTEGER PRIMARY KEY,
    customer_code TEXT NOT NULL REFERENCES customers (code),
    part TEXT NOT NULL REFERENCES parts (part),
    bin TEXT NOT NULL,
    lot TEXT,
    on_hand REAL NOT NULL,
    allocated REAL NOT NULL,
    last_received TEXT
);
CREATE INDEX stock_customer ON stock (customer_code, part);
CREATE TABLE sales_history (
    customer_code TEXT NOT NULL REFERENCES customers (code),
    part TEXT NOT NULL REFERENCES parts (part),
    month TEXT NOT NULL,
    quantity REAL NOT NULL,
    revenue REAL NOT NULL,
    PRIMARY KEY (customer_code, part, month)
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub stock_rows: usize,
    pub seed: u64,
    /// The last month of sales history, as (year, month); history covers the 24 months up to it.
    pub last_month: (i32, u32),
    /// Put every stock row on the first customer (load tests of one large account).
    pub one_customer: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        use chrono::Datelike;
        let today = chrono::Utc::now().date_naive();
        DemoOptions {
            stock_rows: DEFAULT_STOCK_ROWS,
            seed: DEFAULT_SEED,
            last_month: (today.year(), today.month()),
            one_customer: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub customers: usize,
    pub parts: usize,
    pub stock_rows: usize,
    pub history_rows: usize,
}

const CITIES: &[&str] = &[
    "Rotterdam",
    "Hamburg",
    "Antwerp",
    "Lyon",
    "Milan",
    "Gdańsk",
    "Leeds",
    "Porto",
    "Malmö",
    "Zürich",
    "Łódź",
    "Brno",
];
const CO_A: &[&str] = &[
    "Northwind",
    "Bluewater",
    "Harbor",
    "Summit",
    "Evergreen",
    "Ironbridge",
    "Redcliff",
    "Silverline",
    "Oakfield",
    "Westgate",
    "Kestrel",
    "Aurora",
    "Granite",
    "Lakeside",
    "Pioneer",
    "Meridian",
];
const CO_B: &[&str] = &[
    "Foods",
    "Trading",
    "Logistics",
    "Retail",
    "Pharma",
    "Tools",
    "Textiles",
    "Beverages",
    "Electronics",
    "Garden",
    "Paper",
    "Cosmetics",
];
const ADJ: &[&str] = &[
    "Steel",
    "Plastic",
    "Organic",
    "Frozen",
    "Large",
    "Small",
    "Premium",
    "Eco",
    "Heavy-duty",
    "Compact",
    "Blue",
    "Red",
    "Dried",
    "Sparkling",
];
const NOUN: &[&str] = &[
    "pallet wrap",
    "carton",
    "bolt M8",
    "olive oil 1L",
    "detergent 5L",
    "gloves",
    "cable tie",
    "water 0.5L",
    "coffee beans",
    "notebook",
    "shampoo",
    "tape",
    "paint 2.5L",
    "rice 5kg",
    "LED bulb",
    "hinge",
];
const UNITS: &[&str] = &["EA", "BOX", "KG", "CS", "PAL", "L"];

fn demo_err(path: &Path, e: impl std::fmt::Display) -> ErpError {
    ErpError::Demo {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Writes a demo ERP to `path` (through a temp file renamed at the end, so a failed or
/// interrupted run never leaves a half-written ERP behind). Same options, same data.
///
/// Generation is CPU-bound: it runs on a blocking thread with a runtime of its own, so it
/// never stalls the app's executor.
pub async fn generate(path: &Path, opts: &DemoOptions) -> Result<DemoSummary, ErpError> {
    let (path, opts) = (path.to_path_buf(), opts.clone());
    tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| demo_err(&path, e))?;
        rt.block_on(generate_here(&path, &opts))
    })
    .await
    .map_err(|e| ErpError::Data(format!("demo ERP generation stopped: {e}")))?
}

async fn generate_here(path: &Path, opts: &DemoOptions) -> Result<DemoSummary, ErpError> {
    let rows = opts.stock_rows.max(1);
    let n_customers = (rows / 500).clamp(8, 200);
    let n_parts = (rows / 10).clamp(100, 20_000);
    let mut rng = fastrand::Rng::with_seed(opts.seed);

    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| demo_err(path, format!("cannot create folder {}: {e}", dir.display())))?;
    }
    let tmp = path.with_extension("db.partial");
    let _ = std::fs::remove_file(&tmp);
    let result = async {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                SqliteConnectOptions::new()
                    .filename(&tmp)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Off)
                    .synchronous(SqliteSynchronous::Off),
            )
            .await?;
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(SCHEMA).execute(&mut *tx).await?;

        let customers: Vec<(String, String, Option<&str>)> = (0..n_customers)
            .map(|i| {
                let name = format!(
                    "{} {}",
                    CO_A[i % CO_A.len()],
                    CO_B[(i / CO_A.len() + i) % CO_B.len()]
                );
                let name = if i >= CO_A.len() * CO_B.len() {
                    format!("{name} {}", i)
                } else {
                    name
                };
                // Every 7th customer has no city: the NULL case is part of the shape.
                let city = if i % 7 == 3 {
                    None
                } else {
                    Some(CITIES[i % CITIES.len()])
                };
                (format!("C{:05}", 10_000 + i), name, city)
            })
            .collect();
        for chunk in customers.chunks(300) {
            let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO customers (code, name, city) ");
            q.push_values(chunk, |mut b, c| {
                b.push_bind(&c.0).push_bind(&c.1).push_bind(c.2);
            });
            q.build().execute(&mut *tx).await?;
        }

        let parts: Vec<(String, String, &str, f64)> = (0..n_parts)
            .map(|i| {
                let desc = format!(
                    "{} {}",
                    ADJ[rng.usize(..ADJ.len())],
                    NOUN[rng.usize(..NOUN.len())]
                );
                let cost = (rng.f64() * 200.0 * 100.0).round() / 100.0 + 0.05;
                (
                    format!("P-{:06}", 100_000 + i),
                    desc,
                    UNITS[rng.usize(..UNITS.len())],
                    cost,
                )
            })
            .collect();
        for chunk in parts.chunks(500) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO parts (part, description, unit, unit_cost) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(&p.0)
                    .push_bind(&p.1)
                    .push_bind(p.2)
                    .push_bind(p.3);
            });
            q.build().execute(&mut *tx).await?;
        }

        // Skewed towards the first customers, as real warehouses have a few large accounts.
        let (ly, lm) = opts.last_month;
        let mut batch = Vec::with_capacity(1000);
        for _ in 0..rows {
            let u = rng.f64();
            let c = if opts.one_customer {
                0
            } else {
                ((u * u) * n_customers as f64) as usize
            };
            let p = rng.usize(..n_parts);
            let on_hand = if parts[p].2 == "KG" || parts[p].2 == "L" {
                (rng.f64() * 5000.0 * 100.0).round() / 100.0
            } else {
                rng.u32(0..5000) as f64
            };
            let allocated = (on_hand * rng.f64() * 0.6).floor();
            let bin = format!(
                "{}-{:02}-{:02}",
                (b'A' + rng.u8(0..8)) as char,
                rng.u8(1..41),
                rng.u8(1..7)
            );
            let lot = if rng.u8(0..10) == 0 {
                None
            } else {
                Some(format!(
                    "L{:02}{:02}-{:04}",
                    ly % 100,
                    rng.u8(1..13),
                    rng.u16(0..10_000)
                ))
            };
            let received = if rng.u8(0..20) == 0 {
                None
            } else {
                let back = rng.i64(0..730);
                let d = chrono::NaiveDate::from_ymd_opt(ly, lm, 1).unwrap_or_default()
                    - chrono::Duration::days(back);
                Some(d.format("%Y-%m-%d").to_string())
            };
            batch.push((c, p, bin, lot, on_hand, allocated, received));
            if batch.len() == 1000 {
                insert_stock(&mut tx, &batch, &customers, &parts).await?;
                batch.clear();
            }
        }
        if !batch.is_empty() {
            insert_stock(&mut tx, &batch, &customers, &parts).await?;
        }

        // 24 months of history for up to 25 parts per customer.
        let mut history = Vec::new();
        for (ci, c) in customers.iter().enumerate() {
            let mut seen = std::collections::BTreeSet::new();
            for k in 0..25.min(n_parts) {
                let p = (ci * 37 + k * 101 + rng.usize(..n_parts)) % n_parts;
                if !seen.insert(p) {
                    continue;
                }
                let base = rng.f64() * 400.0 + 10.0;
                for m in 0..24 {
                    let total = ly * 12 + lm as i32 - 1 - m;
                    let month = format!("{:04}-{:02}", total / 12, total % 12 + 1);
                    let season =
                        1.0 + 0.3 * ((total % 12) as f64 / 12.0 * std::f64::consts::TAU).sin();
                    let qty = (base * season * (0.7 + rng.f64() * 0.6)).round();
                    history.push((
                        c.0.clone(),
                        parts[p].0.clone(),
                        month,
                        qty,
                        (qty * parts[p].3 * 1.3 * 100.0).round() / 100.0,
                    ));
                }
            }
        }
        for chunk in history.chunks(1000) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO sales_history (customer_code, part, month, quantity, revenue) ",
            );
            q.push_values(chunk, |mut b, h| {
                b.push_bind(&h.0)
                    .push_bind(&h.1)
                    .push_bind(&h.2)
                    .push_bind(h.3)
                    .push_bind(h.4);
            });
            q.build().execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO meta (key, value) VALUES ('seed', ?1), ('stock_rows', ?2)")
            .bind(opts.seed.to_string())
            .bind(rows.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        pool.close().await;
        Ok::<_, sqlx::Error>(DemoSummary {
            customers: n_customers,
            parts: n_parts,
            stock_rows: rows,
            history_rows: history.len(),
        })
    }
    .await;
    match result {
        Ok(summary) => {
            std::fs::rename(&tmp, path).map_err(|e| demo_err(path, e))?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(demo_err(path, e))
        }
    }
}

type StockRow = (
    usize,
    usize,
    String,
    Option<String>,
    f64,
    f64,
    Option<String>,
);

async fn insert_stock(
    tx: &mut sqlx::SqliteConnection,
    batch: &[StockRow],
    customers: &[(String, String, Option<&str>)],
    parts: &[(String, String, &str, f64)],
) -> Result<(), sqlx::Error> {
    let mut q = QueryBuilder::<Sqlite>::new(
        "INSERT INTO stock (customer_code, part, bin, lot, on_hand, allocated, last_received) ",
    );
    q.push_values(batch, |mut b, r| {
        b.push_bind(&customers[r.0].0)
            .push_bind(&parts[r.1].0)
            .push_bind(&r.2)
            .push_bind(&r.3)
            .push_bind(r.4)
            .push_bind(r.5)
            .push_bind(&r.6);
    });
    q.build().execute(tx).await?;
    Ok(())
}

/// Reads a demo ERP file (read-only).
pub struct DemoErp {
    path: PathBuf,
    pool: SqlitePool,
}

impl DemoErp {
    pub async fn open_or_generate(path: &Path) -> Result<DemoErp, ErpError> {
        if !path.exists() {
            tracing::info!(path = %path.display(), "generating the demo ERP");
            generate(path, &DemoOptions::default()).await?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(SqliteConnectOptions::new().filename(path).read_only(true))
            .await
            .map_err(|e| demo_err(path, e))?;
        Ok(DemoErp {
            path: path.to_path_buf(),
            pool,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn customers(&self, search: Option<&str>) -> Result<Vec<ErpCustomer>, ErpError> {
        let pattern = like_contains(search.unwrap_or_default());
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT code, name, city FROM customers WHERE name LIKE ?1 ESCAPE '\\' OR code LIKE ?1 ESCAPE '\\' ORDER BY name",
        )
        .bind(pattern)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| demo_err(&self.path, e))?;
        Ok(rows
            .into_iter()
            .map(|(code, name, city)| ErpCustomer { code, name, city })
            .collect())
    }

    pub async fn customer(&self, code: &str) -> Result<Option<ErpCustomer>, ErpError> {
        let row: Option<(String, String, Option<String>)> =
            sqlx::query_as("SELECT code, name, city FROM customers WHERE code = ?1")
                .bind(code)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| demo_err(&self.path, e))?;
        Ok(row.map(|(code, name, city)| ErpCustomer { code, name, city }))
    }
}

const INVENTORY_SQL: &str = "SELECT s.part, p.description, s.bin, s.lot, s.on_hand, s.allocated, p.unit, s.last_received, \
     round(s.on_hand * p.unit_cost, 2) \
     FROM stock s JOIN parts p ON p.part = s.part \
     WHERE s.customer_code = ?1 ORDER BY s.id";

type RawStock = (
    String,
    String,
    String,
    Option<String>,
    f64,
    f64,
    String,
    Option<String>,
    Option<f64>,
);

fn stock_row(
    (part, description, bin, lot, on_hand, allocated, unit, last_received, value): RawStock,
) -> InventoryRow {
    InventoryRow {
        part,
        description,
        bin,
        lot,
        on_hand: Some(on_hand),
        allocated: Some(allocated),
        available: Some(on_hand - allocated),
        unit,
        last_received,
        value,
    }
}

/// See [`DemoErp::inventory_chunks`]; a closed `sink` (the refresh was dropped) stops it.
fn read_chunks(
    path: &Path,
    code: &str,
    sink: &tokio::sync::mpsc::Sender<Vec<InventoryRow>>,
) -> Result<u64, ErpError> {
    let err = |e: rusqlite::Error| demo_err(path, e);
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(err)?;
    let mut stmt = conn.prepare(INVENTORY_SQL).map_err(err)?;
    let mut rows = stmt.query([code]).map_err(err)?;
    let (mut n, mut chunk) = (0u64, Vec::with_capacity(super::CHUNK_ROWS));
    while let Some(r) = rows.next().map_err(err)? {
        let raw: RawStock = (|| {
            Ok::<_, rusqlite::Error>((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })()
        .map_err(err)?;
        chunk.push(stock_row(raw));
        n += 1;
        if chunk.len() == super::CHUNK_ROWS {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(super::CHUNK_ROWS));
            if sink.blocking_send(full).is_err() {
                return Ok(n);
            }
        }
    }
    if !chunk.is_empty() {
        let _ = sink.blocking_send(chunk);
    }
    Ok(n)
}

impl DemoErp {
    /// The customer's stock (by code) streamed in chunks of [`super::CHUNK_ROWS`], read on a
    /// blocking thread with a read-only connection of its own (rusqlite): the demo ERP stands
    /// in for a server, and sqlx's hand-off of every row to and from its worker thread cost
    /// ~5 µs a row, most of a 1M-row refresh (6.8 s).
    pub async fn inventory_chunks(
        &self,
        code: &str,
        sink: &tokio::sync::mpsc::Sender<Vec<InventoryRow>>,
    ) -> Result<u64, ErpError> {
        let (path, code, sink) = (self.path.clone(), code.to_owned(), sink.clone());
        tokio::task::spawn_blocking(move || read_chunks(&path, &code, &sink))
            .await
            .map_err(|e| demo_err(&self.path, e))?
    }

    /// The stock of one ERP customer (by code), as the SQL Server view would return it.
    pub async fn sales_history(&self, code: &str) -> Result<Vec<super::SalesRow>, ErpError> {
        let rows: Vec<(String, String, String, f64)> = sqlx::query_as(
            "SELECT h.part, p.description, h.month, h.quantity FROM sales_history h JOIN parts p ON p.part = h.part \
             WHERE h.customer_code = ?1 ORDER BY h.part, h.month",
        )
        .bind(code)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| demo_err(&self.path, e))?;
        Ok(rows
            .into_iter()
            .map(|(part, description, month, quantity)| super::SalesRow {
                part,
                description,
                month,
                quantity,
            })
            .collect())
    }

    pub async fn inventory(&self, code: &str) -> Result<Vec<InventoryRow>, ErpError> {
        let rows: Vec<RawStock> = sqlx::query_as(INVENTORY_SQL)
            .bind(code)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| demo_err(&self.path, e))?;
        Ok(rows.into_iter().map(stock_row).collect())
    }
}

/// A LIKE pattern matching `s` anywhere, with `%`, `_` and `\` taken literally.
pub fn like_contains(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    for ch in s.trim().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    type StockDump = (
        String,
        String,
        String,
        Option<String>,
        f64,
        f64,
        Option<String>,
    );

    fn opts(rows: usize) -> DemoOptions {
        DemoOptions {
            stock_rows: rows,
            seed: 7,
            last_month: (2026, 10),
            one_customer: false,
        }
    }

    #[tokio::test]
    async fn generator_is_deterministic_and_complete() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
        let sa = generate(&a, &opts(3_000)).await.unwrap();
        let sb = generate(&b, &opts(3_000)).await.unwrap();
        assert_eq!(sa, sb);
        assert_eq!(sa.stock_rows, 3_000);
        assert!(!dir.path().join("a.db.partial").exists());

        let (ea, eb) = (
            DemoErp::open_or_generate(&a).await.unwrap(),
            DemoErp::open_or_generate(&b).await.unwrap(),
        );
        let dump = |e: &DemoErp| {
            let pool = e.pool().clone();
            async move {
                let rows: Vec<StockDump> = sqlx::query_as(
                    "SELECT customer_code, part, bin, lot, on_hand, allocated, last_received FROM stock ORDER BY id",
                )
                .fetch_all(&pool)
                .await
                .unwrap();
                rows
            }
        };
        let (ra, rb) = (dump(&ea).await, dump(&eb).await);
        assert_eq!(ra.len(), 3_000);
        assert_eq!(ra, rb, "same seed, same rows");
        assert!(
            ra.iter().all(|r| r.5 <= r.4),
            "allocated never exceeds on hand"
        );
        assert!(
            ra.iter().any(|r| r.3.is_none()) && ra.iter().any(|r| r.6.is_none()),
            "NULL lots and dates occur"
        );

        let months: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT month FROM sales_history ORDER BY month")
                .fetch_all(ea.pool())
                .await
                .unwrap();
        assert_eq!(months.len(), 24);
        assert_eq!(months.first().unwrap().0, "2024-11");
        assert_eq!(months.last().unwrap().0, "2026-10");
    }

    #[tokio::test]
    async fn customer_search_is_literal_and_case_insensitive() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("erp.db");
        generate(&p, &opts(1_000)).await.unwrap();
        let erp = DemoErp::open_or_generate(&p).await.unwrap();
        let all = erp.customers(None).await.unwrap();
        assert_eq!(all.len(), 8);
        assert!(all.iter().any(|c| c.city.is_none()));
        let hits = erp.customers(Some("northwind")).await.unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].name, "Northwind Foods");
        assert!(
            erp.customers(Some("%")).await.unwrap().is_empty(),
            "% is a literal, not a wildcard"
        );
        assert!(
            erp.customers(Some("'; DROP TABLE customers; --"))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(erp.customers(None).await.unwrap().len(), 8, "still there");
    }
}
