//! Inventory window commands: refresh a customer's stock from the ERP into this desktop's
//! cache, query it, export it; and whose stock a caller may see.

use super::InventoryCache;
use crate::accounts::{self, User};
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, route};
use crate::audit;
use crate::error::{CoreError, Result};
use portdesk_types::Role;
use portdesk_types::accounts::{ExportReply, ExportRequest};
use portdesk_types::events::InventoryRefreshEvent;
use portdesk_types::inventory::commands::*;
use portdesk_types::inventory::*;
use portdesk_types::modules::ModuleId;
use std::collections::HashMap;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// This module's commands, each with its access rule and handler.
/// The module's state in the service.
#[derive(Default)]
pub(crate) struct State {
    /// The cache in this desktop's local store, opened on first use.
    cache: tokio::sync::OnceCell<InventoryCache>,
    /// Running refreshes by ERP customer code, to cancel them.
    refreshes: std::sync::Mutex<HashMap<String, CancellationToken>>,
}

pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "inventory",
        window: Some(ModuleId::Inventory),
        tasks: Vec::new(),
        events: Vec::new(),
        owners: Vec::new(),
        routes: vec![
            route!(roles RefreshInventory => Portdesk::refresh_inventory),
            route!(roles CancelRefresh => Portdesk::cancel_refresh),
            route!(roles GetInventorySettings => Portdesk::get_inventory_settings),
            route!(roles SaveInventorySettings => Portdesk::save_inventory_settings),
            route!(roles QueryInventory => Portdesk::query_inventory),
            route!(roles ExportInventory => Portdesk::export_inventory),
        ],
    }
}

/// Removes a refresh from the running set however it ends.
struct RunningRefresh<'a> {
    map: &'a std::sync::Mutex<HashMap<String, CancellationToken>>,
    customer: String,
}

impl Drop for RunningRefresh<'_> {
    fn drop(&mut self) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.customer);
    }
}

