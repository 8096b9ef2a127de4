//! Writing user-visible files safely.

use crate::error::{CoreError, Result};
use std::path::Path;

/// Writes through `write` into a temp file beside `path`, then renames it into place: the
/// user never finds a half-written file, and a failure removes the temp file.
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(CoreError::validation(
            "path",
            format!("The folder {} does not exist.", dir.display()),
        ));
    }
    let name = path
        .file_name()
        .ok_or_else(|| CoreError::validation("path", "The file name is missing."))?;
    let tmp = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let result = write(&tmp).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|e| {
            CoreError::validation("path", format!("Cannot write {}: {e}", path.display()))
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| match e {
        CoreError::Internal(m) => {
            CoreError::validation("path", format!("Cannot write {}: {m}", path.display()))
        }
        other => other,
    })
}

/// The one way Portdesk writes an .xlsx sheet: constant-memory worksheet, fixed column widths,
/// a bold header row; then [`finish_sheet`] freezes the header and adds an autofilter, and
/// [`save_workbook`] writes the file atomically.
pub fn start_sheet<'a>(
    wb: &'a mut rust_xlsxwriter::Workbook,
    name: &str,
    columns: &[(&str, f64)],
) -> Result<&'a mut rust_xlsxwriter::Worksheet> {
    let ws = wb
        .add_worksheet_with_constant_memory()
        .map_err(xlsx_error)?;
    ws.set_name(name).map_err(xlsx_error)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, (_, width)) in columns.iter().enumerate() {
        ws.set_column_width(c as u16, *width).map_err(xlsx_error)?;
    }
    for (c, (header, _)) in columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *header, &bold)
            .map_err(xlsx_error)?;
    }
    Ok(ws)
}

/// Freezes the header row and puts an autofilter over `last_row` rows of `columns` columns.
pub fn finish_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    last_row: u32,
    columns: usize,
) -> Result<()> {
    ws.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    ws.autofilter(0, 0, last_row, (columns.max(1) - 1) as u16)
        .map_err(xlsx_error)?;
    Ok(())
}

pub fn save_workbook(wb: &mut rust_xlsxwriter::Workbook, path: &Path) -> Result<()> {
    write_atomically(path, |tmp| wb.save(tmp).map_err(xlsx_error))
}

pub fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> CoreError {
    CoreError::Internal(format!("cannot write the workbook: {e}"))
}
