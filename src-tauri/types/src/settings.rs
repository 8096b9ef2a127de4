//! Connection settings edited in the Settings window and kept in the config file.
//! Passwords are never part of these: they live in the OS keyring.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum ErpSettings {
    /// The bundled demo ERP (a generated SQLite file); `path` overrides its location.
    Demo {
        #[serde(default)]
        path: Option<String>,
    },
    SqlServer(SqlServerSettings),
}

impl Default for ErpSettings {
    fn default() -> Self {
        ErpSettings::Demo { path: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// Encrypt the whole connection; fail when the server cannot.
    #[default]
    Required,
    /// Encrypt the login only (SQL Server's "encrypt=false").
    LoginOnly,
    /// No TLS at all (test servers and legacy instances only).
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SqlServerSettings {
    pub host: String,
    pub port: u16,
    /// Named instance (e.g. `SQLEXPRESS`); empty for the default instance.
    pub instance: String,
    pub database: String,
    pub user: String,
    pub tls: TlsMode,
    /// Accept a self-signed server certificate (common on-premises).
    pub trust_server_certificate: bool,
    pub connect_timeout_secs: u32,
    pub command_timeout_secs: u32,
    /// The site's inventory query (one parameter, @P1 = the ERP customer code); empty uses the
    /// documented default over the PORTDESK_INVENTORY view.
    pub inventory_query_by_code: String,
    /// The former setting, whose @P1 was the customer name. Kept only to refuse it: a query
    /// by name could show one customer another's stock, so the ERP refuses to run it.
    #[serde(rename = "inventory_query", skip_serializing_if = "String::is_empty")]
    pub legacy_inventory_query_by_name: String,
}

impl Default for SqlServerSettings {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 1433,
            instance: String::new(),
            database: "ERP".into(),
            user: "portdesk_reader".into(),
            tls: TlsMode::Required,
            trust_server_certificate: false,
            connect_timeout_secs: 10,
            command_timeout_secs: 30,
            inventory_query_by_code: String::new(),
            legacy_inventory_query_by_name: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum StoreSettings {
    /// Embedded SQLite file; `path` overrides the default in the app-data folder.
    Sqlite {
        #[serde(default)]
        path: Option<String>,
    },
    Postgres(PostgresSettings),
}

/// Where a saved secret is sent: the same text for the same server and account, compared
/// by the core before a saved secret is used and by the UI to ask for it again. Hosts are
/// compared without case (DNS ignores it); anything else must match exactly.
pub fn secret_server(kind: &str, user: &str, host: &str, port: u16, extra: &str) -> String {
    format!(
        "{kind}://{}@{}:{port}/{extra}",
        user.trim(),
        host.trim().to_ascii_lowercase()
    )
}

/// The message shown when a saved secret would go to another server than the one it was
/// typed for.
pub const RETYPE_PASSWORD: &str =
    "Type the password again: the server or user changed since it was saved.";

impl ErpSettings {
    /// The server the ERP password belongs to; `None` for the demo ERP (no password).
    pub fn secret_server(&self) -> Option<String> {
        match self {
            ErpSettings::Demo { .. } => None,
            ErpSettings::SqlServer(s) => Some(secret_server(
                "mssql",
                &s.user,
                &s.host,
                s.port,
                s.instance.trim(),
            )),
        }
    }
}

impl StoreSettings {
    /// The server the store password belongs to; `None` for SQLite (no password).
    pub fn secret_server(&self) -> Option<String> {
        match self {
            StoreSettings::Sqlite { .. } => None,
            StoreSettings::Postgres(p) => {
                Some(secret_server("postgres", &p.user, &p.host, p.port, ""))
            }
        }
    }
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings::Sqlite { path: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostgresSettings {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    /// Secure by default: `false` means TLS with the server's certificate and name verified
    /// (`verify-full`) and a server without TLS refused before any password is sent. `true`
    /// (test servers only) lets the connection go unencrypted: audited when saved, and every
    /// window's status line warns.
    #[serde(default)]
    pub allow_unencrypted: bool,
    pub connect_timeout_secs: u32,
    /// Pooled connections this desktop keeps to the server at most (1-20; none: 2, at a kiosk
    /// 1); the live-update listener is one more. See the README's sizing table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_size: Option<u32>,
    /// Seconds an unused pooled connection stays open before it is given back to the server
    /// (5-3600; none: 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_secs: Option<u32>,
    /// The primary's standbys (`host:port` each), tried in order after `host` when it does
    /// not answer or is itself in recovery: Portdesk only ever writes to the server that is
    /// not in recovery, and looks for it again when the one it used stops answering.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub standbys: Vec<String>,
}

impl PostgresSettings {
    /// The servers to try, in order: `host` first, then each standby (same database, user
    /// and TLS rules). An entry that is not `host:port` is named.
    pub fn servers(&self) -> Result<Vec<PostgresSettings>, String> {
        let first = PostgresSettings {
            standbys: Vec::new(),
            ..self.clone()
        };
        let mut all = vec![first.clone()];
        for s in self
            .standbys
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            let (host, port) = s
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.trim_matches(['[', ']']), p.parse::<u16>().ok()?)))
                .filter(|(h, p)| !h.is_empty() && *p > 0)
                .ok_or_else(|| {
                    format!("The standby \"{s}\" is not host:port (for example db2.site.lan:5432).")
                })?;
            all.push(PostgresSettings {
                host: host.to_owned(),
                port,
                ..first.clone()
            });
        }
        Ok(all)
    }

    /// This desktop's connection budget: (pooled connections, seconds an idle one is kept).
    /// Values out of range in the config file fall back to the defaults.
    pub fn pool_budget(&self, kiosk: bool) -> (u32, u32) {
        let size = self
            .pool_size
            .filter(|n| (1..=20).contains(n))
            .unwrap_or(if kiosk { 1 } else { 2 });
        let idle = self
            .idle_secs
            .filter(|s| (5..=3600).contains(s))
            .unwrap_or(30);
        (size, idle)
    }
}

/// The first word of a command that got no store connection in time, before the dispatch
/// tells busy from away (see `STORE_BUSY`); never shown.
pub const STORE_NO_CONNECTION: &str = "The portal store gave no connection in time.";

/// What a command answers when the shared store has no connection for it within the connect
/// timeout (every pooled connection busy, or the server at its connection limit): nothing was
/// changed, and every window's status line says the store is busy for a minute.
pub const STORE_BUSY: &str = "The shared store is busy: every connection this desktop may use is taken, or the server has reached its connection limit. Try again in a moment (if you were saving, look first whether it was saved).";

impl Default for PostgresSettings {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 5432,
            database: "portdesk".into(),
            user: "portdesk".into(),
            allow_unencrypted: false,
            connect_timeout_secs: 10,
            pool_size: None,
            idle_secs: None,
            standbys: Vec::new(),
        }
    }
}

