//! The in-memory copy of recently used customers' snapshots, which answers filter + sort +
//! page + count + totals by scanning (a few milliseconds for 100k rows) instead of asking
//! SQLite, which stays the durable copy.
//!
//! Invariants:
//! - a copy is keyed by the ERP customer code exactly as the SQL rows are (`stock.customer`),
//!   and holds one snapshot whole: it is built from the rows a refresh writes and put in place
//!   only after that snapshot's transaction committed, or loaded from SQLite in one read
//!   transaction; a load that raced a commit is dropped, never put in place;
//! - every answer equals the SQL path's (`super::select_rows` / `super::push_where`): the same
//!   lower-cased columns, byte-wise comparisons (SQLite's BINARY), NOCASE as SQLite folds it
//!   (ASCII only, stopping at a NUL), NULL first, ties by `seq` (the row's index here), and a
//!   descending sort the exact reverse of the ascending one;
//! - memory is bounded: at most [`MAX_CUSTOMERS`] copies and [`MAX_BYTES`] in all, least
//!   recently used dropped first; a snapshot larger than the budget is not kept and is
//!   answered by SQLite.

use portdesk_types::inventory::{InventoryFilter, InventoryRow, InventorySort, InventoryTotals};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Copies kept at once (the customers a desk switches between).
pub const MAX_CUSTOMERS: usize = 4;
/// Memory for all copies together (~180 bytes a row, so about 3 million rows).
pub const MAX_BYTES: usize = 512 << 20;

/// Above this share of matching rows a page is found by walking the sort order (stops after
/// the page) rather than by sorting the matches.
const WALK_SHARE: usize = 16;

const HAS_LOT: u8 = 1;
const HAS_RECEIVED: u8 = 2;

/// The lower-cased columns the SQL path stores beside each row (`part_lc`, `bin_lc`,
/// `search`), computed once for both copies.
pub(crate) struct Lowered {
    pub part: String,
    pub bin: String,
    pub search: String,
}

impl Lowered {
    pub fn of(r: &InventoryRow) -> Lowered {
        Lowered {
            part: r.part.to_lowercase(),
            bin: r.bin.to_lowercase(),
            search: format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                r.part,
                r.description,
                r.bin,
                r.lot.as_deref().unwrap_or(""),
                r.unit
            )
            .to_lowercase(),
        }
    }
}

/// One row as the builder takes it: borrowed from a row being written, or from a row read
/// back from SQLite.
pub(crate) struct RowRef<'a> {
    /// part, description, bin, lot (or ""), unit, last_received (or "").
    pub text: [&'a str; 6],
    pub lot: bool,
    pub received: bool,
    /// on_hand, allocated, available, value.
    pub nums: [Option<f64>; 4],
    pub part_lc: &'a str,
    pub bin_lc: &'a str,
    pub search: &'a str,
}

impl<'a> RowRef<'a> {
    pub fn of(r: &'a InventoryRow, lc: &'a Lowered) -> RowRef<'a> {
        RowRef {
            text: [
                &r.part,
                &r.description,
                &r.bin,
                r.lot.as_deref().unwrap_or(""),
                &r.unit,
                r.last_received.as_deref().unwrap_or(""),
            ],
            lot: r.lot.is_some(),
            received: r.last_received.is_some(),
            nums: [r.on_hand, r.allocated, r.available, r.value],
            part_lc: &lc.part,
            bin_lc: &lc.bin,
            search: &lc.search,
        }
    }
}

/// One customer's snapshot, column by column in a few large buffers (a row's strings are
/// slices of one arena), so 100k rows take ~20 MB and a scan stays in the CPU's caches.
pub(crate) struct Snapshot {
    pub name: String,
    pub fetched_at: i64,
    /// Of every row, as the snapshot row in SQLite holds them.
    pub totals: InventoryTotals,
    rows: usize,
    /// part, description, bin, lot, unit, last_received of each row, back to back.
    text: String,
    /// The end of each of those six fields in `text` (a field starts where the last ended).
    text_ends: Vec<u32>,
    /// part_lc, bin_lc of each row.
    keys: String,
    keys_ends: Vec<u32>,
    /// `search` of each row, back to back: one haystack for the whole snapshot.
    search: String,
    search_ends: Vec<u32>,
    /// on_hand, allocated, available, value; NaN for none (SQLite stores NaN as NULL too).
    nums: Vec<[f64; 4]>,
    flags: Vec<u8>,
    /// The order of each sort, built on first use.
    orders: [OnceLock<SortOrder>; 10],
}

