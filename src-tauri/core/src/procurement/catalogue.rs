//! The catalogue: products and suppliers, with the checks a product passes before it is saved
//! (by hand or from a sheet).

use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::stale::{self, Changed, LastChange};
use crate::store::Store;
use portdesk_types::money::money;
use portdesk_types::procurement::*;
use sqlx::{AnyConnection, Row};

use super::{MAX_QUANTITY, parse_price};

const PRODUCT_COLS: &str = "p.id, p.sku, p.name, p.description, p.category, p.unit_price, p.stock, \
    p.reorder_level, p.reorder_quantity, p.pack_size, p.supplier_id, s.name AS supplier_name, p.active, p.version, \
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
        version: r.try_get("version")?,
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

/// A product's editable fields as stored, with who changed them last (for a stale save's
/// message and the audit's before → after).
struct StoredProduct {
    sku: String,
    name: String,
    description: String,
    category: String,
    unit_price: Cents,
    reorder_level: i64,
    reorder_quantity: i64,
    pack_size: Option<i64>,
    supplier_id: Option<i64>,
    active: bool,
    last: LastChange,
}

async fn stored_product(conn: &mut AnyConnection, id: i64) -> Result<Option<StoredProduct>> {
    let r = sqlx::query(
        "SELECT sku, name, description, category, unit_price, reorder_level, reorder_quantity, \
         pack_size, supplier_id, active, version, updated_by, updated_at FROM products WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(StoredProduct {
        sku: r.try_get("sku")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        category: r.try_get("category")?,
        unit_price: r.try_get("unit_price")?,
        reorder_level: r.try_get("reorder_level")?,
        reorder_quantity: r.try_get("reorder_quantity")?,
        pack_size: r.try_get("pack_size")?,
        supplier_id: r.try_get("supplier_id")?,
        active: r.try_get::<i64, _>("active")? == 1,
        last: LastChange {
            version: r.try_get("version")?,
            by: r.try_get("updated_by")?,
            at_ms: r.try_get("updated_at")?,
        },
    }))
}

/// The fields whose stored value differs from `p`, as (label, stored, given).
fn product_changes(before: &StoredProduct, p: &CheckedProduct) -> Vec<Changed> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "none".into());
    [
        Changed::field("SKU", &before.sku, &p.sku),
        Changed::field("name", &before.name, &p.name),
        Changed::field("description", &before.description, &p.description),
        Changed::field("category", &before.category, &p.category),
        Changed::field("price", money(before.unit_price), money(p.unit_price)),
        Changed::field("reorder level", before.reorder_level, p.reorder_level),
        Changed::field(
            "reorder quantity",
            before.reorder_quantity,
            p.reorder_quantity,
        ),
        Changed::field("pack size", opt(before.pack_size), opt(p.pack_size)),
        Changed::field("supplier", opt(before.supplier_id), opt(p.supplier_id)),
        Changed::field(
            "active",
            if before.active { "yes" } else { "no" },
            if p.active { "yes" } else { "no" },
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Which stored version a change of a product must find.
#[derive(Clone, Copy)]
pub(crate) enum Base {
    /// A form's save: the version it was read at.
    Read(i64),
    /// A sheet's row: the sheet is the source, whatever version is stored.
    Any,
}

/// What [`write_product`] did: the product's id and, for a change, the fields it changed
/// as "label before → after".
pub(crate) struct Written {
    pub id: i64,
    pub changes: Vec<String>,
}

/// Inserts or updates one product in the caller's transaction. A change writes the editable
/// fields only (never stock) and only at the version `base` names, else it is refused with
/// what changed.
pub(crate) async fn write_product(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Option<i64>,
    base: Base,
    p: &CheckedProduct,
) -> Result<Written> {
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
    let Some(id) = id else {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO products (sku, name, description, category, unit_price, stock, reorder_level, \
             reorder_quantity, pack_size, supplier_id, active, created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) RETURNING id",
        )
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
        .bind(&actor.label)
        .fetch_one(&mut *conn)
        .await?;
        return Ok(Written {
            id,
            changes: Vec::new(),
        });
    };
    let before = stored_product(conn, id)
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("There is no product {id}.")))?;
    let expected = match base {
        Base::Read(v) => v,
        Base::Any => before.last.version,
    };
    let stale = |before: &StoredProduct| {
        stale::refused(
            &format!("Product {}", before.sku),
            expected,
            &before.last,
            &product_changes(before, p),
        )
    };
    if before.last.version != expected {
        return Err(stale(&before));
    }
    // Conditional on the version: a save that raced another between the read above and
    // here finds no row and is refused like any stale save.
    let written: Option<i64> = sqlx::query_scalar(
        "UPDATE products SET sku = $1, name = $2, description = $3, category = $4, unit_price = $5, \
         reorder_level = $6, reorder_quantity = $7, pack_size = $8, supplier_id = $9, active = $10, \
         updated_at = $11, updated_by = $12, version = version + 1 WHERE id = $13 AND version = $14 RETURNING id",
    )
    .bind(&p.sku)
    .bind(&p.name)
    .bind(&p.description)
    .bind(&p.category)
    .bind(p.unit_price)
    .bind(p.reorder_level)
    .bind(p.reorder_quantity)
    .bind(p.pack_size)
    .bind(p.supplier_id)
    .bind(i64::from(p.active))
    .bind(now)
    .bind(&actor.label)
    .bind(id)
    .bind(expected)
    .fetch_optional(&mut *conn)
    .await?;
    if written.is_none() {
        let now = stored_product(conn, id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("There is no product {id}.")))?;
        return Err(stale(&now));
    }
    Ok(Written {
        id,
        changes: product_changes(&before, p)
            .into_iter()
            .map(|c| format!("{} {} → {}", c.label, c.now, c.yours))
            .collect(),
    })
}

