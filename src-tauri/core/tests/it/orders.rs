//! The order path and procurement on a real store (a SQLite file and a PostgreSQL database):
//! seed 000's worked example, exactly one request per product, bad input changing nothing,
//! concurrent orders never overselling, concurrent approvals issuing one purchase order,
//! receipts, and the trail.

use crate::common;

use portdesk_core::accounts::{self, NewUser, User};
use portdesk_core::audit::Actor;
use portdesk_core::error::CoreError;
use portdesk_core::store::Store;
use portdesk_core::{orders, procurement};
use portdesk_types::orders::{AdvanceOrder, NewOrderLine, OrderQuery, OrderStatus};
use portdesk_types::procurement::*;
use portdesk_types::{Role, Secret};
use sqlx::Row;

/// Wendy (warehouse) places the orders; the audit log names a real account.
pub(crate) fn staff() -> Actor {
    Actor::user(1, "wendy@example.com")
}

/// Pat (procurement) and Ada (admin), as the audit log names them.
struct People {
    pat: Actor,
    ada: Actor,
}

/// The accounts every test starts with: Wendy (id 1, warehouse), Pat (id 2, procurement),
/// Ada (id 3, admin).
async fn people(store: &Store) -> People {
    user(store, "wendy@example.com", Role::Warehouse).await;
    user(store, "pat@example.com", Role::Procurement).await;
    user(store, "ada@example.com", Role::Admin).await;
    People {
        pat: Actor::user(2, "pat@example.com"),
        ada: Actor::user(3, "ada@example.com"),
    }
}

pub(crate) async fn customer(store: &Store, email: &str, code: &str) -> User {
    let new = NewUser {
        name: format!("Buyer {code}"),
        email: email.into(),
        role: Role::Customer,
        erp_customer: Some(format!("Customer {code}")),
        erp_customer_code: Some(code.into()),
        password: Secret::new("Forklift-Harbour-42"),
        must_change_password: false,
    };
    accounts::create(store, &Actor::system("test"), new)
        .await
        .unwrap()
}

async fn user(store: &Store, email: &str, role: Role) {
    let new = NewUser {
        name: email.into(),
        email: email.into(),
        role,
        erp_customer: None,
        erp_customer_code: None,
        password: Secret::new("Forklift-Harbour-42"),
        must_change_password: false,
    };
    accounts::create(store, &Actor::system("test"), new)
        .await
        .unwrap();
}

async fn supplier(store: &Store, name: &str, email: &str) -> i64 {
    procurement::save_supplier(
        store,
        &staff(),
        &SupplierEdit {
            id: None,
            version: None,
            name: name.into(),
            email: email.into(),
            phone: String::new(),
            lead_time_days: 5,
            active: true,
        },
    )
    .await
    .unwrap()
    .id
}

pub(crate) struct P {
    pub sku: &'static str,
    pub stock: i64,
    pub level: i64,
    pub reorder: i64,
    pub pack: Option<i64>,
}

pub(crate) async fn product(store: &Store, p: P, supplier_id: Option<i64>) -> i64 {
    procurement::save_product(
        store,
        &staff(),
        &ProductEdit {
            id: None,
            version: None,
            sku: p.sku.into(),
            name: if p.sku == "P123" {
                "Wireless Mouse".into()
            } else {
                format!("Product {}", p.sku)
            },
            description: String::new(),
            category: "Peripherals".into(),
            unit_price: "24.99".into(),
            stock: p.stock,
            reorder_level: p.level,
            reorder_quantity: p.reorder,
            pack_size: p.pack,
            supplier_id,
            active: true,
        },
    )
    .await
    .unwrap()
    .id
}

pub(crate) fn line(product_id: i64, quantity: f64) -> Vec<NewOrderLine> {
    vec![NewOrderLine {
        product_id,
        quantity,
    }]
}

async fn stock(store: &Store, id: i64) -> i64 {
    procurement::product_by_id(store, id)
        .await
        .unwrap()
        .unwrap()
        .stock
}

async fn requests_for(store: &Store, product_id: i64) -> Vec<RequestRow> {
    procurement::list_requests(store, &RequestQuery::default())
        .await
        .unwrap()
        .rows
        .into_iter()
        .filter(|r| r.product_id == product_id)
        .collect()
}

/// (kind, recipients, body) of every queued message, oldest first.
async fn outbox(store: &Store) -> Vec<(String, String, String)> {
    sqlx::query("SELECT kind, recipients, body_text FROM mail_outbox ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("kind"), r.get("recipients"), r.get("body_text")))
        .collect()
}

pub(crate) async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .unwrap()
}

