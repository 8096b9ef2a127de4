//! The Shop: what a customer orders from, at a desk or a lobby kiosk.
//!
//! - `catalogue.rs`: listings (name, description, category, picture) over variants, each
//!   variant a product of procurement's catalogue (its own SKU, price and stock, read through
//!   `procurement::catalogue::product_facts`); ranked full-text search (SQLite FTS5,
//!   PostgreSQL `tsvector`); pictures checked by content and sized down.
//! - `cart.rs`: one cart per customer account, in the store (it survives a restart and
//!   follows the customer to another desktop or kiosk).
//! - `addresses.rs`: delivery addresses with a per-country postcode rule from the settings.
//! - `slots.rs`: delivery slots with a capacity; a place is booked by one conditional UPDATE.
//! - `checkout.rs`: review, then one transaction that books the slot and places the order
//!   through `orders::place_in`; the customer's orders and their cancellation.
//!
//! Owns `shop_listings`, `shop_variants`, `shop_pictures`, `shop_search`, `shop_cart_lines`,
//! `shop_addresses`, `shop_slots`, `shop_deliveries`.

pub mod addresses;
pub mod cart;
pub mod catalogue;
pub mod checkout;
pub mod commands;
pub mod demo;
pub mod slots;

use crate::error::Result;
use sqlx::AnyConnection;

/// Gives back the slot place of a cancelled order (if it was a Shop order and still holds
/// one), in the caller's transaction. Called by `orders::advance_in`, so a cancellation from
/// the Orders window frees the place too.
pub async fn release_slot(conn: &mut AnyConnection, order_id: i64) -> Result<()> {
    let slot: Option<(i64,)> = sqlx::query_as(
        "UPDATE shop_deliveries SET released = 1 WHERE order_id = $1 AND released = 0 RETURNING slot_id",
    )
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((slot_id,)) = slot {
        sqlx::query("UPDATE shop_slots SET booked = booked - 1 WHERE id = $1 AND booked > 0")
            .bind(slot_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(crate) use crate::search::text;
