//! Orders window commands. A customer reaches only their own orders: every id they send is
//! checked against the account, and a list is always bound to it.

use crate::accounts::{self, User};
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, route};
use crate::error::{CoreError, Result};
use portdesk_types::Role;
use portdesk_types::modules::ModuleId;
use portdesk_types::orders::commands::*;
use portdesk_types::orders::*;
use portdesk_types::procurement::{ProductPage, ProductQuery};

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    const ROLES: &[Role] = ModuleId::Orders.allowed_roles();
    const PLACERS: &[Role] = &[Role::Admin, Role::Warehouse, Role::SalesRep, Role::Customer];
    const STAFF: &[Role] = &[Role::Admin, Role::Warehouse, Role::SalesRep];
    const MOVERS: &[Role] = &[Role::Admin, Role::Warehouse];
    ModuleCommands {
        module: "orders",
        window: Some(ModuleId::Orders),
        routes: vec![
            route!(roles PLACERS; PlaceOrder => Portdesk::place_order),
            route!(roles ROLES; ListOrders => Portdesk::list_orders),
            route!(roles ROLES; GetOrder => Portdesk::get_order),
            route!(roles MOVERS; AdvanceOrderStatus => Portdesk::advance_order),
            route!(roles STAFF; OrderCustomers => Portdesk::order_customers),
            route!(roles ROLES; OrderProducts => Portdesk::order_products),
        ],
    }
}

impl Portdesk {
    pub async fn place_order(&self, user: User, req: NewOrder) -> Result<OrderDetail> {
        let store = self.store().await?;
        // A customer orders for their own account only.
        if user.role == Role::Customer && req.customer_id != user.id {
            tracing::warn!(
                user_id = user.id,
                "a customer tried to order for another account"
            );
            return Err(CoreError::Forbidden);
        }
        let customer = match accounts::by_id(&store, req.customer_id).await? {
            Some(c) => c,
            None => {
                return Err(CoreError::validation(
                    "customer_id",
                    "Choose the customer the order is for.",
                ));
            }
        };
        let placed =
            crate::orders::place(&store, &user.actor(), &customer, &req.lines, &req.note).await?;
        self.wake_mail();
        crate::orders::detail(&store, placed.order_id).await
    }

    pub async fn list_orders(&self, user: User, mut q: OrderQuery) -> Result<OrderPage> {
        if user.role == Role::Customer {
            if q.customer_id.is_some_and(|c| c != user.id) {
                tracing::warn!(
                    user_id = user.id,
                    "a customer asked for another account's orders"
                );
                return Err(CoreError::Forbidden);
            }
            q.customer_id = Some(user.id);
        }
        crate::orders::list(&self.store().await?, &q).await
    }

    pub async fn get_order(&self, user: User, r: OrderRef) -> Result<OrderDetail> {
        let d = crate::orders::detail(&self.store().await?, r.id).await?;
        if user.role == Role::Customer && d.order.customer_id != user.id {
            tracing::warn!(
                user_id = user.id,
                "a customer asked for another account's order"
            );
            return Err(CoreError::Forbidden);
        }
        Ok(d)
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

    pub async fn order_products(&self, _: User, q: ProductQuery) -> Result<ProductPage> {
        let q = ProductQuery {
            include_inactive: false,
            ..q
        };
        crate::procurement::list_products(&self.store().await?, &q).await
    }
}
