//! Turning SQL Server cells into Portdesk values. An ERP's views return whatever types their
//! authors chose, so every reader accepts the types that can sensibly mean the value.

use tiberius::ColumnData;

/// Text of a cell; numbers and GUIDs are written out, NULL is `None`.
pub fn text(cell: &ColumnData<'_>) -> Option<String> {
    match cell {
        ColumnData::String(s) => s.as_ref().map(|s| s.trim_end().to_string()),
        ColumnData::U8(v) => v.map(|v| v.to_string()),
        ColumnData::I16(v) => v.map(|v| v.to_string()),
        ColumnData::I32(v) => v.map(|v| v.to_string()),
        ColumnData::I64(v) => v.map(|v| v.to_string()),
        ColumnData::F32(v) => v.map(|v| v.to_string()),
        ColumnData::F64(v) => v.map(|v| v.to_string()),
        ColumnData::Numeric(v) => v.map(|v| v.to_string()),
        ColumnData::Guid(v) => v.map(|v| v.to_string()),
        ColumnData::Bit(v) => v.map(|v| if v { "1".into() } else { "0".into() }),
        _ => None,
    }
}

/// A number from any numeric cell, or from text holding a number.
pub fn number(cell: &ColumnData<'_>) -> Option<f64> {
    match cell {
        ColumnData::U8(v) => v.map(f64::from),
        ColumnData::I16(v) => v.map(f64::from),
        ColumnData::I32(v) => v.map(f64::from),
        ColumnData::I64(v) => v.map(|v| v as f64),
        ColumnData::F32(v) => v.map(f64::from),
        ColumnData::F64(v) => *v,
        ColumnData::Numeric(v) => v.map(|n| n.value() as f64 / 10f64.powi(i32::from(n.scale()))),
        ColumnData::Bit(v) => v.map(|b| if b { 1.0 } else { 0.0 }),
        ColumnData::String(Some(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Index of a column by name (case-insensitive); the error names the missing column.
pub fn column_index(columns: &[tiberius::Column], name: &str) -> Result<usize, String> {
    columns
        .iter()
        .position(|c| c.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("the query's result has no column \"{name}\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use tiberius::numeric::Numeric;

    #[test]
    fn text_accepts_strings_numbers_and_null() {
        assert_eq!(
            text(&ColumnData::String(Some(Cow::Borrowed("ACME  ")))),
            Some("ACME".into())
        );
        assert_eq!(text(&ColumnData::I32(Some(42))), Some("42".into()));
        assert_eq!(text(&ColumnData::I64(Some(-7))), Some("-7".into()));
        assert_eq!(text(&ColumnData::String(None)), None);
        assert_eq!(text(&ColumnData::I32(None)), None);
    }

    #[test]
    fn number_accepts_every_numeric_type() {
        assert_eq!(number(&ColumnData::I32(Some(5))), Some(5.0));
        assert_eq!(number(&ColumnData::I64(Some(5_000_000_000))), Some(5e9));
        assert_eq!(number(&ColumnData::F64(Some(2.5))), Some(2.5));
        assert_eq!(number(&ColumnData::F32(Some(0.5))), Some(0.5));
        assert_eq!(number(&ColumnData::U8(Some(3))), Some(3.0));
        assert_eq!(
            number(&ColumnData::Numeric(Some(Numeric::new_with_scale(
                12345, 2
            )))),
            Some(123.45)
        );
        assert_eq!(
            number(&ColumnData::String(Some(Cow::Borrowed(" 12.5 ")))),
            Some(12.5)
        );
        assert_eq!(
            number(&ColumnData::String(Some(Cow::Borrowed("n/a")))),
            None
        );
        assert_eq!(number(&ColumnData::F64(None)), None);
    }
}
