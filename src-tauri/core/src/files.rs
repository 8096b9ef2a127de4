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
