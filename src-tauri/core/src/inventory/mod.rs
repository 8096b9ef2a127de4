//! Customer inventory: snapshots of the ERP's stock per customer in a local SQLite cache (so
//! the grid works, fast, when the ERP is down), and the filtered, sorted, paged view of it.
//! Everything here is keyed by the ERP customer code (`customer` columns and parameters);
//! the name is stored beside the snapshot for display only.

pub mod commands;

use crate::error::{CoreError, Result};
use crate::local::LocalStore;
use portdesk_types::inventory::*;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::path::Path;

/// Rows per INSERT: 15 values each stays under SQLite's 32,766 bound parameters, and equal
/// batches reuse one prepared statement.
const INSERT_BATCH: usize = 2000;

/// The largest page a query returns.
pub const MAX_PAGE: u32 = 1000;

/// Shown in the Inventory window after a damaged cache file was set aside.
pub const DAMAGED_NOTICE: &str = "The local inventory copy was damaged and has been set aside; \
     it is rebuilt at the next refresh.";

#[derive(Clone, Debug)]
pub struct InventoryCache {
    pool: SqlitePool,
    /// Set when the file was damaged and replaced at open; cleared by the next snapshot.
    notice: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl InventoryCache {
    /// Opens (or creates) the cache in this desktop's local store at `path` (see
    /// [`LocalStore::open`]); when a damaged file was set aside, [`InventoryCache::notice`]
    /// says so until the next snapshot is stored.
    pub async fn open(path: &Path) -> Result<InventoryCache> {
        Ok(Self::on(&LocalStore::open(path).await?))
    }

    /// The cache in an open local store.
    pub fn on(local: &LocalStore) -> InventoryCache {
        Self::with_pool(
            local.pool().clone(),
            local.was_damaged().then(|| DAMAGED_NOTICE.to_owned()),
        )
    }

    /// Folds the write-ahead log into the file and closes it (waits for open queries), leaving
    /// one self-contained file; the cache is unusable afterwards.
    pub async fn close(&self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!("inventory cache checkpoint at close: {e}");
        }
        self.pool.close().await;
    }

    fn with_pool(pool: SqlitePool, notice: Option<String>) -> InventoryCache {
        InventoryCache {
            pool,
            notice: std::sync::Arc::new(std::sync::Mutex::new(notice)),
        }
    }