pub async fn save_product(store: &Store, actor: &Actor, e: &ProductEdit) -> Result<Product> {
    let p = check_product(e)?;
    let base = match (e.id, e.version) {
        (None, _) => Base::Any,
        (Some(_), Some(v)) => Base::Read(v),
        (Some(_), None) => {
            return Err(CoreError::validation(
                "version",
                "A change of a product must name the version it was read at: reload the product.",
            ));
        }
    };
    let mut tx = store.pool().begin().await?;
    let w = match write_product(&mut tx, actor, e.id, base, &p).await {
        Ok(w) => w,
        Err(e) => {
            // Refused after a conditional write: end the transaction now (see `accounts::admin`).
            let _ = tx.rollback().await;
            return Err(e);
        }
    };
    let (action, detail) = if e.id.is_some() {
        let changes = if w.changes.is_empty() {
            "nothing changed".to_owned()
        } else {
            w.changes.join("; ")
        };
        ("product.update", format!("{} {}: {changes}", p.sku, p.name))
    } else {
        (
            "product.create",
            format!(
                "{} {}: price {}, stock {}, level {}, reorder {}{}",
                p.sku,
                p.name,
                money(p.unit_price),
                p.stock,
                p.reorder_level,
                p.reorder_quantity,
                if p.active { "" } else { ", inactive" }
            ),
        )
    };
    audit::record(
        &mut tx,
        actor,
        action,
        Some(("product", w.id.to_string())),
        Some(&detail),
    )
    .await?;
    tx.commit().await?;
    product_by_id(store, w.id)
        .await?
        .ok_or_else(|| CoreError::Internal("a saved product is gone".into()))
}

/// The most one adjustment may move (a stock take that finds a pallet, not a typo).
const MAX_ADJUSTMENT: i64 = MAX_QUANTITY;

/// Stock counted up or down by hand, with a reason, audited; never below zero. A count down
/// to the reorder level raises a request as an order would.
pub async fn adjust_stock(store: &Store, actor: &Actor, a: &StockAdjustment) -> Result<Product> {
    if a.change == 0 || a.change.abs() > MAX_ADJUSTMENT {
        return Err(CoreError::validation(
            "change",
            format!(
                "The change must be a whole number of units other than 0, at most {MAX_ADJUSTMENT} either way (for example 5 or -3)."
            ),
        ));
    }
    let reason = a.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(CoreError::validation(
            "reason",
            "Say why the stock changes (at most 200 characters), for example \"stock take\" or \"damaged in the aisle\".",
        ));
    }
    let mut tx = store.pool().begin().await?;
    // One conditional UPDATE: relative to whatever is stored, so a sale meanwhile is kept.
    /// stock, sku, name, price, level, reorder quantity, pack size, supplier.
    type After = (
        i64,
        String,
        String,
        Cents,
        i64,
        i64,
        Option<i64>,
        Option<i64>,
    );
    let after: Option<After> =
        sqlx::query_as(
            "UPDATE products SET stock = stock + $1, updated_at = $2 WHERE id = $3 AND stock + $1 >= 0 \
             RETURNING stock, sku, name, unit_price, reorder_level, reorder_quantity, pack_size, supplier_id",
        )
        .bind(a.change)
        .bind(crate::now_ms())
        .bind(a.product_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((
        stock,
        sku,
        name,
        unit_price,
        reorder_level,
        reorder_quantity,
        pack_size,
        supplier_id,
    )) = after
    else {
        let _ = tx.rollback().await;
        return Err(match product_by_id(store, a.product_id).await? {
            None => CoreError::NotFound(format!("There is no product {}.", a.product_id)),
            Some(p) => CoreError::validation(
                "change",
                format!(
                    "{} has {} in stock: it cannot go down by {}.",
                    p.sku, p.stock, -a.change
                ),
            ),
        });
    };
    audit::record(
        &mut tx,
        actor,
        "stock.adjust",
        Some(("product", a.product_id.to_string())),
        Some(&format!(
            "{sku} {name}: stock {} → {stock} ({:+}): {reason}",
            stock - a.change,
            a.change
        )),
    )
    .await?;
    if a.change < 0 {
        let taken = super::StockTaken {
            product_id: a.product_id,
            sku,
            name,
            unit_price,
            quantity: -a.change,
            stock_after: stock,
            reorder_level,
            reorder_quantity,
            pack_size,
            supplier_id,
        };
        super::reorder_check(&mut tx, actor, &taken, None).await?;
    }
    tx.commit().await?;
    product_by_id(store, a.product_id)
        .await?
        .ok_or_else(|| CoreError::Internal("an adjusted product is gone".into()))
}

