//! The catalogue (products and suppliers, kept in the portal store) and automated
//! procurement: one request per product when stock falls to its reorder level, approval, the
//! purchase order, receipts.

use crate::accounts::{ExportReply, ExportRequest, ImportMode, ImportReport};
use serde::{Deserialize, Serialize};

pub use crate::money::Cents;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplier {
    pub id: i64,
    pub name: String,
    /// `None`: the supplier cannot be e-mailed; its requests are flagged "cannot notify".
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lead_time_days: u32,
    pub active: bool,
    /// Rises with every save; a save names the version its form was read at.
    #[serde(default)]
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SupplierEdit {
    /// `None` creates a supplier.
    pub id: Option<i64>,
    /// The version the form was read at (required to change a supplier): a save from a
    /// stale read is refused with what changed.
    #[serde(default)]
    pub version: Option<i64>,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub lead_time_days: u32,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub unit_price: Cents,
    pub stock: i64,
    pub reorder_level: i64,
    pub reorder_quantity: i64,
    /// Supplier pack size: requests are rounded up to a multiple of it.
    pub pack_size: Option<i64>,
    pub supplier_id: Option<i64>,
    pub supplier: Option<String>,
    pub active: bool,
    /// Units on open requests and purchase orders not yet received.
    pub on_order: i64,
    /// Rises with every save of the editable fields (not with stock movements).
    #[serde(default)]
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ProductEdit {
    /// `None` creates a product.
    pub id: Option<i64>,
    /// The version the form was read at (required to change a product): a save from a
    /// stale read is refused with what changed, by whom and when.
    #[serde(default)]
    pub version: Option<i64>,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category: String,
    /// As typed ("12.50"); checked by the core, which names the field when it is wrong.
    pub unit_price: String,
    /// The opening stock of a new product. Ignored when a product is changed: stock moves
    /// only through orders, cancellations, receipts and [`StockAdjustment`]s.
    pub stock: i64,
    pub reorder_level: i64,
    pub reorder_quantity: i64,
    pub pack_size: Option<i64>,
    pub supplier_id: Option<i64>,
    pub active: bool,
}

/// A change of stock by hand: `change` units added (negative: removed), with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StockAdjustment {
    pub product_id: i64,
    pub change: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ProductQuery {
    /// Matches SKU, name, description or category, anywhere, ignoring case.
    pub search: String,
    pub include_inactive: bool,
    /// Only products at or below their reorder level.
    pub low_only: bool,
    pub offset: u32,
    /// 0: the default page (200).
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPage {
    pub total: u64,
    pub offset: u32,
    pub rows: Vec<Product>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Raised, waiting for approval.
    Open,
    /// Approved: the purchase order is issued and e-mailed in the same step.
    Ordered,
    /// Every unit of the purchase order arrived.
    Received,
    Rejected,
    Cancelled,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 5] = [
        RequestStatus::Open,
        RequestStatus::Ordered,
        RequestStatus::Received,
        RequestStatus::Rejected,
        RequestStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Ordered => "ordered",
            RequestStatus::Received => "received",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<RequestStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Open => "Open",
            RequestStatus::Ordered => "Ordered",
            RequestStatus::Received => "Received",
            RequestStatus::Rejected => "Rejected",
            RequestStatus::Cancelled => "Cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRow {
    pub id: i64,
    /// `PROC-000042`.
    pub number: String,
    pub product_id: i64,
    pub sku: String,
    pub product: String,
    pub supplier: Option<String>,
    pub quantity: i64,
    pub stock_at_trigger: i64,
    pub stock_now: i64,
    pub status: RequestStatus,
    /// The supplier has no e-mail address: nobody outside was told.
    pub cannot_notify: bool,
    pub created_at: i64,
    /// Not yet opened by anyone in the Procurement window.
    pub new: bool,
    /// The purchase order, once approved.
    pub po_number: Option<String>,
    pub po_received: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RequestQuery {
    /// `None`: every status.
    pub status: Option<RequestStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPage {
    pub rows: Vec<RequestRow>,
    /// Open requests nobody has opened yet: the window's badge.
    pub new_count: u64,
    pub counts: Vec<(RequestStatus, u64)>,
}

/// One e-mail a request caused, with its outbox status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestMail {
    pub mail_id: i64,
    pub kind: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDetail {
    pub request: RequestRow,
    pub supplier_email: Option<String>,
    /// The product's unit price now.
    pub unit_price: Cents,
    /// The unit price when the request was raised (frozen).
    #[serde(default)]
    pub unit_price_at_raise: Cents,
    /// quantity × the larger of the two prices: what the approval limit is checked against,
    /// so lowering the price before approving changes nothing.
    pub value: Cents,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub mails: Vec<RequestMail>,
    pub trail: Vec<TrailEntry>,
    /// Above the approval limit: only an admin may approve.
    pub needs_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRef {
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApproveRequest {
    pub id: i64,
    /// `None`: the quantity raised.
    pub quantity: Option<f64>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRequest {
    pub id: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiveRequest {
    /// The procurement request whose purchase order arrived.
    pub id: i64,
    pub quantity: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ProcurementSettings {
    /// The card's version when read; a save names it, and a save from a stale card is
    /// refused (`None`: a caller that did not read it, such as a test or a script).
    #[serde(default)]
    pub version: Option<i64>,
    /// Requests worth more than this (cents) need an admin to approve; 0: no limit.
    pub approval_limit: Cents,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueImport {
    pub path: String,
    pub mode: ImportMode,
}

/// The procurement module's commands (re-exported by [`crate::api`]).
pub mod commands {
    use super::*;

    crate::api::declare_commands! {
        PROCUREMENT_COMMANDS;
        /// Products of the catalogue, filtered, one page (staff).
        ListProducts = "list_products": ProductQuery => ProductPage, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        /// Creates or edits a product (admin, procurement).
        SaveProduct = "save_product": ProductEdit => Product, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        /// Stock counted up or down by hand (damage, a stock take) with a reason; audited.
        AdjustStock = "adjust_stock": StockAdjustment => Product, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        ListSuppliers = "list_suppliers": () => Vec<Supplier>, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        SaveSupplier = "save_supplier": SupplierEdit => Supplier, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        /// Products from .xlsx: every bad cell reported; all-or-nothing unless "valid rows only".
        ImportProducts = "import_products": CatalogueImport => ImportReport, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        ExportProducts = "export_products": ExportRequest<ProductQuery> => ExportReply, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        ListRequests = "list_requests": RequestQuery => RequestPage, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        /// A request with its e-mails and trail; marks it seen.
        GetRequest = "get_request": RequestRef => RequestDetail, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        /// Issues the purchase order and e-mails it to the supplier with the .xlsx attached.
        ApproveProcurement = "approve_procurement": ApproveRequest => RequestDetail, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        RejectProcurement = "reject_procurement": RejectRequest => RequestDetail, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        CancelProcurement = "cancel_procurement": RejectRequest => RequestDetail, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        /// Goods of a purchase order arrived, in full or in part: stock rises.
        ReceivePurchaseOrder = "receive_purchase_order": ReceiveRequest => RequestDetail, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        GetProcurementSettings = "get_procurement_settings": () => ProcurementSettings, crate::api::Access::Roles(crate::modules::ModuleId::Procurement.allowed_roles());
        SaveProcurementSettings = "save_procurement_settings": ProcurementSettings => ProcurementSettings, crate::api::Access::Roles(&[crate::Role::Admin]);
    }
}
