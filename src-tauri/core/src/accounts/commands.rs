//! Customers window commands: accounts (with their ERP-customer link), import and export,
//! and the audit log.

use super::requests::{self, ErpLink};
use super::xlsx;
use crate::accounts::{self, User};
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, owner_by, route};
use crate::audit;
use crate::erp::Erp;
use crate::error::{CoreError, Result};
use portdesk_types::Role;
use portdesk_types::accounts::commands::*;
use portdesk_types::accounts::*;
use portdesk_types::api::ErpCustomer;
use portdesk_types::api::Record;
use portdesk_types::modules::ModuleId;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Mutex;

/// This module's commands, each with its access rule and handler.
/// The module's state in the service.
#[derive(Default)]
pub(crate) struct State {
    /// The last run of the link-by-name step (`accounts::sync_erp_links`), per opened ERP.
    erp_links: Mutex<Option<ErpLinkRun>>,
}

pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "accounts",
        window: Some(ModuleId::Customers),
        tasks: Vec::new(),
        events: Vec::new(),
        // An account is its own owner (an order placed for it, a list filtered to it).
        owners: vec![(Record::Account, |app, id| {
            Box::pin(owner_by(app, "SELECT id FROM users WHERE id = $1", id))
        })],
        routes: vec![
            route!(roles ListAccounts => Portdesk::list_accounts),
            route!(roles CreateAccount => Portdesk::create_account),
            route!(roles UpdateAccount => Portdesk::update_account),
            route!(roles SetAccountActive => Portdesk::set_account_active),
            route!(roles UnlockAccount => Portdesk::unlock_account),
            route!(roles ResetAccountPassword => Portdesk::reset_account_password),
            route!(roles ExportAccounts => Portdesk::export_accounts),
            route!(roles ImportAccounts => Portdesk::import_accounts),
            route!(roles ListAudit => Portdesk::list_audit),
            route!(roles ExportAudit => Portdesk::export_audit),
            route!(roles ListAccountRequests => Portdesk::list_account_requests),
            route!(roles ApproveAccountRequest => Portdesk::approve_account_request),
            route!(roles RejectAccountRequest => Portdesk::reject_account_request),
        ],
    }
}

/// When the accounts were last synced with which ERP's customer list.
struct ErpLinkRun {
    erp: std::sync::Weak<Erp>,
    ok: bool,
    at: Instant,
}

/// A failed link step (ERP down) is retried after this long, not on every command.
const ERP_LINK_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

impl Portdesk {
    pub async fn list_accounts(&self, _: User, q: AccountQuery) -> Result<AccountPage> {
        let store = self.store().await?;
        if q.kind == AccountKind::Customers
            && accounts::unlinked_customers(&store).await? > 0
            && let Ok(erp) = self.erp().await
        {
            // So accounts from before ERP codes show linked or flagged when the admin looks.
            self.ensure_erp_links(&erp).await;
        }
        accounts::list(&store, &q).await
    }

    pub async fn create_account(&self, user: User, req: NewAccount) -> Result<CreatedAccount> {
        let actor = user.actor();
        let store = self.store().await?;
        let (erp_code, erp_customer, verified, erp_warning) = self
            .erp_link(
                req.role,
                req.erp_customer_code.clone(),
                req.erp_customer.clone(),
            )
            .await?;
        let password = match req.temporary_password.filter(|p| !p.is_empty()) {
            Some(p) => p,
            None => accounts::generate_password(&req.email),
        };
        let new = accounts::NewUser::by_admin(
            &req.name,
            &req.email,
            req.role,
            erp_customer,
            erp_code,
            password.clone(),
        );
        let user = accounts::create_checked(&store, &actor, new, verified).await?;
        Ok(CreatedAccount {
            account: user.to_row(crate::now_ms()),
            temporary_password: password,
            erp_warning,
        })
    }

    pub async fn update_account(&self, user: User, req: AccountUpdate) -> Result<AccountRow> {
        if req.version.is_none() {
            return Err(crate::stale::version_required("account"));
        }
        let actor = user.actor();
        let store = self.store().await?;
        let (erp_customer_code, erp_customer, verified, _) = self
            .erp_link(
                req.role,
                req.erp_customer_code.clone(),
                req.erp_customer.clone(),
            )
            .await?;
        accounts::update(
            &store,
            &actor,
            &AccountUpdate {
                erp_customer_code,
                erp_customer,
                ..req
            },
            verified,
        )
        .await
    }

