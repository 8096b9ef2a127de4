//! Tickets, threads, status and assignment, targets, feedback.

use super::{attachments, is_staff, notify, ticket_number};
use crate::accounts::User;
use crate::audit;
use crate::error::{CoreError, Result};
use crate::mail::templates::{self, Template};
use crate::stale::{Changed, LastChange};
use crate::store::Store;
use portdesk_types::events::SupportChangedEvent;
use portdesk_types::support::*;
use sqlx::{AnyConnection, Row};

const COLS: &str = "t.id, t.customer_id, t.customer_name, t.title, t.description, t.category, t.priority, \
    t.status, t.assignee_id, t.assignee_name, t.created_at, t.updated_at, t.first_response_at, t.resolved_at, \
    (SELECT COUNT(*) FROM support_messages m WHERE m.ticket_id = t.id AND ($1 = 1 OR m.internal = 0)) AS messages";

/// The target a ticket has missed, if any (open tickets only).
pub fn breach(t: &Ticket, s: &SupportSettings, now: i64) -> Option<String> {
    missed(
        t.status,
        t.priority,
        t.created_at,
        t.first_response_at,
        s,
        now,
    )
    .map(str::to_owned)
}

/// The target missed by a ticket opened at `created_at` and first answered at `first`.
fn missed(
    status: TicketStatus,
    priority: Priority,
    created_at: i64,
    first: Option<i64>,
    s: &SupportSettings,
    now: i64,
) -> Option<&'static str> {
    if status.is_done() {
        return None;
    }
    let hours = |h: u32| i64::from(h) * 3_600_000;
    let i = priority.index();
    if first.is_none() && now > created_at + hours(s.first_response_hours[i]) {
        Some("First response overdue")
    } else if now > created_at + hours(s.resolution_hours[i]) {
        Some("Resolution overdue")
    } else {
        None
    }
}

fn ticket(r: &sqlx::any::AnyRow) -> Result<Ticket> {
    let id: i64 = r.try_get("id")?;
    let p: String = r.try_get("priority")?;
    let s: String = r.try_get("status")?;
    Ok(Ticket {
        id,
        number: ticket_number(id),
        customer_id: r.try_get("customer_id")?,
        customer_name: r.try_get("customer_name")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        category: r.try_get("category")?,
        priority: Priority::parse(&p).unwrap_or_default(),
        status: TicketStatus::parse(&s).unwrap_or_default(),
        assignee_id: r.try_get("assignee_id")?,
        assignee_name: r.try_get("assignee_name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        first_response_at: r.try_get("first_response_at")?,
        resolved_at: r.try_get("resolved_at")?,
        messages: r.try_get::<i64, _>("messages")? as u32,
        breach: None,
    })
}

/// The ticket if `user` may see it (a customer: their own); another customer's is unknown.
pub async fn visible(conn: &mut AnyConnection, user: &User, id: i64) -> Result<Ticket> {
    let staff = is_staff(user.role);
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM support_tickets t WHERE t.id = $2"
    ))
    .bind(i64::from(staff))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match r {
        Some(r) => {
            let t = ticket(&r)?;
            if staff || t.customer_id == user.id {
                Ok(t)
            } else {
                tracing::warn!(
                    user_id = user.id,
                    "a customer asked for another customer's ticket"
                );
                Err(CoreError::NotFound(format!(
                    "There is no ticket {}.",
                    ticket_number(id)
                )))
            }
        }
        None => Err(CoreError::NotFound(format!(
            "There is no ticket {}.",
            ticket_number(id)
        ))),
    }
}

/// (status, assignee, priority, created, first response) of a ticket, for the counts.
type CountRow = (String, Option<i64>, String, i64, Option<i64>);

