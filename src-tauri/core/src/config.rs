//! The config file (TOML): which ERP and which store to use. No secret is ever written here.

use portdesk_types::settings::{
    BackupSettings, ErpSettings, KioskSettings, StoreSettings, TlsSettings,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub erp: ErpSettings,
    pub store: StoreSettings,
    pub kiosk: KioskSettings,
    /// The site's trusted certificates (`[tls] trusted_certificates = "…"`).
    pub tls: TlsSettings,
    /// A rep's laptop without the store (`[offline] max_days = 14`).
    pub offline: OfflineSettings,
    /// This desktop's backups of its embedded store (`[backup] every_hours = 4`).
    pub backup: BackupSettings,
}

/// How long a laptop's offline sign-in lasts without a contact with the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfflineSettings {
    /// Days without contact after which this desktop's offline records let nobody in
    /// (1-365; a deactivated rep keeps no offline access for longer than this).
    pub max_days: u32,
}

impl Default for OfflineSettings {
    fn default() -> Self {
        OfflineSettings {
            max_days: crate::accounts::offline::DEFAULT_MAX_DAYS,
        }
    }
}

impl OfflineSettings {
    /// The days in force: a value out of range in the file falls back to the default.
    pub fn days(&self) -> u32 {
        if (1..=365).contains(&self.max_days) {
            self.max_days
        } else {
            crate::accounts::offline::DEFAULT_MAX_DAYS
        }
    }
}

/// Overrides where the machine-wide config is read (tests; unusual installs). Empty: none.
pub const MACHINE_CONFIG_ENV: &str = "PORTDESK_MACHINE_CONFIG";

/// The machine-wide config, read in addition to the user's: an administrator creates it where
/// standard users can read but not change it, so its `[kiosk]` table cannot be turned off by
/// the kiosk's user. Windows: `%ProgramData%\Portdesk\portdesk.toml`; Linux:
/// `/etc/portdesk/portdesk.toml`; macOS: `/Library/Application Support/Portdesk/portdesk.toml`.
pub fn machine_config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(MACHINE_CONFIG_ENV) {
        return (!p.is_empty()).then(|| PathBuf::from(p));
    }
    if cfg!(target_os = "windows") {
        let base = std::env::var_os("ProgramData")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
        Some(base.join("Portdesk").join("portdesk.toml"))
    } else if cfg!(target_os = "macos") {
        Some(PathBuf::from(
            "/Library/Application Support/Portdesk/portdesk.toml",
        ))
    } else {
        Some(PathBuf::from("/etc/portdesk/portdesk.toml"))
    }
}

/// Loads the user's config file. A missing file means defaults. A file that cannot be parsed
/// keeps what can be read of it, section by section, plus a warning for the UI that names the
/// line; it fails closed: if the file names a kiosk, kiosk mode stays on with safe values. The
/// file is left untouched so nothing is lost.
pub fn load(path: &Path) -> (Config, Option<String>) {
    match read(path) {
        Read::Missing => (Config::default(), None),
        Read::Parsed(cfg) => (cfg, None),
        Read::Broken(cfg, warning) => (cfg, Some(warning)),
        Read::Unreadable(e) => {
            let msg = format!(
                "The config file {} cannot be read ({e}); built-in defaults are in use.",
                path.display()
            );
            tracing::warn!("{msg}");
            (Config::default(), Some(msg))
        }
    }
}

/// The user's config with the machine-wide one over it: a machine file whose `[kiosk]` turns
/// kiosk mode on decides every kiosk value, whatever the user's file says. Its `[tls]`
/// trusted certificates apply when the user's file names none (IT deploys the site's CA once
/// per machine). Nothing else of it is used. A machine file that exists but cannot be read or parsed keeps kiosk mode on
/// (an administrator creates one to lock a kiosk down).
/// The machine config's `[offline]` table, when it has one, sets the offline window.
fn take_offline(cfg: &mut Config, m: &OfflineSettings, machine: &Path) {
    let names_it = std::fs::read_to_string(machine)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("offline"));
    if names_it {
        cfg.offline.max_days = m.days();
    }
}

