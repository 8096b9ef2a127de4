//! Writing a snapshot: on a blocking thread of its own with its own SQLite connection to the
//! cache file (rusqlite, one prepared INSERT per row), which also builds the in-memory copy
//! from the same rows. Through sqlx every multi-row INSERT crossed to the driver's worker
//! thread and every value was copied into its argument buffer; the refresh shares two cores
//! with the ERP read, so that CPU time was the refresh's.

use super::memory::{Builder, Lowered, Resident, RowRef, Snapshot};
use crate::error::{CoreError, Result};
use portdesk_types::inventory::{InventoryRow, InventoryTotals};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

const INSERT: &str = "INSERT INTO stock (customer, seq, part, description, bin, lot, on_hand, allocated, available, unit, last_received, value, part_lc, bin_lc, search) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

const UPSERT_SNAPSHOT: &str = "INSERT INTO snapshots (customer, fetched_at, row_count, total_on_hand, total_allocated, total_available, customer_name) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
     ON CONFLICT (customer) DO UPDATE SET fetched_at = excluded.fetched_at, row_count = excluded.row_count, \
     customer_name = excluded.customer_name, \
     total_on_hand = excluded.total_on_hand, total_allocated = excluded.total_allocated, \
     total_available = excluded.total_available";

enum Msg {
    Rows(Vec<InventoryRow>),
    Commit {
        fetched_at: i64,
        done: oneshot::Sender<Result<()>>,
    },
}

/// A snapshot being written; see [`super::InventoryCache::begin_snapshot`]. Dropping it rolls
/// the snapshot back (the thread sees the channel close and drops its transaction).
pub struct SnapshotWriter {
    tx: mpsc::Sender<Msg>,
    thread: Option<tokio::task::JoinHandle<Result<()>>>,
    rows: u64,
}

impl SnapshotWriter {
    /// Starts the thread, which begins the write transaction and deletes the customer's old
    /// rows (visible to nobody until the commit) before this returns.
    pub(super) async fn start(
        file: PathBuf,
        code: &str,
        name: &str,
        resident: Arc<Resident>,
    ) -> Result<SnapshotWriter> {
        // Two chunks in flight: the reader waits when the writer lags.
        let (tx, rx) = mpsc::channel(2);
        let (began_tx, began_rx) = oneshot::channel();
        let (code, name) = (code.to_owned(), name.to_owned());
        let thread = tokio::task::spawn_blocking(move || {
            write_snapshot(&file, &code, &name, &resident, rx, began_tx)
        });
        let mut w = SnapshotWriter {
            tx,
            thread: Some(thread),
            rows: 0,
        };
        match began_rx.await {
            Ok(()) => Ok(w),
            Err(_) => Err(w.failure().await),
        }
    }

    /// Appends rows in the order given (the ERP's order is the default sort's tie-breaker).
    pub async fn write(&mut self, rows: Vec<InventoryRow>) -> Result<()> {
        let n = rows.len() as u64;
        if self.tx.send(Msg::Rows(rows)).await.is_err() {
            return Err(self.failure().await);
        }
        self.rows += n;
        Ok(())
    }

    /// Rows handed over so far (the commit fails unless every one was written).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Makes the new snapshot visible, replacing the old one at once, in SQLite and then in
    /// memory.
    pub async fn commit(mut self, fetched_at: i64) -> Result<()> {
        let (done, result) = oneshot::channel();
        if self
            .tx
            .send(Msg::Commit { fetched_at, done })
            .await
            .is_err()
        {
            return Err(self.failure().await);
        }
        match result.await {
            Ok(r) => r,
            Err(_) => Err(self.failure().await),
        }
    }

    /// Why the thread stopped.
    async fn failure(&mut self) -> CoreError {
        let stopped = || CoreError::Internal("the inventory cache writer stopped".into());
        match self.thread.take() {
            Some(t) => match t.await {
                Ok(Err(e)) => e,
                Ok(Ok(())) => stopped(),
                Err(e) => CoreError::Internal(format!("the inventory cache writer failed: {e}")),
            },
            None => stopped(),
        }
    }
}