/// Row indices in ascending order of one sort (ties by index), and each row's position.
struct SortOrder {
    perm: Vec<u32>,
    rank: Vec<u32>,
}

/// Collects a snapshot while it is written; `None` once it outgrew the budget.
pub(crate) struct Builder {
    snap: Option<Snapshot>,
}

fn end(buf: &str) -> Option<u32> {
    u32::try_from(buf.len()).ok()
}

impl Builder {
    pub fn new() -> Builder {
        Builder {
            snap: Some(Snapshot {
                name: String::new(),
                fetched_at: 0,
                totals: InventoryTotals::default(),
                rows: 0,
                text: String::new(),
                text_ends: Vec::new(),
                keys: String::new(),
                keys_ends: Vec::new(),
                search: String::new(),
                search_ends: Vec::new(),
                nums: Vec::new(),
                flags: Vec::new(),
                orders: Default::default(),
            }),
        }
    }

    pub fn push(&mut self, r: RowRef<'_>) {
        let Some(s) = self.snap.as_mut() else { return };
        let mut ok = true;
        for f in r.text {
            s.text.push_str(f);
            ok &= end(&s.text).map(|e| s.text_ends.push(e)).is_some();
        }
        for k in [r.part_lc, r.bin_lc] {
            s.keys.push_str(k);
            ok &= end(&s.keys).map(|e| s.keys_ends.push(e)).is_some();
        }
        s.search.push_str(r.search);
        ok &= end(&s.search).map(|e| s.search_ends.push(e)).is_some();
        // As SQLite gives it back: an integral REAL is stored as an integer, so -0 reads as 0.
        s.nums.push(r.nums.map(|v| v.map_or(f64::NAN, |x| x + 0.0)));
        s.flags
            .push(if r.lot { HAS_LOT } else { 0 } | if r.received { HAS_RECEIVED } else { 0 });
        s.rows += 1;
        // Offsets are 32-bit; past the budget the copy is dropped and SQLite answers.
        if !ok || s.bytes() > MAX_BYTES {
            self.snap = None;
        }
    }

    pub fn finish(
        self,
        name: &str,
        fetched_at: i64,
        totals: InventoryTotals,
    ) -> Option<Arc<Snapshot>> {
        let mut s = self.snap?;
        s.name = name.to_owned();
        s.fetched_at = fetched_at;
        s.totals = totals;
        for v in [&mut s.text_ends, &mut s.keys_ends, &mut s.search_ends] {
            v.shrink_to_fit();
        }
        s.text.shrink_to_fit();
        s.keys.shrink_to_fit();
        s.search.shrink_to_fit();
        s.nums.shrink_to_fit();
        s.flags.shrink_to_fit();
        Some(Arc::new(s))
    }
}

