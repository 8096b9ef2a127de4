//! ERP lookups shared by the staff windows.

use crate::accounts::{self, User};
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, route};
use crate::error::Result;
use portdesk_types::accounts::commands::ErpCustomers;
use portdesk_types::api::{ErpCustomer, ErpCustomerQuery};

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "erp",
        window: None,
        tasks: Vec::new(),
        events: Vec::new(),
        owners: Vec::new(),
        routes: vec![route!(roles ErpCustomers => Portdesk::erp_customers)],
    }
}

impl Portdesk {
    pub async fn erp_customers(&self, _: User, req: ErpCustomerQuery) -> Result<Vec<ErpCustomer>> {
        let erp = self.erp().await?;
        self.ensure_erp_links(&erp).await;
        let search = req
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let list = erp.customers(search).await?;
        if search.is_none() {
            // The whole list was read: account names follow renames in the ERP.
            if let Err(e) = accounts::sync_erp_links(&self.store().await?, &list).await {
                tracing::warn!("syncing accounts with the ERP's customer list failed: {e}");
            }
        }
        Ok(list)
    }
}