    /// What the Inventory window should say about the cache itself, if anything.
    pub fn notice(&self) -> Option<String> {
        self.notice
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn rebuilt(&self) {
        self.notice.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Replaces a customer's snapshot in one transaction: readers see the old snapshot whole
    /// until the new one is complete, and a failure leaves the old one untouched.
    pub async fn store_snapshot(
        &self,
        code: &str,
        name: &str,
        rows: &[InventoryRow],
        fetched_at: i64,
    ) -> Result<()> {
        let mut w = self.begin_snapshot(code, name).await?;
        for chunk in rows.chunks(INSERT_BATCH) {
            w.write(chunk).await?;
        }
        w.commit(fetched_at).await?;
        self.rebuilt();
        Ok(())
    }

    /// A refresh: reads the ERP and writes the cache at the same time (chunks flow through a
    /// small channel), committing only when the whole read succeeded. Cancellable at any point
    /// before the commit: dropping the read drops its ERP query (the connection is never
    /// reused) and dropping the writer rolls the snapshot back. `progress(rows written)`.
    pub async fn refresh_from(
        &self,
        erp: &crate::erp::Erp,
        code: &str,
        name: &str,
        fetched_at: i64,
        cancel: &tokio_util::sync::CancellationToken,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64> {
        let cancelled =
            || CoreError::Cancelled("Refresh cancelled; the previous copy is kept.".into());
        // Four chunks in flight bound the memory; the reader waits when the writer lags.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<InventoryRow>>(4);
        let read = async move {
            let r = erp.inventory_chunks(code, &tx).await;
            drop(tx);
            r
        };
        let write = async {
            let mut w: Option<SnapshotWriter> = None;
            while let Some(chunk) = rx.recv().await {
                if w.is_none() {
                    w = Some(self.begin_snapshot(code, name).await?);
                }
                let writer = w.as_mut().expect("just set");
                writer.write(&chunk).await?;
                progress(writer.rows());
                if cancel.is_cancelled() {
                    return Err(cancelled());
                }
            }
            Ok::<_, CoreError>(w)
        };
        let (read, written) = tokio::select! {
            r = async { tokio::join!(read, write) } => r,
            _ = cancel.cancelled() => return Err(cancelled()),
        };
        // The ERP's answer decides: a read that failed half-way leaves the old snapshot.
        let total = read?;
        let writer = match written? {
            Some(w) => w,
            // No rows: an empty snapshot (the customer holds nothing now).
            None => self.begin_snapshot(code, name).await?,
        };
        if writer.rows() != total {
            return Err(CoreError::Internal(format!(
                "the cache received {} of {total} rows",
                writer.rows()
            )));
        }
        if cancel.is_cancelled() {
            return Err(cancelled());
        }
        writer.commit(fetched_at).await?;
        self.rebuilt();
        Ok(total)
    }

    /// Starts replacing a customer's snapshot: rows are written as they arrive (e.g. while the
    /// ERP is still being read), and nothing is visible until [`SnapshotWriter::commit`].
    /// Dropping the writer rolls everything back, leaving the old snapshot whole.
    pub async fn begin_snapshot(&self, code: &str, name: &str) -> Result<SnapshotWriter> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM stock WHERE customer = ?1")
            .bind(code)
            .execute(&mut *tx)
            .await?;
        Ok(SnapshotWriter {
            tx,
            customer: code.to_owned(),
            name: name.to_owned(),
            rows: 0,
            totals: InventoryTotals::default(),
        })
    }

    /// When the customer's snapshot was fetched, if there is one.
    pub async fn as_of(&self, customer: &str) -> Result<Option<i64>> {
        let r: Option<(i64,)> =
            sqlx::query_as("SELECT fetched_at FROM snapshots WHERE customer = ?1")
                .bind(customer)
                .fetch_optional(&self.pool)
                .await?;
        Ok(r.map(|r| r.0))
    }

    /// The ERP customer's name as of the last snapshot.
    pub async fn snapshot_name(&self, code: &str) -> Result<Option<String>> {
        let r: Option<(String,)> =
            sqlx::query_as("SELECT customer_name FROM snapshots WHERE customer = ?1")
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
        Ok(r.map(|r| r.0))
    }

    /// One page of the customer's cached stock with the count and totals of every matching row.
    pub async fn query(
        &self,
        customer: &str,
        filter: &InventoryFilter,
        offset: u32,
        limit: u32,
    ) -> Result<InventoryPage> {
        // The count and the page run at once on two connections; without a filter the count
        // and totals come from the snapshot row (written with it), so nothing is scanned twice.
        let unfiltered = filter.part_prefix.trim().is_empty()
            && filter.bin_prefix.trim().is_empty()
            && filter.text.trim().is_empty();
        let counts = async {
            let sql = if unfiltered {
                "SELECT row_count, total_on_hand, total_allocated, total_available, fetched_at, customer_name FROM snapshots WHERE customer = "
            } else {
                "SELECT COUNT(*), TOTAL(on_hand), TOTAL(allocated), TOTAL(available), \
                 (SELECT fetched_at FROM snapshots WHERE customer = s.customer), \
                 (SELECT customer_name FROM snapshots WHERE customer = s.customer) FROM stock s"
            };
            let mut q = QueryBuilder::<Sqlite>::new(sql);
            if unfiltered {
                q.push_bind(customer);
            } else {
                push_where(&mut q, customer, filter);
            }
            q.build().fetch_optional(&self.pool).await
        };
        let page = async {
            let mut q = select_rows(customer, filter);
            q.push(" LIMIT ")
                .push_bind(i64::from(limit.clamp(1, MAX_PAGE)))
                .push(" OFFSET ")
                .push_bind(i64::from(offset));
            q.build().fetch_all(&self.pool).await
        };
        let (t, rows) = tokio::try_join!(counts, page)?;
        let (total, totals, mut as_of, mut name) = match &t {
            Some(t) => (
                t.get::<i64, _>(0),
                InventoryTotals {
                    on_hand: t.get(1),
                    allocated: t.get(2),
                    available: t.get(3),
                },
                t.get::<Option<i64>, _>(4),
                t.get::<Option<String>, _>(5),
            ),
            None => (0, InventoryTotals::default(), None, None),
        };
        if !unfiltered && total == 0 {
            // No row matched: the snapshot's time still matters to the banner.
            as_of = self.as_of(customer).await?;
            name = self.snapshot_name(customer).await?;
        }
        let rows = rows.iter().map(row).collect();
        Ok(InventoryPage {
            customer_code: customer.to_owned(),
            customer_name: name.unwrap_or_default(),
            rows,
            offset,
            total: total as u64,
            totals,
            as_of,
            notice: self.notice(),
        })
    }

    /// Every matching row in the shown order, for export, streamed to `each`.
    pub async fn for_each(
        &self,
        customer: &str,
        filter: &InventoryFilter,
        mut each: impl FnMut(InventoryRow) -> Result<()>,
    ) -> Result<u64> {
        use futures_util::TryStreamExt;
        let mut q = select_rows(customer, filter);
        let mut stream = q.build().fetch(&self.pool);
        let mut n = 0;
        while let Some(r) = stream.try_next().await? {
            each(row(&r))?;
            n += 1;
        }
        Ok(n)
    }
}

/// A snapshot being written; see [`InventoryCache::begin_snapshot`].
pub struct SnapshotWriter {
    tx: sqlx::Transaction<'static, Sqlite>,
    /// The ERP customer code.
    customer: String,
    name: String,
    rows: u64,
    totals: InventoryTotals,
}

impl SnapshotWriter {
    /// Appends rows in the order given (the ERP's order is the default sort's tie-breaker).
    pub async fn write(&mut self, rows: &[InventoryRow]) -> Result<()> {
        for chunk in rows.chunks(INSERT_BATCH) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO stock (customer, seq, part, description, bin, lot, on_hand, allocated, available, unit, last_received, value, part_lc, bin_lc, search) ",
            );
            let first_seq = self.rows as i64;
            q.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
                let search = format!(
                    "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                    r.part,
                    r.description,
                    r.bin,
                    r.lot.as_deref().unwrap_or(""),
                    r.unit
                )
                .to_lowercase();
                b.push_bind(&self.customer)
                    .push_bind(first_seq + i as i64)
                    .push_bind(&r.part)
                    .push_bind(&r.description)
                    .push_bind(&r.bin)
                    .push_bind(&r.lot)
                    .push_bind(r.on_hand)
                    .push_bind(r.allocated)
                    .push_bind(r.available)
                    .push_bind(&r.unit)
                    .push_bind(&r.last_received)
                    .push_bind(r.value)
                    .push_bind(r.part.to_lowercase())
                    .push_bind(r.bin.to_lowercase())
                    .push_bind(search);
            });
            q.build().execute(&mut *self.tx).await?;
            self.rows += chunk.len() as u64;
            for r in chunk {
                self.totals.on_hand += r.on_hand.unwrap_or(0.0);
                self.totals.allocated += r.allocated.unwrap_or(0.0);
                self.totals.available += r.available.unwrap_or(0.0);
            }
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Makes the new snapshot visible, replacing the old one at once.
    pub async fn commit(mut self, fetched_at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO snapshots (customer, fetched_at, row_count, total_on_hand, total_allocated, total_available, customer_name) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (customer) DO UPDATE SET fetched_at = excluded.fetched_at, row_count = excluded.row_count, \
             customer_name = excluded.customer_name, \
             total_on_hand = excluded.total_on_hand, total_allocated = excluded.total_allocated, \
             total_available = excluded.total_available",
        )
        .bind(&self.customer)
        .bind(fetched_at)
        .bind(self.rows as i64)
        .bind(self.totals.on_hand)
        .bind(self.totals.allocated)
        .bind(self.totals.available)
        .bind(&self.name)
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

fn select_rows<'a>(customer: &'a str, filter: &'a InventoryFilter) -> QueryBuilder<'a, Sqlite> {
    let mut q = QueryBuilder::<Sqlite>::new(
        "SELECT part, description, bin, lot, on_hand, allocated, available, unit, last_received, value FROM stock",
    );
    push_where(&mut q, customer, filter);
    // The column comes from a fixed list, never from the request's text.
    let col = match filter.sort {
        InventorySort::Part => "part_lc",
        // SQLite's lower() folds ASCII only, so NOCASE sorts the same and needs no call per row.
        InventorySort::Description => "description COLLATE NOCASE",
        InventorySort::Bin => "bin_lc",
        InventorySort::Lot => "lot",
        InventorySort::OnHand => "on_hand",
        InventorySort::Allocated => "allocated",
        InventorySort::Available => "available",
        InventorySort::Unit => "unit",
        InventorySort::LastReceived => "last_received",
        InventorySort::Value => "value",
    };
    let dir = if filter.descending { "DESC" } else { "ASC" };
    q.push(format!(" ORDER BY {col} {dir}, seq {dir}"));
    q
}

/// Prefix filters use the lower-cased, indexed columns as a range, so they stay fast; text is a
/// literal substring (`instr`), so quotes, `%` and `_` mean themselves.
fn push_where<'a>(q: &mut QueryBuilder<'a, Sqlite>, customer: &'a str, f: &InventoryFilter) {
    q.push(" WHERE customer = ").push_bind(customer);
    let text = f.text.trim().to_lowercase();
    for (col, prefix) in [("part_lc", &f.part_prefix), ("bin_lc", &f.bin_prefix)] {
        let p = prefix.trim().to_lowercase();
        if !p.is_empty() {
            q.push(format!(" AND {col} >= ")).push_bind(p.clone());
            q.push(format!(" AND {col} < "))
                .push_bind(format!("{p}\u{10ffff}"));
        }
    }
    if !text.is_empty() {
        q.push(" AND instr(search, ").push_bind(text).push(") > 0");
    }
}