/// An order-preserving key of a number where none sorts first (as NULL in SQLite); -0 and
/// +0 are equal there, so they are made one value.
fn num_key(v: f64) -> u64 {
    if v.is_nan() {
        return 0;
    }
    let b = (v + 0.0).to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// SQLite's NOCASE: ASCII letters folded, byte by byte; a NUL in both at the same place
/// ends the comparison, then the shorter sorts first.
fn nocase(a: &[u8], b: &[u8]) -> Ordering {
    for (&x, &y) in a.iter().zip(b) {
        let (fx, fy) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x == 0 || fx != fy {
            return match fx.cmp(&fy) {
                Ordering::Equal => a.len().cmp(&b.len()),
                o => o,
            };
        }
    }
    a.len().cmp(&b.len())
}

/// Row indices sorted by a text column (`None` first), ties by index; see `build_order`.
fn by_rank<'a>(
    n: usize,
    value: impl Fn(usize) -> Option<&'a [u8]>,
    cmp: fn(&[u8], &[u8]) -> Ordering,
) -> Vec<u32> {
    const NONE: u32 = u32::MAX;
    let mut ids: HashMap<&'a [u8], u32> = HashMap::new();
    let mut distinct: Vec<&'a [u8]> = Vec::new();
    let row_ids: Vec<u32> = (0..n)
        .map(|i| match value(i) {
            None => NONE,
            Some(v) => *ids.entry(v).or_insert_with(|| {
                distinct.push(v);
                (distinct.len() - 1) as u32
            }),
        })
        .collect();
    let mut order: Vec<u32> = (0..distinct.len() as u32).collect();
    order.sort_unstable_by(|a, b| cmp(distinct[*a as usize], distinct[*b as usize]));
    // Rank 0 is none; values equal under `cmp` (NOCASE: "A" and "a") share a rank.
    let mut rank_of = vec![0u64; distinct.len()];
    let mut r = 0u64;
    for (k, &d) in order.iter().enumerate() {
        if k == 0 || cmp(distinct[order[k - 1] as usize], distinct[d as usize]) != Ordering::Equal {
            r += 1;
        }
        rank_of[d as usize] = r;
    }
    let mut keyed: Vec<u64> = row_ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let r = if id == NONE { 0 } else { rank_of[id as usize] };
            r << 32 | i as u64
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|k| k as u32).collect()
}

impl Snapshot {
    /// What the copy holds in memory (the sort orders built so far included).
    pub fn bytes(&self) -> usize {
        let orders: usize = self
            .orders
            .iter()
            .filter_map(|o| o.get())
            .map(|o| (o.perm.capacity() + o.rank.capacity()) * 4)
            .sum();
        self.text.capacity()
            + self.keys.capacity()
            + self.search.capacity()
            + (self.text_ends.capacity() + self.keys_ends.capacity() + self.search_ends.capacity())
                * 4
            + self.nums.capacity() * 32
            + self.flags.capacity()
            + orders
            + self.name.capacity()
    }

    fn text_field(&self, i: usize, f: usize) -> &str {
        let k = i * 6 + f;
        let start = if k == 0 { 0 } else { self.text_ends[k - 1] };
        &self.text[start as usize..self.text_ends[k] as usize]
    }

    fn key(&self, i: usize, f: usize) -> &[u8] {
        let k = i * 2 + f;
        let start = if k == 0 { 0 } else { self.keys_ends[k - 1] };
        &self.keys.as_bytes()[start as usize..self.keys_ends[k] as usize]
    }

    fn opt_text(&self, i: usize, f: usize, flag: u8) -> Option<&str> {
        (self.flags[i] & flag != 0).then(|| self.text_field(i, f))
    }

    fn num(&self, i: usize, c: usize) -> Option<f64> {
        let v = self.nums[i][c];
        (!v.is_nan()).then_some(v)
    }

    pub fn row(&self, i: usize) -> InventoryRow {
        InventoryRow {
            part: self.text_field(i, 0).to_owned(),
            description: self.text_field(i, 1).to_owned(),
            bin: self.text_field(i, 2).to_owned(),
            lot: self.opt_text(i, 3, HAS_LOT).map(str::to_owned),
            on_hand: self.num(i, 0),
            allocated: self.num(i, 1),
            available: self.num(i, 2),
            unit: self.text_field(i, 4).to_owned(),
            last_received: self.opt_text(i, 5, HAS_RECEIVED).map(str::to_owned),
            value: self.num(i, 3),
        }
    }

    fn order(&self, sort: InventorySort) -> &SortOrder {
        let at = InventorySort::ALL
            .iter()
            .position(|s| *s == sort)
            .expect("every sort is listed");
        self.orders[at].get_or_init(|| self.build_order(sort))
    }

