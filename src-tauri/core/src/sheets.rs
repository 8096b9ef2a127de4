//! The one reader for every .xlsx a user imports (customers now; products, forecasts and the
//! catalogue next). A sheet comes from outside, so everything that could make it expensive is
//! checked before calamine expands it: the file size, the zip parts' expanded size (declared in
//! the central directory, then verified by decompressing without keeping anything), the shared
//! strings' declared count, and the sheet's extent (streamed cell by cell, never as a dense
//! range). Each refusal is a [`SheetError`] whose text names the limit.
//!
//! The caller declares its columns ([`Column`]: header name, type, limits); [`read`] returns
//! the typed rows and every bad cell with its row, column and a reason a user understands.

use crate::error::CoreError;
use calamine::{DataRef, Reader, Xlsx};
use chrono::{NaiveDate, Timelike};
use portdesk_types::accounts::ImportIssue;
use portdesk_types::password::check_email;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

/// What one import may cost. [`Limits::DEFAULT`] fits the largest planned import (a forecast
/// sheet of 100k rows x ~20 columns, about 70 MB of sheet XML) with room to spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the .xlsx file on disk.
    pub max_file_bytes: u64,
    /// Sum of the uncompressed sizes of all parts of the workbook.
    pub max_expanded_bytes: u64,
    /// Number of parts (files) in the zip container.
    pub max_parts: usize,
    /// Distinct texts in the shared strings table (calamine reserves memory for their count).
    pub max_shared_strings: u64,
    /// Rows of the sheet's extent, the header row included.
    pub max_rows: u32,
    /// Columns of the sheet's extent.
    pub max_columns: u32,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_file_bytes: 25 * MB,
        max_expanded_bytes: 256 * MB,
        max_parts: 10_000,
        max_shared_strings: 5_000_000,
        max_rows: 200_000,
        max_columns: 1_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

const MB: u64 = 1024 * 1024;

/// Why a workbook was refused as a whole. The text is the user's message.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("Cannot open {file}: {reason}")]
    Open { file: String, reason: String },
    #[error("The file is {}; the limit is {}.", size(*bytes), size(*limit))]
    FileTooLarge { bytes: u64, limit: u64 },
    #[error("Cannot open {file}: this is not an .xlsx workbook{hint}.")]
    NotXlsx { file: String, hint: &'static str },
    #[error("The file expands to {} when opened; the limit is {}.", size(*bytes), size(*limit))]
    ExpandsTooMuch { bytes: u64, limit: u64 },
    #[error("The workbook has {} parts; the limit is {}.", thousands(*parts as u64), thousands(*limit as u64))]
    TooManyParts { parts: usize, limit: usize },
    #[error("The workbook holds {} different texts; the limit is {}.", thousands(*count), thousands(*limit))]
    TooManyTexts { count: u64, limit: u64 },
    #[error("The sheet has {} rows; the limit is {}.", thousands(*rows), thousands(*limit as u64))]
    TooManyRows { rows: u64, limit: u32 },
    #[error("The sheet has {} columns; the limit is {}.", thousands(*columns), thousands(*limit as u64))]
    TooManyColumns { columns: u64, limit: u32 },
    #[error("Cannot open {file}: the workbook is damaged ({reason}).")]
    Damaged { file: String, reason: String },
    #[error("The workbook has no sheet.")]
    NoSheet,
}

impl From<SheetError> for CoreError {
    fn from(e: SheetError) -> Self {
        // Every refusal is about the file the user chose, which the UI names "path".
        CoreError::validation("path", e.to_string())
    }
}

/// The type a column's cells must have, with its limits.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Text of at most `max_chars` characters (trimmed). With `numbers`, a whole number is
    /// taken as its digits (codes typed as numbers); otherwise a number is refused.
    Text { max_chars: usize, numbers: bool },
    /// An e-mail address (trimmed, checked like a typed one).
    Email,
    /// A whole number in `min..=max`; a number typed as text is accepted.
    Integer { min: i64, max: i64 },
    /// A number in `min..=max`; a number typed as text is accepted.
    Number { min: f64, max: f64 },
    /// A date cell, or text in the form 2024-05-01.
    Date,
    /// Yes or no: Excel's TRUE / FALSE, 1 / 0, or the text yes / no (y / n, true / false).
    YesNo,
}

impl Kind {
    /// What the column holds, as the message names it ("…, not an e-mail address").
    fn noun(&self) -> &'static str {
        match self {
            Kind::Text { .. } => "the expected text",
            Kind::Email => "an e-mail address",
            Kind::Integer { .. } => "a whole number",
            Kind::Number { .. } => "a number",
            Kind::Date => "a date",
            Kind::YesNo => "yes or no",
        }
    }
}

