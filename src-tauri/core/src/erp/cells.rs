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

/// An ISO date (YYYY-MM-DD) from a date, datetime, datetime2, smalldatetime or
/// datetimeoffset cell, or from text starting with such a date.
pub fn date(cell: &ColumnData<'static>) -> Option<String> {
    use chrono::{NaiveDate, NaiveDateTime};
    use tiberius::FromSql;
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    match cell {
        ColumnData::Date(_) => NaiveDate::from_sql(cell).ok().flatten().map(fmt),
        ColumnData::DateTime(_) | ColumnData::SmallDateTime(_) | ColumnData::DateTime2(_) => {
            NaiveDateTime::from_sql(cell)
                .ok()
                .flatten()
                .map(|d| fmt(d.date()))
        }
        ColumnData::DateTimeOffset(_) => chrono::DateTime::<chrono::Utc>::from_sql(cell)
            .ok()
            .flatten()
            .map(|d| fmt(d.date_naive())),
        ColumnData::String(Some(s)) => {
            let s = s.trim();
            NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                .ok()
                .map(fmt)
        }
        _ => None,
    }
}

/// Whether a cell is SQL NULL (of any type).
pub fn is_null(cell: &ColumnData<'_>) -> bool {
    matches!(
        cell,
        ColumnData::U8(None)
            | ColumnData::I16(None)
            | ColumnData::I32(None)
            | ColumnData::I64(None)
            | ColumnData::F32(None)
            | ColumnData::F64(None)
            | ColumnData::Bit(None)
            | ColumnData::String(None)
            | ColumnData::Guid(None)
            | ColumnData::Binary(None)
            | ColumnData::Numeric(None)
            | ColumnData::Xml(None)
            | ColumnData::DateTime(None)
            | ColumnData::SmallDateTime(None)
            | ColumnData::Time(None)
            | ColumnData::Date(None)
            | ColumnData::DateTime2(None)
            | ColumnData::DateTimeOffset(None)
    )
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
    fn date_accepts_every_date_type_and_iso_text() {
        use tiberius::time::{Date, DateTime, DateTime2, SmallDateTime, Time};
        // 2026-10-05 is day 739,893 since 0001-01-01 and day 46,298 since 1900-01-01.
        assert_eq!(
            date(&ColumnData::Date(Some(Date::new(739_893)))),
            Some("2026-10-05".into())
        );
        assert_eq!(
            date(&ColumnData::DateTime(Some(DateTime::new(
                46_298,
                300 * 3600
            )))),
            Some("2026-10-05".into())
        );
        assert_eq!(
            date(&ColumnData::SmallDateTime(Some(SmallDateTime::new(
                46_298, 60
            )))),
            Some("2026-10-05".into())
        );
        assert_eq!(
            date(&ColumnData::DateTime2(Some(DateTime2::new(
                Date::new(739_893),
                Time::new(0, 7)
            )))),
            Some("2026-10-05".into())
        );
        assert_eq!(
            date(&ColumnData::String(Some(Cow::Borrowed(
                "2026-10-05 14:00:00"
            )))),
            Some("2026-10-05".into())
        );
        assert_eq!(
            date(&ColumnData::String(Some(Cow::Borrowed("next week")))),
            None
        );
        assert_eq!(date(&ColumnData::Date(None)), None);
        assert_eq!(
            date(&ColumnData::I32(Some(5))),
            None,
            "a number is not a date"
        );
        assert!(is_null(&ColumnData::DateTime2(None)) && !is_null(&ColumnData::I32(Some(0))));
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
