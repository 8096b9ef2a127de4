//! The config file (TOML): which ERP and which store to use. No secret is ever written here.

use portdesk_types::settings::{ErpSettings, KioskSettings, StoreSettings};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub erp: ErpSettings,
    pub store: StoreSettings,
    pub kiosk: KioskSettings,
}

/// Loads the config. A missing file means defaults. An unreadable or malformed file also means
/// defaults, plus a warning for the UI; the file is left untouched so nothing is lost.
pub fn load(path: &Path) -> (Config, Option<String>) {
    match std::fs::read_to_string(path) {
        Ok(text) => match toml::from_str::<Config>(&text) {
            Ok(cfg) => (cfg, None),
            Err(e) => {
                let msg = format!(
                    "The config file {} is malformed ({}); built-in defaults are in use and the file was left as it is.",
                    path.display(),
                    e.message().trim()
                );
                tracing::warn!("{msg}");
                (Config::default(), Some(msg))
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
        Err(e) => {
            let msg = format!(
                "The config file {} cannot be read ({e}); built-in defaults are in use.",
                path.display()
            );
            tracing::warn!("{msg}");
            (Config::default(), Some(msg))
        }
    }
}

/// Writes the config atomically (temp file + rename), so a crash never leaves half a file.
pub fn save(path: &Path, cfg: &Config) -> Result<(), String> {
    let text = toml::to_string_pretty(cfg).map_err(|e| format!("cannot encode settings: {e}"))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use portdesk_types::settings::{SqlServerSettings, TlsMode};

    #[test]
    fn missing_file_gives_defaults_without_warning() {
        let dir = tempfile::tempdir().unwrap();
        let (cfg, warn) = load(&dir.path().join("nope.toml"));
        assert_eq!(cfg, Config::default());
        assert!(warn.is_none());
    }

    #[test]
    fn malformed_file_gives_defaults_a_warning_and_stays_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("portdesk.toml");
        std::fs::write(&p, "[erp\nsource = ").unwrap();
        let (cfg, warn) = load(&p);
        assert_eq!(cfg, Config::default());
        let warn = warn.unwrap();
        assert!(
            warn.contains("malformed") && warn.contains("portdesk.toml"),
            "{warn}"
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "[erp\nsource = ");
    }

    #[test]
    fn round_trip_keeps_sql_server_settings_and_writes_no_password() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/portdesk.toml");
        let cfg = Config {
            erp: ErpSettings::SqlServer(SqlServerSettings {
                host: "erp.local".into(),
                tls: TlsMode::LoginOnly,
                ..Default::default()
            }),
            store: StoreSettings::default(),
            kiosk: KioskSettings::default(),
        };
        save(&p, &cfg).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(!text.to_lowercase().contains("password"), "{text}");
        assert_eq!(load(&p), (cfg, None));
    }
}