/// One declared column: found by its header (case-insensitive; `aliases` also match).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub aliases: Vec<String>,
    pub kind: Kind,
    /// An empty cell in a non-empty row is a bad cell ("Name is required.").
    pub required: bool,
    /// The sheet may leave the whole column out (its cells then read as empty).
    pub optional_header: bool,
}

impl Column {
    pub fn new(name: impl Into<String>, kind: Kind) -> Self {
        Column {
            name: name.into(),
            aliases: Vec::new(),
            kind,
            required: false,
            optional_header: false,
        }
    }
    pub fn text(name: impl Into<String>, max_chars: usize) -> Self {
        Self::new(
            name,
            Kind::Text {
                max_chars,
                numbers: false,
            },
        )
    }
    /// Text that may have been typed as a whole number (ERP codes, part numbers).
    pub fn code(name: impl Into<String>, max_chars: usize) -> Self {
        Self::new(
            name,
            Kind::Text {
                max_chars,
                numbers: true,
            },
        )
    }
    pub fn email(name: impl Into<String>) -> Self {
        Self::new(name, Kind::Email)
    }
    pub fn integer(name: impl Into<String>, min: i64, max: i64) -> Self {
        Self::new(name, Kind::Integer { min, max })
    }
    pub fn number(name: impl Into<String>, min: f64, max: f64) -> Self {
        Self::new(name, Kind::Number { min, max })
    }
    pub fn date(name: impl Into<String>) -> Self {
        Self::new(name, Kind::Date)
    }
    pub fn yes_no(name: impl Into<String>) -> Self {
        Self::new(name, Kind::YesNo)
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn may_be_absent(mut self) -> Self {
        self.optional_header = true;
        self
    }
    pub fn aliases(mut self, names: &[&str]) -> Self {
        self.aliases.extend(names.iter().map(|s| (*s).to_owned()));
        self
    }
    fn matches(&self, header: &str) -> bool {
        let h = header.trim();
        h.eq_ignore_ascii_case(self.name.trim())
            || self.aliases.iter().any(|a| h.eq_ignore_ascii_case(a))
    }
}

/// A cell's typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Int(i64),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }
    /// The text of a text or e-mail column ("" when empty).
    pub fn as_text(&self) -> &str {
        match self {
            Value::Text(s) => s,
            _ => "",
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

/// One non-empty data row. Cells are in the order of the declared columns; a bad cell (already
/// in [`Sheet::issues`]) is `None`, so the caller can still check the row's other cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row number as Excel shows it.
    pub number: u32,
    cells: Vec<Option<Value>>,
}

impl Row {
    /// The value of declared column `column`; `None` when the cell was bad.
    pub fn get(&self, column: usize) -> Option<&Value> {
        self.cells.get(column).and_then(Option::as_ref)
    }
    /// The text of declared column `column`; `None` when the cell was bad.
    pub fn text(&self, column: usize) -> Option<&str> {
        self.get(column).map(Value::as_text)
    }
    /// No cell of this row was bad.
    pub fn is_clean(&self) -> bool {
        self.cells.iter().all(Option::is_some)
    }
}

/// What a sheet held: every non-empty data row, and every bad cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    /// Its name on the workbook's tab (every issue below names it too).
    pub name: String,
    pub rows: Vec<Row>,
    /// Sorted by row, then by declared column. A missing column is reported on the header row
    /// and then no rows are read.
    pub issues: Vec<ImportIssue>,
    /// Header cells no declared column took, as (column index from 0, text): columns the
    /// caller did not ask for, or a second column with a header already taken. The caller
    /// decides whether they matter (an import with dynamic columns reports them).
    pub unmatched: Vec<(u32, String)>,
    /// The header's row number as Excel shows it (0 when the sheet is empty).
    pub header_row: u32,
    /// Every header cell as (column index from 0, text), left to right.
    pub header: Vec<(u32, String)>,
}

/// Reads the first sheet of the .xlsx at `path`: its first non-empty row is the header, where
/// every declared column must appear. Blocking (run it on `spawn_blocking`).
pub fn read(path: &Path, columns: &[Column], limits: &Limits) -> Result<Sheet, SheetError> {
    let (file, name) = open_checked(path, limits)?;
    let mut wb = workbook(file, &name)?;
    let first = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or(SheetError::NoSheet)?;
    read_cells(&mut wb, &first, &name, columns, limits)
}

/// Like [`read`], and also the sheet named `second` (case-insensitive) when the workbook has
/// one, e.g. a hidden sheet an export wrote beside the data. The file is checked once; both
/// sheets are held to the same limits.
pub fn read_with(
    path: &Path,
    columns: &[Column],
    second: (&str, &[Column]),
    limits: &Limits,
) -> Result<(Sheet, Option<Sheet>), SheetError> {
    let (file, name) = open_checked(path, limits)?;
    let mut wb = workbook(file, &name)?;
    let names = wb.sheet_names();
    let first = names.first().cloned().ok_or(SheetError::NoSheet)?;
    let other = names
        .iter()
        .skip(1)
        .find(|n| n.trim().eq_ignore_ascii_case(second.0))
        .cloned();
    // The two sheets on two threads, each with its own reader of the file: a large export's
    // hidden sheet is as big as its data sheet.
    let (main, extra) = std::thread::scope(|scope| {
        let extra = other.map(|sheet| {
            let name = &name;
            scope.spawn(move || {
                let (file, _) = open_checked(path, limits)?;
                let mut wb = workbook(file, name)?;
                read_cells(&mut wb, &sheet, name, second.1, limits)
            })
        });
        let main = read_cells(&mut wb, &first, &name, columns, limits);
        let extra = extra.map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(SheetError::Damaged {
                    file: name.clone(),
                    reason: "its second sheet could not be read".into(),
                })
            })
        });
        (main, extra)
    });
    Ok((main?, extra.transpose()?))
}

