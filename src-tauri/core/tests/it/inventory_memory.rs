//! The inventory's in-memory copy against SQLite, on real cache files: the same rows, order,
//! counts and totals as the SQL path for many filters and sorts over awkward data; one
//! customer's copy never answers for another; a snapshot is seen whole, before or after.

use portdesk_core::inventory::InventoryCache;
use portdesk_types::inventory::*;

const A: &str = "C10000";
const B: &str = "C10001";

/// Rows with what makes comparisons differ: case, non-ASCII letters (which SQLite's NOCASE
/// does not fold), NUL bytes, the search separator, empty and missing values, -0 and +0,
/// and many equal keys so the tie-break shows.
fn awkward_rows(n: usize, seed: u64) -> Vec<InventoryRow> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let words = [
        "pallet",
        "Pallet",
        "PALLET",
        "Étagère",
        "étagère",
        "straße",
        "STRASSE",
        "ΟΔΟΣ",
        "οδος",
        "a\0z",
        "a\0b",
        "x\u{1f}y",
        "",
        "_under",
        "100%",
        "z",
        "Zz",
        "Ω",
        "łódź",
        "倉庫",
    ];
    let pick = |rng: &mut fastrand::Rng| words[rng.usize(..words.len())];
    let num = |rng: &mut fastrand::Rng| match rng.u8(0..12) {
        0 => None,
        1 => Some(-0.0),
        2 => Some(0.0),
        3 => Some(f64::NAN),
        4 => Some(rng.f64() * 1e6 - 5e5),
        _ => Some(rng.u8(0..5) as f64),
    };
    (0..n)
        .map(|_| InventoryRow {
            part: format!("{}-{}", pick(&mut rng), rng.u8(0..30)),
            description: format!("{} {}", pick(&mut rng), pick(&mut rng)),
            bin: format!(
                "{}-{:02}",
                ["A", "a", "B", "Ä", "ä", "c"][rng.usize(..6)],
                rng.u8(0..20)
            ),
            lot: match rng.u8(0..4) {
                0 => None,
                1 => Some(String::new()),
                _ => Some(pick(&mut rng).to_owned()),
            },
            on_hand: num(&mut rng),
            allocated: num(&mut rng),
            available: num(&mut rng),
            unit: ["EA", "ea", "KG", "Σ", ""][rng.usize(..5)].to_owned(),
            last_received: match rng.u8(0..4) {
                0 => None,
                1 => Some(String::new()),
                _ => Some(format!("2026-{:02}-{:02}", rng.u8(1..13), rng.u8(1..29))),
            },
            value: num(&mut rng),
        })
        .collect()
}

