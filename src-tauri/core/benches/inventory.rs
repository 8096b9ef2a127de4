//! Inventory benchmark (not a test): the demo ERP with 100,000 and then 1,000,000 stock rows
//! for one customer, in one run, so the growth with an account's size is visible. For each
//! size: refresh into the cache; the first query after reopening (the copy read from SQLite);
//! filter + sort + first page (p50 / p95 over a mix) answered by Portdesk (the in-memory copy)
//! and, taking turns with it, by raw SQLite: the SQL path's two statements (count and totals,
//! then the page) through sqlx on one plain connection, nothing of Portdesk around them, on the
//! cache file and on a copy with the two filter indexes of the old schema; the .xlsx export with
//! its extra memory; and `benches/openpyxl_peer.py`, the Python peer, on the same rows.
//! Run: `cargo bench -p portdesk-core --bench inventory`. `BENCH_SIZES=100000` runs one size;
//! `BENCH_DETAIL=1` prints each filter's p50 and first time. About 4-5 minutes on 2 cores, of
//! which openpyxl at 1M rows takes about 1.5.

use portdesk_core::erp::Erp;
use portdesk_core::erp::demo::{self, DemoErp, DemoOptions};
use portdesk_core::inventory::{self, InventoryCache};
use portdesk_types::inventory::{InventoryFilter, InventorySort};
use sqlx::Connection;
use std::path::Path;
use std::time::{Duration, Instant};

/// The ERP customer code of the demo ERP's first customer (Northwind Foods).
const CUSTOMER: &str = "C10000";
const ROUNDS: usize = 5;

fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time of the whole process so far (user + system, all threads; 10 ms ticks).
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    Duration::from_millis(f.iter().sum::<u64>() * 10)
}

/// Resets the peak RSS to the current RSS (Linux), so a later peak is that step's alone.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A mix of what people do: no filter, prefixes, free text, each sorted a few ways.
fn filter_mix() -> Vec<InventoryFilter> {
    let base = InventoryFilter {
        customer_code: Some(CUSTOMER.into()),
        ..Default::default()
    };
    let mut filters = Vec::new();
    for sort in [
        InventorySort::Part,
        InventorySort::OnHand,
        InventorySort::Description,
        InventorySort::LastReceived,
    ] {
        for descending in [false, true] {
            let f = InventoryFilter {
                sort,
                descending,
                ..base.clone()
            };
            filters.push(f.clone());
            filters.push(InventoryFilter {
                part_prefix: "p-1012".into(),
                ..f.clone()
            });
            filters.push(InventoryFilter {
                bin_prefix: "c-1".into(),
                ..f.clone()
            });
            filters.push(InventoryFilter {
                text: "pallet".into(),
                ..f.clone()
            });
            filters.push(InventoryFilter {
                text: "l2607".into(),
                bin_prefix: "a".into(),
                ..f.clone()
            });
        }
    }
    filters
}

struct Figures {
    rows: usize,
    generate: Duration,
    refresh: Duration,
    refresh_cpu: Duration,
    read_alone: Duration,
    write_alone: Duration,
    read_cpu: Duration,
    write_cpu: Duration,
    copy_mb: f64,
    memory: Vec<Duration>,
    memory_max: Duration,
    raw: Vec<Duration>,
    indexed: Vec<Duration>,
    index_build: Duration,
    reopen_first: Duration,
    export: Duration,
    export_extra_mb: f64,
    peak_rss_mb: f64,
    openpyxl: Option<Duration>,
}