fn row(r: &sqlx::sqlite::SqliteRow) -> InventoryRow {
    InventoryRow {
        part: r.get(0),
        description: r.get(1),
        bin: r.get(2),
        lot: r.get(3),
        on_hand: r.get(4),
        allocated: r.get(5),
        available: r.get(6),
        unit: r.get(7),
        last_received: r.get(8),
        value: r.get(9),
    }
}

impl InventoryCache {
    /// Writes exactly the rows the filter and sort show, in that order, to an .xlsx file:
    /// bold frozen header, autofilter, numbers as numbers, dates as dates, the customer and
    /// "as of" in the document properties. Rows flow through a bounded channel into a
    /// constant-memory writer, so memory stays flat however many rows there are.
    pub async fn export_xlsx(
        &self,
        customer: &str,
        filter: &InventoryFilter,
        as_of: Option<i64>,
        path: &Path,
    ) -> Result<u64> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<InventoryRow>(2048);
        // "Name (code)" in the document properties: the name alone can be ambiguous.
        let title = match self
            .snapshot_name(customer)
            .await?
            .filter(|n| !n.is_empty())
        {
            Some(name) => format!("{name} ({customer})"),
            None => customer.to_owned(),
        };
        let path = path.to_path_buf();
        let writer = tokio::task::spawn_blocking(move || write_xlsx(rx, &title, as_of, &path));
        let sent = self
            .for_each(customer, filter, |r| {
                tx.send(r)
                    .map_err(|_| CoreError::Internal("the workbook writer stopped".into()))
            })
            .await;
        drop(tx);
        let written = writer
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        let n = sent?;
        written?;
        Ok(n)
    }
}