pub fn load_layers(user: &Path, machine: Option<&Path>) -> (Config, Option<String>) {
    let (mut cfg, mut warning) = load(user);
    // The user's own file may shorten a laptop's offline window, never lengthen it (a rep
    // must not keep offline access longer than the site allows); the machine config may.
    cfg.offline.max_days = cfg.offline.days().min(OfflineSettings::default().max_days);
    let Some(machine) = machine else {
        return (cfg, warning);
    };
    let (kiosk, machine_warning) = match read(machine) {
        Read::Missing => (None, None),
        Read::Parsed(m) => {
            take_tls(&mut cfg, m.tls);
            take_offline(&mut cfg, &m.offline, machine);
            (Some(m.kiosk), None)
        }
        Read::Broken(m, w) => {
            take_tls(&mut cfg, m.tls);
            (Some(m.kiosk), Some(w))
        }
        Read::Unreadable(e) => {
            let msg = format!(
                "The machine config file {} cannot be read ({e}); kiosk mode is on with safe settings.",
                machine.display()
            );
            tracing::warn!("{msg}");
            (Some(safe_kiosk()), Some(msg))
        }
    };
    if let Some(k) = kiosk.filter(|k| k.enabled) {
        cfg.kiosk = k;
    }
    if let Some(m) = machine_warning {
        warning = Some(match warning {
            Some(w) => format!("{w} {m}"),
            None => m,
        });
    }
    (cfg, warning)
}

/// The machine's trusted certificates, unless the user's config names its own.
fn take_tls(cfg: &mut Config, machine: TlsSettings) {
    if cfg.tls.file().is_none() && machine.file().is_some() {
        cfg.tls = machine;
    }
}

enum Read {
    Missing,
    Parsed(Config),
    Broken(Config, String),
    Unreadable(std::io::Error),
}

fn read(path: &Path) -> Read {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Read::Missing,
        Err(e) => return Read::Unreadable(e),
    };
    let err = match toml::from_str::<Config>(&text) {
        Ok(cfg) => return Read::Parsed(cfg),
        Err(e) => e,
    };
    let line = err
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let where_ = line.map(|l| format!(" on line {l}")).unwrap_or_default();
    let (cfg, kiosk_kept) = lenient(&text);
    let consequence = if kiosk_kept {
        "kiosk mode stays on with safe settings for the values that cannot be read"
    } else {
        "built-in defaults are in use for what cannot be read"
    };
    let msg = format!(
        "The config file {} is malformed{where_} ({}); {consequence}, and the file was left as it is.",
        path.display(),
        err.message().trim()
    );
    tracing::warn!("{msg}");
    Read::Broken(cfg, msg)
}

/// Kiosk values when the file's own cannot be read: customers only, no export.
fn safe_kiosk() -> KioskSettings {
    KioskSettings {
        enabled: true,
        ..KioskSettings::default()
    }
}

