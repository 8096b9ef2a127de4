//! Customer inventory: stock the warehouse holds for one ERP customer.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryRow {
    pub part: String,
    pub description: String,
    pub bin: String,
    pub lot: Option<String>,
    /// `None` when the ERP gave no usable number (the cell shows empty).
    pub on_hand: Option<f64>,
    pub allocated: Option<f64>,
    pub available: Option<f64>,
    pub unit: String,
    /// ISO date (YYYY-MM-DD).
    pub last_received: Option<String>,
    /// Stock value, where the ERP gives one.
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InventorySort {
    #[default]
    Part,
    Description,
    Bin,
    Lot,
    OnHand,
    Allocated,
    Available,
    Unit,
    LastReceived,
    Value,
}

impl InventorySort {
    pub const ALL: [InventorySort; 10] = [
        InventorySort::Part,
        InventorySort::Description,
        InventorySort::Bin,
        InventorySort::Lot,
        InventorySort::OnHand,
        InventorySort::Allocated,
        InventorySort::Available,
        InventorySort::Unit,
        InventorySort::LastReceived,
        InventorySort::Value,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct InventoryFilter {
    /// The ERP customer code. Staff pick one; for a customer account it must be empty or
    /// their own (the core binds it either way).
    pub customer_code: Option<String>,
    /// Part number starts with (case-insensitive).
    pub part_prefix: String,
    /// Bin starts with (case-insensitive).
    pub bin_prefix: String,
    /// Anywhere in part, description, bin, lot or unit (case-insensitive).
    pub text: String,
    pub sort: InventorySort,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct InventoryQuery {
    pub filter: InventoryFilter,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct InventoryTotals {
    pub on_hand: f64,
    pub allocated: f64,
    pub available: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryPage {
    /// The ERP customer code the rows belong to.
    pub customer_code: String,
    /// Its name as of the last refresh (display only; empty before the first).
    pub customer_name: String,
    pub rows: Vec<InventoryRow>,
    pub offset: u32,
    /// Rows matching the filter.
    pub total: u64,
    pub totals: InventoryTotals,
    /// When the cached snapshot was fetched from the ERP (Unix ms); `None`: never fetched.
    pub as_of: Option<i64>,
    /// Something the window must say about the local copy itself (e.g. it was damaged and set
    /// aside).
    #[serde(default)]
    pub notice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RefreshRequest {
    /// The ERP customer code (staff); a customer account's own is bound by the core.
    pub customer_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshReply {
    pub customer_code: String,
    /// The ERP's current name of that customer.
    pub customer_name: String,
    pub rows: u64,
    pub as_of: i64,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshPhase {
    /// Asking the ERP; the row count is not known yet.
    Reading,
    /// Storing the rows in the local cache: `rows_done` of `rows_total`.
    Writing,
    Done,
    /// Stopped by the user; the previous snapshot is untouched.
    Cancelled,
    /// The ERP or the cache failed; the previous snapshot is untouched.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshProgress {
    /// The ERP customer code being refreshed.
    pub customer_code: String,
    pub phase: RefreshPhase,
    pub rows_done: u64,
    pub rows_total: Option<u64>,
    /// The error, for `Failed`.
    pub message: Option<String>,
}

impl RefreshProgress {
    /// 0-100 when the total is known.
    pub fn percent(&self) -> Option<u8> {
        match (self.phase, self.rows_total) {
            (RefreshPhase::Done, _) => Some(100),
            (RefreshPhase::Writing, Some(t)) if t > 0 => {
                Some(((self.rows_done.min(t) * 100) / t) as u8)
            }
            _ => None,
        }
    }
}

/// Inventory settings shared by every desktop on the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct InventorySettings {
    /// The card's version when read; a save names it, and a save from a stale card is
    /// refused (`None`: a caller that did not read it, such as a test or a script).
    #[serde(default)]
    pub version: Option<i64>,
    /// An open Inventory window refreshes from the ERP this often; 0 = only on demand.
    pub auto_refresh_minutes: u32,
}

/// The inventory module's commands (re-exported by [`crate::api`]).
pub mod commands {
    use super::*;
    use crate::accounts::{ExportReply, ExportRequest};

    crate::api::declare_commands! {
        INVENTORY_COMMANDS;
        /// Fetches a customer's stock from the ERP into the local cache, atomically.
        RefreshInventory = "refresh_inventory": RefreshRequest => RefreshReply, crate::api::Access::Roles(crate::modules::ModuleId::Inventory.allowed_roles());
        /// Stops a running refresh of that customer; the previous snapshot stays. Returns whether
        /// one was running.
        CancelRefresh = "cancel_refresh": RefreshRequest => bool, crate::api::Access::Roles(crate::modules::ModuleId::Inventory.allowed_roles());
        GetInventorySettings = "get_inventory_settings": () => InventorySettings, crate::api::Access::Roles(crate::modules::ModuleId::Inventory.allowed_roles());
        SaveInventorySettings = "save_inventory_settings": InventorySettings => InventorySettings, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// One page of the cached stock, filtered and sorted, with counts and totals.
        QueryInventory = "query_inventory": InventoryQuery => InventoryPage, crate::api::Access::Roles(crate::modules::ModuleId::Inventory.allowed_roles());
        /// Exactly the rows the filter and sort show, to .xlsx.
        ExportInventory = "export_inventory": ExportRequest<InventoryFilter> => ExportReply, crate::api::Access::Roles(crate::modules::ModuleId::Inventory.allowed_roles());
    }
}
