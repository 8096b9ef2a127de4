use std::path::{Path, PathBuf};

/// Where Portdesk keeps its files on this machine.
#[derive(Debug, Clone)]
pub struct AppPaths {
    /// Portal store (SQLite), demo ERP, ERP cache.
    pub data_dir: PathBuf,
    pub config_file: PathBuf,
    pub log_dir: PathBuf,
}

/// This process's hold on a data folder (see [`AppPaths::lock_data_dir`]).
#[derive(Debug)]
pub struct DataDirLock {
    _file: std::fs::File,
}

/// Overrides every location with one folder (tests, portable installs, kiosks).
pub const HOME_ENV: &str = "PORTDESK_HOME";

impl AppPaths {
    /// The OS locations (e.g. `%LOCALAPPDATA%\Portdesk` on Windows, `~/.local/share/portdesk`
    /// on Linux), or `$PORTDESK_HOME` when set.
    pub fn detect() -> Result<Self, String> {
        if let Some(home) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
            return Ok(Self::in_folder(Path::new(&home)));
        }
        let dirs = directories::ProjectDirs::from("com", "Portdesk", "Portdesk")
            .ok_or("cannot find the user's home folder to keep Portdesk's data in")?;
        Ok(AppPaths {
            data_dir: dirs.data_local_dir().to_path_buf(),
            config_file: dirs.config_dir().join("portdesk.toml"),
            log_dir: dirs.data_local_dir().join("logs"),
        })
    }

    /// Takes this data folder for this process: one Portdesk (the app or a command line) at
    /// a time, so `portdesk store move-to` or `mail flush` never runs beside the app on the
    /// same store and sender. Held until the returned guard is dropped; the OS releases it
    /// when the process ends, however it ends.
    pub fn lock_data_dir(&self) -> Result<DataDirLock, String> {
        // A file system that cannot lock at all (some network shares, an emulator) does not
        // stop Portdesk: only another process holding the folder does.
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", self.data_dir.display()))?;
        let path = self.data_dir.join(".portdesk.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "another Portdesk (the app or a command) is using the data folder {} right now. Close it first, then try again.",
                self.data_dir.display()
            )),
            Err(std::fs::TryLockError::Error(e)) => {
                tracing::warn!(path = %path.display(), "the data folder cannot be locked here: {e}");
                Ok(DataDirLock { _file: file })
            }
        }
    }

    pub fn in_folder(dir: &Path) -> Self {
        AppPaths {
            data_dir: dir.to_path_buf(),
            config_file: dir.join("portdesk.toml"),
            log_dir: dir.join("logs"),
        }
    }

    pub fn default_store_file(&self) -> PathBuf {
        self.data_dir.join("portdesk.db")
    }

    pub fn default_demo_erp_file(&self) -> PathBuf {
        self.data_dir.join("demo-erp.db")
    }
}