/// The sheets named in `wanted` (case-insensitive), each read with its own columns when the
/// workbook has it, for a workbook that holds several tables (the forecast masters). Also
/// returns every sheet's name, so the caller can say what it found. The file is checked once.
pub fn read_named(
    path: &Path,
    wanted: &[(&str, &[Column])],
    limits: &Limits,
) -> Result<(Vec<String>, Vec<Option<Sheet>>), SheetError> {
    let (file, name) = open_checked(path, limits)?;
    let mut wb = workbook(file, &name)?;
    let names = wb.sheet_names();
    if names.is_empty() {
        return Err(SheetError::NoSheet);
    }
    let mut out = Vec::with_capacity(wanted.len());
    for (sheet, columns) in wanted {
        let found = names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(sheet))
            .cloned();
        out.push(match found {
            Some(s) => Some(read_cells(&mut wb, &s, &name, columns, limits)?),
            None => None,
        });
    }
    Ok((names, out))
}

/// Opens `path` and runs every check that comes before a parser sees it; returns the file
/// rewound, and its name for messages.
fn open_checked(path: &Path, limits: &Limits) -> Result<(BufReader<File>, String), SheetError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let open_err = |reason: String| SheetError::Open {
        file: file_name.clone(),
        reason,
    };
    let mut file = File::open(path).map_err(|e| {
        open_err(match e.kind() {
            std::io::ErrorKind::NotFound => "the file does not exist.".into(),
            std::io::ErrorKind::PermissionDenied => "permission denied.".into(),
            _ => format!("{e}."),
        })
    })?;
    // The size of the handle we read, not of whatever the path names a moment later.
    let meta = file.metadata().map_err(|e| open_err(format!("{e}.")))?;
    if !meta.is_file() {
        return Err(open_err("this is a folder, not a file.".into()));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(SheetError::FileTooLarge {
            bytes: meta.len(),
            limit: limits.max_file_bytes,
        });
    }
    sniff(&mut file, &file_name)?;
    check_container(&mut file, &file_name, limits)?;
    file.rewind().map_err(|e| open_err(format!("{e}.")))?;
    Ok((BufReader::new(file), file_name))
}

/// Refuses what is not a zip container before any parser sees it.
fn sniff(file: &mut File, name: &str) -> Result<(), SheetError> {
    let mut magic = [0u8; 8];
    let n = read_up_to(file, &mut magic).map_err(|e| SheetError::Open {
        file: name.into(),
        reason: format!("{e}."),
    })?;
    let magic = &magic[..n];
    if magic.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    let hint = if magic.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        " (it is an old-format .xls workbook or a password-protected file: save it in Excel as an .xlsx workbook without a password)"
    } else {
        ""
    };
    Err(SheetError::NotXlsx {
        file: name.into(),
        hint,
    })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Checks the zip central directory against the limits, then decompresses every part once into
