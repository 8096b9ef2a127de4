//! Checkout: the review the customer confirms, then one transaction that books the slot's
//! place and places the order through the order path (stock taken, procurement raised,
//! confirmation e-mail with the slot and address queued). The customer's orders with their
//! delivery, and cancellation before picking.

use super::{addresses, cart, slots};
use crate::accounts::User;
use crate::error::{CoreError, Result};
use crate::orders::{self, DeliveryNote};
use crate::store::Store;
use portdesk_types::money::money;
use portdesk_types::orders::{AdvanceOrder, NewOrderLine, OrderQuery, OrderStatus};
use portdesk_types::shop::*;
use sqlx::AnyConnection;

/// What would be ordered now, checked: the cart has lines and none has a problem, the address
/// is the customer's, the slot is in the future, has room and serves the address.
async fn review_in(
    conn: &mut AnyConnection,
    customer_id: i64,
    c: &CheckoutChoice,
) -> Result<CheckoutReview> {
    let cart = cart::load(conn, customer_id).await?;
    if cart.lines.is_empty() {
        return Err(CoreError::validation("cart", "Your cart is empty."));
    }
    if let Some(l) = cart.lines.iter().find(|l| l.problem.is_some()) {
        return Err(CoreError::validation(
            "cart",
            format!("{}: {}", l.name, l.problem.as_deref().unwrap_or_default()),
        ));
    }
    let address = addresses::owned(conn, customer_id, c.address_id)
        .await
        .map_err(|_| {
            CoreError::validation("address_id", "Choose one of your delivery addresses.")
        })?;
    let Some(slot) = slots::by_id(conn, c.slot_id).await? else {
        return Err(CoreError::validation("slot_id", "Choose a delivery slot."));
    };
    if slot.starts_at <= crate::now_ms() {
        return Err(slot_gone(conn, &address, "That delivery slot has started already.").await);
    }
    if !slots::serves(&slot, &address.postcode) {
        return Err(CoreError::validation(
            "slot_id",
            format!(
                "That slot does not deliver to {}; choose another.",
                address.postcode
            ),
        ));
    }
    if slot.room() == 0 {
        return Err(slot_gone(conn, &address, "That delivery slot is full.").await);
    }
    let delivery_charge = slot.charge_for(cart.total);
    let total = cart.total + delivery_charge;
    let key = checkout_key(conn, customer_id, address.id, slot.id, total).await?;
    Ok(CheckoutReview {
        cart,
        address,
        slot,
        delivery_charge,
        total,
        key,
    })
}

/// What makes one checkout: the customer, each cart line as added (a line added again after
/// an order is a new line), the address, the slot and the total.
async fn checkout_key(
    conn: &mut AnyConnection,
    customer_id: i64,
    address_id: i64,
    slot_id: i64,
    total: i64,
) -> Result<String> {
    use sha2::{Digest, Sha256};
    let lines: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT product_id, quantity, added_at FROM shop_cart_lines WHERE customer_id = $1 ORDER BY product_id",
    )
    .bind(customer_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut h = Sha256::new();
    h.update(format!("{customer_id}|{address_id}|{slot_id}|{total}"));
    for (product, quantity, added_at) in lines {
        h.update(format!("|{product}:{quantity}:{added_at}"));
    }
    Ok(format!("{:x}", h.finalize()))
}

/// The order a checkout with this key placed already, if any.
async fn placed_with_key(
    store: &Store,
    customer_id: i64,
    key: &str,
) -> Result<Option<orders::Placed>> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT order_id FROM shop_deliveries WHERE customer_id = $1 AND checkout_key = $2",
    )
    .bind(customer_id)
    .bind(key)
    .fetch_optional(store.pool())
    .await?;
    Ok(found.map(|(order_id,)| orders::Placed {
        order_id,
        raised: Vec::new(),
        total: 0,
    }))
}

/// The slot is no longer bookable: say so and offer the next one with room.
async fn slot_gone(conn: &mut AnyConnection, address: &Address, why: &str) -> CoreError {
    let next = match slots::available(conn, &address.postcode).await {
        Ok(s) => s.into_iter().next(),
        Err(e) => return e,
    };
    CoreError::Conflict {
        field: Some("slot_id"),
        message: match next {
            Some(s) => format!("{why} The next slot with room is {}.", s.label),
            None => format!(
                "{why} No other slot serves {} at the moment.",
                address.postcode
            ),
        },
    }
}

pub async fn review(store: &Store, customer_id: i64, c: &CheckoutChoice) -> Result<CheckoutReview> {
    let mut conn = store.pool().acquire().await?;
    review_in(&mut conn, customer_id, c).await
}

fn changed_total(review: &CheckoutReview, expected: i64) -> CoreError {
    let changes: Vec<String> = review
        .cart
        .lines
        .iter()
        .filter(|l| l.unit_price != l.price_when_added)
        .map(|l| {
            format!(
                "{} now {} (was {})",
                l.name,
                money(l.unit_price),
                money(l.price_when_added)
            )
        })
        .collect();
    CoreError::Conflict {
        field: Some("expected_total"),
        message: format!(
            "The total is now {} (you confirmed {}){}. Nothing was ordered; check the order and place it again.",
            money(review.total),
            money(expected),
            if changes.is_empty() {
                String::new()
            } else {
                format!(": {}", changes.join("; "))
            }
        ),
    }
}

