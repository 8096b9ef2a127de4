//! The cart: one per customer account, kept in the store, so it survives a restart, an idle
//! sign-out at a kiosk, and follows the customer to another desktop. Stock is checked when a
//! line is added or changed, and again by the order path at checkout.

use crate::error::{CoreError, Result};
use crate::procurement::{self, catalogue::product_facts};
use crate::store::Store;
use portdesk_types::shop::*;
use sqlx::AnyConnection;

/// Most lines a cart holds (the order path's own limit).
pub const MAX_LINES: usize = crate::orders::MAX_LINES;

pub async fn get(store: &Store, customer_id: i64) -> Result<Cart> {
    let mut conn = store.pool().acquire().await?;
    load(&mut conn, customer_id).await
}

pub(crate) async fn load(conn: &mut AnyConnection, customer_id: i64) -> Result<Cart> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT product_id, quantity, price_when_added FROM shop_cart_lines WHERE customer_id = $1 \
         ORDER BY added_at, product_id",
    )
    .bind(customer_id)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let facts = product_facts(conn, &ids).await?;
    let variants = super::catalogue::variant_of(conn, &ids).await?;
    let mut cart = Cart::default();
    for (product_id, quantity, price_when_added) in rows {
        let Some(f) = facts.get(&product_id) else {
            continue; // A product deleted from the catalogue: nothing left to show.
        };
        let (listing_id, listed, variant) = match variants.get(&product_id) {
            Some((l, active, label)) => (Some(*l), *active, label.clone()),
            None => (None, false, String::new()),
        };
        let problem = if !f.active || !listed {
            Some("No longer sold: remove it to check out.".to_owned())
        } else if f.stock < quantity {
            Some(if f.stock == 0 {
                "Out of stock now.".to_owned()
            } else {
                format!("Only {} in stock now.", f.stock)
            })
        } else {
            None
        };
        let line_total = f.unit_price * quantity;
        cart.total += line_total;
        cart.units += quantity;
        cart.lines.push(CartLine {
            product_id,
            listing_id,
            name: f.name.clone(),
            variant,
            sku: f.sku.clone(),
            quantity,
            unit_price: f.unit_price,
            price_when_added,
            stock: f.stock,
            line_total,
            problem,
        });
    }
    Ok(cart)
}

/// Adds `quantity` to the line (`add`), or sets the line to it.
pub async fn change(store: &Store, customer_id: i64, c: &CartChange, add: bool) -> Result<Cart> {
    let q = procurement::whole_units("quantity", c.quantity)?;
    let mut conn = store.pool().acquire().await?;
    let facts = product_facts(&mut conn, &[c.product_id]).await?;
    let listed = super::catalogue::variant_of(&mut conn, &[c.product_id]).await?;
    let (Some(f), Some((_, true, _))) = (facts.get(&c.product_id), listed.get(&c.product_id))
    else {
        return Err(CoreError::validation(
            "product_id",
            format!("Product {} is not sold in the shop.", c.product_id),
        ));
    };
    if !f.active {
        return Err(CoreError::validation(
            "product_id",
            format!("{} is no longer sold.", f.name),
        ));
    }
    let existing: Option<(i64,)> = sqlx::query_as(
        "SELECT quantity FROM shop_cart_lines WHERE customer_id = $1 AND product_id = $2",
    )
    .bind(customer_id)
    .bind(c.product_id)
    .fetch_optional(&mut *conn)
    .await?;
    let new_q = if add {
        existing.map_or(0, |(x,)| x) + q
    } else {
        q
    };
    if new_q > f.stock {
        let in_cart = match existing {
            Some((x,)) if add => format!(" ({x} in your cart already)"),
            _ => String::new(),
        };
        return Err(CoreError::validation(
            "quantity",
            if f.stock == 0 {
                format!("{} is out of stock.", f.name)
            } else {
                format!("Only {} of {} in stock{in_cart}.", f.stock, f.name)
            },
        ));
    }
    if new_q > procurement::MAX_QUANTITY {
        return Err(CoreError::validation(
            "quantity",
            format!(
                "The quantity must be at most {}.",
                procurement::MAX_QUANTITY
            ),
        ));
    }
    if existing.is_none() {
        let (lines,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM shop_cart_lines WHERE customer_id = $1")
                .bind(customer_id)
                .fetch_one(&mut *conn)
                .await?;
        if lines as usize >= MAX_LINES {
            return Err(CoreError::validation(
                "product_id",
                format!("A cart holds at most {MAX_LINES} different products."),
            ));
        }
    }
    sqlx::query(
        "INSERT INTO shop_cart_lines (customer_id, product_id, quantity, price_when_added, added_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (customer_id, product_id) \
         DO UPDATE SET quantity = excluded.quantity, price_when_added = excluded.price_when_added",
    )
    .bind(customer_id)
    .bind(c.product_id)
    .bind(new_q)
    .bind(f.unit_price)
    .bind(crate::now_ms())
    .execute(&mut *conn)
    .await?;
    load(&mut conn, customer_id).await
}

pub async fn remove(store: &Store, customer_id: i64, product_id: i64) -> Result<Cart> {
    let mut conn = store.pool().acquire().await?;
    sqlx::query("DELETE FROM shop_cart_lines WHERE customer_id = $1 AND product_id = $2")
        .bind(customer_id)
        .bind(product_id)
        .execute(&mut *conn)
        .await?;
    load(&mut conn, customer_id).await
}

pub async fn clear(store: &Store, customer_id: i64) -> Result<Cart> {
    sqlx::query("DELETE FROM shop_cart_lines WHERE customer_id = $1")
        .bind(customer_id)
        .execute(store.pool())
        .await?;
    Ok(Cart::default())
}