/// nothing, so a part that expands beyond what it declares is refused before calamine reads it
/// into memory.
fn check_container(file: &mut File, name: &str, limits: &Limits) -> Result<(), SheetError> {
    let damaged = |reason: String| SheetError::Damaged {
        file: name.into(),
        reason,
    };
    file.rewind().map_err(|e| damaged(e.to_string()))?;
    let mut zip =
        zip::ZipArchive::new(BufReader::new(&mut *file)).map_err(|_| SheetError::NotXlsx {
            file: name.into(),
            hint: "",
        })?;
    if zip.len() > limits.max_parts {
        return Err(SheetError::TooManyParts {
            parts: zip.len(),
            limit: limits.max_parts,
        });
    }
    // Names and declared sizes from the central directory, by index.
    let mut parts: Vec<(String, u64)> = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| damaged(e.to_string()))?;
        let part = entry
            .name()
            .map_err(|e| damaged(e.to_string()))?
            .to_ascii_lowercase();
        parts.push((part, entry.size()));
    }
    if !parts.iter().any(|(n, _)| n == "[content_types].xml")
        || !parts.iter().any(|(n, _)| n.ends_with("workbook.xml"))
    {
        return Err(SheetError::NotXlsx {
            file: name.into(),
            hint: "",
        });
    }
    let total = parts
        .iter()
        .fold(0u64, |t, (_, size)| t.saturating_add(*size));
    if total > limits.max_expanded_bytes {
        return Err(SheetError::ExpandsTooMuch {
            bytes: total,
            limit: limits.max_expanded_bytes,
        });
    }
    // The declared sizes come from the file itself. Verify every part, whatever its name: a
    // relationship can point calamine at a part of any name.
    let mut buf = vec![0u8; 64 * 1024];
    for (i, (part, size)) in parts.iter().enumerate() {
        let size = *size;
        let is_sst = part.ends_with("sharedstrings.xml");
        let mut entry = zip.by_index(i).map_err(|e| damaged(e.to_string()))?;
        let mut head: Vec<u8> = Vec::new();
        let mut seen: u64 = 0;
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| damaged(format!("{part}: {e}")))?;
            if n == 0 {
                break;
            }
            seen += n as u64;
            if seen > size {
                return Err(damaged(format!(
                    "{part} expands beyond the size it declares"
                )));
            }
            if is_sst && head.len() < SST_HEAD {
                let take = n.min(SST_HEAD - head.len());
                head.extend_from_slice(&buf[..take]);
            }
        }
        if is_sst {
            check_shared_strings(&head, size, limits).map_err(|e| match e {
                SstProblem::Unreadable => damaged("its table of texts is unreadable".into()),
                SstProblem::TooMany(count) => SheetError::TooManyTexts {
                    count,
                    limit: limits.max_shared_strings,
                },
            })?;
        }
    }
    Ok(())
}

/// How much of sharedStrings.xml must hold its `<sst …>` start tag.
const SST_HEAD: usize = 64 * 1024;

enum SstProblem {
    Unreadable,
    TooMany(u64),
}

