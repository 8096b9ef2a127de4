//! Account administration (admin only): customer and staff accounts, resets, the audit log.

use crate::roles::Role;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    #[default]
    Customers,
    Staff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    #[default]
    All,
    Active,
    Inactive,
    Locked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AccountSort {
    #[default]
    Name,
    Email,
    ErpCustomer,
    Role,
    LastLogin,
    Created,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountQuery {
    pub kind: AccountKind,
    pub status: AccountStatus,
    /// Matches name, e-mail or ERP customer, anywhere, ignoring case.
    pub search: String,
    pub sort: AccountSort,
    pub descending: bool,
    /// Zero-based.
    pub page: u32,
    pub page_size: u32,
}

impl Default for AccountQuery {
    fn default() -> Self {
        AccountQuery {
            kind: AccountKind::Customers,
            status: AccountStatus::All,
            search: String::new(),
            sort: AccountSort::Name,
            descending: false,
            page: 0,
            page_size: 50,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The ERP customer's name, for display only (refreshed from the ERP).
    pub erp_customer: Option<String>,
    /// The ERP customer code the account is linked to: what decides whose data it sees.
    /// `None` for staff, and for a customer account not linked yet (it sees nothing).
    pub erp_customer_code: Option<String>,
    /// Set when linking by name failed: an admin must pick the ERP customer.
    pub erp_link_problem: Option<ErpLinkProblem>,
    /// False when the ERP customer was typed while the ERP was unreachable.
    pub erp_verified: bool,
    pub active: bool,
    pub locked: bool,
    pub must_change_password: bool,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    /// Rises with every save; a change names the version its form was read at.
    #[serde(default)]
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPage {
    pub rows: Vec<AccountRow>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    pub name: String,
    pub email: String,
    pub role: Role,
    /// Required for customers (or `erp_customer`): the ERP customer code whose data they see.
    #[serde(default)]
    pub erp_customer_code: Option<String>,
    /// The ERP customer's name. Without a code it is linked by this name when exactly one
    /// ERP customer has it; a name several customers share is refused.
    pub erp_customer: Option<String>,
    /// `None` generates one; either way it is shown once and must be changed at first sign-in.
    pub temporary_password: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedAccount {
    pub account: AccountRow,
    pub temporary_password: Secret,
    /// Set when the ERP could not be asked; the account is flagged unverified.
    pub erp_warning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountUpdate {
    pub id: i64,
    /// The version the form was read at (required by the window's save of an existing
    /// record): a save from a stale read is refused with what changed.
    #[serde(default)]
    pub version: Option<i64>,

    pub name: String,
    pub email: String,
    pub role: Role,
    /// As in [`NewAccount`]: the code decides; a name alone is linked only when unique.
    #[serde(default)]
    pub erp_customer_code: Option<String>,
    pub erp_customer: Option<String>,
}

/// Why a customer account is not linked to an ERP customer code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErpLinkProblem {
    /// Several ERP customers have the account's ERP customer name.
    Ambiguous,
    /// No ERP customer has that name (or code).
    NotFound,
}

impl ErpLinkProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            ErpLinkProblem::Ambiguous => "ambiguous",
            ErpLinkProblem::NotFound => "not_found",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ambiguous" => Some(ErpLinkProblem::Ambiguous),
            "not_found" => Some(ErpLinkProblem::NotFound),
            _ => None,
        }
    }

    /// What the admin sees in the Customers window.
    pub fn label(self) -> &'static str {
        match self {
            ErpLinkProblem::Ambiguous => "Several ERP customers have this name: pick one by code",
            ErpLinkProblem::NotFound => "No ERP customer has this name: pick one by code",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    pub id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetActiveRequest {
    pub id: i64,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPasswordRequest {
    pub id: i64,
    /// `None` generates one.
    pub temporary_password: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPasswordReply {
    pub email: String,
    /// Shown once; never stored in clear.
    pub temporary_password: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    /// Part of the actor's e-mail or label.
    pub actor: String,
    /// Action prefix, e.g. `auth.` or `user.create`.
    pub action: String,
    /// Unix milliseconds, inclusive.
    pub from_ms: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub to_ms: Option<i64>,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditEntry>,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest<Q> {
    pub query: Q,
    /// Where to write the .xlsx; empty means the user's Downloads folder.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportReply {
    pub path: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Check the sheet and report; change nothing.
    #[default]
    Check,
    /// Create every account, or none when any row is bad.
    AllOrNothing,
    /// Create the valid rows; skip (and report) the bad ones.
    ValidRowsOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRequest {
    /// An .xlsx file with the columns Name, E-mail, ERP customer and optionally ERP customer
    /// code (header row first).
    pub path: String,
    pub mode: ImportMode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    /// The workbook's sheet, as Excel names it on its tab.
    #[serde(default)]
    pub sheet: String,
    /// The sheet's row number as Excel shows it (the header is row 1).
    pub row: u32,
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: u32,
    pub valid: u32,
    pub issues: Vec<ImportIssue>,
    /// Accounts created (none in `Check` mode, none in `AllOrNothing` with issues).
    pub created: u32,
    /// ERP customers that could not be checked because the ERP was unreachable.
    pub unverified: u32,
}

/// The signed-in user's own profile (the home page's "My profile" card).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: Role,
    /// For customer accounts: the ERP customer's name (display only).
    pub erp_customer: Option<String>,
    /// The account's version (it rises with an admin's edit too).
    #[serde(default)]
    pub version: i64,
}

/// What a user may change of their own account. There is no id: the core takes the account
/// from the session, so nobody edits another account's profile this way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileUpdate {
    /// The version the form was read at: a save from a stale form (another window, or an
    /// admin's edit meanwhile) is refused with what changed.
    #[serde(default)]
    pub version: Option<i64>,
    pub name: String,
    /// Empty or `None` removes it.
    #[serde(default)]
    pub phone: Option<String>,
}

/// "Request an account" at the sign-in screen: stored for an admin, never an account by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccountRequest {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub company: String,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRequestStatus {
    Pending,
    Approved,
    Rejected,
}

impl AccountRequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRequestStatus::Pending => "pending",
            AccountRequestStatus::Approved => "approved",
            AccountRequestStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(AccountRequestStatus::Pending),
            "approved" => Some(AccountRequestStatus::Approved),
            "rejected" => Some(AccountRequestStatus::Rejected),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct AccountRequestQuery {
    /// Also the approved and rejected ones (the latest first, after every pending one).
    pub include_decided: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRequestRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company: String,
    pub message: Option<String>,
    pub status: AccountRequestStatus,
    pub created_at: i64,
    /// The admin who approved or rejected it (their e-mail).
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// The account an approval created.
    pub user_id: Option<i64>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// An account with this e-mail exists (shown to the admin only; the requester's reply
    /// never says).
    pub has_account: bool,
}

/// Approve: a customer account with the request's name, e-mail and phone, linked to the ERP
/// customer the admin picks (as in [`NewAccount`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveRequest {
    pub id: i64,
    #[serde(default)]
    pub erp_customer_code: Option<String>,
    pub erp_customer: Option<String>,
    /// `None` generates one; shown once, to be changed at the first sign-in.
    #[serde(default)]
    pub temporary_password: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovedRequest {
    pub request: AccountRequestRow,
    pub created: CreatedAccount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRequest {
    pub id: i64,
    pub reason: String,
}

/// The most characters a name (profile, account request) may have.
pub const MAX_NAME_CHARS: usize = 100;

/// A phone number as people type it: digits, spaces, `+ - ( )`, and 6 to 20 digits. Returns
/// the trimmed number, `None` for an empty one, or why it is refused (the UI shows the same).
pub fn check_phone(phone: &str) -> Result<Option<String>, String> {
    let p = phone.trim();
    if p.is_empty() {
        return Ok(None);
    }
    if let Some(c) = p
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')')))
    {
        return Err(format!(
            "A phone number holds digits, spaces and + - ( ) only, not \"{c}\"."
        ));
    }
    let digits = p.chars().filter(char::is_ascii_digit).count();
    if !(6..=20).contains(&digits) {
        return Err(format!(
            "A phone number has 6 to 20 digits; this one has {digits}."
        ));
    }
    Ok(Some(p.to_owned()))
}

/// A required name of at most [`MAX_NAME_CHARS`] characters, trimmed; or why not.
pub fn check_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    if n.is_empty() {
        return Err("Name is required.".into());
    }
    if n.chars().count() > MAX_NAME_CHARS {
        return Err(format!("Name must be at most {MAX_NAME_CHARS} characters."));
    }
    Ok(n.to_owned())
}

/// The accounts module's commands (re-exported by [`crate::api`]).
pub mod commands {
    use super::*;
    use crate::api::{ErpCustomer, ErpCustomerQuery};

    crate::api::declare_commands! {
        ACCOUNTS_COMMANDS;
        /// Customers known to the ERP (staff only).
        ErpCustomers = "erp_customers": ErpCustomerQuery => Vec<ErpCustomer>, crate::api::Access::Roles(&crate::Role::STAFF);
        /// Customer or staff accounts, filtered, sorted, one page (admin).
        ListAccounts = "list_accounts": AccountQuery => AccountPage, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        CreateAccount = "create_account": NewAccount => CreatedAccount, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        UpdateAccount = "update_account": AccountUpdate => AccountRow, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        /// Deactivating ends the user's session at their next action.
        SetAccountActive = "set_account_active": SetActiveRequest => AccountRow, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        UnlockAccount = "unlock_account": AccountRef => AccountRow, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        /// A local reset: a temporary password, shown once, to be changed at next sign-in.
        ResetAccountPassword = "reset_account_password": ResetPasswordRequest => ResetPasswordReply, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        /// Every account matching the filter, to .xlsx.
        ExportAccounts = "export_accounts": ExportRequest<AccountQuery> => ExportReply, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        /// Customer accounts from .xlsx: every bad row and cell reported; all-or-nothing unless
        /// the admin asks for the valid rows only.
        ImportAccounts = "import_accounts": ImportRequest => ImportReport, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        ListAudit = "list_audit": AuditQuery => AuditPage, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        ExportAudit = "export_audit": ExportRequest<AuditQuery> => ExportReply, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        /// Requests for an account made at the sign-in screen, pending first (admin).
        ListAccountRequests = "list_account_requests": AccountRequestQuery => Vec<AccountRequestRow>, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        /// Creates the customer account and marks the request approved, once.
        ApproveAccountRequest = "approve_account_request": ApproveRequest => ApprovedRequest, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
        RejectAccountRequest = "reject_account_request": RejectRequest => AccountRequestRow, crate::api::Access::Roles(crate::modules::ModuleId::Customers.allowed_roles());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_as_people_type_them() {
        assert_eq!(check_phone("  "), Ok(None));
        assert_eq!(
            check_phone(" +31 (20) 555-0101 "),
            Ok(Some("+31 (20) 555-0101".into()))
        );
        assert!(check_phone("12345").unwrap_err().contains("6 to 20"));
        assert!(check_phone(&"1".repeat(21)).is_err());
        assert!(check_phone("555 0101 ext").unwrap_err().contains("\"e\""));
        assert_eq!(check_name(&"x".repeat(100)), Ok("x".repeat(100)));
        assert!(check_name(&"x".repeat(101)).is_err());
        assert!(check_name(" ").is_err());
    }
}
