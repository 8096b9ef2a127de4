//! Orders and **the order path**: the one function ([`place`]) that takes stock, stores the
//! order with its prices, raises procurement where stock ran low and queues the mail, in one
//! transaction. Staff call it from the Orders window today; the Shop's checkout calls it next.
//!
//! Owns `orders` and `order_lines`. Stock belongs to procurement's catalogue and is changed
//! only through `procurement::take_stock` / `return_stock`.

pub mod commands;

use crate::accounts::User;
use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::mail::templates::{self, Template};
use crate::procurement;
use crate::store::Store;
use portdesk_types::Role;
use portdesk_types::money::{Cents, money};
use portdesk_types::orders::*;
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::BTreeMap;

/// The most units a customer account may have on open orders (placed, confirmed, picking)
/// when it orders by itself: one account cannot take a warehouse's stock out of reach.
pub const MAX_OPEN_UNITS_PER_CUSTOMER: i64 = 100_000;

/// Refuses a customer's own order that would take their open orders past
/// [`MAX_OPEN_UNITS_PER_CUSTOMER`], naming the limit and what is open.
pub async fn check_open_units(store: &Store, customer_id: i64, adding: i64) -> Result<()> {
    let (open,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE o.customer_id = $1 AND o.status IN ('placed', 'confirmed', 'picking')",
    )
    .bind(customer_id)
    .fetch_one(store.pool())
    .await?;
    if open + adding > MAX_OPEN_UNITS_PER_CUSTOMER {
        return Err(CoreError::validation(
            "quantity",
            format!(
                "Your open orders hold {open} units; with these {adding} they would pass the {MAX_OPEN_UNITS_PER_CUSTOMER} units one account may have open. Wait for a delivery, or ask us to place the order."
            ),
        ));
    }
    Ok(())
}

pub fn order_number(id: i64) -> String {
    format!("ORD-{id:06}")
}

/// Most lines one order may have.
pub const MAX_LINES: usize = 200;

/// What [`place`] did.
#[derive(Debug, Clone)]
pub struct Placed {
    pub order_id: i64,
    /// Procurement requests raised (`PROC-…`).
    pub raised: Vec<String>,
    /// The lines' total at the prices the stock was taken at.
    pub total: Cents,
}

/// The delivery a Shop order carries into its confirmation e-mail.
#[derive(Debug, Clone)]
pub struct DeliveryNote {
    pub slot: String,
    pub address: String,
    pub charge: Cents,
}

/// Lines as asked, checked and merged by product (in product order, which is also the order
/// rows are locked in, so two orders never wait on each other in a circle).
fn check_lines(lines: &[NewOrderLine]) -> Result<BTreeMap<i64, i64>> {
    if lines.is_empty() {
        return Err(CoreError::validation("lines", "Add at least one product."));
    }
    if lines.len() > MAX_LINES {
        return Err(CoreError::validation(
            "lines",
            format!("An order has at most {MAX_LINES} lines."),
        ));
    }
    let mut merged = BTreeMap::new();
    for l in lines {
        let q = procurement::whole_units("quantity", l.quantity)?;
        let total: &mut i64 = merged.entry(l.product_id).or_default();
        *total += q;
        if *total > procurement::MAX_QUANTITY {
            return Err(CoreError::validation(
                "quantity",
                format!(
                    "The quantity must be at most {}.",
                    procurement::MAX_QUANTITY
                ),
            ));
        }
    }
    Ok(merged)
}

