//! Every command between UI and core: name, request, reply.
//!
//! The Tauri shell registers one handler per command under `C::NAME`, taking a single
//! argument `req: C::Request`; the UI calls `call::<C>(&req)`.

use crate::mail::*;
use crate::modules::{ModuleId, ModuleInfo};
use crate::roles::Role;
use crate::secret::Secret;
use crate::settings::{ErpSettings, KioskSettings, StoreSettings};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A command of the core: its name, request, reply and **who may call it**, declared once
/// (next to its request and reply) for both sides: the core's router enforces `ACCESS`, and
/// a window asks the same `ACCESS` whether to offer the button — they cannot disagree.
pub trait Command {
    const NAME: &'static str;
    const ACCESS: Access;
    type Request: Serialize + DeserializeOwned;
    type Reply: Serialize + DeserializeOwned;
    /// Whether the request names a record a customer owns (declared with `owns`).
    const OWNS: bool = false;
    /// The customer-owned record the request names, if any: the router lets a customer
    /// through only when that record is theirs.
    fn owned(_req: &Self::Request) -> Option<Owned> {
        None
    }
}

/// A kind of record that belongs to one customer account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Record {
    /// The customer account itself (an order placed for it, a list filtered to it).
    Account,
    /// An order (placed by staff or in the shop).
    Order,
    Ticket,
    /// A file on a ticket's message.
    Attachment,
    /// A shop delivery address.
    Address,
}

impl Record {
    /// The record as a sentence names it ("There is no order 12.").
    pub const fn noun(self) -> &'static str {
        match self {
            Record::Account => "account",
            Record::Order => "order",
            Record::Ticket => "ticket",
            Record::Attachment => "attachment",
            Record::Address => "address",
        }
    }
}

/// One customer-owned record a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owned {
    pub record: Record,
    pub id: i64,
}

impl Owned {
    pub const fn new(record: Record, id: i64) -> Self {
        Owned { record, id }
    }
}

/// Who may call a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Before sign-in (status, first run, sign-in itself).
    Public,
    /// Any signed-in user, even one who must still change a temporary password.
    SignedIn,
    /// Signed in with one of these roles and no pending password change.
    Roles(&'static [Role]),
}

impl Access {
    /// Whether a user with `role` passes the rule (the pending password change aside).
    pub const fn allows(&self, role: Role) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Roles(roles) => {
                let mut i = 0;
                while i < roles.len() {
                    if roles[i] as u8 == role as u8 {
                        return true;
                    }
                    i += 1;
                }
                false
            }
        }
    }
}

/// Whether a user with `role` may call `C` (for a window deciding what to offer).
pub fn may<C: Command>(role: Role) -> bool {
    C::ACCESS.allows(role)
}