/// The site's own certificates, trusted beside the operating system's store by every TLS
/// connection Portdesk makes. Set in Settings, in the config file (`[tls]
/// trusted_certificates = "…"`) or, for every user of a machine, in the machine config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct TlsSettings {
    /// A PEM file of CA certificates (a path on this desktop); unset or empty: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_certificates: Option<String>,
}

impl TlsSettings {
    /// The file, if one is set.
    pub fn file(&self) -> Option<&str> {
        self.trusted_certificates
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }
}

/// One certificate of the trusted-certificates file, as the Settings window lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    /// YYYY-MM-DD (UTC).
    pub valid_until: String,
    /// A CA certificate (what a trust file should hold); a server's own certificate is
    /// listed too but only works for that one server.
    pub is_ca: bool,
}

/// A kiosk desktop: full-screen, customers only, signed out when idle. Set per machine in the
/// config file (`[kiosk] enabled = true`) or with `portdesk --kiosk`.
/// An admin can also set it machine-wide in a file standard users cannot edit (see
/// `portdesk_core::config::machine_config_path`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KioskSettings {
    pub enabled: bool,
    /// Sign out after this long without a key press, click or touch (at least 10 s).
    pub idle_seconds: u32,
    /// Whether customers may export to Excel at this kiosk.
    pub allow_export: bool,
    /// The one folder a kiosk's exports go to (the app names the file). Unset: a
    /// "Portdesk exports" folder in the data folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_dir: Option<String>,
}

impl KioskSettings {
    /// The shortest idle time honoured: a shorter one would sign a customer out mid-sentence.
    pub const MIN_IDLE_SECONDS: u32 = 10;

    /// The idle time in force (`idle_seconds`, at least [`Self::MIN_IDLE_SECONDS`]).
    pub fn idle_limit(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.idle_seconds.max(Self::MIN_IDLE_SECONDS)))
    }
}

impl Default for KioskSettings {
    fn default() -> Self {
        KioskSettings {
            enabled: false,
            idle_seconds: 120,
            allow_export: false,
            export_dir: None,
        }
    }
}