/// A second, forgiving look at a file that did not parse: each section that still decodes is
/// kept; a kiosk the file names stays a kiosk. Returns the config and whether kiosk mode is on.
fn lenient(text: &str) -> (Config, bool) {
    let Ok(table) = text.parse::<toml::Table>() else {
        // Not even TOML: look for a kiosk line by line.
        let kiosk = names_kiosk_in_text(text);
        let cfg = Config {
            kiosk: if kiosk {
                safe_kiosk()
            } else {
                KioskSettings::default()
            },
            ..Config::default()
        };
        return (cfg, kiosk);
    };
    fn section<T: serde::de::DeserializeOwned + Default>(t: &toml::Table, key: &str) -> T {
        t.get(key)
            .cloned()
            .and_then(|v| v.try_into().ok())
            .unwrap_or_default()
    }
    let kiosk = match table.get("kiosk").and_then(|k| k.as_table()) {
        // Any `enabled` other than a plain `false` counts as on: fail closed.
        Some(k) if k.get("enabled").is_some_and(|e| e.as_bool() != Some(false)) => {
            let d = KioskSettings::default();
            KioskSettings {
                enabled: true,
                idle_seconds: k
                    .get("idle_seconds")
                    .and_then(|v| v.as_integer())
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(d.idle_seconds),
                allow_export: k
                    .get("allow_export")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                export_dir: k
                    .get("export_dir")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
            }
        }
        Some(_) => section(&table, "kiosk"),
        // `kiosk = <anything but false>` is no valid kiosk table, but it names one.
        None if table
            .get("kiosk")
            .is_some_and(|v| v.as_bool() != Some(false)) =>
        {
            safe_kiosk()
        }
        None => KioskSettings::default(),
    };
    let on = kiosk.enabled;
    let cfg = Config {
        erp: section(&table, "erp"),
        store: section(&table, "store"),
        kiosk,
        tls: section(&table, "tls"),
        offline: section(&table, "offline"),
        backup: section(&table, "backup"),
    };
    (cfg, on)
}