macro_rules! declare_commands {
    ($names:ident; $($(#[$doc:meta])* $ty:ident = $name:literal : $req:ty => $rep:ty, $access:expr $(, owns |$r:ident| $owned:expr)?;)*) => {
        $(
            $(#[$doc])*
            pub struct $ty;
            impl $crate::api::Command for $ty {
                const NAME: &'static str = $name;
                const ACCESS: $crate::api::Access = $access;
                type Request = $req;
                type Reply = $rep;
                $(
                    const OWNS: bool = true;
                    fn owned($r: &$req) -> Option<$crate::api::Owned> {
                        use $crate::api::{Owned, Record};
                        $owned
                    }
                )?
            }
        )*
        /// This module's commands: each name with who may call it.
        pub const $names: &[$crate::api::Declared] = &[$($crate::api::Declared {
            name: $name,
            access: $access,
            owns: <$ty as $crate::api::Command>::OWNS,
        }),*];
    };
}
pub(crate) use declare_commands;

/// Every module's commands, by the names the UI has always used.
pub use crate::accounts::commands::*;
pub use crate::forecasts::commands::*;
pub use crate::inventory::commands::*;
pub use crate::mail::commands::*;
pub use crate::orders::commands::*;
pub use crate::procurement::commands::*;
pub use crate::settings::commands::*;
pub use crate::shop::commands::*;
pub use crate::support::commands::*;
pub use session::*;

/// Sign-in, sign-out and the session's own commands.
pub mod session {
    use super::*;
    use crate::accounts::{NewAccountRequest, Profile, ProfileUpdate};

    crate::api::declare_commands! {
        SESSION_COMMANDS;
        /// Whether this is a first run, who is signed in, and the health of the stores.
        AppStatus = "app_status": () => StatusReply, crate::api::Access::Public;
        /// Creates the first admin; refused once any account exists.
        CreateFirstAdmin = "create_first_admin": NewAdmin => SessionInfo, crate::api::Access::Public;
        Login = "login": LoginRequest => SessionInfo, crate::api::Access::Public;
        Logout = "logout": () => (), crate::api::Access::Public;
        /// A key press or click in any window: keeps a kiosk session from going idle.
        KeepAlive = "keep_alive": () => (), crate::api::Access::SignedIn;
        ChangePassword = "change_password": ChangePasswordRequest => SessionInfo, crate::api::Access::SignedIn;
        /// The modules the signed-in role may open.
        ListModules = "list_modules": () => Vec<ModuleInfo>, crate::api::Access::Roles(&crate::Role::ALL);
        /// Opens (or focuses) a module's native window.
        OpenModule = "open_module": ModuleId => (), crate::api::Access::Roles(&crate::Role::ALL);
        /// Forgot password: e-mails a one-time code if the address has an active account; the
        /// reply is the same either way.
        RequestResetCode = "request_reset_code": ResetCodeRequest => (), crate::api::Access::Public;
        /// Sets a new password with the e-mailed code and signs in.
        ResetWithCode = "reset_with_code": ResetWithCodeRequest => SessionInfo, crate::api::Access::Public;
        /// The signed-in user's own name, e-mail, phone and role.
        GetProfile = "get_profile": () => Profile, crate::api::Access::Roles(&crate::Role::ALL);
        /// Changes the signed-in user's own name and phone (never another account's).
        UpdateProfile = "update_profile": ProfileUpdate => Profile, crate::api::Access::Roles(&crate::Role::ALL);
        /// "Request an account" at the sign-in screen: stored for an admin to decide; the
        /// reply is the same whether or not the e-mail has an account.
        RequestAccount = "request_account": NewAccountRequest => (), crate::api::Access::Public;
    }
}

/// Every command's name, module by module: the shell's registration check and the routing
/// and role-matrix tests read it. A new module adds its list here.
pub static ALL_COMMANDS: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(|| ALL_DECLARED.iter().map(|d| d.name).collect());

/// A command as declared: its name, who may call it, and whether its request names a
/// customer-owned record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    pub name: &'static str,
    pub access: Access,
    pub owns: bool,
}

/// Who may call each command, as declared with it: what the core's router enforces and what
/// a window asks before offering a button.
pub fn declared_access(command: &str) -> Option<Access> {
    declared(command).map(|d| d.access)
}

/// The whole declaration of a command.
pub fn declared(command: &str) -> Option<Declared> {
    ALL_DECLARED.iter().find(|d| d.name == command).copied()
}

/// Every command's declaration.
pub fn all_declared() -> &'static [Declared] {
    &ALL_DECLARED
}

static ALL_DECLARED: std::sync::LazyLock<Vec<Declared>> = std::sync::LazyLock::new(|| {
    [
        SESSION_COMMANDS,
        SETTINGS_COMMANDS,
        ACCOUNTS_COMMANDS,
        INVENTORY_COMMANDS,
        MAIL_COMMANDS,
        ORDERS_COMMANDS,
        PROCUREMENT_COMMANDS,
        FORECASTS_COMMANDS,
        SHOP_COMMANDS,
        SUPPORT_COMMANDS,
    ]
    .concat()
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The user signed in with a temporary password and must choose a new one.
    pub must_change_password: bool,
    /// For customer accounts: the name of the ERP customer whose data they may see.
    pub erp_customer: Option<String>,
    /// For customer accounts: that customer's ERP code (`None` until an admin links it).
    #[serde(default)]
    pub erp_customer_code: Option<String>,
    /// Signed in without the shared store (a rep's laptop): only the offline-capable windows.
    #[serde(default)]
    pub offline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReply {
    pub version: String,
    /// No account exists yet: the UI asks for the first admin.
    pub first_run: bool,
    pub session: Option<SessionInfo>,
    /// e.g. "SQLite at /home/.../portdesk.db" or "PostgreSQL db.example:5432/portdesk".
    pub store: String,
    /// Set when the portal store could not be opened; the app keeps running and says why.
    pub store_error: Option<String>,
    pub erp: String,
    /// Set when the config file could not be read; defaults are in use and the file is untouched.
    pub config_warning: Option<String>,
    /// Set on a kiosk desktop.
    pub kiosk: Option<KioskSettings>,
    /// Set while an insecure choice is in force (an unencrypted store connection): every
    /// window shows it on its status line.
    #[serde(default)]
    pub security_warning: Option<String>,
    /// The embedded store's backups failed, or the last good one is too old (every window's
    /// status line shows it).
    #[serde(default)]
    pub backup_warning: Option<String>,
    /// A command found the shared store busy in the last minute (its connections all taken,
    /// or the server at its limit): the status line says so.
    #[serde(default)]
    pub store_busy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAdmin {
    pub name: String,
    pub email: String,
    pub password: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    pub current: Secret,
    pub new: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub erp: ErpSettings,
    pub store: StoreSettings,
    pub erp_password_saved: bool,
    pub store_password_saved: bool,
    pub config_path: String,
    pub data_dir: String,
    pub log_dir: String,
    /// A store change applies at the next start; this says so when one is pending.
    pub restart_required: bool,
    pub tls: crate::settings::TlsSettings,
    /// What the trusted-certificates file holds (empty when none is set or it is unusable).
    pub trusted_certificates: Vec<crate::settings::CertificateInfo>,
    /// Why the configured trusted-certificates file is not used.
    pub trusted_certificates_problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveSettingsRequest {
    pub erp: ErpSettings,
    pub store: StoreSettings,
    /// `Some` replaces the saved password in the keyring; `None` keeps it.
    pub erp_password: Option<Secret>,
    pub store_password: Option<Secret>,
    /// The site's trusted certificates (checked before anything is saved).
    #[serde(default)]
    pub tls: crate::settings::TlsSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestErpRequest {
    pub erp: ErpSettings,
    /// A password typed but not saved yet; `None` uses the saved one.
    pub password: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestStoreRequest {
    pub store: StoreSettings,
    pub password: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ErpCustomerQuery {
    pub search: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpCustomer {
    pub code: String,
    pub name: String,
    pub city: Option<String>,
}

impl ErpCustomer {
    /// How pick lists show a customer: names can repeat, codes cannot.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique() {
        let mut names = ALL_COMMANDS.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL_COMMANDS.len());
    }
}

/// Why a session ended (in [`crate::events::SessionEndedEvent`]'s payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionEndReason {
    /// The user signed out.
    SignedOut,
    /// No activity at a kiosk for `idle_seconds`.
    Idle,
    /// An admin deactivated (or removed) the account.
    Deactivated,
    /// An admin changed the account's role or its ERP customer.
    RoleChanged,
    /// An admin reset the password (or it was changed elsewhere).
    PasswordReset,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEnded {
    pub user_id: i64,
    pub reason: SessionEndReason,
}