on_both_backends!(seed_worked_example, |store: Store| async move {
    people(&store).await;
    let buyer = customer(&store, "buyer@northwind.example", "C10000").await;
    let techparts = supplier(&store, "TechParts Inc", "orders@techparts.example").await;
    let mouse = product(
        &store,
        P {
            sku: "P123",
            stock: 50,
            level: 30,
            reorder: 60,
            pack: None,
        },
        Some(techparts),
    )
    .await;

    let placed = orders::place(&store, &staff(), &buyer, &line(mouse, 25.0), "")
        .await
        .unwrap();

    assert_eq!(stock(&store, mouse).await, 25, "50 - 25");
    let reqs = requests_for(&store, mouse).await;
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        (r.quantity, r.stock_at_trigger, r.status),
        (60, 25, RequestStatus::Open)
    );
    assert!(r.new && !r.cannot_notify);
    assert_eq!(placed.raised, vec![r.number.clone()]);
    let mail = outbox(&store).await;
    let supplier_mail = mail
        .iter()
        .find(|(k, _, _)| k == "procurement_request")
        .expect("the supplier's request is queued");
    assert!(supplier_mail.1.contains("orders@techparts.example"));
    let body = &supplier_mail.2;
    for want in [
        "Dear TechParts Inc",
        &format!("Procurement ID: {}", r.number),
        "Product: Wireless Mouse (ID: P123)",
        "Quantity Requested: 60 units",
        "Current Stock: 25 units (Low Stock Alert)",
    ] {
        assert!(body.contains(want), "{want:?} not in:\n{body}");
    }
    let alert = mail
        .iter()
        .find(|(k, _, _)| k == "low_stock_alert")
        .expect("internal alert");
    assert!(
        alert.1.contains("pat@example.com"),
        "the procurement role hears of it"
    );
    let confirmation = mail
        .iter()
        .find(|(k, _, _)| k == "order_confirmation")
        .expect("confirmation");
    assert!(confirmation.1.contains("buyer@northwind.example"));
    assert!(
        confirmation.2.contains("P123") && confirmation.2.contains("624.75"),
        "25 × 24.99:\n{}",
        confirmation.2
    );

    // A second order while the request is open raises nothing new.
    orders::place(&store, &staff(), &buyer, &line(mouse, 5.0), "")
        .await
        .unwrap();
    assert_eq!(stock(&store, mouse).await, 20);
    assert_eq!(
        requests_for(&store, mouse).await.len(),
        1,
        "never a second request while one is open"
    );
    assert_eq!(
        outbox(&store)
            .await
            .iter()
            .filter(|(k, _, _)| k == "procurement_request")
            .count(),
        1
    );

    // The trail says who raised it and why.
    let d = procurement::request_detail(&store, r.id, 0).await.unwrap();
    assert_eq!(d.trail.len(), 1);
    assert_eq!(d.trail[0].action, "procurement.raise");
    assert!(
        d.trail[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("stock 25 at or below level 30")
    );
    assert_eq!(
        d.mails.len(),
        2,
        "supplier request and internal alert, with their outbox status"
    );
    assert!(d.mails.iter().all(|m| m.status == "queued"));
});

on_both_backends!(quantity_rules, |store: Store| async move {
    people(&store).await;
    // Shortfall larger than the reorder quantity, rounded up to the pack.
    assert_eq!(procurement::reorder_amount(25, 0, 30, 60, None), 60);
    assert_eq!(procurement::reorder_amount(0, 0, 100, 20, None), 100);
    assert_eq!(procurement::reorder_amount(0, 0, 100, 20, Some(24)), 120);
    assert_eq!(procurement::reorder_amount(25, 0, 30, 60, Some(25)), 75);
    let buyer = customer(&store, "b@example.com", "C1").await;
    let s = supplier(&store, "Cartons Ltd", "c@cartons.example").await;
    let carton = product(
        &store,
        P {
            sku: "K1",
            stock: 110,
            level: 100,
            reorder: 20,
            pack: Some(24),
        },
        Some(s),
    )
    .await;
    orders::place(&store, &staff(), &buyer, &line(carton, 110.0), "")
        .await
        .unwrap();
    let r = &requests_for(&store, carton).await[0];
    assert_eq!(
        r.quantity, 120,
        "shortfall 100 > reorder 20, up to a pack of 24"
    );
    // Above the level: nothing.
    let calm = product(
        &store,
        P {
            sku: "K2",
            stock: 100,
            level: 10,
            reorder: 20,
            pack: None,
        },
        Some(s),
    )
    .await;
    orders::place(&store, &staff(), &buyer, &line(calm, 50.0), "")
        .await
        .unwrap();
    assert!(requests_for(&store, calm).await.is_empty());
});

on_both_backends!(bad_input_changes_nothing, |store: Store| async move {
    people(&store).await;
    let buyer = customer(&store, "b@example.com", "C1").await;
    let s = supplier(&store, "S", "s@s.example").await;
    let p = product(
        &store,
        P {
            sku: "A1",
            stock: 10,
            level: 2,
            reorder: 5,
            pack: None,
        },
        Some(s),
    )
    .await;
    let gone = product(
        &store,
        P {
            sku: "A2",
            stock: 10,
            level: 2,
            reorder: 5,
            pack: None,
        },
        Some(s),
    )
    .await;
    let mut e = ProductEdit {
        id: Some(gone),
        version: Some(1),
        sku: "A2".into(),
        name: "Old".into(),
        unit_price: "1".into(),
        stock: 10,
        active: false,
        ..Default::default()
    };
    procurement::save_product(&store, &staff(), &e)
        .await
        .unwrap();
    let cases: Vec<(Vec<NewOrderLine>, &str, &str)> = vec![
        (line(p, 0.0), "quantity", "at least 1"),
        (line(p, -3.0), "quantity", "at least 1"),
        (line(p, 2.5), "quantity", "whole number"),
        (line(p, 1e12), "quantity", "at most"),
        (
            line(p, 11.0),
            "quantity",
            "Only 10 of Product A1 (A1) in stock; 11 asked",
        ),
        (line(9999, 1.0), "quantity", "no product 9999"),
        (line(gone, 1.0), "quantity", "no longer sold"),
        (vec![], "lines", "at least one product"),
        // A good line does not go through when another in the order is refused.
        (
            vec![
                NewOrderLine {
                    product_id: p,
                    quantity: 3.0,
                },
                NewOrderLine {
                    product_id: gone,
                    quantity: 1.0,
                },
            ],
            "quantity",
            "no longer sold",
        ),
    ];
    for (lines, field, text) in cases {
        match orders::place(&store, &staff(), &buyer, &lines, "").await {
            Err(CoreError::Validation { field: f, message }) => {
                assert_eq!(f, field, "{message}");
                assert!(message.contains(text), "{message:?} should say {text:?}");
            }
            other => panic!("{lines:?}: expected a validation error, got {other:?}"),
        }
    }
    assert_eq!(stock(&store, p).await, 10, "nothing half applied");
    assert_eq!(count(&store, "orders").await, 0);
    assert_eq!(count(&store, "order_lines").await, 0);
    assert_eq!(count(&store, "mail_outbox").await, 0);
    // An unlinked customer account, or a staff account, cannot be ordered for.
    let mut unlinked = buyer.clone();
    unlinked.erp_customer_code = None;
    assert!(matches!(
        orders::place(&store, &staff(), &unlinked, &line(p, 1.0), "").await,
        Err(CoreError::Validation {
            field: "customer_id",
            ..
        })
    ));
    // A price with text in it names the field.
    e.id = Some(p);
    e.unit_price = "12,5x".into();
    match procurement::save_product(&store, &staff(), &e).await {
        Err(CoreError::Validation { field, message }) => {
            assert_eq!(field, "unit_price");
            assert!(message.contains("12,5x"));
        }
        other => panic!("{other:?}"),
    }
});