impl Portdesk {
    pub async fn refresh_inventory(&self, user: User, req: RefreshRequest) -> Result<RefreshReply> {
        let (customer, _) = self
            .inventory_customer(&user, req.customer_code.as_deref())
            .await?;
        let token = CancellationToken::new();
        {
            let mut running = self
                .inventory
                .refreshes
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if running.contains_key(&customer) {
                return Err(CoreError::AlreadyRunning(format!(
                    "A refresh of {customer} is already running."
                )));
            }
            running.insert(customer.clone(), token.clone());
        }
        let _running = RunningRefresh {
            map: &self.inventory.refreshes,
            customer: customer.clone(),
        };
        let progress = |phase, done, total, message| {
            self.emit::<InventoryRefreshEvent>(&RefreshProgress {
                customer_code: customer.clone(),
                phase,
                rows_done: done,
                rows_total: total,
                message,
            })
        };
        let started = Instant::now();
        progress(RefreshPhase::Reading, 0, None, None);
        let result = self
            .refresh_steps(&customer, &token, &|phase, done, total| {
                progress(phase, done, total, None)
            })
            .await;
        match &result {
            Ok((n, _)) => progress(RefreshPhase::Done, *n, Some(*n), None),
            Err(CoreError::Cancelled(m)) => {
                progress(RefreshPhase::Cancelled, 0, None, Some(m.clone()))
            }
            Err(e) => progress(RefreshPhase::Failed, 0, None, Some(e.to_string())),
        }
        let (rows, customer_name) = result?;
        let as_of = self
            .inventory_cache()
            .await?
            .as_of(&customer)
            .await?
            .unwrap_or_else(crate::now_ms);
        tracing::info!(
            rows,
            ms = started.elapsed().as_millis() as u64,
            "inventory refreshed"
        );
        Ok(RefreshReply {
            customer_code: customer,
            customer_name,
            rows,
            as_of,
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
    }

    pub async fn cancel_refresh(&self, user: User, req: RefreshRequest) -> Result<bool> {
        let (customer, _) = self
            .inventory_customer(&user, req.customer_code.as_deref())
            .await?;
        let running = self
            .inventory
            .refreshes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        Ok(match running.get(&customer) {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        })
    }

    pub async fn get_inventory_settings(&self, _: User, _: ()) -> Result<InventorySettings> {
        let store = self.store().await?;
        let minutes =
            crate::settings::get_i64(store.pool(), crate::settings::INVENTORY_AUTO_REFRESH, 0)
                .await?;
        Ok(InventorySettings {
            auto_refresh_minutes: minutes.clamp(0, 1440) as u32,
            version: Some(crate::settings::card_version(&store, "inventory").await?),
        })
    }

    pub async fn save_inventory_settings(
        &self,
        user: User,
        req: InventorySettings,
    ) -> Result<InventorySettings> {
        let actor = user.actor();
        if req.auto_refresh_minutes > 1440 {
            return Err(CoreError::validation(
                "auto_refresh_minutes",
                "Auto-refresh must be between 0 (off) and 1440 minutes.",
            ));
        }
        let store = self.store().await?;
        let version =
            crate::settings::guard_card(&store, "inventory", "inventory", req.version).await?;
        let req = InventorySettings {
            version: Some(version),
            ..req
        };
        let mut tx = store.pool().begin().await?;
        crate::settings::set(
            &mut *tx,
            crate::settings::INVENTORY_AUTO_REFRESH,
            &req.auto_refresh_minutes.to_string(),
        )
        .await?;
        audit::record(
            &mut tx,
            &actor,
            "settings.inventory",
            None,
            Some(&format!(
                "auto_refresh_minutes={}",
                req.auto_refresh_minutes
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(req)
    }

    pub async fn query_inventory(&self, user: User, req: InventoryQuery) -> Result<InventoryPage> {
        let (customer, name) = self
            .inventory_customer(&user, req.filter.customer_code.as_deref())
            .await?;
        let limit = if req.limit == 0 { 200 } else { req.limit };
        let mut page = self
            .inventory_cache()
            .await?
            .query(&customer, &req.filter, req.offset, limit)
            .await?;
        if page.customer_name.is_empty() {
            page.customer_name = name.unwrap_or_default();
        }
        Ok(page)
    }

    pub async fn export_inventory(
        &self,
        user: User,
        req: ExportRequest<InventoryFilter>,
    ) -> Result<ExportReply> {
        let (customer, _) = self
            .inventory_customer(&user, req.query.customer_code.as_deref())
            .await?;
        let path = match self.kiosk().await {
            Some(k) if !k.allow_export => return Err(CoreError::Forbidden),
            // A kiosk writes only into its one export folder, under a name the app chooses:
            // a path from the window is refused, not followed.
            Some(k) => {
                if !req.path.trim().is_empty() {
                    return Err(CoreError::validation(
                        "path",
                        "At a kiosk, exports go to the kiosk's export folder; a file name cannot be chosen.",
                    ));
                }
                self.kiosk_export_path(&k, "inventory")?
            }
            None => self.export_path(&req.path, "inventory")?,
        };
        let cache = self.inventory_cache().await?;
        let as_of = cache.as_of(&customer).await?;
        let rows = cache
            .export_xlsx(&customer, &req.query, as_of, &path)
            .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows,
        })
    }

    /// The local inventory cache, opened on first use.
    pub async fn inventory_cache(&self) -> Result<&InventoryCache> {
        let local = self.local_store().await?;
        self.inventory
            .cache
            .get_or_try_init(|| async move { Ok(InventoryCache::on(local)) })
            .await
    }

    /// Whose stock a request may see, as (ERP customer code, name if known). A customer
    /// account always gets the code it is linked to, bound here from the store, whatever the
    /// request says; naming another is refused. An account not linked to a code (flagged, or
    /// the ERP could not be asked yet) sees nothing: fail closed. Staff must name a code.
    async fn inventory_customer(
        &self,
        user: &User,
        requested: Option<&str>,
    ) -> Result<(String, Option<String>)> {
        let requested = requested.map(str::trim).filter(|c| !c.is_empty());
        if user.role != Role::Customer {
            return requested
                .map(|c| (c.to_owned(), None))
                .ok_or_else(|| CoreError::validation("customer_code", "Choose an ERP customer."));
        }
        let mut user = user.clone();
        if user.erp_customer_code.is_none() && user.erp_link_problem.is_none() {
            // Not linked yet (from before codes, or saved while the ERP was down): try now.
            if let Ok(erp) = self.erp().await {
                self.ensure_erp_links(&erp).await;
            }
            if let Some(u) = accounts::by_id(&self.store().await?, user.id).await? {
                user = u;
            }
        }
        let own = match (&user.erp_customer_code, user.erp_link_problem) {
            (Some(code), None) => code.clone(),
            _ => {
                return Err(CoreError::Conflict {
                    field: None,
                    message: "Your account is not linked to an ERP customer, so no stock can be shown. An administrator must pick your ERP customer in the Customers window.".into(),
                });
            }
        };
        match requested {
            // Codes are compared as the ERP would (its collation ignores case); the reply is
            // always the account's own code.
            Some(r) if !r.eq_ignore_ascii_case(&own) => {
                tracing::warn!(
                    user_id = user.id,
                    "a customer asked for another ERP customer's stock"
                );
                Err(CoreError::Forbidden)
            }
            _ => Ok((own, user.erp_customer.clone())),
        }
    }

    /// The refresh pipeline (see `InventoryCache::refresh_from`) of one ERP customer code.
    /// Returns the row count and the customer's current name, which linked accounts take
    /// (a rename in the ERP keeps the link and updates the name).
    async fn refresh_steps(
        &self,
        code: &str,
        token: &CancellationToken,
        progress: &(dyn Fn(RefreshPhase, u64, Option<u64>) + Sync),
    ) -> Result<(u64, String)> {
        let erp = self.erp().await?;
        self.ensure_erp_links(&erp).await;
        let customer = erp.customer(code).await?.ok_or_else(|| {
            CoreError::validation(
                "customer_code",
                format!("The ERP has no customer with the code \"{code}\"."),
            )
        })?;
        accounts::follow_erp_name(&self.store().await?, &customer).await?;
        let rows = self
            .inventory_cache()
            .await?
            .refresh_from(
                &erp,
                code,
                &customer.name,
                crate::now_ms(),
                token,
                &|rows| progress(RefreshPhase::Writing, rows, None),
            )
            .await?;
        Ok((rows, customer.name))
    }
}
