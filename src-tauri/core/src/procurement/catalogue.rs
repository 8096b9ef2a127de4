//! The catalogue: products and suppliers, with the checks a product passes before it is saved
//! (by hand or from a sheet).

use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::store::Store;
use portdesk_types::procurement::*;
use sqlx::{AnyConnection, Row};

use super::{MAX_QUANTITY, parse_price};

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