async fn run(rows: usize, dir: &Path) -> Figures {
    let erp_path = dir.join(format!("demo-erp-{rows}.db"));
    let opts = DemoOptions {
        stock_rows: rows,
        seed: 42,
        last_month: (2026, 10),
        one_customer: true,
    };
    let t = Instant::now();
    demo::generate(&erp_path, &opts).await.unwrap();
    let generate = t.elapsed();
    let erp = DemoErp::open_or_generate(&erp_path).await.unwrap();
    let cache_path = dir.join(format!("cache-{rows}.db"));
    let cache = InventoryCache::open(&cache_path).await.unwrap();

    // The parts alone, for the record: the ERP read, then the cache write.
    let (t, c) = (Instant::now(), cpu());
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let drain = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Some(chunk) = rx.recv().await {
            all.extend(chunk);
        }
        all
    });
    erp.inventory_chunks(CUSTOMER, &tx).await.unwrap();
    drop(tx);
    let all = drain.await.unwrap();
    let (read_alone, read_cpu) = (t.elapsed(), cpu() - c);
    let (t, c) = (Instant::now(), cpu());
    cache
        .store_snapshot(CUSTOMER, "Northwind Foods", &all, 0)
        .await
        .unwrap();
    let (write_alone, write_cpu) = (t.elapsed(), cpu() - c);
    drop(all);

    // What the app does: read and write at once, one transaction (best of 3; 2 at 1M).
    let erp = Erp::Demo(erp);
    let mut refresh = Vec::new();
    let mut refresh_cpu = Duration::MAX;
    for _ in 0..if rows > 200_000 { 2 } else { 3 } {
        let c = cpu();
        let t = Instant::now();
        let cancel = tokio_util::sync::CancellationToken::new();
        let n = cache
            .refresh_from(&erp, CUSTOMER, "Northwind Foods", 0, &cancel, &|_| {})
            .await
            .unwrap();
        refresh.push(t.elapsed());
        refresh_cpu = refresh_cpu.min(cpu() - c);
        assert_eq!(n as usize, rows);
    }
    let copy_mb = cache.memory_bytes() as f64 / 1048576.0;

    // After a restart: the first query reads the snapshot from SQLite into memory.
    cache.close().await;
    // The peer on the old schema: a copy of the file with the two filter indexes the SQL path
    // had until the copy in memory made them pure refresh cost.
    let indexed_path = dir.join(format!("cache-{rows}-indexed.db"));
    std::fs::copy(&cache_path, &indexed_path).unwrap();
    let t = Instant::now();
    let mut c = raw_connection(&indexed_path, false).await;
    sqlx::raw_sql(
        "CREATE INDEX stock_part ON stock (customer, part_lc); \
         CREATE INDEX stock_bin ON stock (customer, bin_lc);",
    )
    .execute(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let index_build = t.elapsed();
    let cache = InventoryCache::open(&cache_path).await.unwrap();
    let filters = filter_mix();
    let t = Instant::now();
    std::hint::black_box(cache.query(CUSTOMER, &filters[0], 0, 200).await.unwrap());
    let reopen_first = t.elapsed();

    // The three answers take turns, so a busy neighbour slows them alike.
    let mut raw_conn = raw_connection(&cache_path, true).await;
    let mut indexed_conn = raw_connection(&indexed_path, true).await;
    let (mut memory, mut raw, mut indexed) = (Vec::new(), Vec::new(), Vec::new());
    let mut per_filter = vec![Vec::new(); filters.len()];
    for round in 0..ROUNDS {
        for (i, f) in filters.iter().enumerate() {
            let t = Instant::now();
            let page = cache.query(CUSTOMER, f, 0, 200).await.unwrap();
            let took = t.elapsed();
            memory.push(took);
            per_filter[i].push(took);
            for (conn, times) in [(&mut raw_conn, &mut raw), (&mut indexed_conn, &mut indexed)] {
                let t = Instant::now();
                let (count, n) = inventory::raw_sqlite_query(conn, CUSTOMER, f, 0, 200)
                    .await
                    .unwrap();
                times.push(t.elapsed());
                assert_eq!((page.total, page.rows.len()), (count as u64, n), "{f:?}");
            }
            if round == 0 {
                // The same rows as the SQL path, in the same order (not timed).
                let by_sql = cache.query_sql(CUSTOMER, f, 0, 200).await.unwrap();
                assert_eq!(page.rows, by_sql.rows, "{f:?}");
                assert_eq!(page.total, by_sql.total, "{f:?}");
            }
        }
    }
    raw_conn.close().await.unwrap();
    indexed_conn.close().await.unwrap();
    let _ = std::fs::remove_file(&indexed_path);
    if std::env::var_os("BENCH_DETAIL").is_some() {
        for (f, t) in filters.iter().zip(&per_filter) {
            println!(
                "    {:>6.1} ms (first {:>6.1})  sort {:?}{} part {:?} bin {:?} text {:?}",
                pct(t.clone(), 0.5),
                ms(t[0]),
                f.sort,
                if f.descending { " desc" } else { "" },
                f.part_prefix,
                f.bin_prefix,
                f.text
            );
        }
    }
    let memory_max = *memory.iter().max().unwrap();

    let out = dir.join(format!("inventory-{rows}.xlsx"));
    let base = &filters[0];
    let peak_before = status_mb("VmHWM:");
    reset_peak();
    let rss_before = status_mb("VmRSS:");
    let t = Instant::now();
    let exported = cache
        .export_xlsx(CUSTOMER, base, Some(0), &out)
        .await
        .unwrap();
    let export = t.elapsed();
    let export_extra_mb = status_mb("VmHWM:") - rss_before;
    assert_eq!(exported as usize, rows);
    let _ = std::fs::remove_file(&out);

    let openpyxl = openpyxl(&cache, dir).await;
    cache.close().await;
    let _ = std::fs::remove_file(&erp_path);
    Figures {
        rows,
        generate,
        refresh: *refresh.iter().min().unwrap(),
        refresh_cpu,
        read_alone,
        write_alone,
        read_cpu,
        write_cpu,
        copy_mb,
        memory,
        memory_max,
        raw,
        indexed,
        index_build,
        reopen_first,
        export,
        export_extra_mb,
        peak_rss_mb: peak_before.max(status_mb("VmHWM:")),
        openpyxl,
    }
}

