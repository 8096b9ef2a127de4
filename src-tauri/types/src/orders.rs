//! Orders: placed by staff on a customer's behalf (and, next, by customers in the Shop),
//! through one order path that takes the stock and raises procurement when it runs low.

use crate::money::Cents;
use crate::procurement::{ProductPage, ProductQuery};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Confirmed,
    Picking,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Placed,
        OrderStatus::Confirmed,
        OrderStatus::Picking,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Picking => "picking",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<OrderStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Placed => "Placed",
            OrderStatus::Confirmed => "Confirmed",
            OrderStatus::Picking => "Picking",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
        }
    }
    /// The one step forward from here, if any.
    pub fn next(self) -> Option<OrderStatus> {
        match self {
            OrderStatus::Placed => Some(OrderStatus::Confirmed),
            OrderStatus::Confirmed => Some(OrderStatus::Picking),
            OrderStatus::Picking => Some(OrderStatus::Shipped),
            OrderStatus::Shipped => Some(OrderStatus::Delivered),
            OrderStatus::Delivered | OrderStatus::Cancelled => None,
        }
    }
    /// An order may be cancelled until it has shipped (its stock then returns).
    pub fn can_cancel(self) -> bool {
        matches!(
            self,
            OrderStatus::Placed | OrderStatus::Confirmed | OrderStatus::Picking
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrderLine {
    pub product_id: i64,
    /// As typed: zero, negative, fractional and huge quantities are refused by name.
    pub quantity: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrder {
    /// The customer account the order is for (staff ordering on its behalf).
    pub customer_id: i64,
    pub lines: Vec<NewOrderLine>,
    pub note: String,
    /// The order form's request key (made when the form opens): the same request sent twice
    /// (a retry after a lost answer, a double click) gets the first order, never a second.
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: Cents,
    pub line_total: Cents,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub id: i64,
    /// `ORD-000042`.
    pub number: String,
    pub customer_id: i64,
    pub customer: String,
    pub status: OrderStatus,
    pub total: Cents,
    pub lines: u32,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub order: OrderRow,
    pub lines: Vec<OrderLine>,
    pub note: Option<String>,
    pub placed_by: String,
    /// Procurement requests this order raised (`PROC-…`).
    pub raised: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OrderQuery {
    /// A customer account; customers always get their own, whatever this says.
    pub customer_id: Option<i64>,
    pub status: Option<OrderStatus>,
    /// Placed on or after (ms).
    pub from: Option<i64>,
    /// Placed before (ms).
    pub to: Option<i64>,
    pub offset: u32,
    /// 0: the default page (200).
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPage {
    pub total: u64,
    pub rows: Vec<OrderRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRef {
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvanceOrder {
    pub id: i64,
    /// The status the caller saw: a step already taken elsewhere is refused, not repeated.
    pub from: OrderStatus,
    pub to: OrderStatus,
}

/// A customer account an order can be for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCustomer {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub erp_customer: String,
}

/// The orders module's commands (re-exported by [`crate::api`]).
pub mod commands {
    use super::*;

    crate::api::declare_commands! {
        ORDERS_COMMANDS;
        /// The order path: stock taken, order stored, procurement raised, mail queued; one
        /// transaction.
        PlaceOrder = "place_order": NewOrder => OrderDetail, crate::api::Access::Roles(&[crate::Role::Admin, crate::Role::Warehouse, crate::Role::SalesRep, crate::Role::Customer]), owns |r| Some(Owned::new(Record::Account, r.customer_id));
        /// Orders filtered; a customer sees only their own.
        ListOrders = "list_orders": OrderQuery => OrderPage, crate::api::Access::Roles(crate::modules::ModuleId::Orders.allowed_roles()), owns |r| r.customer_id.map(|c| Owned::new(Record::Account, c));
        GetOrder = "get_order": OrderRef => OrderDetail, crate::api::Access::Roles(crate::modules::ModuleId::Orders.allowed_roles()), owns |r| Some(Owned::new(Record::Order, r.id));
        /// One step forward, or cancel before shipping (the stock returns).
        AdvanceOrderStatus = "advance_order": AdvanceOrder => OrderDetail, crate::api::Access::Roles(&[crate::Role::Admin, crate::Role::Warehouse]);
        /// Linked, active customer accounts (staff placing an order on one's behalf).
        OrderCustomers = "order_customers": () => Vec<OrderCustomer>, crate::api::Access::Roles(&[crate::Role::Admin, crate::Role::Warehouse, crate::Role::SalesRep]);
        /// Active products with their stock, to pick from.
        OrderProducts = "order_products": ProductQuery => ProductPage, crate::api::Access::Roles(crate::modules::ModuleId::Orders.allowed_roles());
    }
}