// On SQLite an order that leaves every line above its level takes a shorter path than one
// that reaches a level (see `orders::place`): both must leave the same record.
on_both_backends!(
    every_order_leaves_the_same_record,
    |store: Store| async move {
        people(&store).await;
        let buyer = customer(&store, "b@example.com", "C7").await;
        let s = supplier(&store, "S", "s@s.example").await;
        let p = product(
            &store,
            P {
                sku: "R1",
                stock: 20,
                level: 10,
                reorder: 5,
                pack: None,
            },
            Some(s),
        )
        .await;
        let quiet = orders::place(&store, &staff(), &buyer, &line(p, 4.0), "ring first")
            .await
            .unwrap();
        let reaching = orders::place(&store, &staff(), &buyer, &line(p, 6.0), "ring first")
            .await
            .unwrap();
        // Below the level with its request open: nothing more to raise (the short path again).
        let below = orders::place(&store, &staff(), &buyer, &line(p, 1.0), "ring first")
            .await
            .unwrap();
        assert!(quiet.raised.is_empty());
        assert_eq!(
            reaching.raised.len(),
            1,
            "20 - 4 - 6 = 10 reaches the level"
        );
        assert!(below.raised.is_empty(), "one request is open already");
        assert_eq!(requests_for(&store, p).await.len(), 1);
        assert_eq!(stock(&store, p).await, 9);
        for (placed, units) in [(&quiet, 4i64), (&reaching, 6), (&below, 1)] {
            let o = sqlx::query(
            "SELECT customer_id, customer_name, erp_customer_code, placed_by, status, total, note \
             FROM orders WHERE id = $1",
        )
        .bind(placed.order_id)
        .fetch_one(store.pool())
        .await
        .unwrap();
            assert_eq!(o.get::<i64, _>("customer_id"), buyer.id);
            assert_eq!(o.get::<String, _>("customer_name"), "Customer C7");
            assert_eq!(o.get::<String, _>("erp_customer_code"), "C7");
            assert_eq!(o.get::<i64, _>("placed_by"), 1);
            assert_eq!(o.get::<String, _>("status"), "placed");
            assert_eq!(o.get::<i64, _>("total"), 2499 * units);
            assert_eq!(o.get::<String, _>("note"), "ring first");
            let (line_no, sku, q, total): (i64, String, i64, i64) = sqlx::query_as(
                "SELECT line_no, sku, quantity, line_total FROM order_lines WHERE order_id = $1",
            )
            .bind(placed.order_id)
            .fetch_one(store.pool())
            .await
            .unwrap();
            assert_eq!(
                (line_no, sku.as_str(), q, total),
                (1, "R1", units, 2499 * units)
            );
            let (recipients, body): (String, String) = sqlx::query_as(
                "SELECT recipients, body_text FROM mail_outbox WHERE idempotency_key = $1",
            )
            .bind(format!("order-confirmation:{}", placed.order_id))
            .fetch_one(store.pool())
            .await
            .unwrap();
            assert!(recipients.contains("b@example.com"));
            assert!(
                body.contains(&format!("{}.{:02}", 2499 * units / 100, 2499 * units % 100)),
                "{body}"
            );
            let (actor, detail): (String, String) = sqlx::query_as(
            "SELECT actor, detail FROM audit_log WHERE action = 'order.place' AND target_id = $1",
        )
        .bind(placed.order_id.to_string())
        .fetch_one(store.pool())
        .await
        .unwrap();
            assert_eq!(actor, "wendy@example.com");
            assert!(detail.contains("1 line(s)"), "{detail}");
        }
    }
);