    /// Numbers sort by their order-preserving key; text by the rank of its distinct value
    /// (few distinct values are sorted with SQLite's comparison, then every row gets its
    /// value's rank, equal values under the comparison one rank). Ties go by index (`seq`).
    fn build_order(&self, sort: InventorySort) -> SortOrder {
        let n = self.rows;
        let text = |f: usize| move |i: usize| Some(self.text_field(i, f).as_bytes());
        let key = |f: usize| move |i: usize| Some(self.key(i, f));
        let opt = |f: usize, flag: u8| move |i: usize| self.opt_text(i, f, flag).map(str::as_bytes);
        let binary = |a: &[u8], b: &[u8]| a.cmp(b);
        let perm: Vec<u32> = match sort {
            InventorySort::Part => by_rank(n, key(0), binary),
            InventorySort::Description => by_rank(n, text(1), nocase),
            InventorySort::Bin => by_rank(n, key(1), binary),
            InventorySort::Lot => by_rank(n, opt(3, HAS_LOT), binary),
            InventorySort::Unit => by_rank(n, text(4), binary),
            InventorySort::LastReceived => by_rank(n, opt(5, HAS_RECEIVED), binary),
            InventorySort::OnHand => self.by_number(0),
            InventorySort::Allocated => self.by_number(1),
            InventorySort::Available => self.by_number(2),
            InventorySort::Value => self.by_number(3),
        };
        let mut rank = vec![0u32; n];
        for (p, &i) in perm.iter().enumerate() {
            rank[i as usize] = p as u32;
        }
        SortOrder { perm, rank }
    }