pub async fn list(store: &Store, user: &User, q: &TicketQuery) -> Result<TicketList> {
    let staff = is_staff(user.role);
    let settings = super::load_settings(store).await?;
    let now = crate::now_ms();
    let (queue, me) = match (staff, q.queue) {
        (false, _) => (3, user.id), // a customer: their own
        (true, Queue::Unassigned) => (1, 0),
        (true, Queue::Mine) => (2, user.id),
        (true, Queue::All) => (0, 0),
    };
    let sql = format!(
        "SELECT {COLS} FROM support_tickets t WHERE \
         ($2 <> 1 OR t.assignee_id IS NULL) AND ($2 <> 2 OR t.assignee_id = $3) AND ($2 <> 3 OR t.customer_id = $3) \
         AND ($4 = '' OR t.status = $4) AND ($5 = '' OR t.priority = $5) \
         AND ($6 = 0 OR t.status NOT IN ('resolved', 'closed')) ORDER BY t.updated_at DESC, t.id DESC LIMIT 500"
    );
    let rows = sqlx::query(&sql)
        .bind(i64::from(staff))
        .bind(queue)
        .bind(me)
        .bind(q.status.map(TicketStatus::as_str).unwrap_or(""))
        .bind(q.priority.map(Priority::as_str).unwrap_or(""))
        .bind(i64::from(q.open_only))
        .fetch_all(store.pool())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut t = ticket(r)?;
        if staff {
            t.breach = breach(&t, &settings, now);
        }
        out.push(t);
    }
    // Counts over what the caller may see, whatever the filter.
    let all: Vec<CountRow> = sqlx::query_as(
        "SELECT status, assignee_id, priority, created_at, first_response_at FROM support_tickets WHERE ($1 = 1 OR customer_id = $2)",
    )
    .bind(i64::from(staff))
    .bind(user.id)
    .fetch_all(store.pool())
    .await?;
    let mut counts = TicketCounts::default();
    for (status, assignee, priority, created_at, first) in all {
        let status = TicketStatus::parse(&status).unwrap_or_default();
        if status.is_done() {
            counts.resolved += 1;
            continue;
        }
        counts.open += 1;
        if staff {
            counts.unassigned += u32::from(assignee.is_none());
            counts.mine += u32::from(assignee == Some(user.id));
            let priority = Priority::parse(&priority).unwrap_or_default();
            counts.breached +=
                u32::from(missed(status, priority, created_at, first, &settings, now).is_some());
        }
    }
    Ok(TicketList { rows: out, counts })
}

pub async fn detail(store: &Store, user: &User, id: i64) -> Result<TicketDetail> {
    let staff = is_staff(user.role);
    let mut conn = store.pool().acquire().await?;
    let mut t = visible(&mut conn, user, id).await?;
    if staff {
        t.breach = breach(&t, &super::load_settings(store).await?, crate::now_ms());
    }
    let rows: Vec<(i64, String, i64, i64, String, i64)> = sqlx::query_as(
        "SELECT id, author_name, staff, internal, body, created_at FROM support_messages \
         WHERE ticket_id = $1 AND ($2 = 1 OR internal = 0) ORDER BY id",
    )
    .bind(id)
    .bind(i64::from(staff))
    .fetch_all(&mut *conn)
    .await?;
    let files: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
        "SELECT a.message_id, a.id, a.name, a.mime, a.size FROM support_attachments a WHERE a.ticket_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let messages = rows
        .into_iter()
        .map(|(mid, author, st, internal, body, created_at)| Message {
            id: mid,
            author,
            staff: st == 1,
            internal: internal == 1,
            body,
            created_at,
            attachments: files
                .iter()
                .filter(|f| f.0 == mid)
                .map(|f| attachments::info(f.1, f.2.clone(), f.3.clone(), f.4))
                .collect(),
        })
        .collect();
    let calls = super::calls::for_ticket(&mut conn, id).await?;
    let feedback: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT rating, comment, created_at FROM support_feedback WHERE ticket_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let can_rate = !staff && t.status.is_done() && feedback.is_none();
    Ok(TicketDetail {
        ticket: t,
        messages,
        calls,
        feedback: feedback.map(|(rating, comment, created_at)| Feedback {
            rating: rating as u8,
            comment,
            created_at,
        }),
        can_rate,
    })
}

