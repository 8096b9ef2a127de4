//! Every command between UI and core: name, request, reply.
//!
//! The Tauri shell registers one handler per command under `C::NAME`, taking a single
//! argument `req: C::Request`; the UI calls `call::<C>(&req)`.

use crate::accounts::*;
use crate::inventory::*;
use crate::mail::*;
use crate::modules::{ModuleId, ModuleInfo};
use crate::roles::Role;
use crate::secret::Secret;
use crate::settings::{ErpSettings, KioskSettings, SecuritySettings, StoreSettings};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

pub trait Command {
    const NAME: &'static str;
    type Request: Serialize + DeserializeOwned;
    type Reply: Serialize + DeserializeOwned;
}

macro_rules! commands {
    ($($(#[$doc:meta])* $ty:ident = $name:literal : $req:ty => $rep:ty;)*) => {
        $(
            $(#[$doc])*
            pub struct $ty;
            impl Command for $ty {
                const NAME: &'static str = $name;
                type Request = $req;
                type Reply = $rep;
            }
        )*
        /// Names of all commands, for the shell's registration check and the role-matrix test.
        pub const ALL_COMMANDS: &[&str] = &[$($name),*];
    };
}

commands! {
    /// Whether this is a first run, who is signed in, and the health of the stores.
    AppStatus = "app_status": () => StatusReply;
    /// Creates the first admin; refused once any account exists.
    CreateFirstAdmin = "create_first_admin": NewAdmin => SessionInfo;
    Login = "login": LoginRequest => SessionInfo;
    Logout = "logout": () => ();
    /// A key press or click in any window: keeps a kiosk session from going idle.
    KeepAlive = "keep_alive": () => ();
    ChangePassword = "change_password": ChangePasswordRequest => SessionInfo;
    /// The modules the signed-in role may open.
    ListModules = "list_modules": () => Vec<ModuleInfo>;
    /// Opens (or focuses) a module's native window.
    OpenModule = "open_module": ModuleId => ();
    GetSettings = "get_settings": () => SettingsView;
    SaveSettings = "save_settings": SaveSettingsRequest => SettingsView;
    GetSecuritySettings = "get_security_settings": () => SecuritySettings;
    SaveSecuritySettings = "save_security_settings": SecuritySettings => SecuritySettings;
    TestErpConnection = "test_erp_connection": TestErpRequest => ConnectionTest;
    TestStoreConnection = "test_store_connection": TestStoreRequest => ConnectionTest;
    /// Customers known to the ERP (staff only).
    ErpCustomers = "erp_customers": ErpCustomerQuery => Vec<ErpCustomer>;
    /// Customer or staff accounts, filtered, sorted, one page (admin).
    ListAccounts = "list_accounts": AccountQuery => AccountPage;
    CreateAccount = "create_account": NewAccount => CreatedAccount;
    UpdateAccount = "update_account": AccountUpdate => AccountRow;
    /// Deactivating ends the user's session at their next action.
    SetAccountActive = "set_account_active": SetActiveRequest => AccountRow;
    UnlockAccount = "unlock_account": AccountRef => AccountRow;
    /// A local reset: a temporary password, shown once, to be changed at next sign-in.
    ResetAccountPassword = "reset_account_password": ResetPasswordRequest => ResetPasswordReply;
    /// Fetches a customer's stock from the ERP into the local cache, atomically.
    RefreshInventory = "refresh_inventory": RefreshRequest => RefreshReply;
    /// Stops a running refresh of that customer; the previous snapshot stays. Returns whether
    /// one was running.
    CancelRefresh = "cancel_refresh": RefreshRequest => bool;
    GetInventorySettings = "get_inventory_settings": () => InventorySettings;
    SaveInventorySettings = "save_inventory_settings": InventorySettings => InventorySettings;
    /// One page of the cached stock, filtered and sorted, with counts and totals.
    QueryInventory = "query_inventory": InventoryQuery => InventoryPage;
    /// Exactly the rows the filter and sort show, to .xlsx.
    ExportInventory = "export_inventory": ExportRequest<InventoryFilter> => ExportReply;
    /// Every account matching the filter, to .xlsx.
    ExportAccounts = "export_accounts": ExportRequest<AccountQuery> => ExportReply;
    /// Customer accounts from .xlsx: every bad row and cell reported; all-or-nothing unless
    /// the admin asks for the valid rows only.
    ImportAccounts = "import_accounts": ImportRequest => ImportReport;
    ListAudit = "list_audit": AuditQuery => AuditPage;
    ExportAudit = "export_audit": ExportRequest<AuditQuery> => ExportReply;
    /// Forgot password: e-mails a one-time code if the address has an active account; the
    /// reply is the same either way.
    RequestResetCode = "request_reset_code": ResetCodeRequest => ();
    /// Sets a new password with the e-mailed code and signs in.
    ResetWithCode = "reset_with_code": ResetWithCodeRequest => SessionInfo;
    GetMailSettings = "get_mail_settings": () => MailSettingsView;
    SaveMailSettings = "save_mail_settings": SaveMailSettingsRequest => MailSettingsView;
    /// Sends one message straight through the settings as typed and reports the transport's
    /// answer (the outbox is not involved).
    SendTestMail = "send_test_mail": TestMailRequest => ConnectionTest;
    ListMail = "list_mail": MailQuery => MailPage;
    GetMail = "get_mail": MailRef => MailDetail;
    /// A queued or failed message: due now. A sent one: a copy is queued.
    ResendMail = "resend_mail": MailRef => MailRow;
    CancelMail = "cancel_mail": MailRef => MailRow;
}

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveSettingsRequest {
    pub erp: ErpSettings,
    pub store: StoreSettings,
    /// `Some` replaces the saved password in the keyring; `None` keeps it.
    pub erp_password: Option<Secret>,
    pub store_password: Option<Secret>,
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

/// The event the core emits when a session ends, however it ends: every window drops what it
/// showed (the main window returns to sign-in; the shell closes the module windows).
pub const SESSION_ENDED_EVENT: &str = "session-ended";

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