    fn by_number(&self, c: usize) -> Vec<u32> {
        let mut keyed: Vec<(u64, u32)> = (0..self.rows)
            .map(|i| (num_key(self.nums[i][c]), i as u32))
            .collect();
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, i)| i).collect()
    }

    /// The rows matching the filter, in index order, or `None` when it filters nothing.
    fn matching(&self, f: &InventoryFilter) -> Option<Vec<u32>> {
        let text = f.text.trim().to_lowercase();
        // The SQL path's range `col >= p AND col < p || U+10FFFF`, byte-wise.
        let ranges: Vec<(usize, Vec<u8>, Vec<u8>)> = [(0, &f.part_prefix), (1, &f.bin_prefix)]
            .into_iter()
            .filter_map(|(col, p)| {
                let p = p.trim().to_lowercase();
                (!p.is_empty()).then(|| {
                    let hi = format!("{p}\u{10ffff}").into_bytes();
                    (col, p.into_bytes(), hi)
                })
            })
            .collect();
        if text.is_empty() && ranges.is_empty() {
            return None;
        }
        let in_ranges = |i: usize| {
            ranges.iter().all(|(col, lo, hi)| {
                let k = self.key(i, *col);
                k >= lo.as_slice() && k < hi.as_slice()
            })
        };
        let mut out = Vec::new();
        if text.is_empty() {
            out.extend((0..self.rows).filter(|&i| in_ranges(i)).map(|i| i as u32));
            return Some(out);
        }
        // One search through the whole haystack; a match must lie inside one row's text.
        let finder = memchr::memmem::Finder::new(text.as_bytes());
        let hay = self.search.as_bytes();
        let (mut pos, mut row) = (0usize, 0usize);
        while let Some(found) = finder.find(&hay[pos..]) {
            let at = pos + found;
            while self.search_ends[row] as usize <= at {
                row += 1;
            }
            let row_end = self.search_ends[row] as usize;
            // A later start in the same row would cross its end too.
            pos = row_end;
            if at + text.len() <= row_end && in_ranges(row) {
                out.push(row as u32);
            }
            row += 1;
            if row == self.rows {
                break;
            }
        }
        Some(out)
    }

    /// Filter, sort and page: (rows, total, totals).
    pub fn query(
        &self,
        f: &InventoryFilter,
        offset: usize,
        limit: usize,
    ) -> (Vec<InventoryRow>, u64, InventoryTotals) {
        let order = self.order(f.sort);
        let Some(mut matches) = self.matching(f) else {
            let page = self.positions(f.descending, offset, limit, order);
            return (page, self.rows as u64, self.totals);
        };
        let totals = self.sum(&matches);
        let m = matches.len();
        let take = offset.saturating_add(limit).min(m);
        let page = if offset >= m {
            Vec::new()
        } else if m * WALK_SHARE > self.rows {
            // Many matches: walk the sort order until the page is full.
            let bits = self.bitset(&matches);
            self.walk(order, f.descending, &bits)
                .skip(offset)
                .take(take - offset)
                .map(|i| self.row(i))
                .collect()
        } else {
            let pos = |i: &u32| {
                let r = order.rank[*i as usize];
                if f.descending { u32::MAX - r } else { r }
            };
            if take < m {
                matches.select_nth_unstable_by_key(take - 1, pos);
            }
            let first = &mut matches[..take];
            first.sort_unstable_by_key(pos);
            first[offset..]
                .iter()
                .map(|&i| self.row(i as usize))
                .collect()
        };
        (page, m as u64, totals)
    }

    fn positions(
        &self,
        desc: bool,
        offset: usize,
        limit: usize,
        order: &SortOrder,
    ) -> Vec<InventoryRow> {
        let n = self.rows;
        (offset..offset.saturating_add(limit).min(n))
            .map(|p| order.perm[if desc { n - 1 - p } else { p }] as usize)
            .map(|i| self.row(i))
            .collect()
    }

    fn bitset(&self, matches: &[u32]) -> Vec<u64> {
        let mut bits = vec![0u64; self.rows.div_ceil(64)];
        for &i in matches {
            bits[i as usize / 64] |= 1 << (i % 64);
        }
        bits
    }

    fn walk<'a>(
        &'a self,
        order: &'a SortOrder,
        desc: bool,
        bits: &'a [u64],
    ) -> impl Iterator<Item = usize> + 'a {
        let n = self.rows;
        (0..n)
            .map(move |p| order.perm[if desc { n - 1 - p } else { p }] as usize)
            .filter(move |&i| bits[i / 64] & (1 << (i % 64)) != 0)
    }

    /// Every matching row in the shown order (for the export), one at a time.
    pub fn shown<'a>(&'a self, f: &InventoryFilter) -> impl Iterator<Item = InventoryRow> + 'a {
        let order = self.order(f.sort);
        let n = self.rows;
        let bits = match self.matching(f) {
            Some(m) => self.bitset(&m),
            None => vec![u64::MAX; n.div_ceil(64)],
        };
        let desc = f.descending;
        (0..n)
            .map(move |p| order.perm[if desc { n - 1 - p } else { p }] as usize)
            .filter(move |&i| bits[i / 64] & (1 << (i % 64)) != 0)
            .map(|i| self.row(i))
    }

    /// Compensated sums in row order, as SQLite's TOTAL() adds (Kahan-Babuska-Neumaier).
    fn sum(&self, matches: &[u32]) -> InventoryTotals {
        let mut acc = [(0f64, 0f64); 3];
        for &i in matches {
            for (c, (s, comp)) in acc.iter_mut().enumerate() {
                let v = self.nums[i as usize][c];
                if v.is_nan() {
                    continue;
                }
                let t = *s + v;
                *comp += if s.abs() >= v.abs() {
                    (*s - t) + v
                } else {
                    (v - t) + *s
                };
                *s = t;
            }
        }
        InventoryTotals {
            on_hand: acc[0].0 + acc[0].1,
            allocated: acc[1].0 + acc[1].1,
            available: acc[2].0 + acc[2].1,
        }
    }
}

