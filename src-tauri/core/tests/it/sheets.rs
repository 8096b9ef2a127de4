//! The one .xlsx reader every import goes through: typed rows and bad cells, and hostile files
//! refused by their limits before they are expanded.

use crate::common;

use chrono::NaiveDate;
use common::xlsx::*;
use portdesk_core::sheets::{self, Column, Limits, SheetError, Value};
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

fn product_columns() -> Vec<Column> {
    vec![
        Column::code("Part", 20).required(),
        Column::text("Description", 50),
        Column::integer("Quantity", 0, 1_000_000).required(),
        Column::number("Price", 0.0, 100_000.0),
        Column::date("Available from"),
        Column::email("Supplier e-mail").aliases(&["supplier email"]),
    ]
}

fn read(path: &Path, columns: &[Column]) -> Result<sheets::Sheet, SheetError> {
    sheets::read(path, columns, &Limits::DEFAULT)
}

#[test]
fn typed_rows_and_every_bad_cell_with_row_column_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("products.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    // Headers in another order and case, one by its alias, plus a column nobody declared.
    for (c, h) in [
        "QUANTITY",
        "Part",
        "Notes",
        "Price",
        "available from",
        "Supplier email",
        "Description",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // Row 2: clean, the part typed as a number.
    ws.write_number(1, 0, 12).unwrap();
    ws.write_number(1, 1, 4711).unwrap();
    ws.write_string(1, 2, "anything").unwrap();
    ws.write_number(1, 3, 9.5).unwrap();
    let may = NaiveDate::from_ymd_opt(2027, 5, 1).unwrap();
    ws.write_datetime_with_format(1, 4, may, &day).unwrap();
    ws.write_string(1, 5, "sales@supplier.example").unwrap();
    // Row 3 is empty and skipped. Row 4: every cell wrong.
    ws.write_string(3, 0, "lots").unwrap();
    ws.write_boolean(3, 1, true).unwrap();
    ws.write_number(3, 3, -1).unwrap();
    ws.write_string(3, 4, "soon").unwrap();
    ws.write_datetime_with_format(3, 5, may, &day).unwrap();
    ws.write_string(3, 6, "d".repeat(51)).unwrap();
    // Row 5: required cells missing, only a note.
    ws.write_string(4, 2, "just a note").unwrap();
    wb.save(&path).unwrap();

    let sheet = read(&path, &product_columns()).unwrap();
    assert_eq!(sheet.rows.len(), 3, "{sheet:#?}");
    let good = &sheet.rows[0];
    assert_eq!(good.number, 2);
    assert!(good.is_clean());
    assert_eq!(good.text(0), Some("4711"));
    assert_eq!(good.get(1), Some(&Value::Empty));
    assert_eq!(good.get(2).and_then(Value::as_int), Some(12));
    assert_eq!(good.get(3).and_then(Value::as_number), Some(9.5));
    assert_eq!(good.get(4).and_then(Value::as_date), Some(may));
    assert_eq!(good.text(5), Some("sales@supplier.example"));

    let bad = &sheet.rows[1];
    assert_eq!(bad.number, 4);
    assert!(!bad.is_clean());
    let got: Vec<(u32, &str, &str)> = sheet
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_str(), i.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                4,
                "Part",
                "This is a TRUE/FALSE value (TRUE), not the expected text."
            ),
            (
                4,
                "Description",
                "This is 51 characters long; the limit is 50."
            ),
            (
                4,
                "Quantity",
                "This is text (\"lots\"), not a whole number."
            ),
            (4, "Price", "This is -1; the minimum is 0."),
            (
                4,
                "Available from",
                "This is text (\"soon\"), not a date: use a date cell or write it as 2024-05-01."
            ),
            (
                4,
                "Supplier e-mail",
                "This is a date (2027-05-01), not an e-mail address."
            ),
            (5, "Part", "Part is required."),
            (5, "Quantity", "Quantity is required."),
        ]
    );
    assert_eq!(sheet.rows[2].number, 5);
}

#[test]
fn a_missing_column_is_reported_on_the_header_row_and_no_row_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    // The header is the first non-empty row, here row 3.
    ws.write_string(2, 0, "Part").unwrap();
    ws.write_string(3, 0, "A-1").unwrap();
    wb.save(&path).unwrap();
    let sheet = read(&path, &product_columns()[..3]).unwrap();
    assert!(sheet.rows.is_empty());
    let got: Vec<(u32, &str)> = sheet
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_str()))
        .collect();
    assert_eq!(got, [(3, "Description"), (3, "Quantity")]);
    assert_eq!(
        sheet.issues[1].message,
        "The header row has no \"Quantity\" column."
    );
}

fn sparse(path: &Path, row: u32, col: u16) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Part").unwrap();
    ws.write_string(row, col, "far away").unwrap();
    wb.save(path).unwrap();
}

