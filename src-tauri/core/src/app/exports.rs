//! Where an export file goes: the path the user chose, the Downloads folder, or a kiosk's
//! one export folder.

use super::Portdesk;
use crate::error::{CoreError, Result};

impl Portdesk {
    /// A kiosk's export folder (`[kiosk] export_dir`, else "Portdesk exports" in the data
    /// folder) and a new dated file name in it.
    pub(crate) fn kiosk_export_path(
        &self,
        k: &portdesk_types::settings::KioskSettings,
        stem: &str,
    ) -> Result<std::path::PathBuf> {
        let dir = k
            .export_dir
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| self.paths.data_dir.join("Portdesk exports"));
        std::fs::create_dir_all(&dir).map_err(|e| {
            CoreError::validation(
                "path",
                format!(
                    "Cannot create the kiosk's export folder {}: {e}",
                    dir.display()
                ),
            )
        })?;
        let base = format!(
            "portdesk-{stem}-{}",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        // Two exports in one second get two files, never one overwritten.
        let mut path = dir.join(format!("{base}.xlsx"));
        let mut n = 2;
        while path.exists() {
            path = dir.join(format!("{base}-{n}.xlsx"));
            n += 1;
        }
        Ok(path)
    }

    /// The file an export goes to: the one asked for (must end in .xlsx), or a dated file in
    /// the user's Downloads folder.
    pub(crate) fn export_path(&self, asked: &str, stem: &str) -> Result<std::path::PathBuf> {
        let asked = asked.trim();
        if !asked.is_empty() {
            if !asked.to_ascii_lowercase().ends_with(".xlsx") {
                return Err(CoreError::validation(
                    "path",
                    "The export file name must end in .xlsx.",
                ));
            }
            return Ok(std::path::PathBuf::from(asked));
        }
        let dir = directories::UserDirs::new()
            .and_then(|d| d.download_dir().map(|p| p.to_path_buf()))
            .filter(|d| d.is_dir())
            .unwrap_or_else(|| self.paths.data_dir.join("exports"));
        std::fs::create_dir_all(&dir).map_err(|e| {
            CoreError::validation("path", format!("Cannot create {}: {e}", dir.display()))
        })?;
        Ok(dir.join(format!(
            "portdesk-{stem}-{}.xlsx",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        )))
    }
}