/// A connection of its own to a cache file, with the cache's page cache (so the peer reads no
/// more from disk than Portdesk).
async fn raw_connection(path: &Path, read_only: bool) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .read_only(read_only)
            .pragma("cache_size", "-65536"),
    )
    .await
    .unwrap()
}

/// The Python peer on the same rows (written as CSV first, not timed).
async fn openpyxl(cache: &InventoryCache, dir: &Path) -> Option<Duration> {
    let csv = dir.join("rows.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    let base = InventoryFilter {
        customer_code: Some(CUSTOMER.into()),
        ..Default::default()
    };
    cache
        .for_each(CUSTOMER, &base, |r| {
            use std::io::Write;
            writeln!(
                w,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.part,
                r.description,
                r.bin,
                r.lot.unwrap_or_default(),
                r.on_hand.unwrap_or_default(),
                r.allocated.unwrap_or_default(),
                r.available.unwrap_or_default(),
                r.unit,
                r.last_received.unwrap_or_default(),
                r.value.unwrap_or_default()
            )
            .unwrap();
            Ok(())
        })
        .await
        .unwrap();
    drop(w);
    let peer = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../benches/openpyxl_peer.py"
        ))
        .arg(&csv)
        .output();
    let _ = std::fs::remove_file(&csv);
    peer.ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .map(Duration::from_secs_f64)
}

fn report(f: &Figures) {
    let big = f.rows > 200_000;
    let (refresh_target, p95_target) = if big {
        (10_000.0, 50.0)
    } else {
        (1000.0, 30.0)
    };
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "inventory benchmark: {} rows for one customer (demo ERP generated in {:.1} s)",
        f.rows,
        f.generate.as_secs_f64()
    );
    let refresh = ms(f.refresh);
    println!(
        "  refresh (ERP read streamed into the cache and the in-memory copy), best: {refresh:.0} ms, CPU {:.0} ms   (target < {refresh_target:.0} ms: {}); alone: read {:.0} ms (CPU {:.0}), write {:.0} ms (CPU {:.0}); copy in memory {:.0} MB",
        ms(f.refresh_cpu),
        met(refresh < refresh_target),
        ms(f.read_alone),
        ms(f.read_cpu),
        ms(f.write_alone),
        ms(f.write_cpu),
        f.copy_mb
    );
    let p95 = pct(f.memory.clone(), 0.95);
    println!(
        "  filter + sort + first 200 rows, {} queries: Portdesk p50 {:.1} ms, p95 {p95:.1} ms, max {:.1} ms   (target p95 < {p95_target:.0} ms: {})",
        f.memory.len(),
        pct(f.memory.clone(), 0.5),
        ms(f.memory_max),
        met(p95 < p95_target)
    );
    println!(
        "      raw SQLite, the same SQL (count, then page) on one plain connection: this schema p50 {:.1} ms, p95 {:.1} ms; old schema (+2 filter indexes, built in {:.0} ms) p50 {:.1} ms, p95 {:.1} ms",
        pct(f.raw.clone(), 0.5),
        pct(f.raw.clone(), 0.95),
        ms(f.index_build),
        pct(f.indexed.clone(), 0.5),
        pct(f.indexed.clone(), 0.95)
    );
    println!(
        "  first query after reopening the cache (reads the copy from SQLite): {:.0} ms",
        ms(f.reopen_first)
    );
    println!(
        "  export {} rows to .xlsx: {:.0} ms; extra memory (peak RSS above the RSS before) {:.1} MB; process peak {:.0} MB",
        f.rows,
        ms(f.export),
        f.export_extra_mb,
        f.peak_rss_mb
    );
    match f.openpyxl {
        Some(s) => println!(
            "  openpyxl (write-only) on the same rows: {:.0} ms; Portdesk is {:.1}x faster   (target >= 10x)",
            ms(s),
            s.as_secs_f64() / f.export.as_secs_f64()
        ),
        None => println!("  openpyxl peer not run (python3 -m pip install openpyxl)"),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    for rows in sizes {
        let f = run(rows, dir.path()).await;
        report(&f);
    }
    println!("whole run: {:.0} s", started.elapsed().as_secs_f64());
}