/// calamine reserves memory for the `uniqueCount` the table declares; a legit table cannot
/// declare more entries than its bytes hold (`<si/>` is 5 bytes), nor more than the limit.
fn check_shared_strings(head: &[u8], size: u64, limits: &Limits) -> Result<(), SstProblem> {
    let tag_start = find(head, b"sst")
        .and_then(|at| {
            // The element name: `<sst` or a prefixed `<x:sst`.
            let before = head[..at].last().copied();
            matches!(before, Some(b'<') | Some(b':')).then_some(at)
        })
        .ok_or(SstProblem::Unreadable)?;
    let tag_end = head[tag_start..]
        .iter()
        .position(|&b| b == b'>')
        .ok_or(SstProblem::Unreadable)?;
    let tag = &head[tag_start..tag_start + tag_end];
    let Some(at) = find(tag, b"uniqueCount") else {
        return Ok(());
    };
    let digits: Vec<u8> = tag[at + b"uniqueCount".len()..]
        .iter()
        .skip_while(|b| matches!(b, b' ' | b'=' | b'"' | b'\''))
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    let count = digits.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    if count > limits.max_shared_strings {
        return Err(SstProblem::TooMany(count));
    }
    if count > size / 5 {
        return Err(SstProblem::Unreadable);
    }
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn workbook<RS: Read + Seek>(rs: RS, name: &str) -> Result<Xlsx<RS>, SheetError> {
    Xlsx::new(rs).map_err(|e| match e {
        calamine::XlsxError::Password => SheetError::NotXlsx {
            file: name.into(),
            hint: " (it is password-protected: save it in Excel without a password)",
        },
        e => SheetError::Damaged {
            file: name.into(),
            reason: e.to_string(),
        },
    })
}

fn read_cells<RS: Read + Seek>(
    wb: &mut Xlsx<RS>,
    sheet: &str,
    name: &str,
    columns: &[Column],
    limits: &Limits,
) -> Result<Sheet, SheetError> {
    let damaged = |e: calamine::XlsxError| SheetError::Damaged {
        file: name.into(),
        reason: e.to_string(),
    };
    let mut cells = wb.worksheet_cells_reader(sheet).map_err(damaged)?;
    // The declared extent first: a sparse A1:XFD1048576 sheet stops here.
    let dim = cells.dimensions();
    check_extent(u64::from(dim.end.0) + 1, u64::from(dim.end.1) + 1, limits)?;

    let mut state = Collect::new(columns);
    while let Some(cell) = cells.next_cell().map_err(damaged)? {
        let (r, c) = cell.get_position();
        // The declared extent may lie: every cell is checked too.
        check_extent(u64::from(r) + 1, u64::from(c) + 1, limits)?;
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        if state.push(r + 1, c, value) == Flow::Stop {
            break;
        }
    }
    let mut read = state.finish();
    read.name = sheet.to_owned();
    for i in &mut read.issues {
        i.sheet = sheet.to_owned();
    }
    Ok(read)
}

fn check_extent(rows: u64, columns: u64, limits: &Limits) -> Result<(), SheetError> {
    if rows > u64::from(limits.max_rows) {
        return Err(SheetError::TooManyRows {
            rows,
            limit: limits.max_rows,
        });
    }
    if columns > u64::from(limits.max_columns) {
        return Err(SheetError::TooManyColumns {
            columns,
            limit: limits.max_columns,
        });
    }
    Ok(())
}

#[derive(PartialEq)]
enum Flow {
    Go,
    Stop,
}

/// Builds rows from cells streamed in sheet order.
struct Collect<'c> {
    columns: &'c [Column],
    /// Sheet column -> declared column, once the header is known.
    map: Option<Vec<Option<usize>>>,
    header_row: u32,
    header: Vec<(u32, String)>,
    /// The row being built: its number and cells.
    current: Option<(u32, Vec<Option<Value>>)>,
    sheet: Sheet,
    stopped: bool,
}

impl<'c> Collect<'c> {
    fn new(columns: &'c [Column]) -> Self {
        Collect {
            columns,
            map: None,
            header_row: 0,
            header: Vec::new(),
            current: None,
            sheet: Sheet::default(),
            stopped: false,
        }
    }

    /// Takes one non-empty cell (`row` as Excel numbers it).
    fn push(&mut self, row: u32, col: u32, value: &DataRef<'_>) -> Flow {
        if self.map.is_none() {
            if self.header_row == 0 {
                self.header_row = row;
            }
            if row == self.header_row {
                self.header.push((col, header_text(value)));
                return Flow::Go;
            }
            if !self.fix_header() {
                return Flow::Stop;
            }
        }
        if self.current.as_ref().is_none_or(|(n, _)| *n != row) {
            self.end_row();
            self.current = Some((row, vec![Some(Value::Empty); self.columns.len()]));
        }
        let Some(di) = self
            .map
            .as_ref()
            .and_then(|m| m.get(col as usize).copied().flatten())
        else {
            return Flow::Go;
        };
        let columns = self.columns;
        let column = &columns[di];
        let cell = match convert(value, &column.kind) {
            Ok(v) => Some(v),
            Err(message) => {
                self.sheet.issues.push(ImportIssue {
                    sheet: String::new(),
                    row,
                    column: column.name.clone(),
                    message,
                });
                None
            }
        };
        if let Some((_, cells)) = self.current.as_mut() {
            cells[di] = cell;
        }
        Flow::Go
    }

    /// Maps the header row's cells to the declared columns; reports every missing one.
    fn fix_header(&mut self) -> bool {
        let width = self
            .header
            .iter()
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut map = vec![None; width];
        let mut missing = Vec::new();
        self.sheet.header_row = self.header_row;
        self.header.sort_by_key(|(c, _)| *c);
        self.sheet.header = self.header.clone();
        for (di, column) in self.columns.iter().enumerate() {
            // The leftmost matching header wins.
            match self
                .header
                .iter()
                .filter(|(_, h)| column.matches(h))
                .map(|(c, _)| *c)
                .min()
            {
                Some(c) => map[c as usize] = Some(di),
                None if column.optional_header => {}
                None => missing.push(ImportIssue {
                    sheet: String::new(),
                    row: self.header_row.max(1),
                    column: column.name.clone(),
                    message: format!("The header row has no \"{}\" column.", column.name),
                }),
            }
        }
        if !missing.is_empty() {
            self.sheet.issues = missing;
            self.stopped = true;
            return false;
        }
        self.sheet.unmatched = self
            .header
            .iter()
            .filter(|(c, h)| map[*c as usize].is_none() && !h.is_empty())
            .cloned()
            .collect();
        self.map = Some(map);
        true
    }

