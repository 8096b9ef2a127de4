//! The demo catalogue a fresh install starts with (beside the demo ERP), so the Orders and
//! Procurement windows show something on the embedded defaults. Deterministic; written once,
//! only into an empty catalogue. It includes seed 000's worked example: Wireless Mouse, 50 in
//! stock, reorder level 30, reorder quantity 60, from TechParts Inc.

use crate::error::Result;
use crate::store::Store;

/// (name, e-mail, phone, lead time in days). PackRight has no e-mail address on purpose:
/// its requests show "cannot notify".
const SUPPLIERS: [(&str, Option<&str>, &str, i64); 3] = [
    (
        "TechParts Inc",
        Some("orders@techparts.example"),
        "+1 555 0100",
        5,
    ),
    (
        "Office Supply Co",
        Some("sales@officesupply.example"),
        "+1 555 0142",
        3,
    ),
    ("PackRight Ltd", None, "+44 20 7946 0000", 10),
];

/// (sku, name, category, price in cents, stock, reorder level, reorder quantity, pack, supplier).
type DemoProduct = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    usize,
);
const PRODUCTS: [DemoProduct; 16] = [
    (
        "P123",
        "Wireless Mouse",
        "Peripherals",
        2499,
        50,
        30,
        60,
        None,
        0,
    ),
    (
        "P124",
        "USB-C Keyboard",
        "Peripherals",
        4999,
        40,
        15,
        30,
        None,
        0,
    ),
    (
        "P125",
        "27\" Monitor",
        "Displays",
        21900,
        12,
        5,
        10,
        None,
        0,
    ),
    (
        "P126",
        "Laptop Stand",
        "Peripherals",
        3450,
        25,
        10,
        20,
        None,
        0,
    ),
    (
        "P127",
        "HDMI Cable 2 m",
        "Cables",
        899,
        200,
        60,
        120,
        Some(24),
        0,
    ),
    (
        "P128",
        "USB-C Hub",
        "Peripherals",
        3999,
        18,
        10,
        25,
        None,
        0,
    ),
    (
        "S201",
        "Copy Paper A4 (500)",
        "Office",
        549,
        300,
        100,
        250,
        Some(5),
        1,
    ),
    (
        "S202",
        "Ballpoint Pens (50)",
        "Office",
        1299,
        60,
        20,
        40,
        Some(10),
        1,
    ),
    (
        "S203",
        "Sticky Notes (12)",
        "Office",
        799,
        45,
        20,
        40,
        None,
        1,
    ),
    (
        "S204",
        "Lever Arch File",
        "Office",
        349,
        120,
        40,
        100,
        Some(20),
        1,
    ),
    (
        "S205",
        "Whiteboard Markers (4)",
        "Office",
        599,
        35,
        15,
        30,
        None,
        1,
    ),
    (
        "K301",
        "Carton 40x30x30",
        "Packaging",
        129,
        800,
        300,
        1000,
        Some(50),
        2,
    ),
    (
        "K302",
        "Packing Tape 66 m",
        "Packaging",
        249,
        150,
        60,
        144,
        Some(36),
        2,
    ),
    (
        "K303",
        "Bubble Wrap Roll",
        "Packaging",
        1899,
        20,
        8,
        12,
        None,
        2,
    ),
    (
        "K304",
        "Pallet Wrap 500 mm",
        "Packaging",
        2199,
        16,
        6,
        12,
        Some(6),
        2,
    ),
    (
        "K305",
        "Shipping Labels (1000)",
        "Packaging",
        2899,
        10,
        4,
        8,
        None,
        2,
    ),
];

/// Fills an empty catalogue with the demo suppliers and products; returns whether it did.
pub async fn seed(store: &Store) -> Result<bool> {
    let mut tx = store.pool().begin().await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM products")
        .fetch_one(&mut *tx)
        .await?;
    let (m,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM suppliers")
        .fetch_one(&mut *tx)
        .await?;
    if n > 0 || m > 0 {
        return Ok(false);
    }
    let now = crate::now_ms();
    let mut ids = Vec::new();
    for (name, email, phone, lead) in SUPPLIERS {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO suppliers (name, email, phone, lead_time_days, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
        )
        .bind(name)
        .bind(email)
        .bind(phone)
        .bind(lead)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    for (sku, name, category, price, stock, level, qty, pack, supplier) in PRODUCTS {
        sqlx::query(
            "INSERT INTO products (sku, name, description, category, unit_price, stock, reorder_level, \
             reorder_quantity, pack_size, supplier_id, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)",
        )
        .bind(sku)
        .bind(name)
        .bind(format!("Demo catalogue: {name}."))
        .bind(category)
        .bind(price)
        .bind(stock)
        .bind(level)
        .bind(qty)
        .bind(pack)
        .bind(ids[supplier])
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    tracing::info!(products = PRODUCTS.len(), "demo catalogue written");
    Ok(true)
}