/// The copies kept, most recently used last, and a counter per customer that every committed
/// snapshot moves on (so a load that raced a commit is recognised).
#[derive(Default)]
pub(crate) struct Resident {
    inner: Mutex<Inner>,
    /// One load from SQLite at a time: a second asker waits and finds it done.
    pub loading: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Inner {
    copies: Vec<(String, Arc<Snapshot>)>,
    generation: HashMap<String, u64>,
    /// Snapshots found too large to keep, by the generation they were found at: SQLite
    /// answers them without another attempt until the next commit.
    too_large: HashMap<String, u64>,
}

impl std::fmt::Debug for Resident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("Resident")
            .field("customers", &inner.copies.len())
            .finish_non_exhaustive()
    }
}

impl Resident {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The customer's copy, if kept (and marks it most recently used).
    pub fn get(&self, code: &str) -> Option<Arc<Snapshot>> {
        let mut inner = self.lock();
        let at = inner.copies.iter().position(|(c, _)| c == code)?;
        let entry = inner.copies.remove(at);
        let snap = entry.1.clone();
        inner.copies.push(entry);
        Some(snap)
    }

    /// The counter to hand back to [`Resident::loaded`].
    pub fn generation(&self, code: &str) -> u64 {
        self.lock().generation.get(code).copied().unwrap_or(0)
    }

    /// A snapshot of `code` was committed: its copy is replaced by `snap` (or dropped).
    pub fn committed(&self, code: &str, snap: Option<Arc<Snapshot>>) {
        let mut inner = self.lock();
        *inner.generation.entry(code.to_owned()).or_default() += 1;
        inner.copies.retain(|(c, _)| c != code);
        match snap {
            Some(s) => {
                inner.copies.push((code.to_owned(), s));
                inner.trim();
            }
            None => {
                let generation = inner.generation[code];
                inner.too_large.insert(code.to_owned(), generation);
            }
        }
    }

    /// A copy read from SQLite: kept only if no snapshot was committed since `generation`.
    pub fn loaded(&self, code: &str, generation: u64, snap: Arc<Snapshot>) -> bool {
        let mut inner = self.lock();
        if inner.generation.get(code).copied().unwrap_or(0) != generation {
            return false;
        }
        inner.copies.retain(|(c, _)| c != code);
        inner.copies.push((code.to_owned(), snap));
        inner.trim();
        true
    }

    pub fn too_large(&self, code: &str) -> bool {
        let inner = self.lock();
        let generation = inner.generation.get(code).copied().unwrap_or(0);
        inner.too_large.get(code) == Some(&generation)
    }

    pub fn found_too_large(&self, code: &str, generation: u64) {
        self.lock().too_large.insert(code.to_owned(), generation);
    }

    pub fn bytes(&self) -> usize {
        self.lock().copies.iter().map(|(_, s)| s.bytes()).sum()
    }

    /// Drops every copy (the file is being closed).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.copies.clear();
        for g in inner.generation.values_mut() {
            *g += 1;
        }
    }
}

impl Inner {
    fn trim(&mut self) {
        while self.copies.len() > MAX_CUSTOMERS
            || (self.copies.len() > 1
                && self.copies.iter().map(|(_, s)| s.bytes()).sum::<usize>() > MAX_BYTES)
        {
            self.copies.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nocase_folds_ascii_only_and_stops_at_nul() {
        assert_eq!(nocase(b"ABC", b"abc"), Ordering::Equal);
        assert_eq!(nocase(b"ab", b"abc"), Ordering::Less);
        assert_eq!(nocase(b"_", b"a"), Ordering::Less, "'_' < 'a' once folded");
        assert_eq!(nocase("É".as_bytes(), "é".as_bytes()), Ordering::Less);
        assert_eq!(nocase(b"a\0z", b"a\0b"), Ordering::Equal);
        assert_eq!(nocase(b"a\0zz", b"a\0b"), Ordering::Greater);
    }

    #[test]
    fn number_keys_keep_the_order_and_none_first() {
        let vals = [
            f64::NAN,
            f64::NEG_INFINITY,
            -2.5,
            -0.0,
            0.0,
            1e-300,
            3.0,
            1e300,
        ];
        let keys: Vec<u64> = vals.iter().map(|v| num_key(*v)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        assert_eq!(num_key(-0.0), num_key(0.0));
    }
}
