//! The demo shop a fresh install on the demo ERP starts with: listings over the demo
//! catalogue (a few with several variants, added to procurement's catalogue through its own
//! function) and two weeks of delivery slots. Written once, only into an empty shop.

use crate::audit::Actor;
use crate::error::Result;
use crate::procurement::catalogue;
use crate::store::Store;
use chrono::Duration;
use portdesk_types::procurement::{ProductEdit, ProductQuery};
use portdesk_types::shop::*;

/// Extra products that are variants of a demo product: (sku, name, category, price, stock).
const EXTRA: [(&str, &str, &str, &str, i64); 5] = [
    ("K301-S", "Carton 30x20x20", "Packaging", "1.20", 800),
    ("K301-L", "Carton 60x40x40", "Packaging", "2.40", 300),
    (
        "K302-C",
        "Packing Tape 66 m, clear",
        "Packaging",
        "2.10",
        400,
    ),
    ("S202-B", "Ballpoint Pens (50), blue", "Office", "8.90", 120),
    ("S202-R", "Ballpoint Pens (50), red", "Office", "8.90", 60),
];

/// (listing, description, category, variants as (sku, size, colour)).
type DemoListing = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
);
const LISTINGS: [DemoListing; 8] = [
    (
        "Shipping carton",
        "Double-wall corrugated carton for parcels; folds flat.",
        "Packaging",
        &[
            ("K301-S", "S 30x20x20", ""),
            ("K301", "M 40x30x30", ""),
            ("K301-L", "L 60x40x40", ""),
        ],
    ),
    (
        "Packing tape 66 m",
        "Strong polypropylene tape, quiet unwind.",
        "Packaging",
        &[("K302", "", "Brown"), ("K302-C", "", "Clear")],
    ),
    (
        "Ballpoint pens, box of 50",
        "Medium tip ballpoint pens for the packing desk.",
        "Office",
        &[
            ("S202", "", "Black"),
            ("S202-B", "", "Blue"),
            ("S202-R", "", "Red"),
        ],
    ),
    (
        "Bubble wrap roll",
        "Protective bubble wrap for fragile goods.",
        "Packaging",
        &[("K303", "", "")],
    ),
    (
        "Copy paper A4, 500 sheets",
        "80 g/m² white paper for printers and copiers.",
        "Office",
        &[("S201", "", "")],
    ),
    (
        "Wireless mouse",
        "Two-button wireless mouse with USB receiver.",
        "Peripherals",
        &[("P123", "", "")],
    ),
    (
        "USB-C keyboard",
        "Full-size keyboard with a USB-C cable.",
        "Peripherals",
        &[("P124", "", "")],
    ),
    (
        "Sticky notes, 12 pads",
        "Yellow sticky notes, 76 × 76 mm.",
        "Office",
        &[("S203", "", "")],
    ),
];

async fn product_id(store: &Store, sku: &str) -> Result<Option<i64>> {
    let page = catalogue::list_products(
        store,
        &ProductQuery {
            search: sku.to_owned(),
            include_inactive: true,
            limit: 50,
            ..Default::default()
        },
    )
    .await?;
    Ok(page
        .rows
        .iter()
        .find(|p| p.sku.eq_ignore_ascii_case(sku))
        .map(|p| p.id))
}

pub async fn seed(store: &Store) -> Result<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM shop_listings")
        .fetch_one(store.pool())
        .await?;
    if n > 0 {
        return Ok(false);
    }
    let actor = Actor::system("demo shop");
    for (sku, name, category, price, stock) in EXTRA {
        if product_id(store, sku).await?.is_none() {
            catalogue::save_product(
                store,
                &actor,
                &ProductEdit {
                    sku: sku.into(),
                    name: name.into(),
                    category: category.into(),
                    unit_price: price.into(),
                    stock,
                    reorder_level: stock / 5,
                    reorder_quantity: stock / 2,
                    active: true,
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    for (name, description, category, variants) in LISTINGS {
        let mut edits = Vec::new();
        for (sku, size, colour) in variants {
            if let Some(id) = product_id(store, sku).await? {
                edits.push(VariantEdit {
                    product_id: id,
                    size: (*size).into(),
                    colour: (*colour).into(),
                    ..Default::default()
                });
            }
        }
        if edits.is_empty() {
            continue;
        }
        super::catalogue::save_listing(
            store,
            &actor,
            &ListingEdit {
                version: None,
                id: None,
                name: name.into(),
                description: description.into(),
                category: category.into(),
                active: true,
                variants: edits,
            },
        )
        .await?;
    }
    let tomorrow = (chrono::Local::now() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    for (from, to) in [("09:00", "12:00"), ("13:00", "17:00")] {
        super::slots::create_pattern(
            store,
            &actor,
            &SlotPattern {
                slot: SlotEdit {
                    date: tomorrow.clone(),
                    from: from.into(),
                    to: to.into(),
                    zones: String::new(),
                    capacity: 8,
                    charge: "4.99".into(),
                    free_from: "75.00".into(),
                },
                weekdays: vec![1, 2, 3, 4, 5, 6],
                weeks: 2,
            },
        )
        .await?;
    }
    Ok(true)
}