fn write_xlsx(
    rx: std::sync::mpsc::Receiver<InventoryRow>,
    customer: &str,
    as_of: Option<i64>,
    path: &Path,
) -> Result<()> {
    use crate::files::{finish_sheet, save_workbook, start_sheet, xlsx_error as xerr};
    use rust_xlsxwriter::{DocProperties, Format, Workbook};
    let as_of_text = as_of
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "unknown".into());
    let mut wb = Workbook::new();
    // Deflate level 1 instead of 6: about a third less time for a file ~15% larger.
    wb.set_zip_compression_level(1);
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("Inventory of {customer}"))
            .set_subject(format!("{customer}, as of {as_of_text}"))
            .set_comment(format!("Exported by Portdesk; stock as of {as_of_text}")),
    );
    let columns = [
        ("Part", 14.0),
        ("Description", 32.0),
        ("Bin", 10.0),
        ("Lot", 14.0),
        ("On hand", 11.0),
        ("Allocated", 11.0),
        ("Available", 11.0),
        ("Unit", 7.0),
        ("Last received", 13.0),
        ("Value", 12.0),
    ];
    let ws = start_sheet(&mut wb, "Inventory", &columns)?;
    let qty = Format::new().set_num_format("#,##0.##");
    let money = Format::new().set_num_format("#,##0.00");
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let mut r = 0u32;
    for row in rx {
        r += 1;
        ws.write_string(r, 0, &row.part).map_err(xerr)?;
        ws.write_string(r, 1, &row.description).map_err(xerr)?;
        ws.write_string(r, 2, &row.bin).map_err(xerr)?;
        if let Some(l) = &row.lot {
            ws.write_string(r, 3, l).map_err(xerr)?;
        }
        for (c, v) in [(4, row.on_hand), (5, row.allocated), (6, row.available)] {
            if let Some(v) = v {
                ws.write_number_with_format(r, c, v, &qty).map_err(xerr)?;
            }
        }
        ws.write_string(r, 7, &row.unit).map_err(xerr)?;
        if let Some(d) = row
            .last_received
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        {
            ws.write_datetime_with_format(r, 8, d, &day).map_err(xerr)?;
        }
        if let Some(v) = row.value {
            ws.write_number_with_format(r, 9, v, &money).map_err(xerr)?;
        }
    }
    finish_sheet(ws, r, columns.len())?;
    save_workbook(&mut wb, path)
}
