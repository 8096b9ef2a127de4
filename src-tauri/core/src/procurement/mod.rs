//! The catalogue (products, suppliers) and automated procurement: when an order takes a
//! product's stock to its reorder level, exactly one request is raised, in the order's own
//! transaction, with the supplier's e-mail and the internal alert queued beside it. Approval
//! issues the purchase order (e-mailed with an .xlsx copy); receiving it raises the stock.
//!
//! Owns `suppliers`, `products`, `procurement_requests`, `purchase_orders`,
//! `procurement_mail`. Other modules change stock only through [`take_stock`] and
//! [`return_stock`].

pub mod catalogue;
pub mod commands;
pub mod demo;
mod requests;
pub mod xlsx;

pub(crate) use catalogue::{CheckedProduct, check_product, write_product};
pub use catalogue::{
    adjust_stock, list_products, list_suppliers, product_by_id, save_product, save_supplier,
};
pub use requests::{approve, close, list_requests, mark_seen, receive, request_detail};

use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::mail::templates::{self, Template};
use crate::store::Store;
use portdesk_types::Role;
use portdesk_types::money::parse_price_text;
use portdesk_types::procurement::*;
use sqlx::{AnyConnection, Row};

/// The largest quantity one line, request or receipt may carry.
pub const MAX_QUANTITY: i64 = 1_000_000;

pub fn request_number(id: i64) -> String {
    format!("PROC-{id:06}")
}

pub fn po_number(id: i64) -> String {
    format!("PO-{id:06}")
}

/// A quantity as typed, checked: a whole number of units from 1 to [`MAX_QUANTITY`].
pub fn whole_units(field: &'static str, q: f64) -> Result<i64> {
    if !q.is_finite() || q <= 0.0 {
        return Err(CoreError::validation(
            field,
            "The quantity must be at least 1.",
        ));
    }
    if q.fract() != 0.0 {
        return Err(CoreError::validation(
            field,
            format!("{q} is not a whole number: this product is sold in whole units."),
        ));
    }
    if q > MAX_QUANTITY as f64 {
        return Err(CoreError::validation(
            field,
            format!("The quantity must be at most {MAX_QUANTITY}."),
        ));
    }
    Ok(q as i64)
}

/// A price as typed ("12.50", "12,50", "12") in cents, or a message naming `field`.
pub fn parse_price(field: &'static str, text: &str) -> Result<Cents> {
    parse_price_text(text).ok_or_else(|| {
        CoreError::validation(
            field,
            format!("\"{}\" is not a price (for example 12.50).", text.trim()),
        )
    })
}

/// What an order took of one product, as the product reads after the decrement.
#[derive(Debug, Clone)]
pub struct StockTaken {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit_price: Cents,
    pub quantity: i64,
    pub stock_after: i64,
    reorder_level: i64,
    reorder_quantity: i64,
    pack_size: Option<i64>,
    supplier_id: Option<i64>,
}

/// The one conditional decrement, shared by [`take_stock`] and [`take_stock_blocking`].
const TAKE_STOCK: &str = "UPDATE products SET stock = stock - $1, updated_at = $2 \
     WHERE id = $3 AND active = 1 AND stock >= $1 \
     RETURNING sku, name, unit_price, stock, reorder_level, reorder_quantity, pack_size, supplier_id";

