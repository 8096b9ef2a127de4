//! The catalogue (products, suppliers) and automated procurement: when an order takes a
//! product's stock to its reorder level, exactly one request is raised, in the order's own
//! transaction, with the supplier's e-mail and the internal alert queued beside it. Approval
//! issues the purchase order (e-mailed with an .xlsx copy); receiving it raises the stock.
//!
//! Owns `suppliers`, `products`, `procurement_requests`, `purchase_orders`,
//! `procurement_mail`. Other modules change stock only through [`take_stock`] and
//! [`return_stock`].

pub mod commands;
pub mod demo;
pub mod xlsx;

use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::mail::templates::{self, Template};
use crate::store::Store;
use portdesk_types::Role;
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
    let row = sqlx::query(
        "UPDATE products SET stock = stock - $1, updated_at = $2 \
         WHERE id = $3 AND active = 1 AND stock >= $1 \
         RETURNING sku, name, unit_price, stock, reorder_level, reorder_quantity, pack_size, supplier_id",
    )
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
    if taken.reorder_level <= 0 && taken.reorder_quantity <= 0 {
        return Ok(None); // Not a stocked product.
    }
    // Above the level nothing is raised, whatever is open: no query needed (the common case).
    if taken.stock_after > taken.reorder_level {
        return Ok(None);
    }
    let open: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM procurement_requests WHERE product_id = $1 AND status IN ('open', 'ordered')",
    )
    .bind(taken.product_id)
    .fetch_optional(&mut *conn)
    .await?;
    if open.is_some() {
        return Ok(None);
    }
    let quantity = reorder_amount(
        taken.stock_after,
        0,
        taken.reorder_level,
        taken.reorder_quantity,
        taken.pack_size,
    );
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
         cannot_notify, order_id, created_at, updated_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $7) RETURNING id",
    )
    .bind(taken.product_id)
    .bind(taken.supplier_id)
    .bind(quantity)
    .bind(taken.stock_after)
    .bind(i64::from(email.is_none()))
    .bind(order_id)
    .bind(now)
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

