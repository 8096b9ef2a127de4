//! Procurement requests and their purchase orders: list, detail (mails, trail), approve,
//! reject or cancel, receive.

use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::mail::templates::{self, Template};
use crate::store::Store;
use portdesk_types::Role;
use portdesk_types::procurement::*;
use sqlx::Row;

use super::{link_mail, po_number, request_number};

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
        "SELECT {REQUEST_COLS}, s.email AS supplier_email, p.unit_price, \
         COALESCE(r.unit_price_at_raise, p.unit_price) AS unit_price_at_raise, r.note, r.reason \
         {REQUEST_FROM} WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("There is no procurement request {id}.")))?;
    let request = request_row(&r)?;
    let unit_price: Cents = r.try_get("unit_price")?;
    let unit_price_at_raise: Cents = r.try_get("unit_price_at_raise")?;
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
    let value = request.quantity * valued_price(unit_price, unit_price_at_raise);
    Ok(RequestDetail {
        supplier_email: r.try_get("supplier_email")?,
        unit_price,
        unit_price_at_raise,
        value,
        note: r.try_get("note")?,
        reason: r.try_get("reason")?,
        mails,
        trail,
        needs_admin: limit > 0 && value > limit,
        request,
    })
}

/// The unit price a request is valued at: the larger of the price frozen when it was raised
/// and the price now, so lowering a price before approving cannot slip under the limit.
fn valued_price(now: Cents, at_raise: Cents) -> Cents {
    now.max(at_raise)
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
    let price = valued_price(before.unit_price, before.unit_price_at_raise);
    if role != Role::Admin && limit > 0 && qty * price > limit {
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
    .bind(price)
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
