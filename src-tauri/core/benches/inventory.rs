//! Inventory benchmark (not a test): the demo ERP with 100,000 stock rows for one customer.
//! Measures refresh into the cache, filter + sort + first page (p50 / p95 over a mix), and
//! the .xlsx export, plus peak memory. Run: `cargo bench -p portdesk-core --bench inventory`.
//! `benches/openpyxl_peer.py` times the Python peer on the same rows for the ratio.

use portdesk_core::erp::Erp;
use portdesk_core::erp::demo::{self, DemoErp, DemoOptions};
use portdesk_core::inventory::InventoryCache;
use portdesk_types::inventory::{InventoryFilter, InventorySort};
use std::time::{Duration, Instant};

const ROWS: usize = 100_000;
/// The ERP customer code of the demo ERP's first customer (Northwind Foods).
const CUSTOMER: &str = "C10000";

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let erp_path = dir.path().join("demo-erp.db");
    let opts = DemoOptions {
        stock_rows: ROWS,
        seed: 42,
        last_month: (2026, 10),
        one_customer: true,
    };
    demo::generate(&erp_path, &opts).await.unwrap();
    let erp = DemoErp::open_or_generate(&erp_path).await.unwrap();
    let cache = InventoryCache::open(&dir.path().join("cache.db"))
        .await
        .unwrap();

    // Refresh = read from the ERP + replace the snapshot in the cache (best of 3).
    let mut refresh = Vec::new();
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    let mut rows_n = 0;
    for _ in 0..3 {
        // The parts alone, for the record: the ERP read, then the cache write.
        let t = Instant::now();
        let rows = erp.inventory(CUSTOMER).await.unwrap();
        reads.push(t.elapsed());
        let t = Instant::now();
        cache
            .store_snapshot(CUSTOMER, "Northwind Foods", &rows, 0)
            .await
            .unwrap();
        writes.push(t.elapsed());
    }
    let erp = Erp::Demo(erp);
    for _ in 0..3 {
        // What the app does: read and write at once, one transaction.
        let t = Instant::now();
        let cancel = tokio_util::sync::CancellationToken::new();
        rows_n = cache
            .refresh_from(&erp, CUSTOMER, "Northwind Foods", 0, &cancel, &|_| {})
            .await
            .unwrap() as usize;
        refresh.push(t.elapsed());
    }
    assert_eq!(rows_n, ROWS);

    // A mix of what people do: no filter, prefixes, free text, each sorted a few ways.
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
        for desc in [false, true] {
            filters.push(InventoryFilter {
                sort,
                descending: desc,
                ..base.clone()
            });
            filters.push(InventoryFilter {
                part_prefix: "p-1012".into(),
                sort,
                descending: desc,
                ..base.clone()
            });
            filters.push(InventoryFilter {
                bin_prefix: "c-1".into(),
                sort,
                descending: desc,
                ..base.clone()
            });
            filters.push(InventoryFilter {
                text: "pallet".into(),
                sort,
                descending: desc,
                ..base.clone()
            });
            filters.push(InventoryFilter {
                text: "l2607".into(),
                bin_prefix: "a".into(),
                sort,
                descending: desc,
                ..base.clone()
            });
        }
    }
    let mut times = Vec::new();
    let mut per_filter = vec![Vec::new(); filters.len()];
    for _round in 0..5 {
        for (i, f) in filters.iter().enumerate() {
            let t = Instant::now();
            let page = cache.query(CUSTOMER, f, 0, 200).await.unwrap();
            times.push(t.elapsed());
            per_filter[i].push(t.elapsed());
            std::hint::black_box(page);
        }
    }
    if std::env::var_os("BENCH_DETAIL").is_some() {
        for (f, t) in filters.iter().zip(&per_filter) {
            println!(
                "    {:>6.1} ms  sort {:?}{} part {:?} bin {:?} text {:?}",
                pct(t.clone(), 0.5),
                f.sort,
                if f.descending { " desc" } else { "" },
                f.part_prefix,
                f.bin_prefix,
                f.text
            );
        }
    }

    let out = dir.path().join("inventory.xlsx");
    let rss_before = peak_rss_mb();
    let t = Instant::now();
    let exported = cache
        .export_xlsx(CUSTOMER, &base, Some(0), &out)
        .await
        .unwrap();
    let export = t.elapsed();
    assert_eq!(exported as usize, ROWS);

    // The rows for the Python peer, as CSV (not timed).
    let csv = dir.path().join("rows.csv");
    let mut w = String::with_capacity(ROWS * 100);
    cache
        .for_each(CUSTOMER, &base, |r| {
            w.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
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
            ));
            Ok(())
        })
        .await
        .unwrap();
    std::fs::write(&csv, w).unwrap();
    let peer = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../benches/openpyxl_peer.py"
        ))
        .arg(&csv)
        .output();
    let peer_s: Option<f64> = peer
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok());

    let best_refresh = refresh.iter().min().unwrap().as_secs_f64() * 1000.0;
    println!("inventory benchmark: {ROWS} rows for one customer");
    println!(
        "  refresh (ERP read streamed into the cache snapshot), best of 3: {best_refresh:.0} ms   (target < 1000 ms); alone: read {:.0} ms, write {:.0} ms",
        reads.iter().min().unwrap().as_secs_f64() * 1000.0,
        writes.iter().min().unwrap().as_secs_f64() * 1000.0
    );
    println!(
        "  filter + sort + first 200 rows over {} queries: p50 {:.1} ms, p95 {:.1} ms   (target p95 < 30 ms)",
        times.len(),
        pct(times.clone(), 0.5),
        pct(times, 0.95)
    );
    println!(
        "  export {ROWS} rows to .xlsx: {:.0} ms   (target < 1000 ms); peak RSS {:.0} MB before, {:.0} MB after",
        export.as_secs_f64() * 1000.0,
        rss_before,
        peak_rss_mb()
    );
    match peer_s {
        Some(s) => println!(
            "  openpyxl (write-only) on the same rows: {:.0} ms; Portdesk is {:.1}x faster   (target >= 10x)",
            s * 1000.0,
            s / export.as_secs_f64()
        ),
        None => println!("  openpyxl peer not run (python3 -m pip install openpyxl)"),
    }
}