async fn link_mail(conn: &mut AnyConnection, request_id: i64, mail_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO procurement_mail (request_id, mail_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(request_id)
    .bind(mail_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---- catalogue -------------------------------------------------------------------------

const PRODUCT_COLS: &str = "p.id, p.sku, p.name, p.description, p.category, p.unit_price, p.stock, \
    p.reorder_level, p.reorder_quantity, p.pack_size, p.supplier_id, s.name AS supplier_name, p.active, \
    COALESCE((SELECT r.quantity - COALESCE(po.received, 0) FROM procurement_requests r \
      LEFT JOIN purchase_orders po ON po.request_id = r.id \
      WHERE r.product_id = p.id AND r.status IN ('open', 'ordered')), 0) AS on_order";

fn product(r: &sqlx::any::AnyRow) -> Result<Product> {
    Ok(Product {
        id: r.try_get("id")?,
        sku: r.try_get("sku")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        category: r.try_get("category")?,
        unit_price: r.try_get("unit_price")?,
        stock: r.try_get("stock")?,
        reorder_level: r.try_get("reorder_level")?,
        reorder_quantity: r.try_get("reorder_quantity")?,
        pack_size: r.try_get("pack_size")?,
        supplier_id: r.try_get("supplier_id")?,
        supplier: r.try_get("supplier_name")?,
        active: r.try_get::<i64, _>("active")? == 1,
        on_order: r.try_get("on_order")?,
    })
}

pub async fn product_by_id(store: &Store, id: i64) -> Result<Option<Product>> {
    let r = sqlx::query(&format!(
        "SELECT {PRODUCT_COLS} FROM products p LEFT JOIN suppliers s ON s.id = p.supplier_id WHERE p.id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    r.as_ref().map(product).transpose()
}

pub async fn list_products(store: &Store, q: &ProductQuery) -> Result<ProductPage> {
    const FILTER: &str = "WHERE ($1 = '' OR lower(p.sku) LIKE $1 ESCAPE '\\' OR lower(p.name) LIKE $1 ESCAPE '\\' \
        OR lower(p.description) LIKE $1 ESCAPE '\\' OR lower(p.category) LIKE $1 ESCAPE '\\') \
        AND ($2 = 1 OR p.active = 1) AND ($3 = 0 OR p.stock <= p.reorder_level)";
    let search = q.search.trim().to_lowercase();
    let pattern = if search.is_empty() {
        String::new()
    } else {
        crate::erp::demo::like_contains(&search)
    };
    let limit = match q.limit {
        0 => 200,
        n => n.min(1000),
    };
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM products p {FILTER}"))
        .bind(&pattern)
        .bind(i64::from(q.include_inactive))
        .bind(i64::from(q.low_only))
        .fetch_one(store.pool())
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT {PRODUCT_COLS} FROM products p LEFT JOIN suppliers s ON s.id = p.supplier_id {FILTER} \
         ORDER BY lower(p.name), p.id LIMIT {limit} OFFSET {}",
        q.offset
    ))
    .bind(&pattern)
    .bind(i64::from(q.include_inactive))
    .bind(i64::from(q.low_only))
    .fetch_all(store.pool())
    .await?;
    Ok(ProductPage {
        total: total as u64,
        offset: q.offset,
        rows: rows.iter().map(product).collect::<Result<_>>()?,
    })
}

/// A product as checked for saving: every field by name.
pub(crate) struct CheckedProduct {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub unit_price: Cents,
    pub stock: i64,
    pub reorder_level: i64,
    pub reorder_quantity: i64,
    pub pack_size: Option<i64>,
    pub supplier_id: Option<i64>,
    pub active: bool,
}

pub(crate) fn check_product(e: &ProductEdit) -> Result<CheckedProduct> {
    let sku = e.sku.trim();
    if sku.is_empty() || sku.len() > 64 {
        return Err(CoreError::validation(
            "sku",
            "The SKU is required (at most 64 characters).",
        ));
    }
    let name = e.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(CoreError::validation(
            "name",
            "The name is required (at most 200 characters).",
        ));
    }
    let unit_price = parse_price("unit_price", &e.unit_price)?;
    let count = |field: &'static str, label: &str, v: i64| {
        if (0..=MAX_QUANTITY * 100).contains(&v) {
            Ok(v)
        } else {
            Err(CoreError::validation(
                field,
                format!("{label} must be between 0 and {}.", MAX_QUANTITY * 100),
            ))
        }
    };
    let pack_size = match e.pack_size {
        Some(p) if p < 1 => {
            return Err(CoreError::validation(
                "pack_size",
                "The pack size must be at least 1 (or empty).",
            ));
        }
        other => other,
    };
    Ok(CheckedProduct {
        sku: sku.to_owned(),
        name: name.to_owned(),
        description: e.description.trim().to_owned(),
        category: e.category.trim().to_owned(),
        unit_price,
        stock: count("stock", "Stock", e.stock)?,
        reorder_level: count("reorder_level", "The reorder level", e.reorder_level)?,
        reorder_quantity: count(
            "reorder_quantity",
            "The reorder quantity",
            e.reorder_quantity,
        )?,
        pack_size,
        supplier_id: e.supplier_id,
        active: e.active,
    })
}

/// Inserts or updates one product in the caller's transaction; returns its id.
pub(crate) async fn write_product(
    conn: &mut AnyConnection,
    id: Option<i64>,
    p: &CheckedProduct,
) -> Result<i64> {
    let now = crate::now_ms();
    let taken: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM products WHERE lower(sku) = lower($1)")
            .bind(&p.sku)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((other,)) = taken
        && Some(other) != id
    {
        return Err(CoreError::validation(
            "sku",
            format!("Another product already has the SKU {}.", p.sku),
        ));
    }
    if let Some(s) = p.supplier_id {
        let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM suppliers WHERE id = $1")
            .bind(s)
            .fetch_optional(&mut *conn)
            .await?;
        if found.is_none() {
            return Err(CoreError::validation(
                "supplier_id",
                format!("There is no supplier {s}."),
            ));
        }
    }
    let q = match id {
        None => sqlx::query_scalar(
            "INSERT INTO products (sku, name, description, category, unit_price, stock, reorder_level, \
             reorder_quantity, pack_size, supplier_id, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        ),
        Some(_) => sqlx::query_scalar(
            "UPDATE products SET sku = $1, name = $2, description = $3, category = $4, unit_price = $5, \
             stock = $6, reorder_level = $7, reorder_quantity = $8, pack_size = $9, supplier_id = $10, \
             active = $11, updated_at = $12 WHERE id = $13 RETURNING id",
        ),
    };
    let written: Option<i64> = q
        .bind(&p.sku)
        .bind(&p.name)
        .bind(&p.description)
        .bind(&p.category)
        .bind(p.unit_price)
        .bind(p.stock)
        .bind(p.reorder_level)
        .bind(p.reorder_quantity)
        .bind(p.pack_size)
        .bind(p.supplier_id)
        .bind(i64::from(p.active))
        .bind(now)
        .bind(id.unwrap_or(0))
        .fetch_optional(&mut *conn)
        .await?;
    written.ok_or_else(|| CoreError::NotFound(format!("There is no product {}.", id.unwrap_or(0))))
}

pub async fn save_product(store: &Store, actor: &Actor, e: &ProductEdit) -> Result<Product> {
    let p = check_product(e)?;
    let mut tx = store.pool().begin().await?;
    let id = write_product(&mut tx, e.id, &p).await?;
    let action = if e.id.is_some() {
        "product.update"
    } else {
        "product.create"
    };
    let detail = format!(
        "{} {}: price {}, stock {}, level {}, reorder {}{}",
        p.sku,
        p.name,
        money(p.unit_price),
        p.stock,
        p.reorder_level,
        p.reorder_quantity,
        if p.active { "" } else { ", inactive" }
    );
    audit::record(
        &mut tx,
        actor,
        action,
        Some(("product", id.to_string())),
        Some(&detail),
    )
    .await?;
    tx.commit().await?;
    product_by_id(store, id)
        .await?
        .ok_or_else(|| CoreError::Internal("a saved product is gone".into()))
}

pub async fn list_suppliers(store: &Store) -> Result<Vec<Supplier>> {
    type SupplierRow = (i64, String, Option<String>, Option<String>, i64, i64);
    let rows: Vec<SupplierRow> = sqlx::query_as(
        "SELECT id, name, email, phone, lead_time_days, active FROM suppliers ORDER BY lower(name), id",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, phone, lead, active)| Supplier {
            id,
            name,
            email,
            phone,
            lead_time_days: lead.clamp(0, 3650) as u32,
            active: active == 1,
        })
        .collect())
}