/// Takes `quantity` units of a product in the caller's transaction, or refuses naming why
/// (unknown, inactive, not enough). One conditional UPDATE: two orders for the last units
/// cannot both succeed, on SQLite (one writer) or PostgreSQL (the row lock), and a caller's
/// first statement being a write keeps SQLite from upgrading a read lock under contention.
pub async fn take_stock(
    conn: &mut AnyConnection,
    field: &'static str,
    product_id: i64,
    quantity: i64,
) -> Result<StockTaken> {
    let row = sqlx::query(TAKE_STOCK)
        .bind(quantity)
        .bind(crate::now_ms())
        .bind(product_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(r) = row else {
        let found: Option<(String, String, i64, i64)> =
            sqlx::query_as("SELECT sku, name, stock, active FROM products WHERE id = $1")
                .bind(product_id)
                .fetch_optional(&mut *conn)
                .await?;
        return Err(match found {
            None => CoreError::validation(field, format!("There is no product {product_id}.")),
            Some((sku, name, _, 0)) => {
                CoreError::validation(field, format!("{name} ({sku}) is no longer sold."))
            }
            Some((sku, name, stock, _)) => CoreError::validation(
                field,
                format!("Only {stock} of {name} ({sku}) in stock; {quantity} asked."),
            ),
        });
    };
    Ok(StockTaken {
        product_id,
        sku: r.try_get("sku")?,
        name: r.try_get("name")?,
        unit_price: r.try_get("unit_price")?,
        quantity,
        stock_after: r.try_get("stock")?,
        reorder_level: r.try_get("reorder_level")?,
        reorder_quantity: r.try_get("reorder_quantity")?,
        pack_size: r.try_get("pack_size")?,
        supplier_id: r.try_get("supplier_id")?,
    })
}

/// [`take_stock`] on the store's blocking SQLite writer (the order path's common case).
/// `None` when the units cannot be taken: the caller redoes the order through [`take_stock`],
/// which names the reason.
pub(crate) fn take_stock_blocking(
    conn: &rusqlite::Connection,
    product_id: i64,
    quantity: i64,
) -> rusqlite::Result<Option<StockTaken>> {
    use rusqlite::OptionalExtension;
    let mut stmt = conn.prepare_cached(TAKE_STOCK)?;
    stmt.query_row(
        rusqlite::named_params! {"$1": quantity, "$2": crate::now_ms(), "$3": product_id},
        |r| {
            Ok(StockTaken {
                product_id,
                sku: r.get("sku")?,
                name: r.get("name")?,
                unit_price: r.get("unit_price")?,
                quantity,
                stock_after: r.get("stock")?,
                reorder_level: r.get("reorder_level")?,
                reorder_quantity: r.get("reorder_quantity")?,
                pack_size: r.get("pack_size")?,
                supplier_id: r.get("supplier_id")?,
            })
        },
    )
    .optional()
}

impl StockTaken {
    /// Whether [`reorder_check`] has anything to look at: a stocked product at or below its
    /// level. Above the level nothing is raised, whatever is open (the common case).
    fn at_reorder_level(&self) -> bool {
        (self.reorder_level > 0 || self.reorder_quantity > 0)
            && self.stock_after <= self.reorder_level
    }

    /// The amount [`reorder_check`] would ask for when nothing is open for the product.
    fn reorder_amount(&self) -> i64 {
        reorder_amount(
            self.stock_after,
            0,
            self.reorder_level,
            self.reorder_quantity,
            self.pack_size,
        )
    }
}

/// A request still open or ordered for a product: while there is one, no other is raised.
const OPEN_REQUEST: &str =
    "SELECT id FROM procurement_requests WHERE product_id = $1 AND status IN ('open', 'ordered')";

/// Whether [`reorder_check`] would raise nothing for `taken`, on the store's blocking SQLite
/// writer (see `orders::place`): above the level, or a request already open. `false` means
/// it would raise one, which only the general path does.
pub(crate) fn raises_nothing_blocking(
    conn: &rusqlite::Connection,
    taken: &StockTaken,
) -> rusqlite::Result<bool> {
    use rusqlite::OptionalExtension;
    if !taken.at_reorder_level() || taken.reorder_amount() <= 0 {
        return Ok(true);
    }
    let open: Option<i64> = conn
        .prepare_cached(OPEN_REQUEST)?
        .query_row(rusqlite::named_params! {"$1": taken.product_id}, |r| {
            r.get(0)
        })
        .optional()?;
    Ok(open.is_some())
}

/// Puts units back (a cancelled order), in the caller's transaction.
pub async fn return_stock(conn: &mut AnyConnection, product_id: i64, quantity: i64) -> Result<()> {
    sqlx::query("UPDATE products SET stock = stock + $1, updated_at = $2 WHERE id = $3")
        .bind(quantity)
        .bind(crate::now_ms())
        .bind(product_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many units a request for this product should ask for: the reorder quantity, or the
/// shortfall to the level if that is larger, rounded up to the supplier's pack size.
pub fn reorder_amount(
    stock: i64,
    on_order: i64,
    reorder_level: i64,
    reorder_quantity: i64,
    pack_size: Option<i64>,
) -> i64 {
    let shortfall = reorder_level - (stock + on_order);
    let q = reorder_quantity.max(shortfall).max(0);
    match pack_size {
        Some(p) if p > 1 && q % p != 0 => (q / p + 1) * p,
        _ => q,
    }
}

/// A request raised by an order.
#[derive(Debug, Clone)]
pub struct Raised {
    pub id: i64,
    pub number: String,
    /// Outbox ids of the messages it queued (for the caller to wake the sender).
    pub mails: Vec<i64>,
}

/// After an order took stock: raises **one** procurement request when stock plus what is
/// already on order is at or below the reorder level, in the caller's transaction, and
/// queues the supplier's request (or flags "cannot notify") and the internal low-stock alert.
/// While a request or purchase order is open for the product, nothing new is raised (the
/// partial unique index `procurement_one_open` holds that even against a race).
pub async fn reorder_check(
    conn: &mut AnyConnection,
    actor: &Actor,
    taken: &StockTaken,
    order_id: Option<i64>,
) -> Result<Option<Raised>> {
    if !taken.at_reorder_level() {
        return Ok(None);
    }
    let open: Option<(i64,)> = sqlx::query_as(OPEN_REQUEST)
        .bind(taken.product_id)
        .fetch_optional(&mut *conn)
        .await?;
    if open.is_some() {
        return Ok(None);
    }
    let quantity = taken.reorder_amount();
    if quantity <= 0 {
        return Ok(None);
    }
    let supplier: Option<(String, Option<String>)> = match taken.supplier_id {
        Some(id) => {
            sqlx::query_as("SELECT name, email FROM suppliers WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    let email = supplier
        .as_ref()
        .and_then(|(_, e)| e.clone())
        .filter(|e| !e.trim().is_empty());
    let now = crate::now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO procurement_requests (product_id, supplier_id, quantity, stock_at_trigger, status, \
         cannot_notify, order_id, created_at, updated_at, unit_price_at_raise) \
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(taken.product_id)
    .bind(taken.supplier_id)
    .bind(quantity)
    .bind(taken.stock_after)
    .bind(i64::from(email.is_none()))
    .bind(order_id)
    .bind(now)
    .bind(taken.unit_price)
    .fetch_one(&mut *conn)
    .await?;
    let number = request_number(id);
    let mut mails = Vec::new();
    if let (Some(email), Some((supplier, _))) = (&email, &supplier) {
        let t = Template::ProcurementRequest(templates::ProcurementRequest {
            supplier: supplier.clone(),
            procurement_id: number.clone(),
            product: taken.name.clone(),
            product_id: taken.sku.clone(),
            quantity,
            current_stock: taken.stock_after,
            low_stock: true,
        });
        let m = crate::mail::enqueue_template(
            conn,
            &format!("procurement-request:{id}"),
            vec![email.clone()],
            &t,
        )
        .await?;
        mails.push(m.id);
    }
    let mut team = crate::accounts::emails_with_role(conn, Role::Procurement).await?;
    if team.is_empty() {
        // Nobody holds the procurement role yet: the admins hear of it instead.
        team = crate::accounts::emails_with_role(conn, Role::Admin).await?;
    }
    if !team.is_empty() {
        let t = Template::LowStockAlert(templates::LowStockAlert {
            items: vec![templates::LowStockItem {
                product: taken.name.clone(),
                product_id: taken.sku.clone(),
                on_hand: taken.stock_after,
                reorder_level: taken.reorder_level,
                open_request: Some(number.clone()),
                cannot_notify: email.is_none(),
            }],
        });
        let m = crate::mail::enqueue_template(conn, &format!("low-stock:{id}"), team, &t).await?;
        mails.push(m.id);
    }
    for m in &mails {
        link_mail(conn, id, *m).await?;
    }
    let detail = format!(
        "{} {}: stock {} at or below level {}; request for {quantity}{}",
        taken.sku,
        taken.name,
        taken.stock_after,
        taken.reorder_level,
        if email.is_none() {
            "; CANNOT NOTIFY: the supplier has no e-mail address"
        } else {
            ""
        }
    );
    audit::record(
        conn,
        actor,
        "procurement.raise",
        Some(("procurement_request", id.to_string())),
        Some(&detail),
    )
    .await?;
    tracing::info!(request = %number, product = %taken.sku, quantity, "procurement request raised");
    Ok(Some(Raised { id, number, mails }))
}

/// The open requests `order_id` raised, withdrawn when nothing needs them any more (the
/// product's stock is above its reorder level again): cancelled with the reason in the
/// trail, and their e-mails that are still queued cancelled too (a sent one cannot be
/// unsent). In the caller's transaction.
pub async fn withdraw_for_cancelled_order(
    conn: &mut AnyConnection,
    actor: &Actor,
    order_id: i64,
) -> Result<()> {
    let raised: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT r.id, p.stock, p.reorder_level FROM procurement_requests r \
         JOIN products p ON p.id = r.product_id WHERE r.order_id = $1 AND r.status = 'open'",
    )
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    let now = crate::now_ms();
    for (id, stock, level) in raised {
        if stock <= level {
            continue; // Still needed: the stock is at or under its level.
        }
        let reason = format!(
            "Withdrawn: order {} was cancelled and the stock ({stock}) is above its reorder level ({level}) again.",
            crate::orders::order_number(order_id)
        );
        sqlx::query(
            "UPDATE procurement_requests SET status = 'cancelled', reason = $1, updated_at = $2 \
             WHERE id = $3 AND status = 'open'",
        )
        .bind(&reason)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE mail_outbox SET status = 'cancelled', updated_at = $1, secret = NULL \
             WHERE status IN ('queued', 'failed') AND id IN (SELECT mail_id FROM procurement_mail WHERE request_id = $2)",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        audit::record(
            conn,
            actor,
            "procurement.withdraw",
            Some(("procurement_request", id.to_string())),
            Some(&reason),
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn link_mail(
    conn: &mut AnyConnection,
    request_id: i64,
    mail_id: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO procurement_mail (request_id, mail_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(request_id)
    .bind(mail_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub const APPROVAL_LIMIT: &str = "procurement.approval_limit_cents";

pub async fn approval_limit(store: &Store) -> Result<Cents> {
    crate::settings::get_i64(store.pool(), APPROVAL_LIMIT, 0).await
}