fn filters() -> Vec<InventoryFilter> {
    let mut out = Vec::new();
    let combos: [(&str, &str, &str); 16] = [
        ("", "", ""),
        ("pallet", "", ""),
        ("PALLET-1", "", ""),
        ("é", "", ""),
        ("", "a", ""),
        ("", "Ä-0", ""),
        ("", "", "pallet"),
        ("", "", "straße"),
        ("", "", "\u{1f}"),
        ("", "", "z\u{1f}"),
        ("", "", "\0"),
        ("", "", "%"),
        ("", "", "οδος"),
        ("s", "b", "ea"),
        ("  ", " ", "  "),
        ("nothing-matches", "", ""),
    ];
    for (part, bin, text) in combos {
        for sort in InventorySort::ALL {
            for descending in [false, true] {
                out.push(InventoryFilter {
                    customer_code: None,
                    part_prefix: part.into(),
                    bin_prefix: bin.into(),
                    text: text.into(),
                    sort,
                    descending,
                });
            }
        }
    }
    out
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

async fn same_answer(
    cache: &InventoryCache,
    code: &str,
    f: &InventoryFilter,
    offset: u32,
    limit: u32,
) {
    let mem = cache.query(code, f, offset, limit).await.unwrap();
    let sql = cache.query_sql(code, f, offset, limit).await.unwrap();
    let what = format!("{f:?} offset {offset} limit {limit}");
    assert_eq!(mem.total, sql.total, "count: {what}");
    assert_eq!(mem.rows.len(), sql.rows.len(), "page length: {what}");
    for (i, (m, s)) in mem.rows.iter().zip(&sql.rows).enumerate() {
        // NaN is stored as NULL by SQLite; `PartialEq` on f64 would call NaN unequal anyway.
        assert_eq!(format!("{m:?}"), format!("{s:?}"), "row {i}: {what}");
    }
    for (m, s) in [
        (mem.totals.on_hand, sql.totals.on_hand),
        (mem.totals.allocated, sql.totals.allocated),
        (mem.totals.available, sql.totals.available),
    ] {
        // SQLite adds in its plan's order; both add with compensation.
        assert!(close(m, s), "totals {m} vs {s}: {what}");
    }
    assert_eq!(
        (&mem.customer_code, &mem.customer_name, mem.as_of),
        (&sql.customer_code, &sql.customer_name, sql.as_of),
        "{what}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copy_in_memory_answers_every_filter_and_sort_as_sqlite_does() {
    let dir = tempfile::tempdir().unwrap();
    let cache = InventoryCache::open(&dir.path().join("cache.db"))
        .await
        .unwrap();
    let rows = awkward_rows(2500, 7);
    cache
        .store_snapshot(A, "Northwind Foods", &rows, 17)
        .await
        .unwrap();
    for f in filters() {
        for (offset, limit) in [(0, 200), (3, 1), (150, 1000), (2490, 50), (9999, 10)] {
            same_answer(&cache, A, &f, offset, limit).await;
        }
    }
    // The export's order too, all rows.
    for f in filters().into_iter().step_by(7) {
        let (mut mem, mut sql) = (Vec::new(), Vec::new());
        cache
            .for_each(A, &f, |r| {
                mem.push(format!("{r:?}"));
                Ok(())
            })
            .await
            .unwrap();
        cache
            .for_each_sql(A, &f, |r| {
                sql.push(format!("{r:?}"));
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(mem, sql, "{f:?}");
    }

    // After a restart the copy is read back from SQLite and answers the same.
    cache.close().await;
    let cache = InventoryCache::open(&dir.path().join("cache.db"))
        .await
        .unwrap();
    for f in filters().into_iter().step_by(3) {
        same_answer(&cache, A, &f, 0, 300).await;
    }
    assert!(cache.memory_bytes() > 0, "the copy was loaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_copy_never_answers_for_another_customer() {
    let dir = tempfile::tempdir().unwrap();
    let cache = InventoryCache::open(&dir.path().join("cache.db"))
        .await
        .unwrap();
    let mark = |rows: Vec<InventoryRow>, bin: &str| -> Vec<InventoryRow> {
        rows.into_iter()
            .map(|r| InventoryRow {
                bin: bin.into(),
                ..r
            })
            .collect()
    };
    let a = mark(awkward_rows(700, 1), "A-ONLY");
    let b = mark(awkward_rows(300, 2), "B-ONLY");
    cache
        .store_snapshot(A, "Northwind Foods", &a, 1)
        .await
        .unwrap();
    cache
        .store_snapshot(B, "Bluewater Trading", &b, 2)
        .await
        .unwrap();
    let all = InventoryFilter::default();
    for _ in 0..3 {
        for (code, bin, n, name) in [
            (A, "A-ONLY", 700, "Northwind Foods"),
            (B, "B-ONLY", 300, "Bluewater Trading"),
        ] {
            let p = cache.query(code, &all, 0, 1000).await.unwrap();
            assert_eq!((p.total, p.rows.len()), (n, n as usize), "{code}");
            assert!(
                p.rows.iter().all(|r| r.bin == bin),
                "{code} saw another's rows"
            );
            assert_eq!(
                (p.customer_code.as_str(), p.customer_name.as_str()),
                (code, name)
            );
            let mut seen = Vec::new();
            cache
                .for_each(code, &all, |r| {
                    seen.push(r.bin);
                    Ok(())
                })
                .await
                .unwrap();
            assert!(seen.len() == n as usize && seen.iter().all(|x| x == bin));
        }
    }
    // Codes are keys as SQLite compares them: another letter case is another customer (the
    // commands map a customer's own code before they get here).
    for other in ["c10000", " C10000", "C1000", "C10000\0", "%"] {
        let p = cache.query(other, &all, 0, 1000).await.unwrap();
        assert_eq!((p.total, p.rows.len(), p.as_of), (0, 0, None), "{other:?}");
    }

    // A's new snapshot replaces A's copy only.
    let a2 = mark(awkward_rows(50, 3), "A-NEW");
    cache
        .store_snapshot(A, "Northwind Foods", &a2, 3)
        .await
        .unwrap();
    let p = cache.query(A, &all, 0, 1000).await.unwrap();
    assert_eq!((p.total, p.as_of), (50, Some(3)));
    assert!(p.rows.iter().all(|r| r.bin == "A-NEW"));
    let p = cache.query(B, &all, 0, 1000).await.unwrap();
    assert_eq!((p.total, p.as_of), (300, Some(2)));
    assert!(p.rows.iter().all(|r| r.bin == "B-ONLY"));

    // More customers than copies are kept: each still gets exactly its own rows.
    let codes: Vec<String> = (0..7).map(|i| format!("C2000{i}")).collect();
    for (i, code) in codes.iter().enumerate() {
        let rows = mark(awkward_rows(20 + i, 10 + i as u64), code);
        cache
            .store_snapshot(code, code, &rows, i as i64)
            .await
            .unwrap();
    }
    for round in 0..2 {
        for (i, code) in codes.iter().enumerate().rev() {
            let p = cache.query(code, &all, 0, 1000).await.unwrap();
            assert_eq!(p.total as usize, 20 + i, "{code} round {round}");
            assert!(
                p.rows.iter().all(|r| &r.bin == code),
                "{code} round {round}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_is_seen_whole_before_its_commit_and_at_once_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let cache = InventoryCache::open(&dir.path().join("cache.db"))
        .await
        .unwrap();
    let old = awkward_rows(400, 4);
    cache
        .store_snapshot(A, "Northwind Foods", &old, 1)
        .await
        .unwrap();
    let all = InventoryFilter::default();
    let before = cache.query(A, &all, 0, 1000).await.unwrap();

    // Written but dropped (a cancel, a failed ERP read): nothing changes, in memory or SQLite.
    let mut w = cache.begin_snapshot(A, "Renamed").await.unwrap();
    w.write(awkward_rows(900, 5)).await.unwrap();
    assert_eq!(cache.query(A, &all, 0, 1000).await.unwrap(), before);
    drop(w);
    assert_eq!(cache.query(A, &all, 0, 1000).await.unwrap(), before);
    assert_eq!(cache.query_sql(A, &all, 0, 1000).await.unwrap().total, 400);

    // Committed: the next query sees the new snapshot whole, with its name and time.
    let new = awkward_rows(900, 5);
    let mut w = cache.begin_snapshot(A, "Renamed").await.unwrap();
    for chunk in new.chunks(128) {
        w.write(chunk.to_vec()).await.unwrap();
        let p = cache.query(A, &all, 0, 10).await.unwrap();
        assert_eq!(
            (p.total, p.as_of),
            (400, Some(1)),
            "the old one until the commit"
        );
    }
    w.commit(2).await.unwrap();
    let p = cache.query(A, &all, 0, 1000).await.unwrap();
    assert_eq!(
        (p.total, p.as_of, p.customer_name.as_str()),
        (900, Some(2), "Renamed")
    );
    same_answer(&cache, A, &all, 0, 1000).await;

    // An empty snapshot is a snapshot: nothing held now.
    cache
        .begin_snapshot(A, "Renamed")
        .await
        .unwrap()
        .commit(3)
        .await
        .unwrap();
    let p = cache.query(A, &all, 0, 1000).await.unwrap();
    assert_eq!((p.total, p.rows.len(), p.as_of), (0, 0, Some(3)));
    same_answer(&cache, A, &all, 0, 1000).await;
}
