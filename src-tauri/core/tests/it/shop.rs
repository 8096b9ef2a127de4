//! The Shop on a real store (a SQLite file and a PostgreSQL database): catalogue search with
//! ranking, variants, pictures checked by content, the cart kept in the store, addresses with
//! postcode rules, slots with capacity, checkout through the order path, cancellation, and
//! the races: 16 checkouts for the last place of a slot, checkouts for the last units.

use crate::common;

use portdesk_core::accounts::{self, NewUser, User};
use portdesk_core::audit::Actor;
use portdesk_core::error::CoreError;
use portdesk_core::shop::{addresses, cart, catalogue, checkout, slots};
use portdesk_core::store::Store;
use portdesk_core::{orders, procurement};
use portdesk_types::orders::{AdvanceOrder, OrderStatus};
use portdesk_types::procurement::ProductEdit;
use portdesk_types::shop::*;
use portdesk_types::{Role, Secret};

fn ada() -> Actor {
    Actor::system("ada@example.com")
}

async fn customer(store: &Store, email: &str, code: &str) -> User {
    accounts::create(
        store,
        &Actor::system("test"),
        NewUser {
            name: format!("Buyer {code}"),
            email: email.into(),
            role: Role::Customer,
            erp_customer: Some(format!("Customer {code}")),
            erp_customer_code: Some(code.into()),
            password: Secret::new("Forklift-Harbour-42"),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
}

async fn product(store: &Store, sku: &str, price: &str, stock: i64) -> i64 {
    procurement::save_product(
        store,
        &ada(),
        &ProductEdit {
            sku: sku.into(),
            name: format!("Product {sku}"),
            unit_price: price.into(),
            stock,
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

async fn set_price(store: &Store, id: i64, price: &str) {
    let p = procurement::product_by_id(store, id)
        .await
        .unwrap()
        .unwrap();
    procurement::save_product(
        store,
        &ada(),
        &ProductEdit {
            id: Some(id),
            version: Some(p.version),
            sku: p.sku,
            name: p.name,
            unit_price: price.into(),
            stock: p.stock,
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn listing(
    store: &Store,
    name: &str,
    description: &str,
    category: &str,
    products: &[(i64, &str)],
) -> Listing {
    catalogue::save_listing(
        store,
        &ada(),
        &ListingEdit {
            version: None,
            id: None,
            name: name.into(),
            description: description.into(),
            category: category.into(),
            active: true,
            variants: products
                .iter()
                .map(|(id, size)| VariantEdit {
                    product_id: *id,
                    size: (*size).into(),
                    ..Default::default()
                })
                .collect(),
        },
    )
    .await
    .unwrap()
}

fn tomorrow() -> String {
    (chrono::Local::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

async fn slot(store: &Store, from: &str, zones: &str, capacity: i64) -> Slot {
    slots::create(
        store,
        &ada(),
        &SlotEdit {
            date: tomorrow(),
            from: from.into(),
            to: "23:59".into(),
            zones: zones.into(),
            capacity,
            charge: "5.00".into(),
            free_from: "100.00".into(),
        },
    )
    .await
    .unwrap()
}

async fn address(store: &Store, who: &User, postcode: &str) -> Address {
    addresses::save(
        store,
        who.id,
        &AddressEdit {
            name: who.name.clone(),
            line1: "12 Dock Road".into(),
            city: "Chennai".into(),
            postcode: postcode.into(),
            country: "IN".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .find(|a| a.postcode == postcode)
    .unwrap()
}

fn add(product_id: i64, quantity: f64) -> CartChange {
    CartChange {
        product_id,
        quantity,
    }
}

async fn scalar(store: &Store, sql: &str, id: i64) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

async fn stock(store: &Store, id: i64) -> i64 {
    scalar(store, "SELECT stock FROM products WHERE id = $1", id).await
}

async fn booked(store: &Store, slot_id: i64) -> i64 {
    scalar(
        store,
        "SELECT booked FROM shop_slots WHERE id = $1",
        slot_id,
    )
    .await
}

async fn orders_of(store: &Store, customer_id: i64) -> i64 {
    scalar(
        store,
        "SELECT COUNT(*) FROM orders WHERE customer_id = $1",
        customer_id,
    )
    .await
}

fn field_of(e: &CoreError) -> Option<&'static str> {
    match e {
        CoreError::Validation { field, .. } => Some(field),
        CoreError::Conflict { field, .. } => *field,
        _ => None,
    }
}

on_both_backends!(
    a_catalogue_beyond_one_page_is_reached_page_by_page,
    |store: Store| async move {
        // 130 listings: the window shows 60, then "Show more" asks from the 60th on.
        for i in 0..130 {
            let p = product(&store, &format!("P{i:03}"), "1.00", 5).await;
            listing(
                &store,
                &format!("Carton {i:03}"),
                "Double wall",
                "Boxes",
                &[(p, "")],
            )
            .await;
        }
        let page = |offset: u32| CatalogueQuery {
            offset,
            ..Default::default()
        };
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let pg = catalogue::search(&store, &page(offset)).await.unwrap();
            assert_eq!(pg.total, 130);
            if pg.rows.is_empty() {
                break;
            }
            assert!(pg.rows.len() <= 60);
            offset += pg.rows.len() as u32;
            seen.extend(pg.rows.into_iter().map(|l| l.name));
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(seen.len(), 130, "every listing once");
        assert_eq!(unique.len(), 130, "no listing twice across pages");
    }
);

on_both_backends!(
    search_ranks_names_first_and_filters,
    |store: Store| async move {
        let a = product(&store, "T1", "2.00", 10).await;
        let b = product(&store, "T2", "9.00", 10).await;
        let c = product(&store, "T3", "3.00", 10).await;
        let d = product(&store, "T4", "1.00", 0).await;
        listing(
            &store,
            "Bubble wrap",
            "Protects goods in boxes sealed with tape",
            "Packaging",
            &[(c, "")],
        )
        .await;
        listing(
            &store,
            "Packing tape",
            "Brown polypropylene",
            "Packaging",
            &[(a, "")],
        )
        .await;
        listing(&store, "Tape measure", "Steel, 5 m", "Tools", &[(b, "")]).await;
        let retired = listing(&store, "Tape gun", "Dispenser", "Tools", &[(d, "")]).await;
        catalogue::save_listing(
            &store,
            &ada(),
            &ListingEdit {
                version: None,
                id: Some(retired.id),
                name: retired.name.clone(),
                description: retired.description.clone(),
                category: "Tools".into(),
                active: false,
                variants: vec![VariantEdit {
                    product_id: d,
                    ..Default::default()
                }],
            },
        )
        .await
        .unwrap();
        let names = |p: &CataloguePage| p.rows.iter().map(|l| l.name.clone()).collect::<Vec<_>>();
        let q = |search: &str, category: &str| CatalogueQuery {
            search: search.into(),
            category: category.into(),
            ..Default::default()
        };

        let hits = catalogue::search(&store, &q("tape", "")).await.unwrap();
        assert_eq!(hits.total, 3, "{:?}", names(&hits));
        assert_eq!(
            names(&hits)[2],
            "Bubble wrap",
            "a name match ranks above a description match"
        );
        // Prefixes, any case, and words in any order all match; search syntax typed is just text.
        assert_eq!(
            names(&catalogue::search(&store, &q("PACK", "")).await.unwrap()),
            ["Packing tape"]
        );
        assert_eq!(
            names(
                &catalogue::search(&store, &q("steel tape", ""))
                    .await
                    .unwrap()
            ),
            ["Tape measure"]
        );
        assert_eq!(
            catalogue::search(&store, &q("\"tape\"* -( ^", ""))
                .await
                .unwrap()
                .total,
            3
        );
        assert_eq!(
            catalogue::search(&store, &q("nothinglikethis", ""))
                .await
                .unwrap()
                .total,
            0
        );
        assert_eq!(
            names(
                &catalogue::search(&store, &q("tape", "Tools"))
                    .await
                    .unwrap()
            ),
            ["Tape measure"]
        );
        let all = catalogue::search(&store, &q("", "")).await.unwrap();
        assert_eq!(all.total, 3, "the retired listing is not shown");
        assert_eq!(all.categories, ["Packaging", "Tools"]);
        // A renamed listing is found by its new name only.
        let tape = catalogue::search(&store, &q("packing", ""))
            .await
            .unwrap()
            .rows[0]
            .clone();
        catalogue::save_listing(
            &store,
            &ada(),
            &ListingEdit {
                version: None,
                id: Some(tape.id),
                name: "Parcel sealer".into(),
                description: tape.description.clone(),
                category: tape.category.clone(),
                active: true,
                variants: vec![VariantEdit {
                    product_id: a,
                    ..Default::default()
                }],
            },
        )
        .await
        .unwrap();
        assert_eq!(
            catalogue::search(&store, &q("packing", ""))
                .await
                .unwrap()
                .total,
            0
        );
        assert_eq!(
            names(&catalogue::search(&store, &q("parcel", "")).await.unwrap()),
            ["Parcel sealer"]
        );
    }
);

on_both_backends!(variants_and_their_rules, |store: Store| async move {
    let s = product(&store, "C-S", "1.20", 8).await;
    let m = product(&store, "C-M", "1.80", 5).await;
    let other = product(&store, "X", "1.00", 5).await;
    let carton = listing(
        &store,
        "Carton",
        "Corrugated",
        "Packaging",
        &[(s, "S"), (m, "M")],
    )
    .await;
    assert_eq!(carton.variants.len(), 2);
    assert_eq!(carton.variants[0].label, "S");
    assert_eq!(carton.price_from(), Some(120));
    // A product is a variant of one listing only; an unknown product is named.
    let e = catalogue::save_listing(
        &store,
        &ada(),
        &ListingEdit {
            name: "Box".into(),
            active: true,
            variants: vec![VariantEdit {
                product_id: m,
                ..Default::default()
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(&e), Some("variants"), "{e:?}");
    assert!(e.to_string().contains("already a variant"), "{e}");
    let e = catalogue::save_listing(
        &store,
        &ada(),
        &ListingEdit {
            name: "Box".into(),
            active: true,
            variants: vec![VariantEdit {
                product_id: 999_999,
                ..Default::default()
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("no product 999999"), "{e}");
    let e = catalogue::save_listing(
        &store,
        &ada(),
        &ListingEdit {
            name: " ".into(),
            active: true,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(&e), Some("name"));
    // Nothing half-written: the failed listings left no row behind.
    assert_eq!(
        scalar(
            &store,
            "SELECT COUNT(*) FROM shop_listings WHERE id <> $1",
            carton.id
        )
        .await,
        0
    );

    // The cart takes a variant of a listing only, in whole units, up to the stock.
    let buyer = customer(&store, "b@example.com", "C1").await;
    for (q, field) in [
        (0.0, "quantity"),
        (-2.0, "quantity"),
        (1.5, "quantity"),
        (6.0, "quantity"),
    ] {
        let e = cart::change(&store, buyer.id, &add(m, q), true)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), Some(field), "{q}: {e:?}");
    }
    let e = cart::change(&store, buyer.id, &add(other, 1.0), true)
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some("product_id"),
        "a product not sold in the shop: {e:?}"
    );
    cart::change(&store, buyer.id, &add(m, 3.0), true)
        .await
        .unwrap();
    let e = cart::change(&store, buyer.id, &add(m, 3.0), true)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("3 in your cart already"), "{e}");
    let c = cart::change(&store, buyer.id, &add(s, 2.0), true)
        .await
        .unwrap();
    assert_eq!((c.units, c.total), (5, 3 * 180 + 2 * 120));
    let c = cart::change(&store, buyer.id, &add(m, 1.0), false)
        .await
        .unwrap();
    assert_eq!(c.units, 3);
    let c = cart::remove(&store, buyer.id, s).await.unwrap();
    assert_eq!(c.lines.len(), 1);
    assert!(
        cart::clear(&store, buyer.id)
            .await
            .unwrap()
            .lines
            .is_empty()
    );
    assert!(cart::get(&store, buyer.id).await.unwrap().lines.is_empty());
});

// The cart is in the store: a restart (the store opened again) or another desktop finds it,
// and a price change since it was added shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cart_survives_a_restart() {
    let (store, dir) = common::sqlite_store().await;
    let p = product(&store, "K1", "2.00", 10).await;
    listing(&store, "Tape", "", "", &[(p, "")]).await;
    let buyer = customer(&store, "b@example.com", "C1").await;
    cart::change(&store, buyer.id, &add(p, 4.0), true)
        .await
        .unwrap();
    set_price(&store, p, "2.50").await;
    store.close().await;
    let again = Store::open_sqlite(&dir.path().join("portal.db"))
        .await
        .unwrap();
    let c = cart::get(&again, buyer.id).await.unwrap();
    assert_eq!(c.units, 4);
    assert_eq!(
        (c.lines[0].unit_price, c.lines[0].price_when_added),
        (250, 200)
    );
    assert_eq!(c.total, 1000);
}

on_both_backends!(addresses_and_postcode_rules, |store: Store| async move {
    let a = customer(&store, "a@example.com", "C1").await;
    let b = customer(&store, "b@example.com", "C2").await;
    let edit = |postcode: &str, country: &str| AddressEdit {
        name: "Asha".into(),
        line1: "1 Harbour St".into(),
        city: "Mumbai".into(),
        postcode: postcode.into(),
        country: country.into(),
        ..Default::default()
    };
    // India's six-digit PIN, the UK's format, and a country without a rule.
    for (pc, country, ok) in [
        ("400001", "IN", true),
        ("40001", "IN", false),
        ("40000A", "IN", false),
        ("SW1A 1AA", "GB", true),
        ("12345", "GB", false),
        ("1010", "AT", true),
        ("!!", "AT", false),
    ] {
        let r = addresses::save(&store, a.id, &edit(pc, country)).await;
        assert_eq!(r.is_ok(), ok, "{pc} in {country}: {r:?}");
        if let Err(e) = r {
            assert_eq!(field_of(&e), Some("postcode"));
        }
    }
    let e = addresses::save(
        &store,
        a.id,
        &AddressEdit {
            line1: " ".into(),
            ..edit("400001", "IN")
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(&e), Some("line1"));
    let e = addresses::save(&store, a.id, &edit("400001", "India"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some("country"));
    let list = addresses::list(&store, a.id).await.unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(
        list.iter().filter(|x| x.is_default).count(),
        1,
        "exactly one default"
    );
    assert_eq!(
        list[0].postcode, "400001",
        "the first address became the default"
    );
    // A new default replaces the old one; deleting the default makes another one default.
    let gb = list.iter().find(|x| x.country == "GB").unwrap().clone();
    let list = addresses::save(
        &store,
        a.id,
        &AddressEdit {
            id: Some(gb.id),
            is_default: true,
            ..edit("SW1A 1AA", "GB")
        },
    )
    .await
    .unwrap();
    assert!(list.iter().find(|x| x.id == gb.id).unwrap().is_default);
    assert_eq!(list.iter().filter(|x| x.is_default).count(), 1);
    let list = addresses::delete(&store, a.id, gb.id).await.unwrap();
    assert_eq!(list.iter().filter(|x| x.is_default).count(), 1);
    // Another customer's address is unknown to B: not changed, not deleted.
    let mine = list[0].id;
    assert!(matches!(
        addresses::delete(&store, b.id, mine).await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        addresses::save(
            &store,
            b.id,
            &AddressEdit {
                id: Some(mine),
                ..edit("400002", "IN")
            }
        )
        .await,
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(addresses::list(&store, a.id).await.unwrap().len(), 2);
    // The rules are settings: a bad rule is refused by line; a new rule applies at once.
    let e = addresses::save_settings(
        &store,
        &ShopSettings {
            version: None,
            postcode_rules: "IN ^[0-9]{6}$\nXX (".into(),
            default_country: "IN".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("Line 2"), "{e}");
    addresses::save_settings(
        &store,
        &ShopSettings {
            version: None,
            postcode_rules: "AT ^[0-9]{4}$".into(),
            default_country: "AT".into(),
        },
    )
    .await
    .unwrap();
    assert!(
        addresses::save(&store, b.id, &edit("10100", "AT"))
            .await
            .is_err()
    );
});

on_both_backends!(
    checkout_books_the_slot_and_places_the_order,
    |store: Store| async move {
        let buyer = customer(&store, "b@example.com", "C1").await;
        let p = product(&store, "P1", "20.00", 10).await;
        let q = product(&store, "P2", "30.00", 10).await;
        listing(&store, "Pens", "", "", &[(p, "Blue"), (q, "Red")]).await;
        let home = address(&store, &buyer, "600001").await;
        let north = slot(&store, "08:00", "5", 3).await; // serves postcodes 5…, not 600001
        let here = slot(&store, "09:00", "600 601", 3).await;
        let later = slot(&store, "10:00", "", 3).await;
        let avail: Vec<i64> =
            slots::available(&mut store.pool().acquire().await.unwrap(), &home.postcode)
                .await
                .unwrap()
                .iter()
                .map(|s| s.id)
                .collect();
        assert_eq!(
            avail,
            [here.id, later.id],
            "only slots serving the postcode, soonest first"
        );

        cart::change(&store, buyer.id, &add(p, 2.0), true)
            .await
            .unwrap();
        cart::change(&store, buyer.id, &add(q, 1.0), true)
            .await
            .unwrap();
        let choice = CheckoutChoice {
            address_id: home.id,
            slot_id: here.id,
        };
        let review = checkout::review(&store, buyer.id, &choice).await.unwrap();
        assert_eq!(
            (review.cart.total, review.delivery_charge, review.total),
            (7000, 500, 7500)
        );
        let e = checkout::review(
            &store,
            buyer.id,
            &CheckoutChoice {
                slot_id: north.id,
                ..choice
            },
        )
        .await
        .unwrap_err();
        assert_eq!(
            field_of(&e),
            Some("slot_id"),
            "a slot that does not serve the postcode: {e:?}"
        );

        let placed = checkout::place(
            &store,
            &buyer,
            &Checkout {
                address_id: home.id,
                slot_id: here.id,
                expected_total: 7500,
                key: None,
            },
        )
        .await
        .unwrap();
        assert_eq!((stock(&store, p).await, stock(&store, q).await), (8, 9));
        assert_eq!(booked(&store, here.id).await, 1);
        assert!(
            cart::get(&store, buyer.id).await.unwrap().lines.is_empty(),
            "the cart is emptied"
        );
        let mine = checkout::my_orders(&store, buyer.id).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(
            (mine[0].order.id, mine[0].total, mine[0].delivery_charge),
            (placed.order_id, 7500, 500)
        );
        assert!(mine[0].slot.contains("09:00"), "{}", mine[0].slot);
        assert!(mine[0].can_cancel);
        // The confirmation e-mail names the slot and the address, with the delivery in the total.
        let (body,): (String,) =
            sqlx::query_as("SELECT body_text FROM mail_outbox WHERE idempotency_key = $1")
                .bind(format!("order-confirmation:{}", placed.order_id))
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert!(
            body.contains("09:00") && body.contains("600001") && body.contains("75.00"),
            "{body}"
        );

        // Free delivery from 100.00.
        cart::change(&store, buyer.id, &add(q, 4.0), true)
            .await
            .unwrap();
        let r = checkout::review(
            &store,
            buyer.id,
            &CheckoutChoice {
                address_id: home.id,
                slot_id: later.id,
            },
        )
        .await
        .unwrap();
        assert_eq!((r.delivery_charge, r.total), (0, 12000));

        // The customer cancels before picking: the stock returns and the slot's place is freed.
        let shown = checkout::cancel(&store, &buyer, placed.order_id)
            .await
            .unwrap();
        assert_eq!(shown.order.status, OrderStatus::Cancelled);
        assert!(!shown.can_cancel);
        assert_eq!(
            (
                stock(&store, p).await,
                stock(&store, q).await,
                booked(&store, here.id).await
            ),
            (10, 10, 0)
        );
        let e = checkout::cancel(&store, &buyer, placed.order_id)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), Some("order_id"), "{e:?}");

        // Once picking started, only staff can cancel; their cancellation frees the slot too.
        let second = checkout::place(
            &store,
            &buyer,
            &Checkout {
                address_id: home.id,
                slot_id: later.id,
                expected_total: 12000,
                key: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(booked(&store, later.id).await, 1);
        for (from, to) in [
            (OrderStatus::Placed, OrderStatus::Confirmed),
            (OrderStatus::Confirmed, OrderStatus::Picking),
        ] {
            orders::advance(
                &store,
                &ada(),
                &AdvanceOrder {
                    id: second.order_id,
                    from,
                    to,
                },
            )
            .await
            .unwrap();
        }
        let e = checkout::cancel(&store, &buyer, second.order_id)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("picking"), "{e}");
        orders::advance(
            &store,
            &ada(),
            &AdvanceOrder {
                id: second.order_id,
                from: OrderStatus::Picking,
                to: OrderStatus::Cancelled,
            },
        )
        .await
        .unwrap();
        assert_eq!(booked(&store, later.id).await, 0);
        assert_eq!(stock(&store, q).await, 10);
    }
);

on_both_backends!(bad_checkouts_change_nothing, |store: Store| async move {
    let buyer = customer(&store, "b@example.com", "C1").await;
    let other = customer(&store, "o@example.com", "C2").await;
    let p = product(&store, "P1", "10.00", 5).await;
    listing(&store, "Tape", "", "", &[(p, "")]).await;
    let home = address(&store, &buyer, "600001").await;
    let theirs = address(&store, &other, "600002").await;
    let s = slot(&store, "09:00", "", 5).await;
    let go = |address_id, slot_id, expected_total| Checkout {
        address_id,
        slot_id,
        expected_total,
        key: None,
    };

    // An empty cart.
    let e = checkout::place(&store, &buyer, &go(home.id, s.id, 1500))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some("cart"));
    cart::change(&store, buyer.id, &add(p, 1.0), true)
        .await
        .unwrap();
    // Another customer's address.
    let e = checkout::place(&store, &buyer, &go(theirs.id, s.id, 1500))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some("address_id"), "{e:?}");
    // A slot in the past (written directly: the admin window refuses to create one).
    let (past,): (i64,) = sqlx::query_as(
        "INSERT INTO shop_slots (starts_at, ends_at, zones, capacity, booked, charge, created_at) VALUES ($1, $2, '', 5, 0, 0, $1) RETURNING id",
    )
    .bind(portdesk_core::now_ms() - 7_200_000)
    .bind(portdesk_core::now_ms() - 3_600_000)
    .fetch_one(store.pool())
    .await
    .unwrap();
    let e = checkout::place(&store, &buyer, &go(home.id, past, 1500))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, CoreError::Conflict { field: Some("slot_id"), message } if message.contains("next slot")),
        "{e:?}"
    );
    // The price changed between the review and the order: shown, nothing ordered.
    set_price(&store, p, "12.00").await;
    let e = checkout::place(&store, &buyer, &go(home.id, s.id, 1500))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, CoreError::Conflict { field: Some("expected_total"), message } if message.contains("now 12.00 (was 10.00)")),
        "{e:?}"
    );
    // Out of stock since it went into the cart.
    cart::change(&store, buyer.id, &add(p, 5.0), false)
        .await
        .unwrap();
    sqlx::query("UPDATE products SET stock = 2 WHERE id = $1")
        .bind(p)
        .execute(store.pool())
        .await
        .unwrap();
    let e = checkout::place(&store, &buyer, &go(home.id, s.id, 6500))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Only 2 in stock"), "{e}");
    // Nothing was consumed by any of them.
    assert_eq!(
        (
            stock(&store, p).await,
            booked(&store, s.id).await,
            orders_of(&store, buyer.id).await
        ),
        (2, 0, 0)
    );
    assert_eq!(
        cart::get(&store, buyer.id).await.unwrap().units,
        5,
        "the cart is kept"
    );
    // Another customer's order cannot be cancelled by this one.
    cart::change(&store, buyer.id, &add(p, 1.0), false)
        .await
        .unwrap();
    let placed = checkout::place(&store, &buyer, &go(home.id, s.id, 1700))
        .await
        .unwrap();
    assert!(matches!(
        checkout::cancel(&store, &other, placed.order_id).await,
        Err(CoreError::NotFound(_))
    ));
    assert!(
        checkout::my_orders(&store, other.id)
            .await
            .unwrap()
            .is_empty()
    );
});

// 16 customers check out at once for the last place of a slot: exactly one books it; the
// others are told and offered the next slot, and keep their carts and their stock.
on_both_backends!(
    sixteen_checkouts_for_the_last_place,
    |store: Store| async move {
        let p = product(&store, "P1", "10.00", 1000).await;
        listing(&store, "Tape", "", "", &[(p, "")]).await;
        let last = slot(&store, "09:00", "", 1).await;
        let next = slot(&store, "11:00", "", 10).await;
        let mut buyers = Vec::new();
        for i in 0..16 {
            let b = customer(&store, &format!("b{i}@example.com"), &format!("C{i}")).await;
            let a = address(&store, &b, "600001").await;
            cart::change(&store, b.id, &add(p, 2.0), true)
                .await
                .unwrap();
            buyers.push((b, a));
        }
        let tasks: Vec<_> = buyers
            .iter()
            .cloned()
            .map(|(b, a)| {
                let store = store.clone();
                tokio::spawn(async move {
                    checkout::place(
                        &store,
                        &b,
                        &Checkout {
                            address_id: a.id,
                            slot_id: last.id,
                            expected_total: 2500,
                            key: None,
                        },
                    )
                    .await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(CoreError::Conflict {
                    field: Some("slot_id"),
                    message,
                }) => {
                    assert!(
                        message.contains(&next.label),
                        "offered the next slot: {message}"
                    )
                }
                Err(e) => panic!("a checkout failed otherwise: {e:?}"),
            }
        }
        assert_eq!(ok, 1, "exactly one booking");
        assert_eq!(booked(&store, last.id).await, 1);
        assert_eq!(
            scalar(&store, "SELECT COUNT(*) FROM orders WHERE id > $1", 0).await,
            1
        );
        assert_eq!(stock(&store, p).await, 998);
        let carts = scalar(
            &store,
            "SELECT COUNT(*) FROM shop_cart_lines WHERE quantity = $1",
            2,
        )
        .await;
        assert_eq!(carts, 15, "the others keep their carts");
    }
);

// Checkouts racing for the last units: no unit oversold, and a checkout refused for stock
// gives its slot place back.
on_both_backends!(
    checkouts_never_oversell_the_last_units,
    |store: Store| async move {
        let p = product(&store, "P1", "10.00", 5).await;
        listing(&store, "Tape", "", "", &[(p, "")]).await;
        let s = slot(&store, "09:00", "", 100).await;
        let mut buyers = Vec::new();
        for i in 0..16 {
            let b = customer(&store, &format!("b{i}@example.com"), &format!("C{i}")).await;
            let a = address(&store, &b, "600001").await;
            cart::change(&store, b.id, &add(p, 1.0), true)
                .await
                .unwrap();
            buyers.push((b, a));
        }
        let tasks: Vec<_> = buyers
            .into_iter()
            .map(|(b, a)| {
                let store = store.clone();
                tokio::spawn(async move {
                    checkout::place(
                        &store,
                        &b,
                        &Checkout {
                            address_id: a.id,
                            slot_id: s.id,
                            expected_total: 1500,
                            key: None,
                        },
                    )
                    .await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => assert!(
                    e.to_string().contains("in stock") || e.to_string().contains("Out of stock"),
                    "{e:?}"
                ),
            }
        }
        assert_eq!(ok, 5, "exactly the five units were sold");
        assert_eq!(stock(&store, p).await, 0);
        assert_eq!(
            booked(&store, s.id).await,
            5,
            "refused checkouts hold no place"
        );
    }
);

on_both_backends!(slots_as_the_admin_makes_them, |store: Store| async move {
    let base = SlotEdit {
        date: tomorrow(),
        from: "09:00".into(),
        to: "11:00".into(),
        zones: "600, 601".into(),
        capacity: 4,
        charge: "4.99".into(),
        free_from: String::new(),
    };
    let s = slots::create(&store, &ada(), &base).await.unwrap();
    assert_eq!(s.zones, ["600", "601"]);
    assert_eq!((s.capacity, s.charge, s.free_from), (4, 499, None));
    let e = slots::create(&store, &ada(), &base).await.unwrap_err();
    assert!(
        matches!(e, CoreError::Conflict { .. }),
        "the same slot twice: {e:?}"
    );
    for (edit, field) in [
        (
            SlotEdit {
                to: "08:00".into(),
                ..base.clone()
            },
            "to",
        ),
        (
            SlotEdit {
                from: "9 am".into(),
                ..base.clone()
            },
            "from",
        ),
        (
            SlotEdit {
                date: "2020-01-01".into(),
                ..base.clone()
            },
            "date",
        ),
        (
            SlotEdit {
                date: "31/12/2026".into(),
                ..base.clone()
            },
            "date",
        ),
        (
            SlotEdit {
                capacity: 0,
                ..base.clone()
            },
            "capacity",
        ),
        (
            SlotEdit {
                charge: "free".into(),
                ..base.clone()
            },
            "charge",
        ),
        (
            SlotEdit {
                zones: "60-0".into(),
                ..base.clone()
            },
            "zones",
        ),
    ] {
        let e = slots::create(&store, &ada(), &edit).await.unwrap_err();
        assert_eq!(field_of(&e), Some(field), "{edit:?}: {e:?}");
    }
    // A weekly pattern: Monday to Friday for two weeks is ten slots; run again, none doubled.
    let pattern = SlotPattern {
        slot: SlotEdit {
            zones: String::new(),
            from: "14:00".into(),
            to: "16:00".into(),
            ..base.clone()
        },
        weekdays: vec![1, 2, 3, 4, 5],
        weeks: 2,
    };
    assert_eq!(
        slots::create_pattern(&store, &ada(), &pattern)
            .await
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        slots::create_pattern(&store, &ada(), &pattern)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(slots::upcoming(&store).await.unwrap().len(), 11);
    // A slot with an order cannot be deleted; an empty one can.
    slots::delete(&store, &ada(), s.id).await.unwrap();
    assert!(matches!(
        slots::delete(&store, &ada(), s.id).await,
        Err(CoreError::NotFound(_))
    ));
});

/// A PNG of `w` × `h` (RGB), encoded by the image crate.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

on_both_backends!(
    pictures_are_checked_by_content_and_sized_down,
    |store: Store| async move {
        let p = product(&store, "P1", "1.00", 1).await;
        let l = listing(&store, "Tape", "", "", &[(p, "")]).await;
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path.to_string_lossy().into_owned()
        };
        let admin = ada();
        let set = |path: String| {
            let req = SetPicture {
                listing_id: l.id,
                path,
            };
            let (store, admin) = (store.clone(), admin.clone());
            async move { catalogue::set_picture(&store, &admin, &req).await }
        };

        // Text named .png, a huge sparse file, a "PNG" whose header claims 60,000 × 60,000.
        let e = set(put("notes.png", b"just some text, not a picture"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not a picture"), "{e}");
        let huge = dir.path().join("huge.jpg");
        std::fs::File::create(&huge)
            .unwrap()
            .set_len(50 * 1024 * 1024)
            .unwrap();
        let e = set(huge.to_string_lossy().into_owned()).await.unwrap_err();
        assert!(e.to_string().contains("at most 10 MB"), "{e}");
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = set(put("bomb.png", &bomb)).await.unwrap_err();
        assert_eq!(field_of(&e), Some("path"), "{e:?}");
        assert!(
            catalogue::picture(&store, l.id, false)
                .await
                .unwrap()
                .is_none(),
            "nothing stored"
        );

        // A real picture, named .dat: stored, sized down to 800 on its long side.
        let shown = set(put("photo.dat", &png(2000, 1000))).await.unwrap();
        assert!(shown.has_picture);
        let pic = catalogue::picture(&store, l.id, false)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (pic.width, pic.height, pic.mime.as_str()),
            (800, 400, "image/jpeg")
        );
    }
);

// Through the window's commands, as the UI calls them: each role gets what it may, and a
// customer reaches only their own cart, addresses and orders.
async fn window_commands(h: common::harness::Harness) {
    use portdesk_types::ErrorKind;
    use portdesk_types::api::*;
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    let p = product(&store, "P1", "10.00", 50).await;
    let l = listing(&store, "Zebra tape", "Brown", "Packaging", &[(p, "")]).await;
    let a = customer(&store, "a@example.com", "C1").await;
    customer(&store, "b@example.com", "C2").await;
    h.add_user("rep@example.com", Role::SalesRep).await;

    // The admin keeps slots; a customer may not.
    let s = h
        .call::<CreateSlot>(SlotEdit {
            date: tomorrow(),
            from: "07:00".into(),
            to: "08:00".into(),
            capacity: 5,
            charge: "3.00".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    h.sign_in_as("a@example.com").await;
    let forbidden = |r: Result<_, portdesk_types::ApiError>| matches!(r, Err(e) if e.kind == ErrorKind::Forbidden);
    assert!(forbidden(
        h.call::<CreateSlot>(SlotEdit::default()).await.map(|_| ())
    ));
    assert!(forbidden(
        h.call::<SaveListing>(ListingEdit::default())
            .await
            .map(|_| ())
    ));
    assert!(forbidden(h.call::<ListSlots>(()).await.map(|_| ())));
    // A customer sees the catalogue and shops.
    let page = h
        .call::<Catalogue>(CatalogueQuery {
            search: "zebra".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.rows[0].id, l.id);
    h.call::<AddToCart>(CartChange {
        product_id: p,
        quantity: 2.0,
    })
    .await
    .unwrap();
    let e = h
        .call::<AddToCart>(CartChange {
            product_id: p,
            quantity: 0.0,
        })
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("quantity"));
    let addrs = h
        .call::<SaveAddress>(AddressEdit {
            name: "A".into(),
            line1: "1 Road".into(),
            city: "Pune".into(),
            postcode: "411001".into(),
            country: "IN".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let home = addrs[0].id;
    let review = h
        .call::<ReviewCheckout>(CheckoutChoice {
            address_id: home,
            slot_id: s.id,
        })
        .await
        .unwrap();
    let order = h
        .call::<PlaceShopOrder>(Checkout {
            address_id: home,
            slot_id: s.id,
            expected_total: review.total,
            key: None,
        })
        .await
        .unwrap();
    assert_eq!(order.order.customer_id, a.id);
    h.call::<AddToCart>(CartChange {
        product_id: p,
        quantity: 1.0,
    })
    .await
    .unwrap();

    // Customer B: none of A's ids work, and B's own lists are empty.
    h.sign_in_as("b@example.com").await;
    assert!(
        h.call::<GetCart>(()).await.unwrap().lines.is_empty(),
        "A's cart is A's"
    );
    assert!(h.call::<ListAddresses>(()).await.unwrap().is_empty());
    assert!(h.call::<MyShopOrders>(()).await.unwrap().is_empty());
    for r in [
        h.call::<DeleteAddress>(AddressRef { id: home })
            .await
            .map(|_| ()),
        h.call::<AvailableSlots>(SlotsFor { address_id: home })
            .await
            .map(|_| ()),
        h.call::<CancelShopOrder>(ShopOrderRef {
            order_id: order.order.id,
        })
        .await
        .map(|_| ()),
        h.call::<ReviewCheckout>(CheckoutChoice {
            address_id: home,
            slot_id: s.id,
        })
        .await
        .map(|_| ()),
        h.call::<GetOrder>(portdesk_types::orders::OrderRef { id: order.order.id })
            .await
            .map(|_| ()),
    ] {
        let e = r.unwrap_err();
        assert!(
            matches!(
                e.kind,
                ErrorKind::NotFound | ErrorKind::Forbidden | ErrorKind::Validation
            ),
            "{e:?}"
        );
    }
    assert_eq!(h.call::<ListAddresses>(()).await.unwrap().len(), 0);

    // A sales rep browses but has no cart.
    h.sign_in_as("rep@example.com").await;
    let seen = h
        .call::<Catalogue>(CatalogueQuery::default())
        .await
        .unwrap();
    assert!(seen.rows.iter().any(|x| x.id == l.id));
    assert!(forbidden(h.call::<GetCart>(()).await.map(|_| ())));
    assert!(forbidden(
        h.call::<AddToCart>(CartChange {
            product_id: p,
            quantity: 1.0
        })
        .await
        .map(|_| ())
    ));

    // A's cart is still there at A's next sign-in (another desktop or kiosk would see the same).
    h.sign_in_as("a@example.com").await;
    assert_eq!(h.call::<GetCart>(()).await.unwrap().units, 1);
    let mine = h.call::<MyShopOrders>(()).await.unwrap();
    assert_eq!(mine.len(), 1);
    let cancelled = h
        .call::<CancelShopOrder>(ShopOrderRef {
            order_id: order.order.id,
        })
        .await
        .unwrap();
    assert_eq!(cancelled.order.status, OrderStatus::Cancelled);
}
on_both_stores!(window_commands_keep_customers_apart, window_commands);

// Checkout once: the same checkout sent twice (a double click, a second window) and sent from
// two connections at once both answer with one order; the stock and the slot move once.
on_both_backends!(
    the_same_checkout_twice_places_one_order,
    |store: Store| async move {
        let buyer = customer(&store, "b@example.com", "C1").await;
        let p = product(&store, "P1", "10.00", 10).await;
        listing(&store, "Tape", "", "", &[(p, "")]).await;
        let home = address(&store, &buyer, "600001").await;
        let s = slot(&store, "09:00", "", 5).await;
        cart::change(&store, buyer.id, &add(p, 2.0), true)
            .await
            .unwrap();
        let choice = CheckoutChoice {
            address_id: home.id,
            slot_id: s.id,
        };
        // Two windows review the same cart: one key.
        let first = checkout::review(&store, buyer.id, &choice).await.unwrap();
        let second = checkout::review(&store, buyer.id, &choice).await.unwrap();
        assert_eq!(first.key, second.key);
        let go = Checkout {
            address_id: home.id,
            slot_id: s.id,
            expected_total: first.total,
            key: Some(first.key.clone()),
        };
        let (a, b) = tokio::join!(
            checkout::place(&store, &buyer, &go),
            checkout::place(&store, &buyer, &go)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.order_id, b.order_id, "one order");
        let again = checkout::place(&store, &buyer, &go).await.unwrap();
        assert_eq!(again.order_id, a.order_id);
        assert_eq!(orders_of(&store, buyer.id).await, 1);
        assert_eq!(stock(&store, p).await, 8);
        assert_eq!(booked(&store, s.id).await, 1);
        // The same products added again make a new checkout.
        cart::change(&store, buyer.id, &add(p, 2.0), true)
            .await
            .unwrap();
        let next = checkout::review(&store, buyer.id, &choice).await.unwrap();
        assert_ne!(next.key, first.key);
    }
);