pub async fn list_suppliers(store: &Store) -> Result<Vec<Supplier>> {
    type SupplierRow = (i64, String, Option<String>, Option<String>, i64, i64, i64);
    let rows: Vec<SupplierRow> = sqlx::query_as(
        "SELECT id, name, email, phone, lead_time_days, active, version FROM suppliers ORDER BY lower(name), id",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, phone, lead, active, version)| Supplier {
            id,
            name,
            email,
            phone,
            lead_time_days: lead.clamp(0, 3650) as u32,
            active: active == 1,
            version,
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
    let id = match e.id {
        None => {
            sqlx::query_scalar(
                "INSERT INTO suppliers (name, email, phone, lead_time_days, active, created_at, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
            )
            .bind(name)
            .bind(opt(email))
            .bind(opt(&e.phone))
            .bind(i64::from(e.lead_time_days))
            .bind(i64::from(e.active))
            .bind(now)
            .bind(&actor.label)
            .fetch_one(&mut *tx)
            .await?
        }
        Some(id) => {
            let Some(read) = e.version else {
                return Err(CoreError::validation(
                    "version",
                    "A change of a supplier must name the version it was read at: reload the supplier.",
                ));
            };
            // Conditional on the version read: a stale form is refused with what changed.
            let written: Option<i64> = sqlx::query_scalar(
                "UPDATE suppliers SET name = $1, email = $2, phone = $3, lead_time_days = $4, active = $5, \
                 updated_at = $6, updated_by = $7, version = version + 1 WHERE id = $8 AND version = $9 RETURNING id",
            )
            .bind(name)
            .bind(opt(email))
            .bind(opt(&e.phone))
            .bind(i64::from(e.lead_time_days))
            .bind(i64::from(e.active))
            .bind(now)
            .bind(&actor.label)
            .bind(id)
            .bind(read)
            .fetch_optional(&mut *tx)
            .await?;
            if written.is_none() {
                type Now = (String, Option<String>, Option<String>, i64, i64, i64, Option<String>, i64);
                let stored: Option<Now> = sqlx::query_as(
                    "SELECT name, email, phone, lead_time_days, active, version, updated_by, updated_at \
                     FROM suppliers WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((n, em, ph, lead, active, version, by, at_ms)) = stored else {
                    return Err(CoreError::NotFound(format!("There is no supplier {id}.")));
                };
                let none = |v: Option<String>| v.unwrap_or_else(|| "none".into());
                let yn = |b: bool| if b { "yes" } else { "no" };
                let changed: Vec<Changed> = [
                    Changed::field("name", &n, name),
                    Changed::field("e-mail", none(em), none(opt(email))),
                    Changed::field("phone", none(ph), none(opt(&e.phone))),
                    Changed::field("lead time (days)", lead, e.lead_time_days),
                    Changed::field("active", yn(active == 1), yn(e.active)),
                ]
                .into_iter()
                .flatten()
                .collect();
                let last = LastChange { version, by, at_ms };
                let _ = tx.rollback().await;
                return Err(stale::refused(&format!("Supplier {n}"), read, &last, &changed));
            }
            id
        }
    };
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

/// What the Shop needs of a product to show and sell it: name, price and stock as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFacts {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub unit_price: Cents,
    pub stock: i64,
    pub active: bool,
}

/// The facts of these products (unknown ids are left out), a few hundred per statement.
pub async fn product_facts(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, ProductFacts>> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(300) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, sku, name, unit_price, stock, active FROM products WHERE id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query_as::<_, (i64, String, String, i64, i64, i64)>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for (id, sku, name, unit_price, stock, active) in q.fetch_all(&mut *conn).await? {
            out.insert(
                id,
                ProductFacts {
                    id,
                    sku,
                    name,
                    unit_price,
                    stock,
                    active: active == 1,
                },
            );
        }
    }
    Ok(out)
}