/// The order path. `customer` is the account the order is for (a linked, active customer);
/// `actor` who placed it. One transaction: the stock of every line is taken (or nothing is),
/// the order and its lines stored with today's prices, one procurement request raised per
/// product that reached its reorder level, and the customer's confirmation, the supplier's
/// request and the internal alert queued in the outbox. Call `wake_mail` after it returns.
/// Checks an order before anything is written.
fn prepare(
    actor: &Actor,
    customer: &User,
    lines: &[NewOrderLine],
    note: &str,
    delivery: Option<&DeliveryNote>,
) -> Result<Draft> {
    if customer.role != Role::Customer || !customer.active {
        return Err(CoreError::validation(
            "customer_id",
            "Orders are placed for an active customer account.",
        ));
    }
    let Some(code) = customer
        .erp_customer_code
        .clone()
        .filter(|_| customer.erp_link_problem.is_none())
    else {
        return Err(CoreError::validation(
            "customer_id",
            format!(
                "{} is not linked to an ERP customer yet; link it in the Customers window first.",
                customer.name
            ),
        ));
    };
    let merged = check_lines(lines)?;
    let note = note.trim();
    if note.len() > 2000 {
        return Err(CoreError::validation(
            "note",
            "The note is at most 2000 characters.",
        ));
    }
    Ok(Draft {
        customer_id: customer.id,
        customer_name: customer
            .erp_customer
            .clone()
            .unwrap_or_else(|| customer.name.clone()),
        code,
        email: customer.email.clone(),
        actor: actor.clone(),
        lines: merged,
        note: (!note.is_empty()).then(|| note.to_owned()),
        delivery: delivery.cloned(),
        now: crate::now_ms(),
        key: None,
    })
}

/// The order path in the caller's transaction (the Shop books a delivery slot in the same
/// one). Always the general path; the caller commits.
pub async fn place_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    customer: &User,
    lines: &[NewOrderLine],
    note: &str,
    delivery: &DeliveryNote,
) -> Result<Placed> {
    let draft = prepare(actor, customer, lines, note, Some(delivery))?;
    place_general(conn, &draft).await
}

pub async fn place(
    store: &Store,
    actor: &Actor,
    customer: &User,
    lines: &[NewOrderLine],
    note: &str,
) -> Result<Placed> {
    place_keyed(store, actor, customer, lines, note, None).await
}

/// The order already placed for `customer` under request key `key`, if any.
pub async fn by_request_key(store: &Store, customer_id: i64, key: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM orders WHERE customer_id = $1 AND request_key = $2")
            .bind(customer_id)
            .bind(key)
            .fetch_optional(store.pool())
            .await?,
    )
}

/// As [`place`], under the order form's request key: the same key again (a retry after a
/// lost answer, a double click, a failover that lost the acknowledgement) returns the order
/// placed the first time, which the unique `(customer_id, request_key)` keeps to one.
pub async fn place_keyed(
    store: &Store,
    actor: &Actor,
    customer: &User,
    lines: &[NewOrderLine],
    note: &str,
    key: Option<&str>,
) -> Result<Placed> {
    let key = key.map(str::trim).filter(|k| !k.is_empty());
    if let Some(k) = key {
        if k.chars().count() > 100 {
            return Err(CoreError::validation("key", "The request key is too long."));
        }
        if let Some(order_id) = by_request_key(store, customer.id, k).await? {
            return already(store, order_id).await;
        }
    }
    let placed = place_draft(store, actor, customer, lines, note, key).await;
    match (placed, key) {
        // The same request placed meanwhile (the unique key refused this one): that order.
        (Err(e), Some(k)) => match by_request_key(store, customer.id, k).await? {
            Some(order_id) => already(store, order_id).await,
            None => Err(e),
        },
        (placed, _) => placed,
    }
}

