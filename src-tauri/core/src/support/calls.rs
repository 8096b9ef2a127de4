//! Call requests: now, or at a future time within business hours; handled by an agent with
//! an outcome.

use super::{is_staff, notify, ticket_number};
use crate::accounts::User;
use crate::error::{CoreError, Result};
use crate::mail::templates::{self, Template};
use crate::store::Store;
use chrono::{Datelike, Local, NaiveTime, TimeZone};
use portdesk_types::events::SupportChangedEvent;
use portdesk_types::support::*;
use sqlx::{AnyConnection, Row};

/// How far ahead a call may be booked.
pub const MAX_DAYS_AHEAD: i64 = 60;

const COLS: &str =
    "id, ticket_id, customer_id, customer_name, phone, at, note, status, outcome, created_at";

fn call(r: &sqlx::any::AnyRow) -> Result<CallRequest> {
    let status: String = r.try_get("status")?;
    Ok(CallRequest {
        id: r.try_get("id")?,
        ticket_id: r.try_get("ticket_id")?,
        customer_id: r.try_get("customer_id")?,
        customer_name: r.try_get("customer_name")?,
        phone: r.try_get("phone")?,
        at: r.try_get("at")?,
        note: r.try_get("note")?,
        status: if status == "done" {
            CallStatus::Done
        } else {
            CallStatus::Pending
        },
        outcome: r.try_get("outcome")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn for_ticket(conn: &mut AnyConnection, ticket_id: i64) -> Result<Vec<CallRequest>> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM support_calls WHERE ticket_id = $1 ORDER BY id"
    ))
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(call)
    .collect()
}

/// Whether `at` (Unix ms) falls within business hours, in this desktop's time zone.
pub fn in_business_hours(at: i64, s: &SupportSettings) -> bool {
    let Some(t) = Local.timestamp_millis_opt(at).single() else {
        return false;
    };
    let day = t.weekday().number_from_monday() as u8;
    let parse = |x: &str| NaiveTime::parse_from_str(x, "%H:%M").ok();
    match (parse(&s.opens), parse(&s.closes)) {
        (Some(o), Some(c)) => s.days.contains(&day) && t.time() >= o && t.time() < c,
        _ => false,
    }
}

pub async fn request(
    store: &Store,
    origin: &str,
    customer: &User,
    n: &NewCall,
) -> Result<CallRequest> {
    let phone = crate::search::phone("phone", &n.phone)?;
    if phone.is_empty() {
        return Err(CoreError::validation(
            "phone",
            "Fill in the number to call.",
        ));
    }
    let note = n.note.trim();
    if note.chars().count() > 1000 {
        return Err(CoreError::validation("note", "At most 1000 characters."));
    }
    super::hourly_cap(
        store,
        "support_calls",
        customer.id,
        super::CALLS_PER_HOUR,
        "call requests",
    )
    .await?;
    let settings = super::load_settings(store).await?;
    let now = crate::now_ms();
    if let Some(at) = n.at {
        if at <= now {
            return Err(CoreError::validation(
                "at",
                "Choose a time in the future, or \"as soon as possible\".",
            ));
        }
        if at > now + MAX_DAYS_AHEAD * 86_400_000 {
            return Err(CoreError::validation(
                "at",
                format!("A call is booked at most {MAX_DAYS_AHEAD} days ahead."),
            ));
        }
        if !in_business_hours(at, &settings) {
            return Err(CoreError::validation(
                "at",
                format!(
                    "We call during business hours: {}–{} on business days.",
                    settings.opens, settings.closes
                ),
            ));
        }
    }
    let title = match n.ticket_id {
        Some(id) => {
            let mut conn = store.pool().acquire().await?;
            Some(
                super::tickets::visible(&mut conn, customer, id)
                    .await?
                    .title,
            )
        }
        None => None,
    };
    let name = customer
        .erp_customer
        .clone()
        .unwrap_or_else(|| customer.name.clone());
    let mut tx = store.pool().begin().await?;
    let r = sqlx::query(&format!(
        "INSERT INTO support_calls (ticket_id, customer_id, customer_name, phone, at, note, status, outcome, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', '', $7, $7) RETURNING {COLS}"
    ))
    .bind(n.ticket_id)
    .bind(customer.id)
    .bind(&name)
    .bind(&phone)
    .bind(n.at)
    .bind(note)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let c = call(&r)?;
    let when = match n.at {
        None => "as soon as possible".to_owned(),
        Some(at) => Local
            .timestamp_millis_opt(at)
            .single()
            .map(|t| t.format("%a %-d %b %Y %H:%M").to_string())
            .unwrap_or_default(),
    };
    let staff = notify::staff_ids(&mut tx).await?;
    let ids: Vec<i64> = staff.iter().map(|s| s.0).collect();
    notify::notify(
        &mut tx,
        &ids,
        n.ticket_id,
        &format!("{name} asks for a call ({when})"),
    )
    .await?;
    let to: Vec<String> = staff.iter().map(|s| s.2.clone()).collect();
    if !to.is_empty() {
        crate::mail::enqueue_template(
            &mut tx,
            &format!("call-requested:{}", c.id),
            to,
            &Template::CallRequested(templates::CallRequested {
                ticket_no: n
                    .ticket_id
                    .map(ticket_number)
                    .unwrap_or_else(|| "(no ticket)".into()),
                title: title.unwrap_or_default(),
                customer: name.clone(),
                contact: customer.name.clone(),
                phone: phone.clone(),
                when: when.clone(),
            }),
        )
        .await?;
    }
    let ch = SupportChange {
        ticket_id: n.ticket_id,
        customer_id: customer.id,
        kind: "call".into(),
        summary: format!("{name} asks for a call ({when})"),
    };
    crate::bus::record::<SupportChangedEvent>(&mut tx, store, origin, &ch).await?;
    tx.commit().await?;
    Ok(c)
}

pub async fn list(store: &Store, user: &User) -> Result<Vec<CallRequest>> {
    let staff = is_staff(user.role);
    sqlx::query(&format!(
        "SELECT {COLS} FROM support_calls WHERE ($1 = 1 OR customer_id = $2) \
         ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, COALESCE(at, created_at), id LIMIT 500"
    ))
    .bind(i64::from(staff))
    .bind(user.id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(call)
    .collect()
}

pub async fn complete(
    store: &Store,
    origin: &str,
    agent: &User,
    d: &CallDone,
) -> Result<(CallRequest, SupportChange)> {
    let outcome = super::text("outcome", &d.outcome, 1000)?;
    let mut tx = store.pool().begin().await?;
    let r = sqlx::query(&format!(
        "UPDATE support_calls SET status = 'done', outcome = $1, done_by = $2, updated_at = $3 \
         WHERE id = $4 AND status = 'pending' RETURNING {COLS}"
    ))
    .bind(&outcome)
    .bind(&agent.name)
    .bind(crate::now_ms())
    .bind(d.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(r) = r else {
        return Err(CoreError::Conflict {
            field: None,
            message: "This call request is done already, or gone.".into(),
        });
    };
    let c = call(&r)?;
    notify::notify(
        &mut tx,
        &[c.customer_id],
        c.ticket_id,
        &format!("{} called you back: {outcome}", agent.name),
    )
    .await?;
    let ch = SupportChange {
        ticket_id: c.ticket_id,
        customer_id: c.customer_id,
        kind: "call".into(),
        summary: "A call request was handled".into(),
    };
    crate::bus::record::<SupportChangedEvent>(&mut tx, store, origin, &ch).await?;
    tx.commit().await?;
    Ok((c, ch))
}