/// Places the order. Nothing is written unless all of it is: the slot's place, the stock of
/// every line, the order, its delivery, the mail, the emptied cart.
pub async fn place(store: &Store, customer: &User, c: &Checkout) -> Result<orders::Placed> {
    let key = c.key.as_deref().filter(|k| !k.is_empty() && k.len() <= 128);
    match place_once(store, customer, c, key).await {
        Ok(placed) => Ok(placed),
        Err(e) => match key {
            // The same checkout finished first elsewhere (its cart is now empty, its slot
            // place taken): that order is the answer, not this one's refusal.
            Some(k) => match placed_with_key(store, customer.id, k).await? {
                Some(first) => Ok(first),
                None => Err(e),
            },
            None => Err(e),
        },
    }
}

async fn place_once(
    store: &Store,
    customer: &User,
    c: &Checkout,
    key: Option<&str>,
) -> Result<orders::Placed> {
    let choice = CheckoutChoice {
        address_id: c.address_id,
        slot_id: c.slot_id,
    };
    // The same checkout again (a double click, a second window, another device): the first
    // order, never a second one. Looked up before the review, which would find the cart
    // the first order emptied.
    if let Some(k) = key
        && let Some(first) = placed_with_key(store, customer.id, k).await?
    {
        return Ok(first);
    }
    // Checked outside the transaction, so its first statement is a write (see the order path).
    let seen = review(store, customer.id, &choice).await?;
    if seen.total != c.expected_total {
        return Err(changed_total(&seen, c.expected_total));
    }
    let mut tx = store.pool().begin().await?;
    let Some(slot) = slots::book(&mut tx, c.slot_id).await? else {
        drop(tx);
        let mut conn = store.pool().acquire().await?;
        return Err(slot_gone(
            &mut conn,
            &seen.address,
            "That delivery slot has just filled up.",
        )
        .await);
    };
    let lines: Vec<NewOrderLine> = seen
        .cart
        .lines
        .iter()
        .map(|l| NewOrderLine {
            product_id: l.product_id,
            quantity: l.quantity as f64,
        })
        .collect();
    let note = DeliveryNote {
        slot: slot.label.clone(),
        address: seen.address.one_line(),
        charge: seen.delivery_charge,
    };
    let placed = orders::place_in(&mut tx, &customer.actor(), customer, &lines, "", &note).await?;
    // A price changed between the review and the stock being taken: nothing is ordered.
    if placed.total + seen.delivery_charge != c.expected_total {
        drop(tx);
        return Err(changed_total(
            &review(store, customer.id, &choice).await?,
            c.expected_total,
        ));
    }
    // A unique key: the same checkout committed first on another connection makes this one
    // roll back whole, and `place` answers with that order.
    sqlx::query(
        "INSERT INTO shop_deliveries (order_id, customer_id, slot_id, slot_label, address, postcode, charge, created_at, checkout_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(placed.order_id)
    .bind(customer.id)
    .bind(slot.id)
    .bind(&slot.label)
    .bind(&note.address)
    .bind(&seen.address.postcode)
    .bind(seen.delivery_charge)
    .bind(crate::now_ms())
    .bind(key)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM shop_cart_lines WHERE customer_id = $1")
        .bind(customer.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(order = %orders::order_number(placed.order_id), slot = slot.id, "shop order placed");
    Ok(placed)
}

/// The customer's Shop orders, newest first (at most 200).
pub async fn my_orders(store: &Store, customer_id: i64) -> Result<Vec<ShopOrder>> {
    let deliveries: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT order_id, slot_label, address, charge FROM shop_deliveries WHERE customer_id = $1 \
         ORDER BY order_id DESC LIMIT 200",
    )
    .bind(customer_id)
    .fetch_all(store.pool())
    .await?;
    let page = orders::list(
        store,
        &OrderQuery {
            customer_id: Some(customer_id),
            limit: 1000,
            ..Default::default()
        },
    )
    .await?;
    Ok(deliveries
        .into_iter()
        .filter_map(|(id, slot, address, charge)| {
            let order = page.rows.iter().find(|o| o.id == id)?.clone();
            Some(ShopOrder {
                total: order.total + charge,
                can_cancel: customer_may_cancel(order.status),
                order,
                slot,
                address,
                delivery_charge: charge,
            })
        })
        .collect())
}

/// A customer cancels until the warehouse starts picking.
pub fn customer_may_cancel(s: OrderStatus) -> bool {
    matches!(s, OrderStatus::Placed | OrderStatus::Confirmed)
}

pub async fn cancel(store: &Store, customer: &User, order_id: i64) -> Result<ShopOrder> {
    let find = |list: Vec<ShopOrder>| list.into_iter().find(|o| o.order.id == order_id);
    // Another customer's order is answered as unknown.
    let Some(mine) = find(my_orders(store, customer.id).await?) else {
        return Err(CoreError::NotFound(format!(
            "There is no order {}.",
            orders::order_number(order_id)
        )));
    };
    if !mine.can_cancel {
        return Err(CoreError::validation(
            "order_id",
            format!(
                "{} is {} and can no longer be cancelled here; contact support.",
                mine.order.number,
                mine.order.status.label().to_lowercase()
            ),
        ));
    }
    let req = AdvanceOrder {
        id: order_id,
        from: mine.order.status,
        to: OrderStatus::Cancelled,
    };
    let mut tx = store.pool().begin().await?;
    if !orders::advance_in(&mut tx, &customer.actor(), &req).await? {
        return Err(CoreError::Conflict {
            field: None,
            message: format!(
                "{} changed meanwhile; nothing was cancelled. Look again.",
                mine.order.number
            ),
        });
    }
    tx.commit().await?;
    find(my_orders(store, customer.id).await?)
        .ok_or_else(|| CoreError::Internal("a cancelled order is gone".into()))
}