pub async fn save_supplier(store: &Store, actor: &Actor, e: &SupplierEdit) -> Result<Supplier> {
    let name = e.name.trim();
    if name.is_empty() {
        return Err(CoreError::validation(
            "name",
            "The supplier's name is required.",
        ));
    }
    let email = e.email.trim();
    if !email.is_empty() {
        crate::mail::check_address("email", email)?;
    }
    if e.lead_time_days > 3650 {
        return Err(CoreError::validation(
            "lead_time_days",
            "The lead time must be at most 3650 days.",
        ));
    }
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    let taken: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM suppliers WHERE lower(name) = lower($1)")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((other,)) = taken
        && Some(other) != e.id
    {
        return Err(CoreError::validation(
            "name",
            format!("A supplier named {name} exists already."),
        ));
    }
    let q = match e.id {
        None => sqlx::query_scalar(
            "INSERT INTO suppliers (name, email, phone, lead_time_days, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        ),
        Some(_) => sqlx::query_scalar(
            "UPDATE suppliers SET name = $1, email = $2, phone = $3, lead_time_days = $4, active = $5, \
             updated_at = $6 WHERE id = $7 RETURNING id",
        ),
    };
    let id: Option<i64> = q
        .bind(name)
        .bind(opt(email))
        .bind(opt(&e.phone))
        .bind(i64::from(e.lead_time_days))
        .bind(i64::from(e.active))
        .bind(now)
        .bind(e.id.unwrap_or(0))
        .fetch_optional(&mut *tx)
        .await?;
    let id = id.ok_or_else(|| {
        CoreError::NotFound(format!("There is no supplier {}.", e.id.unwrap_or(0)))
    })?;
    let action = if e.id.is_some() {
        "supplier.update"
    } else {
        "supplier.create"
    };
    audit::record(
        &mut tx,
        actor,
        action,
        Some(("supplier", id.to_string())),
        Some(name),
    )
    .await?;
    tx.commit().await?;
    list_suppliers(store)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| CoreError::Internal("a saved supplier is gone".into()))
}