// The order path's SQLite writer never checkpoints inside a commit (docs/PERFORMANCE.md):
// its own thread must still carry the orders into the store's main file soon after, or the
// WAL would grow without end and a copy of the .db file alone would miss them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_reach_the_main_file_soon_after() {
    let (store, dir) = common::sqlite_store().await;
    people(&store).await;
    let buyer = customer(&store, "b@example.com", "C7").await;
    let p = product(
        &store,
        P {
            sku: "W1",
            stock: 100_000,
            level: 10,
            reorder: 5,
            pack: None,
        },
        None,
    )
    .await;
    for _ in 0..300 {
        orders::place(&store, &staff(), &buyer, &line(p, 1.0), "")
            .await
            .unwrap();
    }
    let main_file_orders = || {
        // The main file alone, as a copy without its -wal beside it.
        let copy = dir.path().join("copy.db");
        std::fs::copy(dir.path().join("portal.db"), &copy).unwrap();
        let c = rusqlite::Connection::open(&copy).unwrap();
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0))
            .unwrap_or(0);
        drop(c);
        std::fs::remove_file(&copy).unwrap();
        n
    };
    let t = std::time::Instant::now();
    while main_file_orders() < 300 {
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "the orders are still only in the WAL after 5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

on_both_backends!(sixteen_writers_never_oversell, |store: Store| async move {
    people(&store).await;
    let buyer = customer(&store, "b@example.com", "C1").await;
    let s = supplier(&store, "S", "s@s.example").await;
    let p = product(
        &store,
        P {
            sku: "LAST",
            stock: 10,
            level: 4,
            reorder: 20,
            pack: None,
        },
        Some(s),
    )
    .await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (store, buyer) = (store.clone(), buyer.clone());
        tasks.push(tokio::spawn(async move {
            orders::place(&store, &staff(), &buyer, &line(p, 1.0), "").await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(CoreError::Validation {
                field: "quantity",
                message,
            }) => {
                assert!(message.contains("in stock"), "{message}")
            }
            Err(e) => panic!("a writer failed otherwise: {e:?}"),
        }
    }
    assert_eq!(ok, 10, "exactly the ten units were sold");
    assert_eq!(stock(&store, p).await, 0);
    assert_eq!(count(&store, "orders").await, 10);
    let reqs = requests_for(&store, p).await;
    assert_eq!(reqs.len(), 1, "exactly one procurement request");
    assert_eq!(
        reqs[0].stock_at_trigger, 4,
        "raised by the order that reached the level"
    );
});

on_both_backends!(approve_once_receive_and_trail, |store: Store| async move {
    let People { pat, ada } = people(&store).await;
    let buyer = customer(&store, "b@example.com", "C1").await;
    let s = supplier(&store, "TechParts Inc", "orders@techparts.example").await;
    let p = product(
        &store,
        P {
            sku: "P123",
            stock: 50,
            level: 30,
            reorder: 60,
            pack: None,
        },
        Some(s),
    )
    .await;
    orders::place(&store, &staff(), &buyer, &line(p, 25.0), "")
        .await
        .unwrap();
    let id = requests_for(&store, p).await[0].id;

    // Two approvers at once: one purchase order.
    let (a, b) = tokio::join!(
        procurement::approve(&store, &pat, Role::Procurement, 0, id, None, "ok"),
        procurement::approve(&store, &ada, Role::Admin, 0, id, Some(70), "")
    );
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} / {b:?}");
    let loser = if a.is_err() { a } else { b };
    match loser {
        Err(CoreError::Conflict { message, .. }) => {
            assert!(message.contains("already ordered"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&store, "purchase_orders").await, 1);
    let d = procurement::request_detail(&store, id, 0).await.unwrap();
    assert_eq!(d.request.status, RequestStatus::Ordered);
    let po = d.request.po_number.clone().expect("a PO number");
    let (po_mail,): (String,) =
        sqlx::query_as("SELECT body_text FROM mail_outbox WHERE kind = 'purchase_order'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(po_mail.contains(&po));
    let (att,): (String,) = sqlx::query_as("SELECT a.filename FROM mail_attachments a JOIN mail_outbox m ON m.id = a.message_id WHERE m.kind = 'purchase_order'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(att, format!("{po}.xlsx"));

    // Approving again, or rejecting an ordered one, is refused and changes nothing.
    assert!(matches!(
        procurement::approve(&store, &pat, Role::Procurement, 0, id, None, "").await,
        Err(CoreError::Conflict { .. })
    ));
    assert!(matches!(
        procurement::close(&store, &pat, id, "no", false).await,
        Err(CoreError::Conflict { .. })
    ));

    // Receive in part, then too much, then the rest.
    let ordered = d.request.quantity;
    procurement::receive(&store, &pat, id, 20).await.unwrap();
    assert_eq!(stock(&store, p).await, 45);
    match procurement::receive(&store, &pat, id, ordered).await {
        Err(CoreError::Validation {
            field: "quantity",
            message,
        }) => {
            assert!(
                message.contains(&format!("Only {} of {ordered} remain", ordered - 20)),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(stock(&store, p).await, 45, "a refused receipt adds nothing");
    procurement::receive(&store, &pat, id, ordered - 20)
        .await
        .unwrap();
    assert_eq!(stock(&store, p).await, 25 + ordered);
    let d = procurement::request_detail(&store, id, 0).await.unwrap();
    assert_eq!(d.request.status, RequestStatus::Received);
    let actions: Vec<&str> = d.trail.iter().map(|t| t.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "procurement.raise",
            "procurement.approve",
            "procurement.receive",
            "procurement.receive"
        ]
    );
    assert!(
        d.trail[3]
            .detail
            .as_deref()
            .unwrap()
            .contains("ordered → received")
    );

    // Now received, a new drop below the level raises a new request.
    let s_now = stock(&store, p).await;
    orders::place(&store, &staff(), &buyer, &line(p, (s_now - 10) as f64), "")
        .await
        .unwrap();
    assert_eq!(requests_for(&store, p).await.len(), 2);
});

on_both_backends!(
    limit_reject_cancel_and_no_email,
    |store: Store| async move {
        let People { pat, .. } = people(&store).await;
        let buyer = customer(&store, "b@example.com", "C1").await;
        let silent = supplier(&store, "PackRight Ltd", "").await;
        let p = product(
            &store,
            P {
                sku: "K9",
                stock: 5,
                level: 5,
                reorder: 100,
                pack: None,
            },
            Some(silent),
        )
        .await;
        orders::place(&store, &staff(), &buyer, &line(p, 1.0), "")
            .await
            .unwrap();
        let r = &requests_for(&store, p).await[0];
        assert!(r.cannot_notify, "flagged, not silently dropped");
        assert!(
            outbox(&store)
                .await
                .iter()
                .all(|(k, _, _)| k != "procurement_request")
        );
        // 100 × 24.99 = 2499.00 > a 1000.00 limit: procurement may not approve, an admin may.
        assert!(matches!(
            procurement::approve(&store, &pat, Role::Procurement, 100_000, r.id, None, "").await,
            Err(CoreError::Forbidden)
        ));
        assert_eq!(count(&store, "purchase_orders").await, 0);
        // Reject needs a reason; then it is closed and a new request may follow.
        assert!(matches!(
            procurement::close(&store, &pat, r.id, " ", false).await,
            Err(CoreError::Validation {
                field: "reason",
                ..
            })
        ));
        procurement::close(&store, &pat, r.id, "discontinued", false)
            .await
            .unwrap();
        let d = procurement::request_detail(&store, r.id, 0).await.unwrap();
        assert_eq!(
            (d.request.status, d.reason.as_deref()),
            (RequestStatus::Rejected, Some("discontinued"))
        );
        assert!(matches!(
            procurement::approve(&store, &pat, Role::Admin, 0, r.id, None, "").await,
            Err(CoreError::Conflict { .. })
        ));
    }
);

on_both_backends!(
    order_status_and_cancel_returns_stock,
    |store: Store| async move {
        people(&store).await;
        let buyer = customer(&store, "b@example.com", "C1").await;
        let other = customer(&store, "o@example.com", "C2").await;
        let p = product(
            &store,
            P {
                sku: "X1",
                stock: 10,
                level: 0,
                reorder: 0,
                pack: None,
            },
            None,
        )
        .await;
        let o = orders::place(&store, &staff(), &buyer, &line(p, 4.0), "call first")
            .await
            .unwrap()
            .order_id;
        orders::place(&store, &staff(), &other, &line(p, 1.0), "")
            .await
            .unwrap();
        let step = |from, to| AdvanceOrder { id: o, from, to };
        // Skipping a step, or a stale step, is refused.
        assert!(
            orders::advance(
                &store,
                &staff(),
                &step(OrderStatus::Placed, OrderStatus::Shipped)
            )
            .await
            .is_err()
        );
        orders::advance(
            &store,
            &staff(),
            &step(OrderStatus::Placed, OrderStatus::Confirmed),
        )
        .await
        .unwrap();
        assert!(matches!(
            orders::advance(
                &store,
                &staff(),
                &step(OrderStatus::Placed, OrderStatus::Confirmed)
            )
            .await,
            Err(CoreError::Conflict { .. })
        ));
        orders::advance(
            &store,
            &staff(),
            &step(OrderStatus::Confirmed, OrderStatus::Cancelled),
        )
        .await
        .unwrap();
        assert_eq!(
            stock(&store, p).await,
            9,
            "the cancelled order's 4 returned"
        );
        let d = orders::detail(&store, o).await.unwrap();
        assert_eq!(d.order.status, OrderStatus::Cancelled);
        assert_eq!(d.note.as_deref(), Some("call first"));
        // Filters: by customer and status.
        let mine = orders::list(
            &store,
            &OrderQuery {
                customer_id: Some(buyer.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(mine.total, 1);
        let placed = orders::list(
            &store,
            &OrderQuery {
                status: Some(OrderStatus::Placed),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            placed
                .rows
                .iter()
                .map(|r| r.customer_id)
                .collect::<Vec<_>>(),
            [other.id]
        );
        // Shipped orders cannot be cancelled.
        let o2 = orders::place(&store, &staff(), &buyer, &line(p, 1.0), "")
            .await
            .unwrap()
            .order_id;
        for (from, to) in [
            (OrderStatus::Placed, OrderStatus::Confirmed),
            (OrderStatus::Confirmed, OrderStatus::Picking),
            (OrderStatus::Picking, OrderStatus::Shipped),
        ] {
            orders::advance(&store, &staff(), &AdvanceOrder { id: o2, from, to })
                .await
                .unwrap();
        }
        assert!(matches!(
            orders::advance(
                &store,
                &staff(),
                &AdvanceOrder {
                    id: o2,
                    from: OrderStatus::Shipped,
                    to: OrderStatus::Cancelled
                }
            )
            .await,
            Err(CoreError::Validation { field: "to", .. })
        ));
    }
);

on_both_backends!(
    catalogue_import_reports_every_bad_cell,
    |store: Store| async move {
        people(&store).await;
        supplier(&store, "TechParts Inc", "orders@techparts.example").await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalogue.xlsx");
        enum C {
            T(&'static str),
            N(f64),
        }
        use C::{N, T};
        let rows: Vec<Vec<C>> = vec![
            vec![
                T("P1"),
                T("Mouse"),
                T(""),
                T(""),
                N(24.99),
                N(50.0),
                N(30.0),
                N(60.0),
                T(""),
                T("TechParts Inc"),
            ],
            vec![
                T("P2"),
                T("Pad"),
                T(""),
                T(""),
                T("twelve"),
                N(-4.0),
                N(1.0),
                N(1.0),
                T(""),
                T("Nobody Ltd"),
            ],
            vec![
                T("P1"),
                T("Again"),
                T(""),
                T(""),
                N(1.0),
                N(1.0),
                N(0.0),
                N(0.0),
                T(""),
                T(""),
            ],
        ];
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in procurement::xlsx::COLUMNS.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    T("") => {}
                    T(t) => {
                        ws.write_string(r as u32 + 1, c as u16, *t).unwrap();
                    }
                    N(n) => {
                        ws.write_number(r as u32 + 1, c as u16, *n).unwrap();
                    }
                }
            }
        }
        wb.save(&path).unwrap();
        let r = procurement::xlsx::import(
            &store,
            &staff(),
            &path,
            portdesk_types::accounts::ImportMode::AllOrNothing,
        )
        .await
        .unwrap();
        let got: Vec<(u32, &str)> = r
            .issues
            .iter()
            .map(|i| (i.row, i.column.as_str()))
            .collect();
        assert_eq!(
            got,
            [(3, "Unit price"), (3, "Stock"), (3, "Supplier"), (4, "SKU")],
            "{:#?}",
            r.issues
        );
        assert_eq!(r.created, 0);
        assert_eq!(count(&store, "products").await, 0, "nothing applied");
        let r = procurement::xlsx::import(
            &store,
            &staff(),
            &path,
            portdesk_types::accounts::ImportMode::ValidRowsOnly,
        )
        .await
        .unwrap();
        assert_eq!(r.created, 1);
        let p = procurement::list_products(&store, &ProductQuery::default())
            .await
            .unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(
            (
                p.rows[0].unit_price,
                p.rows[0].stock,
                p.rows[0].supplier.as_deref()
            ),
            (2499, 50, Some("TechParts Inc"))
        );
        // A picture renamed .xlsx is refused by name, and nothing changes.
        let fake = dir.path().join("photo.xlsx");
        std::fs::write(&fake, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
        let e = procurement::xlsx::import(
            &store,
            &staff(),
            &fake,
            portdesk_types::accounts::ImportMode::AllOrNothing,
        )
        .await
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("photo.xlsx: this is not an .xlsx workbook"),
            "{e}"
        );
        assert_eq!(count(&store, "products").await, 1);
        // Export and import back: the same product, updated in place.
        let out = dir.path().join("out.xlsx");
        assert_eq!(
            procurement::xlsx::export(&store, &ProductQuery::default(), &out)
                .await
                .unwrap(),
            1
        );
        let r = procurement::xlsx::import(
            &store,
            &staff(),
            &out,
            portdesk_types::accounts::ImportMode::AllOrNothing,
        )
        .await
        .unwrap();
        assert!(r.issues.is_empty(), "{:?}", r.issues);
        assert_eq!(count(&store, "products").await, 1);
    }
);

// ---- through the dispatch, as the windows call it --------------------------------------

use common::harness::{GOOD, Harness};
use portdesk_types::ErrorKind;
use portdesk_types::api::{
    AdvanceOrderStatus, ApproveProcurement, GetOrder, GetRequest, ListOrders, ListProducts,
    ListRequests, OrderCustomers, OrderProducts, PlaceOrder,
};
use portdesk_types::orders::{NewOrder, OrderRef};

async fn account(h: &Harness, email: &str, role: Role, code: Option<&str>) -> i64 {
    let store = h.app.store().await.unwrap();
    let new = NewUser {
        name: email.into(),
        email: email.into(),
        role,
        erp_customer: code.map(|c| format!("Customer {c}")),
        erp_customer_code: code.map(str::to_owned),
        password: Secret::new(GOOD),
        must_change_password: false,
    };
    accounts::create(&store, &Actor::system("test"), new)
        .await
        .unwrap()
        .id
}

async fn demo_product(h: &Harness, sku: &str) -> Product {
    h.call::<OrderProducts>(ProductQuery {
        search: sku.into(),
        ..Default::default()
    })
    .await
    .unwrap()
    .rows
    .into_iter()
    .find(|p| p.sku == sku)
    .unwrap()
}

async fn customers_reach_only_their_own_orders(h: Harness) {
    h.first_admin().await;
    let a = account(&h, "a@example.com", Role::Customer, Some("C10000")).await;
    let b = account(&h, "b@example.com", Role::Customer, Some("C10001")).await;
    account(&h, "wendy@example.com", Role::Warehouse, None).await;
    account(&h, "pat@example.com", Role::Procurement, None).await;

    // Staff place an order for B from the demo catalogue (seed 000's mouse).
    h.sign_in_as("wendy@example.com").await;
    let picks = h.call::<OrderCustomers>(()).await.unwrap();
    assert!(
        picks
            .iter()
            .any(|c| c.id == b && c.erp_customer == "Customer C10001")
    );
    let mouse = demo_product(&h, "P123").await;
    assert_eq!(
        (mouse.stock, mouse.reorder_level, mouse.reorder_quantity),
        (50, 30, 60)
    );
    let order = h
        .call::<PlaceOrder>(NewOrder {
            customer_id: b,
            lines: line(mouse.id, 25.0),
            note: String::new(),
            key: None,
        })
        .await
        .unwrap();
    assert_eq!(
        order.raised.len(),
        1,
        "the worked example through the window's command"
    );
    // Warehouse staff cannot approve procurement.
    let e = h
        .call::<ListRequests>(RequestQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);

    // Customer A: never B's orders, whatever id is sent; B's ids are answered as unknown
    // (the router's ownership check), so A cannot even tell they exist.
    h.sign_in_as("a@example.com").await;
    let e = h
        .call::<ListOrders>(OrderQuery {
            customer_id: Some(b),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = h
        .call::<GetOrder>(OrderRef { id: order.order.id })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(e.message, format!("There is no order {}.", order.order.id));
    let e = h
        .call::<PlaceOrder>(NewOrder {
            customer_id: b,
            lines: line(mouse.id, 1.0),
            note: String::new(),
            key: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = h
        .call::<AdvanceOrderStatus>(AdvanceOrder {
            id: order.order.id,
            from: OrderStatus::Placed,
            to: OrderStatus::Cancelled,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert_eq!(
        h.call::<ListOrders>(OrderQuery::default())
            .await
            .unwrap()
            .total,
        0,
        "A has none"
    );
    for e in [
        h.call::<ListProducts>(ProductQuery::default())
            .await
            .unwrap_err(),
        h.call::<OrderCustomers>(()).await.unwrap_err(),
    ] {
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }
    // A orders for themselves; B sees only B's.
    h.call::<PlaceOrder>(NewOrder {
        customer_id: a,
        lines: line(mouse.id, 1.0),
        note: String::new(),
        key: None,
    })
    .await
    .unwrap();
    h.sign_in_as("b@example.com").await;
    let mine = h.call::<ListOrders>(OrderQuery::default()).await.unwrap();
    assert_eq!(
        mine.rows.iter().map(|r| r.customer_id).collect::<Vec<_>>(),
        [b]
    );
    assert_eq!(
        h.call::<GetOrder>(OrderRef { id: order.order.id })
            .await
            .unwrap()
            .order
            .customer_id,
        b
    );
    // A customer sees customer things: the order without staff names or procurement
    // numbers, the catalogue without suppliers, levels or quantities on order.
    let seen = h
        .call::<GetOrder>(OrderRef { id: order.order.id })
        .await
        .unwrap();
    assert!(seen.raised.is_empty(), "{:?}", seen.raised);
    assert_eq!(seen.placed_by, "Our team");
    let p = demo_product(&h, "P123").await;
    assert_eq!(
        (
            p.supplier.as_deref(),
            p.supplier_id,
            p.reorder_level,
            p.reorder_quantity,
            p.on_order
        ),
        (None, None, 0, 0, 0)
    );
    assert_eq!((p.stock, p.unit_price), (24, mouse.unit_price));

    // Procurement sees the request with its badge, opens it (the badge clears), approves.
    h.sign_in_as("pat@example.com").await;
    let page = h
        .call::<ListRequests>(RequestQuery::default())
        .await
        .unwrap();
    assert_eq!(page.new_count, 1);
    let id = page.rows[0].id;
    h.call::<GetRequest>(RequestRef { id }).await.unwrap();
    assert_eq!(
        h.call::<ListRequests>(RequestQuery::default())
            .await
            .unwrap()
            .new_count,
        0
    );
    let d = h
        .call::<ApproveProcurement>(ApproveRequest {
            id,
            quantity: None,
            note: "ok".into(),
        })
        .await
        .unwrap();
    assert_eq!(d.request.status, RequestStatus::Ordered);
    assert!(d.mails.iter().any(|m| m.kind == "purchase_order"));
}
on_both_stores!(window_commands, customers_reach_only_their_own_orders);

// No lost update: procurement opens a product (stock 10), a customer buys all 10, procurement
// saves a price change from the form it opened: the price changes and the stock stays 0.
// A second form opened before that save is refused, naming what changed, and writes nothing.
on_both_backends!(
    a_product_form_never_restores_sold_stock,
    |store: Store| async move {
        let People { pat, ada } = people(&store).await;
        let buyer = customer(&store, "b@example.com", "C7").await;
        let p = product(
            &store,
            P {
                sku: "A1",
                stock: 10,
                level: 0,
                reorder: 0,
                pack: None,
            },
            None,
        )
        .await;
        let opened = procurement::product_by_id(&store, p)
            .await
            .unwrap()
            .unwrap();
        let form = |price: &str, name: &str| ProductEdit {
            id: Some(p),
            version: Some(opened.version),
            sku: opened.sku.clone(),
            name: name.into(),
            description: opened.description.clone(),
            category: opened.category.clone(),
            unit_price: price.into(),
            stock: opened.stock,
            reorder_level: opened.reorder_level,
            reorder_quantity: opened.reorder_quantity,
            pack_size: opened.pack_size,
            supplier_id: opened.supplier_id,
            active: true,
        };
        orders::place(&store, &staff(), &buyer, &line(p, 10.0), "")
            .await
            .unwrap();
        assert_eq!(stock(&store, p).await, 0);
        let saved = procurement::save_product(&store, &pat, &form("19.99", &opened.name))
            .await
            .unwrap();
        assert_eq!(
            (saved.unit_price, saved.stock),
            (1999, 0),
            "sold stock stays sold"
        );
        assert_eq!(saved.version, opened.version + 1);

        // Ada's form was opened at the same version: her save comes after Pat's and is refused.
        let e = procurement::save_product(&store, &ada, &form("24.99", "Renamed"))
            .await
            .unwrap_err();
        let CoreError::Stale(message) = &e else {
            panic!("expected a stale refusal, got {e:?}")
        };
        assert!(message.contains("pat@example.com"), "{message}");
        assert!(message.contains("price is now 19.99"), "{message}");
        assert!(message.contains("Nothing was saved"), "{message}");
        let now = procurement::product_by_id(&store, p)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (now.name.as_str(), now.unit_price, now.stock),
            ("Product A1", 1999, 0)
        );
        // Every price change is in the audit log with before and after.
        let (detail,): (String,) = sqlx::query_as(
            "SELECT detail FROM audit_log WHERE action = 'product.update' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert!(detail.contains("price 24.99 → 19.99"), "{detail}");
        // A change that names no version is refused by name.
        let mut blind = form("1.00", "x");
        blind.version = None;
        assert!(matches!(
            procurement::save_product(&store, &pat, &blind).await,
            Err(CoreError::Validation {
                field: "version",
                ..
            })
        ));
    }
);

// Stock moves by hand only through an adjustment with a reason, relative to what is stored,
// never below zero, audited; a count down to the reorder level raises the request.
on_both_backends!(
    stock_adjustments_are_relative_and_audited,
    |store: Store| async move {
        let People { pat, .. } = people(&store).await;
        let s = supplier(&store, "S", "s@s.example").await;
        let p = product(
            &store,
            P {
                sku: "A1",
                stock: 50,
                level: 30,
                reorder: 60,
                pack: None,
            },
            Some(s),
        )
        .await;
        let adjust = |change: i64, reason: &str| StockAdjustment {
            product_id: p,
            change,
            reason: reason.into(),
        };
        let up = procurement::adjust_stock(&store, &pat, &adjust(5, "stock take"))
            .await
            .unwrap();
        assert_eq!(up.stock, 55);
        for (a, field) in [
            (adjust(0, "x"), "change"),
            (adjust(-3, "  "), "reason"),
            (adjust(-56, "damaged"), "change"),
        ] {
            match procurement::adjust_stock(&store, &pat, &a).await {
                Err(CoreError::Validation { field: f, message }) => {
                    assert_eq!(f, field, "{message}")
                }
                other => panic!("{a:?}: {other:?}"),
            }
        }
        assert_eq!(stock(&store, p).await, 55, "refusals change nothing");
        let down = procurement::adjust_stock(&store, &pat, &adjust(-30, "pallet dropped"))
            .await
            .unwrap();
        assert_eq!(down.stock, 25);
        assert_eq!(
            requests_for(&store, p).await.len(),
            1,
            "the level was reached"
        );
        let trail: Vec<(String,)> = sqlx::query_as(
            "SELECT detail FROM audit_log WHERE action = 'stock.adjust' ORDER BY id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(trail.len(), 2);
        assert!(
            trail[1].0.contains("stock 55 → 25 (-30): pallet dropped"),
            "{trail:?}"
        );
    }
);

// The approval limit cannot be walked around: a request is valued at the larger of the price
// when it was raised and the price now, so dropping the price before approving changes nothing.
on_both_backends!(
    the_approval_limit_uses_the_frozen_price,
    |store: Store| async move {
        let People { pat, .. } = people(&store).await;
        let buyer = customer(&store, "b@example.com", "C7").await;
        let s = supplier(&store, "S", "s@s.example").await;
        let p = product(
            &store,
            P {
                sku: "A1",
                stock: 50,
                level: 30,
                reorder: 100,
                pack: None,
            },
            Some(s),
        )
        .await;
        orders::place(&store, &staff(), &buyer, &line(p, 25.0), "")
            .await
            .unwrap();
        let r = requests_for(&store, p).await.remove(0);
        // 100 × 24.99 = 2499.00 against a 1000.00 limit. Pat drops the price to 0.01 ...
        let opened = procurement::product_by_id(&store, p)
            .await
            .unwrap()
            .unwrap();
        procurement::save_product(
            &store,
            &pat,
            &ProductEdit {
                id: Some(p),
                version: Some(opened.version),
                sku: opened.sku.clone(),
                name: opened.name.clone(),
                unit_price: "0.01".into(),
                reorder_level: opened.reorder_level,
                reorder_quantity: opened.reorder_quantity,
                supplier_id: opened.supplier_id,
                active: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let detail = procurement::request_detail(&store, r.id, 100_000)
            .await
            .unwrap();
        assert_eq!((detail.unit_price, detail.unit_price_at_raise), (1, 2499));
        assert_eq!(detail.value, 249_900);
        assert!(detail.needs_admin);
        // ... and still may not approve.
        assert!(matches!(
            procurement::approve(&store, &pat, Role::Procurement, 100_000, r.id, None, "").await,
            Err(CoreError::Forbidden)
        ));
        assert_eq!(count(&store, "purchase_orders").await, 0);
    }
);

// Suppliers carry a version too: a stale supplier form is refused with what changed.
on_both_backends!(
    a_stale_supplier_save_is_refused,
    |store: Store| async move {
        let People { pat, ada } = people(&store).await;
        let s = supplier(&store, "S", "s@s.example").await;
        let read = procurement::list_suppliers(&store).await.unwrap().remove(0);
        let form = |email: &str| SupplierEdit {
            id: Some(s),
            version: Some(read.version),
            name: read.name.clone(),
            email: email.into(),
            phone: String::new(),
            lead_time_days: read.lead_time_days,
            active: true,
        };
        procurement::save_supplier(&store, &pat, &form("new@s.example"))
            .await
            .unwrap();
        let e = procurement::save_supplier(&store, &ada, &form("other@s.example"))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, CoreError::Stale(m) if m.contains("e-mail is now new@s.example")),
            "{e:?}"
        );
        let now = procurement::list_suppliers(&store).await.unwrap().remove(0);
        assert_eq!(now.email.as_deref(), Some("new@s.example"));
    }
);

// Ordering to the reorder level and cancelling mails no supplier: the request the order
// raised is withdrawn (stock above the level again) with its queued e-mails; a request still
// needed stays.
on_both_backends!(
    a_cancelled_order_withdraws_its_request,
    |store: Store| async move {
        people(&store).await;
        let buyer = customer(&store, "b@example.com", "C7").await;
        let s = supplier(&store, "S", "s@s.example").await;
        let p = product(
            &store,
            P {
                sku: "P123",
                stock: 50,
                level: 30,
                reorder: 60,
                pack: None,
            },
            Some(s),
        )
        .await;
        let placed = orders::place(&store, &staff(), &buyer, &line(p, 25.0), "")
            .await
            .unwrap();
        assert_eq!(placed.raised.len(), 1);
        orders::advance(
            &store,
            &staff(),
            &AdvanceOrder {
                id: placed.order_id,
                from: OrderStatus::Placed,
                to: OrderStatus::Cancelled,
            },
        )
        .await
        .unwrap();
        assert_eq!(stock(&store, p).await, 50);
        let r = &requests_for(&store, p).await[0];
        assert_eq!(r.status, RequestStatus::Cancelled);
        let statuses: Vec<(String, String)> =
            sqlx::query_as("SELECT kind, status FROM mail_outbox ORDER BY id")
                .fetch_all(store.pool())
                .await
                .unwrap();
        assert!(
            statuses
                .iter()
                .filter(|(k, _)| k == "procurement_request" || k == "low_stock_alert")
                .all(|(_, st)| st == "cancelled"),
            "{statuses:?}"
        );
        // A request still needed stays: the raising order is cancelled, but another order took
        // the stock meanwhile, and it is back only to its level.
        let big = orders::place(&store, &staff(), &buyer, &line(p, 25.0), "")
            .await
            .unwrap();
        let other = orders::place(&store, &staff(), &buyer, &line(p, 20.0), "")
            .await
            .unwrap();
        assert_eq!(big.raised.len(), 1);
        assert!(other.raised.is_empty(), "one request while one is open");
        orders::advance(
            &store,
            &staff(),
            &AdvanceOrder {
                id: big.order_id,
                from: OrderStatus::Placed,
                to: OrderStatus::Cancelled,
            },
        )
        .await
        .unwrap();
        assert_eq!(stock(&store, p).await, 30);
        let open: Vec<_> = requests_for(&store, p)
            .await
            .into_iter()
            .filter(|r| r.status == RequestStatus::Open)
            .collect();
        assert_eq!(open.len(), 1, "still needed: stock 30 at level 30");
    }
);

/// The same order form sent twice at once (a double click, a retry racing the first) places
/// one order and takes the stock once: the request key is unique per customer.
async fn one_order_per_request_key(h: Harness) {
    h.first_admin().await;
    let b = account(&h, "b@example.com", Role::Customer, Some("C10001")).await;
    let mouse = demo_product(&h, "P123").await;
    let req = NewOrder {
        customer_id: b,
        lines: line(mouse.id, 1.0),
        note: String::new(),
        key: Some("form-1".into()),
    };
    let (x, y) = tokio::join!(
        h.call::<PlaceOrder>(req.clone()),
        h.call::<PlaceOrder>(req.clone())
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.order.id, y.order.id);
    let store = h.app.store().await.unwrap();
    assert_eq!(count(&store, "orders").await, 1);
    assert_eq!(
        demo_product(&h, "P123").await.stock,
        mouse.stock - 1,
        "the stock taken once"
    );
    // Another form (another key) is another order.
    let other = h
        .call::<PlaceOrder>(NewOrder {
            key: Some("form-2".into()),
            ..req
        })
        .await
        .unwrap();
    assert_ne!(other.order.id, x.order.id);
}
on_both_stores!(one_order_per_request_key_on, one_order_per_request_key);