    fn end_row(&mut self) {
        let Some((number, mut cells)) = self.current.take() else {
            return;
        };
        for (di, column) in self.columns.iter().enumerate() {
            if column.required && matches!(cells[di], Some(Value::Empty)) {
                self.sheet.issues.push(ImportIssue {
                    sheet: String::new(),
                    row: number,
                    column: column.name.clone(),
                    message: format!("{} is required.", column.name),
                });
                cells[di] = None;
            }
        }
        self.sheet.rows.push(Row { number, cells });
    }

    fn finish(mut self) -> Sheet {
        if self.stopped {
            return self.sheet;
        }
        if self.map.is_none() && !self.fix_header() {
            return self.sheet;
        }
        self.end_row();
        let order = |name: &str| self.columns.iter().position(|c| c.name == name);
        self.sheet.issues.sort_by_key(|i| (i.row, order(&i.column)));
        self.sheet
    }
}

fn header_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) => s.trim().to_owned(),
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number(*f),
        _ => String::new(),
    }
}

/// One cell to the column's type, or the user's message.
fn convert(value: &DataRef<'_>, kind: &Kind) -> Result<Value, String> {
    let wrong = || format!("This is {}, not {}.", describe(value), kind.noun());
    if let DataRef::Error(e) = value {
        return Err(format!("The cell holds an Excel error ({e})."));
    }
    let text = match value {
        DataRef::String(s) => Some(s.trim()),
        DataRef::SharedString(s) => Some(s.trim()),
        _ => None,
    };
    if text == Some("") {
        return Ok(Value::Empty);
    }
    match kind {
        Kind::Text { max_chars, numbers } => {
            let s = match (value, text) {
                (_, Some(s)) => s.to_owned(),
                (DataRef::Int(i), _) if *numbers => i.to_string(),
                (DataRef::Float(f), _) if *numbers && f.fract() == 0.0 && f.abs() < 1e15 => {
                    format!("{f:.0}")
                }
                _ => return Err(wrong()),
            };
            let n = s.chars().count();
            if n > *max_chars {
                return Err(format!(
                    "This is {} characters long; the limit is {}.",
                    thousands(n as u64),
                    thousands(*max_chars as u64)
                ));
            }
            Ok(Value::Text(s))
        }
        Kind::Email => {
            let s = text.ok_or_else(wrong)?;
            check_email(s)?;
            Ok(Value::Text(s.to_owned()))
        }
        Kind::Integer { min, max } => {
            let n = match (value, text) {
                (DataRef::Int(i), _) => *i,
                (DataRef::Float(f), _) if f.fract() == 0.0 && f.abs() < 9.0e15 => *f as i64,
                (_, Some(s)) => s.parse::<i64>().map_err(|_| wrong())?,
                _ => return Err(wrong()),
            };
            in_range(n as f64, *min as f64, *max as f64, &n.to_string())?;
            Ok(Value::Int(n))
        }
        Kind::Number { min, max } => {
            let n = match (value, text) {
                (DataRef::Int(i), _) => *i as f64,
                (DataRef::Float(f), _) => *f,
                (_, Some(s)) => s
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .ok_or_else(wrong)?,
                _ => return Err(wrong()),
            };
            in_range(n, *min, *max, &number(n))?;
            Ok(Value::Number(n))
        }
        Kind::Date => match (value, text) {
            (DataRef::DateTime(dt), _) if !dt.is_duration() => dt
                .as_datetime()
                .map(|d| Value::Date(d.date()))
                .ok_or_else(wrong),
            (DataRef::DateTimeIso(s), _) => s
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(Value::Date)
                .ok_or_else(wrong),
            (_, Some(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Value::Date)
                .map_err(|_| {
                    format!(
                        "This is {}, not a date: use a date cell or write it as 2024-05-01.",
                        describe(value)
                    )
                }),
            _ => Err(wrong()),
        },
        Kind::YesNo => match (value, text) {
            (DataRef::Bool(b), _) => Ok(Value::Bool(*b)),
            (DataRef::Int(1), _) => Ok(Value::Bool(true)),
            (DataRef::Int(0), _) => Ok(Value::Bool(false)),
            (DataRef::Float(f), _) if *f == 1.0 || *f == 0.0 => Ok(Value::Bool(*f == 1.0)),
            (_, Some(s)) => match s.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "1" => Ok(Value::Bool(true)),
                "no" | "n" | "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(format!(
                    "This is {}, not yes or no (TRUE / FALSE and 1 / 0 also do).",
                    describe(value)
                )),
            },
            _ => Err(format!(
                "This is {}, not yes or no (TRUE / FALSE and 1 / 0 also do).",
                describe(value)
            )),
        },
    }
}