fn change(t: &Ticket, kind: &str, summary: String) -> SupportChange {
    SupportChange {
        ticket_id: Some(t.id),
        customer_id: t.customer_id,
        kind: kind.into(),
        summary,
    }
}

pub async fn create(
    store: &Store,
    origin: &str,
    customer: &User,
    n: &NewTicket,
) -> Result<(i64, SupportChange)> {
    let title = super::text("title", &n.title, 200)?;
    let description = super::text("description", &n.description, 10_000)?;
    let category = CATEGORIES
        .iter()
        .find(|c| c.eq_ignore_ascii_case(n.category.trim()))
        .ok_or_else(|| {
            CoreError::validation(
                "category",
                format!("Choose one of: {}.", CATEGORIES.join(", ")),
            )
        })?;
    super::hourly_cap(
        store,
        "support_tickets",
        customer.id,
        super::TICKETS_PER_HOUR,
        "new tickets",
    )
    .await?;
    let files = prepare_files(store, &n.paths).await?;
    let name = customer
        .erp_customer
        .clone()
        .unwrap_or_else(|| customer.name.clone());
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO support_tickets (customer_id, customer_name, title, description, category, priority, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7) RETURNING id",
    )
    .bind(customer.id)
    .bind(&name)
    .bind(&title)
    .bind(&description)
    .bind(*category)
    .bind(n.priority.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if !files.is_empty() {
        let mid: i64 = sqlx::query_scalar(
            "INSERT INTO support_messages (ticket_id, author_id, author_name, staff, internal, body, created_at) \
             VALUES ($1, $2, $3, 0, 0, $4, $5) RETURNING id",
        )
        .bind(id)
        .bind(customer.id)
        .bind(&customer.name)
        .bind("Attached when the ticket was opened.")
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for f in &files {
            attachments::store(&mut tx, id, mid, f).await?;
        }
    }
    let number = ticket_number(id);
    let staff = notify::staff_ids(&mut tx).await?;
    let ids: Vec<i64> = staff.iter().map(|s| s.0).collect();
    notify::notify(
        &mut tx,
        &ids,
        Some(id),
        &format!("New ticket {number} from {name}: {title}"),
    )
    .await?;
    let to: Vec<String> = staff.iter().map(|s| s.2.clone()).collect();
    if !to.is_empty() {
        crate::mail::enqueue_template(
            &mut tx,
            &format!("ticket-created:{id}"),
            to,
            &Template::TicketCreated(templates::TicketCreated {
                name: customer.name.clone(),
                ticket_no: number.clone(),
                title: title.clone(),
                priority: n.priority.label().to_owned(),
                description: description.clone(),
            }),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &customer.actor(),
        "support.ticket.create",
        Some(("ticket", id.to_string())),
        Some(&title),
    )
    .await?;
    let ch = SupportChange {
        ticket_id: Some(id),
        customer_id: customer.id,
        kind: "ticket".into(),
        summary: format!("New ticket {number}: {title}"),
    };
    crate::bus::record::<SupportChangedEvent>(&mut tx, store, origin, &ch).await?;
    tx.commit().await?;
    Ok((id, ch))
}

/// The files a user picked, read and checked before anything is written: one bad file
/// refuses the whole ticket or message.
async fn prepare_files(store: &Store, paths: &[String]) -> Result<Vec<attachments::Prepared>> {
    if paths.len() > attachments::MAX_FILES {
        return Err(CoreError::validation(
            "paths",
            format!("At most {} files at once.", attachments::MAX_FILES),
        ));
    }
    let max = super::load_settings(store).await?.max_attachment_mb;
    let paths = paths.to_vec();
    tokio::task::spawn_blocking(move || {
        paths
            .iter()
            .map(|p| attachments::prepare(std::path::Path::new(p.trim()), max))
            .collect::<Result<Vec<_>>>()
    })
    .await
    .map_err(|e| CoreError::Internal(format!("attachment task: {e}")))?
}

pub async fn add_message(
    store: &Store,
    origin: &str,
    user: &User,
    m: &NewMessage,
) -> Result<SupportChange> {
    let staff = is_staff(user.role);
    if m.internal && !staff {
        return Err(CoreError::Forbidden);
    }
    let files = prepare_files(store, &m.paths).await?;
    let body = if files.is_empty() {
        super::text("body", &m.body, 10_000)?
    } else {
        m.body.trim().chars().take(10_000).collect()
    };
    let mut conn = store.pool().acquire().await?;
    let t = visible(&mut conn, user, m.ticket_id).await?;
    drop(conn);
    if t.status == TicketStatus::Closed && !staff {
        return Err(CoreError::validation(
            "body",
            "This ticket is closed; open a new one.",
        ));
    }
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    // A staff reply moves an open ticket on; a customer's answer to a question brings it
    // back to the queue; a resolved ticket reopens only when the customer asks.
    let status = match (staff && !m.internal, t.status) {
        (true, TicketStatus::Open) => TicketStatus::InProgress,
        (false, TicketStatus::WaitingOnCustomer) if !staff => TicketStatus::Open,
        (false, TicketStatus::Resolved) if !staff && m.reopen => TicketStatus::Open,
        (_, s) => s,
    };
    // The status moves only from the one it was read in: a reply never reverts a status
    // someone set meanwhile.
    sqlx::query(
        "UPDATE support_tickets SET updated_at = $1, \
         status = CASE WHEN status = $5 THEN $2 ELSE status END, \
         first_response_at = CASE WHEN $3 = 1 AND first_response_at IS NULL THEN $1 ELSE first_response_at END, \
         resolved_at = CASE WHEN (CASE WHEN status = $5 THEN $2 ELSE status END) IN ('resolved', 'closed') \
           THEN resolved_at ELSE NULL END WHERE id = $4",
    )
    .bind(now)
    .bind(status.as_str())
    .bind(i64::from(staff && !m.internal))
    .bind(t.id)
    .bind(t.status.as_str())
    .execute(&mut *tx)
    .await?;
    let mid: i64 = sqlx::query_scalar(
        "INSERT INTO support_messages (ticket_id, author_id, author_name, staff, internal, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(t.id)
    .bind(user.id)
    .bind(&user.name)
    .bind(i64::from(staff))
    .bind(i64::from(m.internal))
    .bind(&body)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for f in &files {
        attachments::store(&mut tx, t.id, mid, f).await?;
    }
    let summary = if m.internal {
        format!("Internal note on {}", t.number)
    } else if staff {
        format!("{} replied on {}", user.name, t.number)
    } else {
        format!("{} wrote on {}", t.customer_name, t.number)
    };
    if staff && !m.internal {
        notify::notify(
            &mut tx,
            &[t.customer_id],
            Some(t.id),
            &format!("{summary}: {}", t.title),
        )
        .await?;
        let email: Option<(String, String)> =
            sqlx::query_as("SELECT email, name FROM users WHERE id = $1 AND active = 1")
                .bind(t.customer_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((email, name)) = email {
            crate::mail::enqueue_template(
                &mut tx,
                &format!("ticket-reply:{mid}"),
                vec![email],
                &Template::TicketReply(templates::TicketReply {
                    name,
                    agent: user.name.clone(),
                    ticket_no: t.number.clone(),
                    title: t.title.clone(),
                    message: body.clone(),
                }),
            )
            .await?;
        }
    } else if !staff {
        let to: Vec<i64> = match t.assignee_id {
            Some(a) => vec![a],
            None => notify::staff_ids(&mut tx)
                .await?
                .into_iter()
                .map(|s| s.0)
                .collect(),
        };
        notify::notify(&mut tx, &to, Some(t.id), &format!("{summary}: {}", t.title)).await?;
    }
    let ch = change(&t, if m.internal { "note" } else { "message" }, summary);
    crate::bus::record::<SupportChangedEvent>(&mut tx, store, origin, &ch).await?;
    tx.commit().await?;
    Ok(ch)
}

/// A stale ticket change refused, naming who last changed the ticket and when (its trail).
async fn ticket_stale(conn: &mut AnyConnection, t: &Ticket, changed: &[Changed]) -> CoreError {
    let last: Option<(String, i64)> = sqlx::query_as(
        "SELECT actor, at FROM audit_log WHERE target_type = 'ticket' AND target_id = $1 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(t.id.to_string())
    .fetch_optional(&mut *conn)
    .await
    .unwrap_or(None);
    let (by, at_ms) = match last {
        Some((by, at)) => (Some(by), at),
        None => (None, t.updated_at),
    };
    let last = LastChange {
        version: 0,
        by,
        at_ms,
    };
    crate::stale::refused_fields(&format!("Ticket {}", t.number), &last, changed)
}

pub async fn update(
    store: &Store,
    origin: &str,
    user: &User,
    u: &TicketUpdate,
) -> Result<SupportChange> {
    let mut conn = store.pool().acquire().await?;
    let t = visible(&mut conn, user, u.id).await?;
    let assignee = match u.assignee {
        Some(Some(id)) => {
            let who: Option<(String,)> = sqlx::query_as(
                "SELECT name FROM users WHERE id = $1 AND role IN ('support', 'admin') AND active = 1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            let (name,) = who.ok_or_else(|| {
                CoreError::validation("assignee", "Choose an active support agent or admin.")
            })?;
            Some((Some(id), Some(name)))
        }
        Some(None) => Some((None, None)),
        None => None,
    };
    // Field-wise: a field the form changes must still hold what the form showed.
    if let Some(seen) = &u.seen {
        let changed: Vec<Changed> = [
            u.status
                .filter(|_| t.status != seen.status)
                .and_then(|_| Changed::field("status", t.status.label(), seen.status.label())),
            u.priority
                .filter(|_| t.priority != seen.priority)
                .and_then(|_| {
                    Changed::field("priority", t.priority.label(), seen.priority.label())
                }),
            u.assignee
                .filter(|_| t.assignee_id != seen.assignee_id)
                .and_then(|_| {
                    let name = |id: Option<i64>, n: Option<&str>| match (id, n) {
                        (None, _) => "nobody".to_owned(),
                        (Some(_), Some(n)) => n.to_owned(),
                        (Some(id), None) => format!("account {id}"),
                    };
                    Changed::field(
                        "assignee",
                        name(t.assignee_id, t.assignee_name.as_deref()),
                        name(seen.assignee_id, None),
                    )
                }),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !changed.is_empty() {
            return Err(ticket_stale(&mut conn, &t, &changed).await);
        }
    }
    drop(conn);
    let status = u.status.unwrap_or(t.status);
    let priority = u.priority.unwrap_or(t.priority);
    let (assignee_id, assignee_name) = assignee
        .clone()
        .unwrap_or((t.assignee_id, t.assignee_name.clone()));
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    // Conditional on the whole row as just read: a change that lands between that read and
    // this write is never reverted by the fields this update carries over.
    let written = sqlx::query(
        "UPDATE support_tickets SET status = $1, priority = $2, assignee_id = $3, assignee_name = $4, updated_at = $5, \
         resolved_at = CASE WHEN $1 IN ('resolved', 'closed') THEN COALESCE(resolved_at, $5) ELSE NULL END \
         WHERE id = $6 AND status = $7 AND priority = $8 AND COALESCE(assignee_id, 0) = $9",
    )
    .bind(status.as_str())
    .bind(priority.as_str())
    .bind(assignee_id)
    .bind(assignee_name.clone())
    .bind(now)
    .bind(t.id)
    .bind(t.status.as_str())
    .bind(t.priority.as_str())
    .bind(t.assignee_id.unwrap_or(0))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if written == 0 {
        let _ = tx.rollback().await;
        let mut conn = store.pool().acquire().await?;
        let now = visible(&mut conn, user, u.id).await?;
        let changed: Vec<Changed> = [
            Changed::field("status", now.status.label(), t.status.label()),
            Changed::field("priority", now.priority.label(), t.priority.label()),
            Changed::field(
                "assignee",
                now.assignee_name.as_deref().unwrap_or("nobody"),
                t.assignee_name.as_deref().unwrap_or("nobody"),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        return Err(ticket_stale(&mut conn, &now, &changed).await);
    }
    let mut parts = Vec::new();
    if status != t.status {
        parts.push(format!("status {} → {}", t.status.label(), status.label()));
        notify::notify(
            &mut tx,
            &[t.customer_id],
            Some(t.id),
            &format!(
                "{} is now {}: {}",
                t.number,
                status.label().to_lowercase(),
                t.title
            ),
        )
        .await?;
    }
    if priority != t.priority {
        parts.push(format!(
            "priority {} → {}",
            t.priority.label(),
            priority.label()
        ));
    }
    if assignee.is_some() && assignee_id != t.assignee_id {
        parts.push(format!(
            "assigned to {}",
            assignee_name.as_deref().unwrap_or("nobody")
        ));
        if let Some(a) = assignee_id.filter(|a| *a != user.id) {
            notify::notify(
                &mut tx,
                &[a],
                Some(t.id),
                &format!("{} was assigned to you: {}", t.number, t.title),
            )
            .await?;
        }
    }
    if parts.is_empty() {
        return Ok(change(&t, "status", String::new()));
    }
    audit::record(
        &mut tx,
        &user.actor(),
        "support.ticket.update",
        Some(("ticket", t.id.to_string())),
        Some(&parts.join("; ")),
    )
    .await?;
    let ch = change(&t, "status", format!("{} {}", t.number, parts.join("; ")));
    crate::bus::record::<SupportChangedEvent>(&mut tx, store, origin, &ch).await?;
    tx.commit().await?;
    Ok(ch)
}

pub async fn give_feedback(
    store: &Store,
    origin: &str,
    customer: &User,
    f: &NewFeedback,
) -> Result<SupportChange> {
    if !(1..=5).contains(&f.rating) {
        return Err(CoreError::validation("rating", "Rate from 1 to 5 stars."));
    }
    let comment = f.comment.trim();
    if comment.chars().count() > 2000 {
        return Err(CoreError::validation("comment", "At most 2000 characters."));
    }
    let mut conn = store.pool().acquire().await?;
    let t = visible(&mut conn, customer, f.ticket_id).await?;
    drop(conn);
    if !t.status.is_done() {
        return Err(CoreError::validation(
            "rating",
            "A ticket is rated once it is resolved or closed.",
        ));
    }
    let mut tx = store.pool().begin().await?;
    let stored: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO support_feedback (ticket_id, customer_id, rating, comment, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id",
    )
    .bind(t.id)
    .bind(customer.id)
    .bind(i64::from(f.rating))
    .bind(comment)
    .bind(crate::now_ms())
    .fetch_optional(&mut *tx)
    .await?;
    if stored.is_none() {
        return Err(CoreError::Conflict {
            field: Some("rating"),
            message: "This ticket has been rated already.".into(),
        });
    }
    let admins: Vec<(String,)> =
        sqlx::query_as("SELECT email FROM users WHERE role = 'admin' AND active = 1 ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
    if !admins.is_empty() {
        crate::mail::enqueue_template(
            &mut tx,
            &format!("ticket-feedback:{}", t.id),
            admins.into_iter().map(|(e,)| e).collect(),
            &Template::FeedbackReceived(templates::FeedbackReceived {
                ticket_no: t.number.clone(),
                title: t.title.clone(),
                customer: t.customer_name.clone(),
                rating: f.rating,
                comment: comment.to_owned(),
            }),
        )
        .await?;
    }
    let ch = change(&t, "feedback", format!("{} rated {}/5", t.number, f.rating));
    crate::bus::record::<SupportChangedEvent>(&mut tx, store, origin, &ch).await?;
    tx.commit().await?;
    Ok(ch)
}

pub async fn staff(store: &Store) -> Result<Vec<StaffMember>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM users WHERE role IN ('support', 'admin') AND active = 1 ORDER BY name",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| StaffMember { id, name })
        .collect())
}