#[test]
fn a_sparse_sheet_is_refused_by_its_extent_without_expanding_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse.xlsx");
    sparse(&path, 1_048_575, 16_383);
    assert!(std::fs::metadata(&path).unwrap().len() < 10_000);
    let e = read(&path, &product_columns()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "The sheet has 1,048,576 rows; the limit is 200,000."
    );
    sparse(&path, 5, 16_383);
    let e = read(&path, &product_columns()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "The sheet has 16,384 columns; the limit is 1,000."
    );
    // Just inside the limits is fine.
    sparse(&path, 199_999, 999);
    let sheet = read(&path, &product_columns()[..1]).unwrap();
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(sheet.rows[0].number, 200_000);
}

#[test]
fn a_sheet_whose_declared_extent_lies_is_stopped_at_the_first_cell_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("liar.xlsx");
    write_with_sheet_xml(
        &path,
        &["Part"],
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>Part</t></is></c></row>
<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>
</sheetData></worksheet>"#,
    );
    let e = read(&path, &product_columns()[..1]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "The sheet has 1,048,576 rows; the limit is 200,000."
    );
}

#[test]
fn a_zip_bomb_is_refused_by_its_declared_size_and_a_lying_one_by_decompressing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.xlsx");
    let started = std::time::Instant::now();
    write_bomb(&path, 3 * 1024 - 1, None);
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len < 25 << 20, "the bomb is a small file: {len} bytes");
    let e = read(&path, &product_columns()).unwrap_err();
    assert!(matches!(e, SheetError::ExpandsTooMuch { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("The file expands to 3 GB when opened; the limit is 256 MB."),
        "{e}"
    );

    // The same bomb claiming a harmless size: found out after reading past that size.
    write_bomb(&path, 3 * 1024 - 1, Some(2_000));
    let e = read(&path, &product_columns()).unwrap_err();
    assert!(matches!(e, SheetError::Damaged { .. }), "{e:?}");
    // Our own count or the zip crate's, whichever notices first.
    assert!(
        e.to_string().starts_with(
            "Cannot open bomb.xlsx: the workbook is damaged (xl/worksheets/sheet1.xml"
        ),
        "{e}"
    );
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_shared_strings_table_that_claims_billions_of_texts_is_refused_before_calamine_reserves_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sst.xlsx");
    let mut parts = workbook_parts(&["Part"]);
    replace(
        &mut parts,
        deflated(
            SST_PART,
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="100000000000"><si><t>Part</t></si></sst>"#,
        ),
    );
    write_zip(&path, &parts);
    let e = read(&path, &product_columns()[..1]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "The workbook holds 100,000,000,000 different texts; the limit is 5,000,000."
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.xlsx");
    sparse(&path, 1, 0);
    // A real workbook padded to 40 MB (sparse on disk: nothing is written).
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(40 << 20)
        .unwrap();
    let e = read(&path, &product_columns()).unwrap_err();
    assert_eq!(e.to_string(), "The file is 40 MB; the limit is 25 MB.");
    let tight = Limits {
        max_file_bytes: 1_000,
        ..Limits::DEFAULT
    };
    sparse(&path, 1, 0);
    let e = sheets::read(&path, &product_columns(), &tight).unwrap_err();
    assert!(
        e.to_string().ends_with("; the limit is 1,000 bytes."),
        "{e}"
    );
}

#[test]
fn what_is_not_an_xlsx_workbook_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "photo.xlsx",
            PNG,
            "Cannot open photo.xlsx: this is not an .xlsx workbook.",
        ),
        (
            "notes.xlsx",
            b"Name,E-mail\nAnn,a@example.com\n",
            "Cannot open notes.xlsx: this is not an .xlsx workbook.",
        ),
        (
            "empty.xlsx",
            b"",
            "Cannot open empty.xlsx: this is not an .xlsx workbook.",
        ),
        (
            "old.xlsx",
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            "Cannot open old.xlsx: this is not an .xlsx workbook (it is an old-format .xls workbook or a password-protected file: save it in Excel as an .xlsx workbook without a password).",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04 and then nothing a zip needs",
            "Cannot open broken.xlsx: this is not an .xlsx workbook.",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let e = read(&path, &product_columns()).unwrap_err();
        assert_eq!(e.to_string(), message, "{name}");
    }
    // A zip that is not a workbook (say, a zipped folder of notes).
    let path = dir.path().join("archive.xlsx");
    write_zip(&path, &[deflated("notes.txt", b"hello")]);
    let e = read(&path, &product_columns()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Cannot open archive.xlsx: this is not an .xlsx workbook."
    );
    let e = read(&dir.path().join("missing.xlsx"), &product_columns()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Cannot open missing.xlsx: the file does not exist."
    );
}