fn in_range(n: f64, min: f64, max: f64, shown: &str) -> Result<(), String> {
    if n < min {
        return Err(format!("This is {shown}; the minimum is {}.", number(min)));
    }
    if n > max {
        return Err(format!("This is {shown}; the limit is {}.", number(max)));
    }
    Ok(())
}

/// A cell's value as a user sees it: "a date (2024-05-01)", "a number (12)".
fn describe(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => format!("a number ({i})"),
        DataRef::Float(f) => format!("a number ({})", number(*f)),
        DataRef::Bool(b) => format!("a TRUE/FALSE value ({})", if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(dt) if dt.is_duration() => {
            format!("a duration ({})", number(dt.as_f64()))
        }
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time().num_seconds_from_midnight() == 0 => {
                format!("a date ({})", d.format("%Y-%m-%d"))
            }
            Some(d) => format!("a date and time ({})", d.format("%Y-%m-%d %H:%M")),
            None => format!("a date ({})", number(dt.as_f64())),
        },
        DataRef::DateTimeIso(s) => format!("a date ({s})"),
        DataRef::DurationIso(s) => format!("a duration ({s})"),
        DataRef::String(s) => quoted(s),
        DataRef::SharedString(s) => quoted(s),
        DataRef::Error(e) => format!("an Excel error ({e})"),
        DataRef::Empty => "an empty cell".into(),
    }
}

fn quoted(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("text (\"{cut}…\")")
    } else {
        format!("text (\"{s}\")")
    }
}

/// A number as Excel would show it in a General cell: no ".0" on whole numbers.
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