/// What a repeated request is answered with: the order as placed the first time.
async fn already(store: &Store, order_id: i64) -> Result<Placed> {
    let total: i64 = sqlx::query_scalar("SELECT total FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(store.pool())
        .await?;
    tracing::info!(order = %order_number(order_id), "the same order request again: the first order");
    Ok(Placed {
        order_id,
        raised: Vec::new(),
        total,
    })
}

async fn place_draft(
    store: &Store,
    actor: &Actor,
    customer: &User,
    lines: &[NewOrderLine],
    note: &str,
    key: Option<&str>,
) -> Result<Placed> {
    let mut draft = prepare(actor, customer, lines, note, None)?;
    draft.key = key.map(str::to_owned);
    let draft = match store.sqlite_writer() {
        Some(writer) => {
            let (draft, placed) = writer
                .run(move |conn| {
                    let placed = place_blocking(conn, &draft)?;
                    Ok((draft, placed))
                })
                .await?;
            if let Some(placed) = placed {
                tracing::info!(order = %order_number(placed.order_id), lines = draft.lines.len(), "order placed");
                return Ok(placed);
            }
            draft
        }
        None => draft,
    };
    let mut tx = store.pool().begin().await?;
    let placed = place_general(&mut tx, &draft).await?;
    tx.commit().await?;
    tracing::info!(order = %order_number(placed.order_id), lines = draft.lines.len(), "order placed");
    Ok(placed)
}

/// The general path: every rule, every outcome worded; writes first (see `take_stock`).
async fn place_general(tx: &mut AnyConnection, d: &Draft) -> Result<Placed> {
    // Writes first (see `take_stock`).
    let mut taken = Vec::with_capacity(d.lines.len());
    for (product_id, quantity) in &d.lines {
        taken.push(procurement::take_stock(tx, "quantity", *product_id, *quantity).await?);
    }
    let total = total(&taken);
    let order_id: i64 = sqlx::query_scalar(INSERT_ORDER)
        .bind(d.customer_id)
        .bind(&d.customer_name)
        .bind(&d.code)
        .bind(d.actor.id)
        .bind(&d.actor.label)
        .bind(total)
        .bind(d.note.as_deref())
        .bind(d.now)
        .bind(d.key.as_deref())
        .fetch_one(&mut *tx)
        .await?;
    for (i, t) in taken.iter().enumerate() {
        sqlx::query(INSERT_LINE)
            .bind(order_id)
            .bind(i as i64 + 1)
            .bind(t.product_id)
            .bind(&t.sku)
            .bind(&t.name)
            .bind(t.quantity)
            .bind(t.unit_price)
            .bind(t.unit_price * t.quantity)
            .execute(&mut *tx)
            .await?;
    }
    let mut raised = Vec::new();
    for t in &taken {
        if let Some(r) = procurement::reorder_check(tx, &d.actor, t, Some(order_id)).await? {
            raised.push(r.number);
        }
    }
    crate::mail::enqueue_template(
        tx,
        &confirmation_key(order_id),
        vec![d.email.clone()],
        &confirmation(d, order_id, &taken),
    )
    .await?;
    audit::record(
        tx,
        &d.actor,
        "order.place",
        Some(("order", order_id.to_string())),
        Some(&audit_detail(d, order_id, &taken, &raised)),
    )
    .await?;
    Ok(Placed {
        order_id,
        raised,
        total,
    })
}

/// An order checked and ready to write.
struct Draft {
    customer_id: i64,
    /// As the ERP names the customer (the account's name if the ERP has none).
    customer_name: String,
    code: String,
    email: String,
    actor: Actor,
    /// Product id → units, merged and in product order (see [`check_lines`]).
    lines: BTreeMap<i64, i64>,
    note: Option<String>,
    delivery: Option<DeliveryNote>,
    now: i64,
    /// The form's request key (see `NewOrder::key`).
    key: Option<String>,
}

const INSERT_ORDER: &str = "INSERT INTO orders (customer_id, customer_name, erp_customer_code, placed_by, \
     placed_by_name, status, total, note, created_at, updated_at, request_key) \
     VALUES ($1, $2, $3, $4, $5, 'placed', $6, $7, $8, $8, $9) RETURNING id";
const INSERT_LINE: &str = "INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, \
     unit_price, line_total) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// The order path's common case on the store's blocking SQLite writer, all in one crossing
/// to its thread: no line raises a procurement request (its stock stays above the reorder
/// level, or a request for it is already open). Anything else (stock short, a product unknown
/// or inactive, a request to raise, the confirmation's key already queued) rolls back and
/// returns `None`, and
/// [`place`] redoes the order on the general path, which decides and words the outcome: the
/// rules live there once, and this only repeats its statements.
fn place_blocking(conn: &mut rusqlite::Connection, d: &Draft) -> Result<Option<Placed>> {
    use rusqlite::named_params;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut taken = Vec::with_capacity(d.lines.len());
    for (product_id, quantity) in &d.lines {
        match procurement::take_stock_blocking(&tx, *product_id, *quantity)? {
            Some(t) if procurement::raises_nothing_blocking(&tx, &t)? => taken.push(t),
            _ => return Ok(None), // Dropping `tx` rolls back.
        }
    }
    let order_id: i64 = tx.prepare_cached(INSERT_ORDER)?.query_row(
        named_params! {
            "$1": d.customer_id, "$2": d.customer_name, "$3": d.code, "$4": d.actor.id,
            "$5": d.actor.label, "$6": total(&taken), "$7": d.note, "$8": d.now,
            "$9": d.key,
        },
        |r| r.get(0),
    )?;
    for (i, t) in taken.iter().enumerate() {
        tx.prepare_cached(INSERT_LINE)?.execute(named_params! {
            "$1": order_id, "$2": i as i64 + 1, "$3": t.product_id, "$4": t.sku, "$5": t.name,
            "$6": t.quantity, "$7": t.unit_price, "$8": t.unit_price * t.quantity,
        })?;
    }
    let queued = crate::mail::enqueue_template_blocking(
        &tx,
        &confirmation_key(order_id),
        vec![d.email.clone()],
        &confirmation(d, order_id, &taken),
    )?;
    if queued.is_none() {
        return Ok(None);
    }
    audit::record_blocking(
        &tx,
        &d.actor,
        "order.place",
        Some(("order", order_id.to_string())),
        Some(&audit_detail(d, order_id, &taken, &[])),
    )?;
    tx.commit()?;
    Ok(Some(Placed {
        order_id,
        raised: Vec::new(),
        total: total(&taken),
    }))
}

fn total(taken: &[procurement::StockTaken]) -> i64 {
    taken.iter().map(|t| t.unit_price * t.quantity).sum()
}

fn confirmation_key(order_id: i64) -> String {
    format!("order-confirmation:{order_id}")
}

fn confirmation(d: &Draft, order_id: i64, taken: &[procurement::StockTaken]) -> Template {
    Template::OrderConfirmation(templates::OrderConfirmation {
        order_no: order_number(order_id),
        customer: d.customer_name.clone(),
        placed_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        lines: taken
            .iter()
            .map(|t| templates::OrderLine {
                part: t.sku.clone(),
                description: t.name.clone(),
                quantity: t.quantity.to_string(),
                unit_price: money(t.unit_price),
                line_total: money(t.unit_price * t.quantity),
            })
            .collect(),
        total: money(total(taken) + d.delivery.as_ref().map_or(0, |x| x.charge)),
        currency: String::new(),
        delivery_slot: d
            .delivery
            .as_ref()
            .map(|x| x.slot.clone())
            .unwrap_or_default(),
        estimated_delivery: String::new(),
        delivery_address: d
            .delivery
            .as_ref()
            .map(|x| x.address.clone())
            .unwrap_or_default(),
    })
}

fn audit_detail(
    d: &Draft,
    order_id: i64,
    taken: &[procurement::StockTaken],
    raised: &[String],
) -> String {
    format!(
        "{} for {}: {} line(s), total {}{}",
        order_number(order_id),
        d.customer_name,
        taken.len(),
        money(total(taken)),
        if raised.is_empty() {
            String::new()
        } else {
            format!("; raised {}", raised.join(", "))
        }
    )
}

const ORDER_COLS: &str = "o.id, o.customer_id, o.customer_name, o.status, o.total, o.created_at, o.updated_at, \
    (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) AS line_count";

fn order_row(r: &sqlx::any::AnyRow) -> Result<OrderRow> {
    let status: String = r.try_get("status")?;
    let id: i64 = r.try_get("id")?;
    Ok(OrderRow {
        id,
        number: order_number(id),
        customer_id: r.try_get("customer_id")?,
        customer: r.try_get("customer_name")?,
        status: OrderStatus::parse(&status)
            .ok_or_else(|| CoreError::Internal(format!("unknown order status {status}")))?,
        total: r.try_get("total")?,
        lines: r.try_get::<i64, _>("line_count")? as u32,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn bind_filter<'q>(
    sql: &'q str,
    q: &'q OrderQuery,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(i64::from(q.customer_id.is_some()))
        .bind(q.customer_id.unwrap_or(0))
        .bind(q.status.map(OrderStatus::as_str).unwrap_or(""))
        .bind(i64::from(q.from.is_some()))
        .bind(q.from.unwrap_or(0))
        .bind(i64::from(q.to.is_some()))
        .bind(q.to.unwrap_or(0))
}

/// Orders filtered, newest first. The caller has already bound a customer to their own id.
pub async fn list(store: &Store, q: &OrderQuery) -> Result<OrderPage> {
    const FILTER: &str = "WHERE ($1 = 0 OR o.customer_id = $2) AND ($3 = '' OR o.status = $3) \
        AND ($4 = 0 OR o.created_at >= $5) AND ($6 = 0 OR o.created_at < $7)";
    let limit = match q.limit {
        0 => 200,
        n => n.min(1000),
    };
    let count_sql = format!("SELECT COUNT(*) AS n FROM orders o {FILTER}");
    let list_sql = format!(
        "SELECT {ORDER_COLS} FROM orders o {FILTER} ORDER BY o.id DESC LIMIT {limit} OFFSET {}",
        q.offset
    );
    let total: i64 = bind_filter(&count_sql, q)
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
    let rows = bind_filter(&list_sql, q).fetch_all(store.pool()).await?;
    Ok(OrderPage {
        total: total as u64,
        rows: rows.iter().map(order_row).collect::<Result<_>>()?,
    })
}

pub async fn detail(store: &Store, id: i64) -> Result<OrderDetail> {
    let r = sqlx::query(&format!(
        "SELECT {ORDER_COLS}, o.note, o.placed_by_name FROM orders o WHERE o.id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("There is no order {}.", order_number(id))))?;
    let lines = sqlx::query(
        "SELECT product_id, sku, name, quantity, unit_price, line_total FROM order_lines WHERE order_id = $1 ORDER BY line_no",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|l| {
        Ok(OrderLine {
            product_id: l.try_get("product_id")?,
            sku: l.try_get("sku")?,
            name: l.try_get("name")?,
            quantity: l.try_get("quantity")?,
            unit_price: l.try_get("unit_price")?,
            line_total: l.try_get("line_total")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let raised: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM procurement_requests WHERE order_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(store.pool())
            .await?;
    Ok(OrderDetail {
        order: order_row(&r)?,
        lines,
        note: r.try_get("note")?,
        placed_by: r.try_get("placed_by_name")?,
        raised: raised
            .into_iter()
            .map(|(i,)| procurement::request_number(i))
            .collect(),
    })
}

/// Moves an order one step forward, or cancels it before shipping (its stock returns). The
/// step is taken only from the status the caller saw, so two clicks never skip a step.
pub async fn advance(store: &Store, actor: &Actor, req: &AdvanceOrder) -> Result<()> {
    let allowed = req.from.next() == Some(req.to)
        || (req.to == OrderStatus::Cancelled && req.from.can_cancel());
    if !allowed {
        return Err(CoreError::validation(
            "to",
            format!(
                "An order that is {} cannot become {}.",
                req.from.label().to_lowercase(),
                req.to.label().to_lowercase()
            ),
        ));
    }
    let mut tx = store.pool().begin().await?;
    if !advance_in(&mut tx, actor, req).await? {
        drop(tx);
        let now = detail(store, req.id).await?;
        return Err(CoreError::Conflict {
            field: None,
            message: format!(
                "{} is {} now (changed elsewhere); nothing was changed.",
                now.order.number,
                now.order.status.label().to_lowercase()
            ),
        });
    }
    tx.commit().await?;
    Ok(())
}

/// The step in the caller's transaction, only from `req.from` (the first statement is the
/// conditional UPDATE, a write). `false` when the order was not at `req.from` (nothing
/// written). A cancelled order's stock returns and its delivery slot's place is freed.
pub async fn advance_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &AdvanceOrder,
) -> Result<bool> {
    let moved: Option<(i64,)> = sqlx::query_as(
        "UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4 RETURNING id",
    )
    .bind(req.to.as_str())
    .bind(crate::now_ms())
    .bind(req.id)
    .bind(req.from.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    if moved.is_none() {
        return Ok(false);
    }
    if req.to == OrderStatus::Cancelled {
        let lines: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT product_id, quantity FROM order_lines WHERE order_id = $1 ORDER BY product_id",
        )
        .bind(req.id)
        .fetch_all(&mut *conn)
        .await?;
        for (product, quantity) in lines {
            procurement::return_stock(conn, product, quantity).await?;
        }
        crate::shop::release_slot(conn, req.id).await?;
        // An order that raised a request and is cancelled before anyone approved it takes
        // the request back when the stock is above its level again (ordering to the level
        // and cancelling must not mail a supplier).
        procurement::withdraw_for_cancelled_order(conn, actor, req.id).await?;
    }
    audit::record(
        conn,
        actor,
        "order.status",
        Some(("order", req.id.to_string())),
        Some(&format!("{} → {}", req.from.as_str(), req.to.as_str())),
    )
    .await?;
    Ok(true)
}