fn write_snapshot(
    file: &std::path::Path,
    code: &str,
    name: &str,
    resident: &Resident,
    mut rx: mpsc::Receiver<Msg>,
    began: oneshot::Sender<()>,
) -> Result<()> {
    let mut conn = rusqlite::Connection::open(file)?;
    // No fsync, as the pool (`local::LocalStore`): the copy can be fetched again. A 64 MB page
    // cache for the bulk write, larger than the pool's.
    conn.execute_batch(
        "PRAGMA synchronous = OFF; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM stock WHERE customer = ?1", [code])?;
    let _ = began.send(());
    let mut copy = Builder::new();
    let mut totals = InventoryTotals::default();
    let mut seq = 0i64;
    let (fetched_at, done) = {
        let mut insert = tx.prepare(INSERT)?;
        loop {
            match rx.blocking_recv() {
                Some(Msg::Rows(rows)) => {
                    for r in &rows {
                        let lc = Lowered::of(r);
                        insert.execute(rusqlite::params![
                            code,
                            seq,
                            r.part,
                            r.description,
                            r.bin,
                            r.lot,
                            r.on_hand,
                            r.allocated,
                            r.available,
                            r.unit,
                            r.last_received,
                            r.value,
                            lc.part,
                            lc.bin,
                            lc.search
                        ])?;
                        copy.push(RowRef::of(r, &lc));
                        // As SQLite's TOTAL() over the stored values: NaN is stored as NULL.
                        let v = |x: Option<f64>| x.filter(|x| !x.is_nan()).unwrap_or(0.0);
                        totals.on_hand += v(r.on_hand);
                        totals.allocated += v(r.allocated);
                        totals.available += v(r.available);
                        seq += 1;
                    }
                }
                Some(Msg::Commit { fetched_at, done }) => break (fetched_at, done),
                // The writer was dropped: the transaction rolls back with `tx`.
                None => return Ok(()),
            }
        }
    };
    let committed = (|| {
        tx.execute(
            UPSERT_SNAPSHOT,
            rusqlite::params![
                code,
                fetched_at,
                seq,
                totals.on_hand,
                totals.allocated,
                totals.available,
                name
            ],
        )?;
        tx.commit()?;
        Ok::<_, CoreError>(())
    })();
    if committed.is_ok() {
        // Only now: until the commit, readers must see the old snapshot, in memory too.
        resident.committed(code, copy.finish(name, fetched_at, totals));
    }
    let _ = done.send(committed);
    Ok(())
}

/// What [`read_snapshot`] found.
pub(super) enum Read {
    /// No snapshot of this customer.
    Missing,
    /// Larger than the in-memory budget: SQLite answers it.
    TooLarge,
    Copy(Arc<Snapshot>),
}

/// Reads a customer's snapshot from the cache file into an in-memory copy, in one read
/// transaction, on the calling (blocking) thread. rusqlite hands out borrowed values, so a
/// row costs no allocation on the way (through sqlx: ~4.6 s for 1M rows, here about a third).
pub(super) fn read_snapshot(file: &std::path::Path, code: &str) -> Result<Read> {
    use rusqlite::types::ValueRef;
    let mut conn = rusqlite::Connection::open_with_flags(
        file,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let tx = conn.transaction()?;
    let head = {
        use rusqlite::OptionalExtension;
        tx.query_row(
            "SELECT customer_name, fetched_at, total_on_hand, total_allocated, total_available \
             FROM snapshots WHERE customer = ?1",
            [code],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    InventoryTotals {
                        on_hand: r.get(2)?,
                        allocated: r.get(3)?,
                        available: r.get(4)?,
                    },
                ))
            },
        )
        .optional()?
    };
    let Some((name, fetched_at, totals)) = head else {
        return Ok(Read::Missing);
    };
    let mut copy = Builder::new();
    {
        let mut stmt = tx.prepare(
            "SELECT part, description, bin, lot, on_hand, allocated, available, unit, last_received, value, \
             part_lc, bin_lc, search FROM stock WHERE customer = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([code])?;
        fn bad(what: &str) -> CoreError {
            CoreError::Internal(format!("the inventory cache holds {what}"))
        }
        fn text(v: ValueRef<'_>) -> Result<Option<&str>> {
            match v {
                ValueRef::Null => Ok(None),
                ValueRef::Text(t) => std::str::from_utf8(t)
                    .map(Some)
                    .map_err(|_| bad("text that is not UTF-8")),
                _ => Err(bad("a number where text belongs")),
            }
        }
        fn num(v: ValueRef<'_>) -> Result<Option<f64>> {
            match v {
                ValueRef::Null => Ok(None),
                ValueRef::Real(x) => Ok(Some(x)),
                ValueRef::Integer(i) => Ok(Some(i as f64)),
                _ => Err(bad("text where a number belongs")),
            }
        }
        while let Some(r) = rows.next()? {
            let t = |i: usize| -> Result<Option<&str>> { text(r.get_ref(i)?) };
            let n = |i: usize| -> Result<Option<f64>> { num(r.get_ref(i)?) };
            let (lot, received) = (t(3)?, t(8)?);
            copy.push(RowRef {
                text: [
                    t(0)?.unwrap_or_default(),
                    t(1)?.unwrap_or_default(),
                    t(2)?.unwrap_or_default(),
                    lot.unwrap_or_default(),
                    t(7)?.unwrap_or_default(),
                    received.unwrap_or_default(),
                ],
                lot: lot.is_some(),
                received: received.is_some(),
                nums: [n(4)?, n(5)?, n(6)?, n(9)?],
                part_lc: t(10)?.unwrap_or_default(),
                bin_lc: t(11)?.unwrap_or_default(),
                search: t(12)?.unwrap_or_default(),
            });
        }
    }
    Ok(match copy.finish(&name, fetched_at, totals) {
        Some(snap) => Read::Copy(snap),
        None => Read::TooLarge,
    })
}