/// 1048576 -> "1,048,576".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Bytes as "40 MB" / "3.2 GB" (binary units, one decimal rounded up, none when whole), so a
/// file just over a limit never reads as equal to it.
pub fn size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("GB", 1 << 30),
        ("MB", 1 << 20),
        ("KB", 1 << 10),
        ("bytes", 1),
    ];
    let (unit, scale) = UNITS
        .iter()
        .copied()
        .find(|(_, s)| bytes >= *s)
        .unwrap_or(("bytes", 1));
    if scale == 1 {
        return format!("{} bytes", thousands(bytes));
    }
    let tenths = (u128::from(bytes) * 10).div_ceil(u128::from(scale));
    if tenths % 10 == 0 {
        format!("{} {unit}", thousands((tenths / 10) as u64))
    } else {
        format!("{}.{} {unit}", thousands((tenths / 10) as u64), tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn sizes_and_counts_read_as_a_user_expects() {
        assert_eq!(thousands(1_048_576), "1,048,576");
        assert_eq!(thousands(100), "100");
        assert_eq!(thousands(200_000), "200,000");
        assert_eq!(size(25 * MB), "25 MB");
        assert_eq!(size(25 * MB + 1), "25.1 MB");
        assert_eq!(size(40 * MB), "40 MB");
        assert_eq!(size(3 << 30), "3 GB");
        assert_eq!(size(512), "512 bytes");
    }

    fn date(y: i32, m: u32, d: u32) -> DataRef<'static> {
        let serial = NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .signed_duration_since(NaiveDate::from_ymd_opt(1899, 12, 30).unwrap())
            .num_days() as f64;
        DataRef::DateTime(ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            false,
        ))
    }

    #[test]
    fn a_wrong_type_is_named_by_what_it_is_and_what_belongs() {
        let email = Kind::Email;
        assert_eq!(
            convert(&date(2024, 5, 1), &email).unwrap_err(),
            "This is a date (2024-05-01), not an e-mail address."
        );
        assert_eq!(
            convert(&DataRef::Float(12.0), &email).unwrap_err(),
            "This is a number (12), not an e-mail address."
        );
        let name = Kind::Text {
            max_chars: 200,
            numbers: false,
        };
        assert_eq!(
            convert(&DataRef::Int(12), &name).unwrap_err(),
            "This is a number (12), not the expected text."
        );
        assert!(
            convert(&DataRef::Bool(true), &name)
                .unwrap_err()
                .contains("a TRUE/FALSE value (TRUE)")
        );
        // Yes or no: Excel's logical values, 1 / 0 and the words all do.
        for (cell, want) in [
            (DataRef::Bool(false), false),
            (DataRef::Float(1.0), true),
            (DataRef::Int(0), false),
            (DataRef::String(" Yes ".into()), true),
            (DataRef::String("FALSE".into()), false),
        ] {
            assert_eq!(
                convert(&cell, &Kind::YesNo),
                Ok(Value::Bool(want)),
                "{cell:?}"
            );
        }
        assert_eq!(
            convert(&DataRef::Float(2.0), &Kind::YesNo).unwrap_err(),
            "This is a number (2), not yes or no (TRUE / FALSE and 1 / 0 also do)."
        );
        let code = Kind::Text {
            max_chars: 20,
            numbers: true,
        };
        assert_eq!(
            convert(&DataRef::Float(1042.0), &code).unwrap(),
            Value::Text("1042".into())
        );
        assert!(convert(&DataRef::Float(10.5), &code).is_err());
        assert_eq!(
            convert(&DataRef::Error(calamine::CellErrorType::NA), &name).unwrap_err(),
            "The cell holds an Excel error (#N/A)."
        );
    }

    #[test]
    fn text_length_and_number_ranges_name_their_limit() {
        let name = Kind::Text {
            max_chars: 200,
            numbers: false,
        };
        let long = "x".repeat(300);
        assert_eq!(
            convert(&DataRef::String(long), &name).unwrap_err(),
            "This is 300 characters long; the limit is 200."
        );
        let ok = "é".repeat(200);
        assert_eq!(
            convert(&DataRef::SharedString(&ok), &name).unwrap(),
            Value::Text(ok.clone()),
            "characters, not bytes"
        );
        assert_eq!(
            convert(&DataRef::String("  ".into()), &name).unwrap(),
            Value::Empty
        );
        let qty = Kind::Integer {
            min: 0,
            max: 1_000_000,
        };
        assert_eq!(convert(&DataRef::Float(7.0), &qty).unwrap(), Value::Int(7));
        assert_eq!(
            convert(&DataRef::String(" 12 ".into()), &qty).unwrap(),
            Value::Int(12)
        );
        assert_eq!(
            convert(&DataRef::Int(-3), &qty).unwrap_err(),
            "This is -3; the minimum is 0."
        );
        assert_eq!(
            convert(&DataRef::Float(2.5), &qty).unwrap_err(),
            "This is a number (2.5), not a whole number."
        );
        assert_eq!(
            convert(&DataRef::String("lots".into()), &qty).unwrap_err(),
            "This is text (\"lots\"), not a whole number."
        );
        let price = Kind::Number { min: 0.0, max: 1e6 };
        assert_eq!(
            convert(&DataRef::Float(9.99), &price).unwrap(),
            Value::Number(9.99)
        );
        assert!(
            convert(&DataRef::Float(2e6), &price)
                .unwrap_err()
                .contains("limit is 1000000")
        );
        let when = Kind::Date;
        assert_eq!(
            convert(&date(2027, 1, 31), &when).unwrap(),
            Value::Date(NaiveDate::from_ymd_opt(2027, 1, 31).unwrap())
        );
        assert_eq!(
            convert(&DataRef::String("2027-02-01".into()), &when).unwrap(),
            Value::Date(NaiveDate::from_ymd_opt(2027, 2, 1).unwrap())
        );
        assert!(
            convert(&DataRef::String("soon".into()), &when)
                .unwrap_err()
                .contains("not a date")
        );
    }

    #[test]
    fn a_shared_strings_table_may_not_declare_more_than_it_holds() {
        let l = Limits::DEFAULT;
        let sst =
            br#"<?xml version="1.0"?><sst xmlns="x" count="3" uniqueCount="2"><si><t>a</t></si>"#;
        assert!(check_shared_strings(sst, 200, &l).is_ok());
        let lie = br#"<sst uniqueCount="4000000000000">"#;
        assert!(matches!(
            check_shared_strings(lie, 200, &l),
            Err(SstProblem::TooMany(4_000_000_000_000))
        ));
        let small_lie = br#"<x:sst uniqueCount="1000">"#;
        assert!(matches!(
            check_shared_strings(small_lie, 200, &l),
            Err(SstProblem::Unreadable)
        ));
        assert!(matches!(
            check_shared_strings(b"<!-- nothing -->", 200, &l),
            Err(SstProblem::Unreadable)
        ));
    }
}
