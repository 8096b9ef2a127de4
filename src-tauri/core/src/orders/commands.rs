//! Orders window commands. A customer reaches only their own orders: every id they send is
//! checked against the account, and a list is always bound to it.

use crate::accounts::{self, User};
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, owner_by, route};
use crate::error::{CoreError, Result};
use portdesk_types::Role;
use portdesk_types::api::Record;
use portdesk_types::modules::ModuleId;
use portdesk_types::orders::commands::*;
use portdesk_types::orders::*;
use portdesk_types::procurement::{Product, ProductPage, ProductQuery};

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "orders",
        window: Some(ModuleId::Orders),
        tasks: Vec::new(),
        events: Vec::new(),
        owners: vec![(Record::Order, |app, id| {
            Box::pin(owner_by(
                app,
                "SELECT customer_id FROM orders WHERE id = $1",
                id,
            ))
        })],
        routes: vec![
            route!(roles PlaceOrder => Portdesk::place_order),
            route!(roles ListOrders => Portdesk::list_orders),
            route!(roles GetOrder => Portdesk::get_order),
            route!(roles AdvanceOrderStatus => Portdesk::advance_order),
            route!(roles OrderCustomers => Portdesk::order_customers),
            route!(roles OrderProducts => Portdesk::order_products),
        ],
    }
}

impl Portdesk {
    pub async fn place_order(&self, user: User, req: NewOrder) -> Result<OrderDetail> {
        let store = self.store().await?;
        // A customer orders for their own account only: the router checked `customer_id`.
        let customer = match accounts::by_id(&store, req.customer_id).await? {
            Some(c) => c,
            None => {
                return Err(CoreError::validation(
                    "customer_id",
                    "Choose the customer the order is for.",
                ));
            }
        };
        if user.role == Role::Customer {
            let adding = req
                .lines
                .iter()
                .map(|l| l.quantity.clamp(0.0, 1e9) as i64)
                .sum();
            crate::orders::check_open_units(&store, user.id, adding).await?;
        }
        let placed = crate::orders::place_keyed(
            &store,
            &user.actor(),
            &customer,
            &req.lines,
            &req.note,
            req.key.as_deref(),
        )
        .await?;
        let d = crate::orders::detail(&store, placed.order_id).await?;
        Ok(seen_by(&user, d))
    }

    pub async fn list_orders(&self, user: User, mut q: OrderQuery) -> Result<OrderPage> {
        // The router refused another account's id; "all customers" means "mine" here.
        if user.role == Role::Customer {
            q.customer_id = Some(user.id);
        }
        crate::orders::list(&self.store().await?, &q).await
    }

    pub async fn get_order(&self, user: User, r: OrderRef) -> Result<OrderDetail> {
        // The router let a customer through to their own order only.
        let d = crate::orders::detail(&self.store().await?, r.id).await?;
        Ok(seen_by(&user, d))
    }

    pub async fn advance_order(&self, user: User, req: AdvanceOrder) -> Result<OrderDetail> {
        let store = self.store().await?;
        crate::orders::advance(&store, &user.actor(), &req).await?;
        crate::orders::detail(&store, req.id).await
    }

    pub async fn order_customers(&self, _: User, _: ()) -> Result<Vec<OrderCustomer>> {
        Ok(accounts::linked_customers(&self.store().await?)
            .await?
            .into_iter()
            .map(|u| OrderCustomer {
                id: u.id,
                erp_customer: u.erp_customer.clone().unwrap_or_default(),
                name: u.name,
                email: u.email,
            })
            .collect())
    }

    pub async fn order_products(&self, user: User, q: ProductQuery) -> Result<ProductPage> {
        let q = ProductQuery {
            include_inactive: false,
            // "Low stock only" is a procurement view: a customer gets the catalogue.
            low_only: q.low_only && user.role != Role::Customer,
            ..q
        };
        let mut page = crate::procurement::list_products(&self.store().await?, &q).await?;
        if user.role == Role::Customer {
            page.rows = page.rows.into_iter().map(product_for_customer).collect();
        }
        Ok(page)
    }
}

/// A product as a customer may see it: what it is, its price and stock. No supplier, reorder
/// level, pack size or quantity on order (procurement's business, not the customer's).
pub fn product_for_customer(p: Product) -> Product {
    Product {
        supplier_id: None,
        supplier: None,
        reorder_level: 0,
        reorder_quantity: 0,
        pack_size: None,
        on_order: 0,
        version: 0,
        ..p
    }
}

/// An order as its viewer may see it: a customer gets no staff names and no procurement
/// numbers (`PROC-…`), only that their team placed it.
pub fn seen_by(user: &User, d: OrderDetail) -> OrderDetail {
    if user.role != Role::Customer {
        return d;
    }
    let placed_by = if d.placed_by == user.email || d.placed_by == user.name {
        d.placed_by
    } else {
        "Our team".to_owned()
    };
    OrderDetail {
        placed_by,
        raised: Vec::new(),
        ..d
    }
}