// ---- requests and purchase orders -------------------------------------------------------

const REQUEST_COLS: &str = "r.id, r.product_id, p.sku, p.name AS product_name, s.name AS supplier_name, \
    r.quantity, r.stock_at_trigger, p.stock AS stock_now, r.status, r.cannot_notify, r.created_at, r.seen, \
    po.id AS po_id, po.received AS po_received";
const REQUEST_FROM: &str = "FROM procurement_requests r JOIN products p ON p.id = r.product_id \
    LEFT JOIN suppliers s ON s.id = r.supplier_id LEFT JOIN purchase_orders po ON po.request_id = r.id";

fn request_row(r: &sqlx::any::AnyRow) -> Result<RequestRow> {
    let status: String = r.try_get("status")?;
    let id: i64 = r.try_get("id")?;
    let status = RequestStatus::parse(&status)
        .ok_or_else(|| CoreError::Internal(format!("unknown request status {status}")))?;
    let po: Option<i64> = r.try_get("po_id")?;
    Ok(RequestRow {
        id,
        number: request_number(id),
        product_id: r.try_get("product_id")?,
        sku: r.try_get("sku")?,
        product: r.try_get("product_name")?,
        supplier: r.try_get("supplier_name")?,
        quantity: r.try_get("quantity")?,
        stock_at_trigger: r.try_get("stock_at_trigger")?,
        stock_now: r.try_get("stock_now")?,
        status,
        cannot_notify: r.try_get::<i64, _>("cannot_notify")? == 1,
        created_at: r.try_get("created_at")?,
        new: status == RequestStatus::Open && r.try_get::<i64, _>("seen")? == 0,
        po_number: po.map(po_number),
        po_received: r.try_get("po_received")?,
    })
}

pub async fn list_requests(store: &Store, q: &RequestQuery) -> Result<RequestPage> {
    let status = q.status.map(RequestStatus::as_str).unwrap_or("");
    let rows = sqlx::query(&format!(
        "SELECT {REQUEST_COLS} {REQUEST_FROM} WHERE ($1 = '' OR r.status = $1) ORDER BY r.id DESC LIMIT 1000"
    ))
    .bind(status)
    .fetch_all(store.pool())
    .await?;
    let mut counts = Vec::new();
    for s in RequestStatus::ALL {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM procurement_requests WHERE status = $1")
                .bind(s.as_str())
                .fetch_one(store.pool())
                .await?;
        counts.push((s, n as u64));
    }
    let new_count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM procurement_requests WHERE status = 'open' AND seen = 0",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(RequestPage {
        rows: rows.iter().map(request_row).collect::<Result<_>>()?,
        new_count: new_count as u64,
        counts,
    })
}