/// Whether text that is not valid TOML names a kiosk: an `enabled` key other than `false` in a
/// `[kiosk]` table, `kiosk.enabled = ...`, or `kiosk = { enabled = ... }`.
fn names_kiosk_in_text(text: &str) -> bool {
    let not_false = |v: &str| {
        let v = v.trim();
        !(v == "false" || v.starts_with("false ") || v.starts_with("false#"))
    };
    let key_value = |line: &str, key: &str| -> Option<String> {
        let rest = line.strip_prefix(key)?.trim_start();
        Some(rest.strip_prefix('=')?.to_owned())
    };
    let mut in_kiosk = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            let name: String = line
                .trim_start_matches('[')
                .chars()
                .take_while(|c| *c != ']')
                .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                .collect();
            in_kiosk = name == "kiosk";
            continue;
        }
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if in_kiosk && key_value(line, "enabled").is_some_and(|v| not_false(&v)) {
            return true;
        }
        if let Some(v) = key_value(&compact, "kiosk.enabled")
            && not_false(&v)
        {
            return true;
        }
        if let Some(v) = key_value(&compact, "kiosk")
            && v.starts_with('{')
            && let Some(i) = v.find("enabled=")
            && not_false(&v[i + "enabled=".len()..].replace(['}', ','], " "))
        {
            return true;
        }
    }
    false
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

    /// A rep cannot lengthen their own offline window in the file they can edit; they may
    /// shorten it; the machine config (an administrator's) sets it either way.
    #[test]
    fn only_the_machine_config_lengthens_the_offline_window() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("portdesk.toml");
        let machine = dir.path().join("machine.toml");
        std::fs::write(&user, "[offline]\nmax_days = 365\n").unwrap();
        assert_eq!(load_layers(&user, None).0.offline.days(), 14);
        std::fs::write(&user, "[offline]\nmax_days = 7\n").unwrap();
        assert_eq!(load_layers(&user, None).0.offline.days(), 7);
        std::fs::write(&machine, "[offline]\nmax_days = 30\n").unwrap();
        assert_eq!(load_layers(&user, Some(&machine)).0.offline.days(), 30);
    }
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
            tls: TlsSettings::default(),
            offline: OfflineSettings::default(),
            backup: Default::default(),
        };
        save(&p, &cfg).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(!text.to_lowercase().contains("password"), "{text}");
        assert_eq!(load(&p), (cfg, None));
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn a_bad_kiosk_value_keeps_kiosk_mode_on_and_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = "# kiosk in the lobby\n[kiosk]\nenabled = true\nidle_seconds = -1\nallow_export = true\n";
        let p = write(dir.path(), "portdesk.toml", text);
        let (cfg, warn) = load(&p);
        assert!(cfg.kiosk.enabled, "a broken kiosk file stays a kiosk");
        assert_eq!(
            cfg.kiosk.idle_seconds,
            KioskSettings::default().idle_seconds
        );
        assert!(cfg.kiosk.allow_export, "values that do parse are kept");
        let warn = warn.unwrap();
        assert!(
            warn.contains("line 4") && warn.contains("kiosk mode stays on"),
            "{warn}"
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
    }

    #[test]
    fn a_syntax_error_in_a_kiosk_file_keeps_kiosk_mode_on() {
        let dir = tempfile::tempdir().unwrap();
        for text in [
            "[kiosk]\nenabled = true\nidle_seconds = \n",
            "[store\nbackend = 'sqlite'\n[kiosk]\nenabled=true\n",
            "[ kiosk ]\nenabled = tru\n",
            "kiosk.enabled = true\n[erp\n",
            "kiosk = { enabled = true, idle_seconds = }\n",
        ] {
            let p = write(dir.path(), "portdesk.toml", text);
            let (cfg, warn) = load(&p);
            assert!(cfg.kiosk.enabled, "{text:?}");
            assert!(
                !cfg.kiosk.allow_export,
                "safe default: no export ({text:?})"
            );
            assert!(warn.unwrap().contains("on line"), "{text:?}");
        }
    }

    #[test]
    fn a_broken_file_that_names_no_kiosk_is_no_kiosk_but_keeps_what_parses() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "portdesk.toml",
            "[erp]\nsource = \"sql_server\"\nhost = \"erp.local\"\n[kiosk]\nenabled = false\nidle_seconds = -5\n",
        );
        let (cfg, warn) = load(&p);
        assert!(!cfg.kiosk.enabled);
        assert!(
            matches!(&cfg.erp, ErpSettings::SqlServer(s) if s.host == "erp.local"),
            "{:?}",
            cfg.erp
        );
        assert!(warn.unwrap().contains("line 6"));
        let p = write(
            dir.path(),
            "portdesk.toml",
            "[erp\n[kiosk_extra]\nenabled = true\n",
        );
        assert!(!load(&p).0.kiosk.enabled);
    }

    #[test]
    fn the_machine_kiosk_wins_over_the_user_file() {
        let dir = tempfile::tempdir().unwrap();
        let user = write(
            dir.path(),
            "user.toml",
            "[kiosk]\nenabled = false\nallow_export = true\nidle_seconds = 3000\n",
        );
        let machine = write(
            dir.path(),
            "machine.toml",
            "[kiosk]\nenabled = true\nidle_seconds = 30\n",
        );
        let (cfg, warn) = load_layers(&user, Some(&machine));
        assert!(warn.is_none());
        assert!(
            cfg.kiosk.enabled,
            "the user file cannot turn a machine kiosk off"
        );
        assert_eq!(cfg.kiosk.idle_seconds, 30);
        assert!(
            !cfg.kiosk.allow_export,
            "kiosk values come from the machine file"
        );

        // A broken machine file is still a kiosk; a missing one changes nothing.
        let broken = write(dir.path(), "broken.toml", "[kiosk\nenabled = true\n");
        let (cfg, warn) = load_layers(&user, Some(&broken));
        assert!(cfg.kiosk.enabled);
        assert!(warn.unwrap().contains("broken.toml"));
        let (cfg, _) = load_layers(&user, Some(&dir.path().join("none.toml")));
        assert!(!cfg.kiosk.enabled);
        // A machine file without a kiosk leaves the user's kiosk on.
        let user_kiosk = write(dir.path(), "k.toml", "[kiosk]\nenabled = true\n");
        let plain = write(dir.path(), "plain.toml", "[kiosk]\nenabled = false\n");
        assert!(load_layers(&user_kiosk, Some(&plain)).0.kiosk.enabled);
    }
}