/// Sign-in protection, shared by every desktop on the same store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecuritySettings {
    /// The card's version when read; a save names it, and a save from a stale card is
    /// refused (`None`: a caller that did not read it, such as a test or a script).
    #[serde(default)]
    pub version: Option<i64>,
    /// Failed sign-ins in a row that lock an account (1-20).
    pub max_failed_logins: u32,
    /// How long a locked account stays locked (1-1440 minutes).
    pub lockout_minutes: u32,
}

/// The settings module's commands (re-exported by [`crate::api`]).
pub mod commands {
    use super::*;
    use crate::api::{
        ConnectionTest, SaveSettingsRequest, SettingsView, TestErpRequest, TestStoreRequest,
    };

    crate::api::declare_commands! {
        SETTINGS_COMMANDS;
        GetSettings = "get_settings": () => SettingsView, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        SaveSettings = "save_settings": SaveSettingsRequest => SettingsView, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        GetSecuritySettings = "get_security_settings": () => SecuritySettings, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        SaveSecuritySettings = "save_security_settings": SecuritySettings => SecuritySettings, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        TestErpConnection = "test_erp_connection": TestErpRequest => ConnectionTest, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        TestStoreConnection = "test_store_connection": TestStoreRequest => ConnectionTest, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        /// Copies this desktop's SQLite store to an empty PostgreSQL database in one
        /// transaction (progress as `StoreMoveEvent`), then switches the desktop to it.
        MoveStore = "move_store": MoveStoreRequest => MoveStoreReply, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        /// This desktop's backups of its embedded store: settings, the copies kept, the last
        /// good one and what is wrong.
        GetBackups = "get_backups": () => BackupStatus, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        SaveBackupSettings = "save_backup_settings": BackupSettings => BackupStatus, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        /// Takes a backup now (a consistent copy while the app runs).
        BackUpNow = "back_up_now": () => BackupStatus, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        /// Checks the store's integrity and reports in words.
        CheckStore = "check_store": () => StoreCheck, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
        /// Verifies a backup, keeps the current store aside, swaps and reopens the store.
        RestoreBackup = "restore_backup": RestoreRequest => RestoreReply, crate::api::Access::Roles(crate::modules::ModuleId::Settings.allowed_roles());
    }
}

/// When and where this desktop backs up its embedded store (`[backup]` in its config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupSettings {
    /// The folder backups go to (a network share is the usual choice); none: the `backups`
    /// folder in the data folder.
    pub folder: Option<String>,
    /// Hours between backups (1-168); 0 turns the schedule off.
    pub every_hours: u32,
    /// Backups kept (1-1000); the oldest are removed first.
    pub keep: u32,
    /// Also back up when the app closes.
    pub at_exit: bool,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            folder: None,
            every_hours: 4,
            keep: 30,
            at_exit: true,
        }
    }
}

/// One complete backup (its copy and its checksum file both there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupEntry {
    /// The copy's full path.
    pub file: String,
    /// Unix ms.
    pub taken_at: i64,
    pub bytes: u64,
    pub app_version: String,
    pub schema_version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupStatus {
    pub settings: BackupSettings,
    /// The folder in force (the setting, or the default).
    pub folder: String,
    /// Whether this desktop's store is the embedded one (a server is backed up on the server).
    pub embedded: bool,
    /// Newest first.
    pub backups: Vec<BackupEntry>,
    /// Beside a server: backups of this desktop's own file (a laptop's journal of offline
    /// edits), newest first.
    #[serde(default)]
    pub laptop: Vec<BackupEntry>,
    /// The last attempt's failure, in words, until a backup succeeds.
    pub last_error: Option<String>,
    /// What the status line says (failed, or the last good backup is too old).
    pub warning: Option<String>,
}

/// An integrity check of the store, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCheck {
    pub ok: bool,
    /// One line per finding ("integrity: ok", "orders row 12 names customer 9, which does
    /// not exist", …).
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RestoreRequest {
    /// The backup copy to restore (its checksum file beside it).
    pub file: String,
    /// Restore even though the backup was taken at another site (asked first).
    #[serde(default)]
    pub other_site: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreReply {
    pub restored_from: String,
    /// Where the store as it was is kept.
    pub kept_aside: String,
    /// When the backup was taken (Unix ms).
    pub taken_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveStoreRequest {
    pub postgres: PostgresSettings,
    pub password: Option<crate::Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveStoreReply {
    pub tables: u32,
    pub rows: u64,
    /// The SQLite file, left where it was as the backup.
    pub backup: String,
    /// The store the desktop works on now.
    pub store: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreMoveProgress {
    pub table: String,
    pub rows_done: u64,
    pub rows_total: u64,
}