pub async fn request_detail(store: &Store, id: i64, limit: Cents) -> Result<RequestDetail> {
    let r = sqlx::query(&format!(
        "SELECT {REQUEST_COLS}, s.email AS supplier_email, p.unit_price, r.note, r.reason {REQUEST_FROM} WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("There is no procurement request {id}.")))?;
    let request = request_row(&r)?;
    let unit_price: Cents = r.try_get("unit_price")?;
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT mail_id FROM procurement_mail WHERE request_id = $1 ORDER BY mail_id",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    let ids: Vec<i64> = ids.into_iter().map(|(m,)| m).collect();
    let mails = crate::mail::outbox::rows(store, &ids)
        .await?
        .into_iter()
        .map(|m| RequestMail {
            mail_id: m.id,
            kind: m.kind,
            recipients: m.to,
            subject: m.subject,
            status: m.status.as_str().to_owned(),
        })
        .collect();
    let trail = audit::for_target(store, "procurement_request", &id.to_string())
        .await?
        .into_iter()
        .map(|a| TrailEntry {
            at: a.at,
            actor: a.actor,
            action: a.action,
            detail: a.detail,
        })
        .collect();
    let value = request.quantity * unit_price;
    Ok(RequestDetail {
        supplier_email: r.try_get("supplier_email")?,
        unit_price,
        value,
        note: r.try_get("note")?,
        reason: r.try_get("reason")?,
        mails,
        trail,
        needs_admin: limit > 0 && value > limit,
        request,
    })
}

/// Marks a request as opened by someone in the Procurement window (the badge counts the rest).
pub async fn mark_seen(store: &Store, id: i64) -> Result<()> {
    sqlx::query("UPDATE procurement_requests SET seen = 1 WHERE id = $1 AND seen = 0")
        .bind(id)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Why a request is not in the state a step needs, in words.
async fn not_open(store: &Store, id: i64, step: &str) -> CoreError {
    let status: Option<(String,)> =
        match sqlx::query_as("SELECT status FROM procurement_requests WHERE id = $1")
            .bind(id)
            .fetch_optional(store.pool())
            .await
        {
            Ok(s) => s,
            Err(e) => return e.into(),
        };
    match status {
        None => CoreError::NotFound(format!("There is no procurement request {id}.")),
        Some((s,)) => CoreError::Conflict {
            field: None,
            message: format!(
                "{} is already {s}; it cannot be {step}.",
                request_number(id)
            ),
        },
    }
}

/// Approves an open request: one conditional UPDATE decides (two approvers at once: one
/// wins, the other is told it is already ordered), then the purchase order is issued and
/// e-mailed to the supplier with its .xlsx, all in one transaction.
pub async fn approve(
    store: &Store,
    actor: &Actor,
    role: Role,
    limit: Cents,
    id: i64,
    quantity: Option<i64>,
    note: &str,
) -> Result<()> {
    // The limit is checked before the write (a read first would let SQLite refuse a
    // concurrent approver with "busy" instead of "already ordered").
    let before = request_detail(store, id, limit).await?;
    let qty = quantity.unwrap_or(before.request.quantity);
    if role != Role::Admin && limit > 0 && qty * before.unit_price > limit {
        return Err(CoreError::Forbidden);
    }
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    let won: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE procurement_requests SET status = 'ordered', quantity = $1, note = $2, seen = 1, updated_at = $3 \
         WHERE id = $4 AND status = 'open' RETURNING product_id, quantity",
    )
    .bind(qty)
    .bind((!note.trim().is_empty()).then(|| note.trim().to_owned()))
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if won.is_none() {
        drop(tx);
        return Err(not_open(store, id, "approved").await);
    }
    let po_id: i64 = sqlx::query_scalar(
        "INSERT INTO purchase_orders (request_id, quantity, received, unit_price, status, approved_by, created_at, updated_at) \
         VALUES ($1, $2, 0, $3, 'ordered', $4, $5, $5) RETURNING id",
    )
    .bind(id)
    .bind(qty)
    .bind(before.unit_price)
    .bind(actor.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let po = po_number(po_id);
    if let (Some(email), Some(supplier)) = (&before.supplier_email, &before.request.supplier) {
        let lead: Option<(i64,)> = sqlx::query_as(
            "SELECT s.lead_time_days FROM suppliers s JOIN procurement_requests r ON r.supplier_id = s.id WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let due = chrono::Utc::now() + chrono::Duration::days(lead.map(|(d,)| d).unwrap_or(7));
        let settings = crate::mail::load_settings(&mut *tx).await?;
        let brand = crate::mail::brand(&settings);
        let content = templates::PurchaseOrder {
            supplier: supplier.clone(),
            po_number: po.clone(),
            procurement_id: before.request.number.clone(),
            approved_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            lines: vec![templates::PoLine {
                part: before.request.sku.clone(),
                description: before.request.product.clone(),
                quantity: qty,
                unit_price: None,
            }],
            requested_delivery: due.format("%Y-%m-%d").to_string(),
            delivery_address: brand.company.clone(),
        };
        let mut mail = crate::mail::Mail::compose(
            vec![email.clone()],
            &Template::PurchaseOrder(content.clone()),
            &brand,
        )?;
        mail.attachments
            .push(crate::mail::purchase_order_xlsx(&content, &brand.company)?);
        let m = crate::mail::outbox::enqueue(&mut tx, &format!("purchase-order:{po_id}"), &mail)
            .await?;
        link_mail(&mut tx, id, m.id).await?;
    }
    let detail = format!(
        "open → ordered: {po} for {qty} (raised {}){}",
        before.request.quantity,
        if note.trim().is_empty() {
            String::new()
        } else {
            format!("; note: {}", note.trim())
        }
    );
    audit::record(
        &mut tx,
        actor,
        "procurement.approve",
        Some(("procurement_request", id.to_string())),
        Some(&detail),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(request = id, po = %po, "procurement request approved");
    Ok(())
}

/// Rejects (`cancel` false) an open request, or cancels an open or ordered one, with a reason.
pub async fn close(
    store: &Store,
    actor: &Actor,
    id: i64,
    reason: &str,
    cancel: bool,
) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CoreError::validation(
            "reason",
            "Give a reason; it goes into the trail.",
        ));
    }
    let (to, from, step) = if cancel {
        ("cancelled", "('open', 'ordered')", "cancelled")
    } else {
        ("rejected", "('open')", "rejected")
    };
    let mut tx = store.pool().begin().await?;
    let old: Option<(i64,)> = sqlx::query_as(&format!(
        "UPDATE procurement_requests SET status = '{to}', reason = $1, seen = 1, updated_at = $2 \
         WHERE id = $3 AND status IN {from} RETURNING id"
    ))
    .bind(reason)
    .bind(crate::now_ms())
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if old.is_none() {
        drop(tx);
        return Err(not_open(store, id, step).await);
    }
    sqlx::query("UPDATE purchase_orders SET status = 'cancelled', updated_at = $1 WHERE request_id = $2 AND status = 'ordered'")
        .bind(crate::now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        if cancel {
            "procurement.cancel"
        } else {
            "procurement.reject"
        },
        Some(("procurement_request", id.to_string())),
        Some(&format!("→ {to}: {reason}")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Goods of a request's purchase order arrived: stock rises by `quantity`; the last units
/// close the order and the request. More than remains is refused with what remains.
pub async fn receive(store: &Store, actor: &Actor, id: i64, quantity: i64) -> Result<()> {
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    let got: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE purchase_orders SET received = received + $1, \
         status = CASE WHEN received + $1 = quantity THEN 'received' ELSE status END, updated_at = $2 \
         WHERE request_id = $3 AND status = 'ordered' AND received + $1 <= quantity RETURNING quantity, received",
    )
    .bind(quantity)
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((ordered, received)) = got else {
        drop(tx);
        let po: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT quantity, received, status FROM purchase_orders WHERE request_id = $1",
        )
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
        return Err(match po {
            Some((q, r, s)) if s == "ordered" => CoreError::validation(
                "quantity",
                format!("Only {} of {q} remain to be received.", q - r),
            ),
            Some((_, _, s)) => CoreError::Conflict {
                field: None,
                message: format!("The purchase order of {} is {s}.", request_number(id)),
            },
            None => not_open(store, id, "received (it has no purchase order)").await,
        });
    };
    let (product_id,): (i64,) =
        sqlx::query_as("SELECT product_id FROM procurement_requests WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let (before, after): (i64, i64) = sqlx::query_as(
        "UPDATE products SET stock = stock + $1, updated_at = $2 WHERE id = $3 RETURNING stock - $1, stock",
    )
    .bind(quantity)
    .bind(now)
    .bind(product_id)
    .fetch_one(&mut *tx)
    .await?;
    if received == ordered {
        sqlx::query(
            "UPDATE procurement_requests SET status = 'received', updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "procurement.receive",
        Some(("procurement_request", id.to_string())),
        Some(&format!(
            "received {quantity} ({received} of {ordered}); stock {before} → {after}{}",
            if received == ordered {
                "; ordered → received"
            } else {
                ""
            }
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub const APPROVAL_LIMIT: &str = "procurement.approval_limit_cents";

pub async fn approval_limit(store: &Store) -> Result<Cents> {
    crate::settings::get_i64(store.pool(), APPROVAL_LIMIT, 0).await
}