    pub async fn set_account_active(
        &self,
        user: User,
        req: SetActiveRequest,
    ) -> Result<AccountRow> {
        let actor = user.actor();
        accounts::set_active(&self.store().await?, &actor, req.id, req.active).await
    }

    pub async fn unlock_account(&self, user: User, req: AccountRef) -> Result<AccountRow> {
        let actor = user.actor();
        accounts::unlock(&self.store().await?, &actor, req.id).await
    }

    pub async fn reset_account_password(
        &self,
        user: User,
        req: ResetPasswordRequest,
    ) -> Result<ResetPasswordReply> {
        let actor = user.actor();
        let temp = req.temporary_password.filter(|p| !p.is_empty());
        let (u, temporary_password) =
            accounts::reset_password_by_id(&self.store().await?, &actor, req.id, temp).await?;
        Ok(ResetPasswordReply {
            email: u.email,
            temporary_password,
        })
    }

    pub async fn export_accounts(
        &self,
        user: User,
        req: ExportRequest<AccountQuery>,
    ) -> Result<ExportReply> {
        let actor = user.actor();
        let stem = if req.query.kind == AccountKind::Customers {
            "customer-accounts"
        } else {
            "staff-accounts"
        };
        let path = self.export_path(&req.path, stem)?;
        let store = self.store().await?;
        let rows = xlsx::export(&store, &req.query, &path).await?;
        audit::record_on(
            &store,
            &actor,
            "user.export",
            None,
            Some(&format!("{rows} rows to {}", path.display())),
        )
        .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows,
        })
    }

    pub async fn import_accounts(&self, user: User, req: ImportRequest) -> Result<ImportReport> {
        let actor = user.actor();
        let path = std::path::PathBuf::from(req.path.trim());
        if req.path.trim().is_empty() {
            return Err(CoreError::validation(
                "path",
                "Choose the .xlsx file to import.",
            ));
        }
        let store = self.store().await?;
        let erp = self.erp().await.ok();
        xlsx::import(&store, erp.as_deref(), &actor, &path, req.mode).await
    }

    pub async fn list_audit(&self, _: User, q: AuditQuery) -> Result<AuditPage> {
        audit::list(&self.store().await?, &q).await
    }

    pub async fn export_audit(
        &self,
        user: User,
        req: ExportRequest<AuditQuery>,
    ) -> Result<ExportReply> {
        let actor = user.actor();
        let path = self.export_path(&req.path, "audit-log")?;
        let store = self.store().await?;
        let rows = audit::export_xlsx(&store, &req.query, &path).await?;
        audit::record_on(
            &store,
            &actor,
            "audit.export",
            None,
            Some(&format!("{rows} rows to {}", path.display())),
        )
        .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows,
        })
    }

    pub async fn list_account_requests(
        &self,
        _: User,
        q: AccountRequestQuery,
    ) -> Result<Vec<AccountRequestRow>> {
        requests::list(&self.store().await?, &q).await
    }

    /// As `create_account` for a customer, with the request's name, e-mail and phone; the
    /// temporary password is shown once, in the reply.
    pub async fn approve_account_request(
        &self,
        user: User,
        req: ApproveRequest,
    ) -> Result<ApprovedRequest> {
        let store = self.store().await?;
        // Refused before the ERP is asked when it is decided already (`approve` checks again).
        let pending = requests::by_id(&store, req.id).await?;
        if pending.status != AccountRequestStatus::Pending {
            return Err(CoreError::Conflict {
                field: None,
                message: format!("This request was already {}.", pending.status.as_str()),
            });
        }
        let (code, name, verified, erp_warning) = self
            .erp_link(Role::Customer, req.erp_customer_code, req.erp_customer)
            .await?;
        let password = match req.temporary_password.filter(|p| !p.is_empty()) {
            Some(p) => p,
            None => accounts::generate_password(&pending.email),
        };
        let link = ErpLink {
            code,
            name,
            verified,
        };
        let (request, account) =
            requests::approve(&store, &user, req.id, link, password.clone()).await?;
        Ok(ApprovedRequest {
            request,
            created: CreatedAccount {
                account: account.to_row(crate::now_ms()),
                temporary_password: password,
                erp_warning,
            },
        })
    }

    pub async fn reject_account_request(
        &self,
        user: User,
        req: RejectRequest,
    ) -> Result<AccountRequestRow> {
        requests::reject(&self.store().await?, &user, req.id, &req.reason).await
    }

    /// Links existing accounts to ERP customer codes by their name, once per opened ERP (and
    /// again after a failure, at most every [`ERP_LINK_RETRY`]); see
    /// `accounts::sync_erp_links`. Never fails the caller: an unreachable ERP leaves the
    /// accounts as they are (an unlinked customer sees nothing until it works).
    pub(crate) async fn ensure_erp_links(&self, erp: &Arc<Erp>) {
        let mut last = self.accounts.erp_links.lock().await;
        if let Some(run) = last.as_ref()
            && run.erp.upgrade().is_some_and(|e| Arc::ptr_eq(&e, erp))
            && (run.ok || run.at.elapsed() < ERP_LINK_RETRY)
        {
            return;
        }
        let result = async {
            let list = erp.customers(None).await?;
            accounts::sync_erp_links(&self.store().await?, &list).await
        }
        .await;
        if let Err(e) = &result {
            tracing::warn!("linking customer accounts to ERP customer codes failed: {e}");
        }
        *last = Some(ErpLinkRun {
            erp: Arc::downgrade(erp),
            ok: result.is_ok(),
            at: Instant::now(),
        });
    }

    /// The ERP customer an account links to: only customer accounts have one. A code is
    /// checked against the ERP and its name taken from there; a name alone (older clients,
    /// typed names) links only when exactly one ERP customer has it. ERP unreachable: saved
    /// unverified (a name alone stays unlinked until the next ERP read links it), with a
    /// warning for the admin. Returns (code, display name, verified, warning).
    async fn erp_link(
        &self,
        role: Role,
        code: Option<String>,
        name: Option<String>,
    ) -> Result<(Option<String>, Option<String>, bool, Option<String>)> {
        if role != Role::Customer {
            return Ok((None, None, true, None));
        }
        let code = code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        let Some(asked) = code.clone().or(name.clone()) else {
            return Err(CoreError::validation(
                "erp_customer",
                "A customer account must be linked to an ERP customer.",
            ));
        };
        let unverified = |e: &dyn std::fmt::Display| {
            Ok((
                code.clone(),
                name.clone().or(code.clone()),
                false,
                Some(format!(
                    "The ERP could not be asked ({e}). The account is saved and marked unverified until the ERP confirms \"{asked}\"; it sees no stock until then."
                )),
            ))
        };
        let erp = match self.erp().await {
            Ok(erp) => erp,
            Err(CoreError::Erp(e)) if e.is_unavailable() => return unverified(&e),
            Err(e) => return Err(e),
        };
        let found = match &code {
            Some(code) => erp.customer(code).await.map(|c| match c {
                Some(c) => Ok(c),
                None => Err(CoreError::validation(
                    "erp_customer_code",
                    format!("The ERP has no customer with the code \"{code}\"."),
                )),
            }),
            None => erp
                .customers_named(&asked)
                .await
                .map(|hits| match hits.as_slice() {
                    [one] => Ok(one.clone()),
                    [] => Err(CoreError::validation(
                        "erp_customer",
                        format!("The ERP has no customer named \"{asked}\"."),
                    )),
                    several => Err(CoreError::validation(
                        "erp_customer",
                        format!(
                            "{} ERP customers are named \"{asked}\" ({}): pick one by its code.",
                            several.len(),
                            sorted_codes(several)
                        ),
                    )),
                }),
        };
        match found {
            Ok(Ok(c)) => Ok((Some(c.code), Some(c.name), true, None)),
            Ok(Err(refused)) => Err(refused),
            Err(e) if e.is_unavailable() => unverified(&e),
            Err(e) => Err(e.into()),
        }
    }
}

/// "A, B, C": the codes of customers sharing a name, for a message.
fn sorted_codes(customers: &[ErpCustomer]) -> String {
    let mut codes: Vec<&str> = customers.iter().map(|c| c.code.as_str()).collect();
    codes.sort_unstable();
    codes.join(", ")
}
