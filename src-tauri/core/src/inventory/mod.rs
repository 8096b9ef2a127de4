//! Customer inventory: snapshots of the ERP's stock per customer in a local SQLite cache (so
//! the grid works, fast, when the ERP is down), and the filtered, sorted, paged view of it.
//! Everything here is keyed by the ERP customer code (`customer` columns and parameters);
//! the name is stored beside the snapshot for display only.
//!
//! SQLite is the durable copy; the recently used customers' snapshots are also kept in memory
//! (`memory`), which answers queries and exports; SQLite answers a snapshot too large to keep.

pub mod commands;
mod memory;
mod writer;

use crate::error::{CoreError, Result};
use crate::local::LocalStore;
use memory::{Resident, Snapshot};
use portdesk_types::inventory::*;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::path::Path;
use std::sync::Arc;
pub use writer::SnapshotWriter;

/// The largest page a query returns.
pub const MAX_PAGE: u32 = 1000;

/// Shown in the Inventory window after a damaged cache file was set aside.
pub const DAMAGED_NOTICE: &str = "The local inventory copy was damaged and has been set aside; \
     it is rebuilt at the next refresh.";

#[derive(Clone, Debug)]
pub struct InventoryCache {
    pool: SqlitePool,
    /// Set when the file was damaged and replaced at open; cleared by the next snapshot.
    notice: Arc<std::sync::Mutex<Option<String>>>,
    /// The in-memory copies of recently used snapshots.
    resident: Arc<Resident>,
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
        self.resident.clear();
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
            notice: Arc::new(std::sync::Mutex::new(notice)),
            resident: Arc::default(),
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
        for chunk in rows.chunks(crate::erp::CHUNK_ROWS) {
            w.write(chunk.to_vec()).await?;
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
                writer.write(chunk).await?;
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
        SnapshotWriter::start(self.file().await?, code, name, self.resident.clone()).await
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

    /// One page of the customer's cached stock with the count and totals of every matching row:
    /// from the in-memory copy (loaded on first use), or from SQLite for a snapshot too large
    /// to keep in memory.
    pub async fn query(
        &self,
        customer: &str,
        filter: &InventoryFilter,
        offset: u32,
        limit: u32,
    ) -> Result<InventoryPage> {
        let Some(snap) = self.copy_of(customer).await? else {
            return self.query_sql(customer, filter, offset, limit).await;
        };
        let f = filter.clone();
        let limit = limit.clamp(1, MAX_PAGE) as usize;
        // A scan takes milliseconds; a sort order's first build up to a second at 1M rows.
        let (rows, total, totals, snap) = tokio::task::spawn_blocking(move || {
            let (rows, total, totals) = snap.query(&f, offset as usize, limit);
            (rows, total, totals, snap)
        })
        .await
        .map_err(|e| CoreError::Internal(format!("inventory query stopped: {e}")))?;
        Ok(InventoryPage {
            customer_code: customer.to_owned(),
            customer_name: snap.name.clone(),
            rows,
            offset,
            total,
            totals,
            as_of: Some(snap.fetched_at),
            notice: self.notice(),
        })
    }

    /// The customer's snapshot in memory: kept, or read from SQLite now (one read
    /// transaction). `None`: no snapshot, or one too large to keep.
    async fn copy_of(&self, customer: &str) -> Result<Option<Arc<Snapshot>>> {
        if let Some(s) = self.resident.get(customer) {
            return Ok(Some(s));
        }
        if self.resident.too_large(customer) {
            return Ok(None);
        }
        let _one_load = self.resident.loading.lock().await;
        if let Some(s) = self.resident.get(customer) {
            return Ok(Some(s));
        }
        let generation = self.resident.generation(customer);
        let (file, code) = (self.file().await?, customer.to_owned());
        let read = tokio::task::spawn_blocking(move || writer::read_snapshot(&file, &code))
            .await
            .map_err(|e| {
                CoreError::Internal(format!("reading the inventory copy stopped: {e}"))
            })??;
        match read {
            writer::Read::Missing => Ok(None),
            writer::Read::TooLarge => {
                tracing::info!(customer, "inventory snapshot too large to keep in memory");
                self.resident.found_too_large(customer, generation);
                Ok(None)
            }
            writer::Read::Copy(snap) => {
                self.resident.loaded(customer, generation, snap.clone());
                Ok(Some(snap))
            }
        }
    }

    /// The cache file the pool has open (the writer and the loader open their own
    /// connections to it).
    async fn file(&self) -> Result<std::path::PathBuf> {
        let (file,): (String,) =
            sqlx::query_as("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_one(&self.pool)
                .await?;
        Ok(file.into())
    }

    /// [`InventoryCache::query`] answered by SQLite alone: the durable copy's answer, used for
    /// snapshots too large to keep in memory (and by the tests and the bench to compare).
    pub async fn query_sql(
        &self,
        customer: &str,
        filter: &InventoryFilter,
        offset: u32,
        limit: u32,
    ) -> Result<InventoryPage> {
        // The count and the page run at once on two connections; without a filter the count
        // and totals come from the snapshot row (written with it), so nothing is scanned twice.
        let unfiltered = is_unfiltered(filter);
        let counts = async {
            count_query(customer, filter)
                .build()
                .fetch_optional(&self.pool)
                .await
        };
        let page = async {
            page_query(customer, filter, offset, limit)
                .build()
                .fetch_all(&self.pool)
                .await
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

    /// Every matching row in the shown order, for export, streamed to `each` (from the
    /// in-memory copy when there is one, else from SQLite).
    pub async fn for_each(
        &self,
        customer: &str,
        filter: &InventoryFilter,
        mut each: impl FnMut(InventoryRow) -> Result<()>,
    ) -> Result<u64> {
        if let Some(snap) = self.copy_of(customer).await? {
            let mut n = 0;
            for r in snap.shown(filter) {
                each(r)?;
                n += 1;
            }
            return Ok(n);
        }
        self.for_each_sql(customer, filter, each).await
    }

    /// Memory held by the in-memory copies (for the bench and the log).
    pub fn memory_bytes(&self) -> usize {
        self.resident.bytes()
    }

    /// [`InventoryCache::for_each`] from SQLite, streamed.
    pub async fn for_each_sql(
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

/// The SQL path's two statements (count and totals, then the page) run one after the other on
/// one plain connection, with nothing of Portdesk around them: the bench's raw-SQLite peer.
/// Returns (matching rows, rows on the page).
#[doc(hidden)]
pub async fn raw_sqlite_query(
    conn: &mut sqlx::SqliteConnection,
    customer: &str,
    filter: &InventoryFilter,
    offset: u32,
    limit: u32,
) -> Result<(i64, usize)> {
    let count = count_query(customer, filter)
        .build()
        .fetch_optional(&mut *conn)
        .await?
        .map_or(0, |r| r.get::<i64, _>(0));
    let rows = page_query(customer, filter, offset, limit)
        .build()
        .fetch_all(&mut *conn)
        .await?;
    let rows: Vec<InventoryRow> = rows.iter().map(row).collect();
    Ok((count, rows.len()))
}

fn is_unfiltered(f: &InventoryFilter) -> bool {
    f.part_prefix.trim().is_empty() && f.bin_prefix.trim().is_empty() && f.text.trim().is_empty()
}

/// Count, totals, fetched_at and name of the matching rows; without a filter from the snapshot
/// row (written with it), so nothing is scanned.
fn count_query<'a>(customer: &'a str, filter: &'a InventoryFilter) -> QueryBuilder<'a, Sqlite> {
    if is_unfiltered(filter) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT row_count, total_on_hand, total_allocated, total_available, fetched_at, customer_name FROM snapshots WHERE customer = ",
        );
        q.push_bind(customer);
        q
    } else {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT COUNT(*), TOTAL(on_hand), TOTAL(allocated), TOTAL(available), \
             (SELECT fetched_at FROM snapshots WHERE customer = s.customer), \
             (SELECT customer_name FROM snapshots WHERE customer = s.customer) FROM stock s",
        );
        push_where(&mut q, customer, filter);
        q
    }
}

fn page_query<'a>(
    customer: &'a str,
    filter: &'a InventoryFilter,
    offset: u32,
    limit: u32,
) -> QueryBuilder<'a, Sqlite> {
    let mut q = select_rows(customer, filter);
    q.push(" LIMIT ")
        .push_bind(i64::from(limit.clamp(1, MAX_PAGE)))
        .push(" OFFSET ")
        .push_bind(i64::from(offset));
    q
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
        let stopped = || CoreError::Internal("the workbook writer stopped".into());
        let sent = match self.copy_of(customer).await {
            // From the copy on a thread of its own: the rows are made one at a time as the
            // writer takes them, so the export holds no more than the channel's rows.
            Ok(Some(snap)) => {
                let f = filter.clone();
                tokio::task::spawn_blocking(move || {
                    let mut n = 0u64;
                    for r in snap.shown(&f) {
                        tx.send(r).map_err(|_| stopped())?;
                        n += 1;
                    }
                    Ok(n)
                })
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))
                .and_then(|r| r)
            }
            Ok(None) => {
                let sent = self
                    .for_each_sql(customer, filter, |r| tx.send(r).map_err(|_| stopped()))
                    .await;
                drop(tx);
                sent
            }
            Err(e) => {
                drop(tx);
                Err(e)
            }
        };
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
