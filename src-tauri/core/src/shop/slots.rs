//! Delivery slots: a time window on a day, the postcodes it serves, a capacity, a charge and
//! a free-delivery threshold. A place is booked by one conditional UPDATE (`booked <
//! capacity`), so concurrent checkouts can never overbook, on SQLite or PostgreSQL.

use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::procurement::parse_price;
use crate::store::Store;
use chrono::{Datelike, Duration, Local, NaiveDate, NaiveTime, TimeZone};
use portdesk_types::shop::*;
use sqlx::{AnyConnection, Row};

/// How far ahead slots are offered and may be created.
pub const MAX_DAYS_AHEAD: i64 = 366;
pub const MAX_CAPACITY: i64 = 10_000;

const COLS: &str = "id, starts_at, ends_at, zones, capacity, booked, charge, free_from";

/// "Tue 8 Dec 2026, 10:00–12:00", in this desktop's time zone.
pub fn label(starts_at: i64, ends_at: i64) -> String {
    let s = Local.timestamp_millis_opt(starts_at).single();
    let e = Local.timestamp_millis_opt(ends_at).single();
    match (s, e) {
        (Some(s), Some(e)) => format!(
            "{}, {}–{}",
            s.format("%a %-d %b %Y"),
            s.format("%H:%M"),
            e.format("%H:%M")
        ),
        _ => String::from("(no valid time)"),
    }
}

fn slot(r: &sqlx::any::AnyRow) -> Result<Slot> {
    let starts_at: i64 = r.try_get("starts_at")?;
    let ends_at: i64 = r.try_get("ends_at")?;
    let zones: String = r.try_get("zones")?;
    Ok(Slot {
        id: r.try_get("id")?,
        starts_at,
        ends_at,
        label: label(starts_at, ends_at),
        zones: zones.split_whitespace().map(str::to_owned).collect(),
        capacity: r.try_get("capacity")?,
        booked: r.try_get("booked")?,
        charge: r.try_get("charge")?,
        free_from: r.try_get("free_from")?,
    })
}

/// Whether the slot delivers to this postcode (a zone is a postcode prefix).
pub fn serves(slot: &Slot, postcode: &str) -> bool {
    let p: String = postcode.chars().filter(|c| !c.is_whitespace()).collect();
    slot.zones.is_empty() || slot.zones.iter().any(|z| p.starts_with(z.as_str()))
}

/// A slot as typed, checked: (starts_at, ends_at, zones, capacity, charge, free_from).
struct Checked {
    starts_at: i64,
    ends_at: i64,
    zones: String,
    capacity: i64,
    charge: i64,
    free_from: Option<i64>,
}

fn parse_zones(text: &str) -> Result<String> {
    let mut zones: Vec<String> = Vec::new();
    for z in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let z = z.trim().to_uppercase();
        if z.is_empty() {
            continue;
        }
        if z.len() > 10 || !z.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(CoreError::validation(
                "zones",
                format!("\"{z}\" is not a postcode or the start of one."),
            ));
        }
        if !zones.contains(&z) {
            zones.push(z);
        }
    }
    if zones.len() > 100 {
        return Err(CoreError::validation(
            "zones",
            "At most 100 zones per slot.",
        ));
    }
    zones.sort();
    Ok(zones.join(" "))
}

fn parse_time(field: &'static str, text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        CoreError::validation(
            field,
            format!("\"{}\" is not a time such as 10:00.", text.trim()),
        )
    })
}

fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        CoreError::validation(
            "date",
            format!("\"{}\" is not a date such as 2026-12-24.", text.trim()),
        )
    })
}

fn at(date: NaiveDate, t: NaiveTime) -> Result<i64> {
    Local
        .from_local_datetime(&date.and_time(t))
        .earliest()
        .map(|d| d.timestamp_millis())
        .ok_or_else(|| {
            CoreError::validation(
                "from",
                "That time does not exist on that day (clock change).",
            )
        })
}

/// Everything but the date, checked once for a slot or a pattern.
fn check_common(e: &SlotEdit) -> Result<(NaiveTime, NaiveTime, String, i64, i64, Option<i64>)> {
    let from = parse_time("from", &e.from)?;
    let to = parse_time("to", &e.to)?;
    if to <= from {
        return Err(CoreError::validation(
            "to",
            "The window ends after it starts.",
        ));
    }
    if !(1..=MAX_CAPACITY).contains(&e.capacity) {
        return Err(CoreError::validation(
            "capacity",
            format!("The capacity is from 1 to {MAX_CAPACITY} deliveries."),
        ));
    }
    let charge = parse_price("charge", &e.charge)?;
    let free_from = match e.free_from.trim() {
        "" => None,
        t => Some(parse_price("free_from", t)?),
    };
    Ok((
        from,
        to,
        parse_zones(&e.zones)?,
        e.capacity,
        charge,
        free_from,
    ))
}

fn check_day(
    date: NaiveDate,
    c: &(NaiveTime, NaiveTime, String, i64, i64, Option<i64>),
) -> Result<Checked> {
    let starts_at = at(date, c.0)?;
    let ends_at = at(date, c.1)?;
    let now = crate::now_ms();
    if starts_at <= now {
        return Err(CoreError::validation(
            "date",
            "The slot starts in the past.",
        ));
    }
    if starts_at > now + MAX_DAYS_AHEAD * 86_400_000 {
        return Err(CoreError::validation(
            "date",
            "Slots are created at most a year ahead.",
        ));
    }
    Ok(Checked {
        starts_at,
        ends_at,
        zones: c.2.clone(),
        capacity: c.3,
        charge: c.4,
        free_from: c.5,
    })
}

async fn insert(conn: &mut AnyConnection, c: &Checked) -> Result<Option<Slot>> {
    let r = sqlx::query(&format!(
        "INSERT INTO shop_slots (starts_at, ends_at, zones, capacity, booked, charge, free_from, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $6, $7) ON CONFLICT (starts_at, ends_at, zones) DO NOTHING RETURNING {COLS}"
    ))
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(&c.zones)
    .bind(c.capacity)
    .bind(c.charge)
    .bind(c.free_from)
    .bind(crate::now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(slot).transpose()
}

pub async fn create(store: &Store, actor: &Actor, e: &SlotEdit) -> Result<Slot> {
    let c = check_day(parse_date(&e.date)?, &check_common(e)?)?;
    let mut tx = store.pool().begin().await?;
    let Some(s) = insert(&mut tx, &c).await? else {
        return Err(CoreError::Conflict {
            field: Some("date"),
            message: "A slot for that time and those zones exists already.".into(),
        });
    };
    audit::record(
        &mut tx,
        actor,
        "shop.slot.create",
        Some(("slot", s.id.to_string())),
        Some(&s.label),
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

/// The slot on each chosen weekday for `weeks` weeks from the date on; days already past and
/// slots that exist already are skipped, so a pattern may be run again.
pub async fn create_pattern(store: &Store, actor: &Actor, p: &SlotPattern) -> Result<Vec<Slot>> {
    let first = parse_date(&p.slot.date)?;
    let common = check_common(&p.slot)?;
    if p.weekdays.is_empty() || p.weekdays.iter().any(|d| !(1..=7).contains(d)) {
        return Err(CoreError::validation(
            "weekdays",
            "Choose at least one weekday.",
        ));
    }
    if !(1..=52).contains(&p.weeks) {
        return Err(CoreError::validation(
            "weeks",
            "A pattern runs for 1 to 52 weeks.",
        ));
    }
    let mut days = Vec::new();
    for i in 0..i64::from(p.weeks) * 7 {
        let d = first + Duration::days(i);
        if p.weekdays
            .contains(&(d.weekday().number_from_monday() as u8))
        {
            days.push(d);
        }
    }
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    let mut made = Vec::new();
    for d in days {
        if at(d, common.0)? <= now {
            continue;
        }
        let c = check_day(d, &common)?;
        if let Some(s) = insert(&mut tx, &c).await? {
            made.push(s);
        }
    }
    audit::record(
        &mut tx,
        actor,
        "shop.slot.pattern",
        None,
        Some(&format!(
            "{} slot(s) from {first}, {}–{}",
            made.len(),
            p.slot.from,
            p.slot.to
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(made)
}

/// Upcoming slots (and those of the last day), soonest first.
pub async fn upcoming(store: &Store) -> Result<Vec<Slot>> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM shop_slots WHERE ends_at > $1 ORDER BY starts_at, id LIMIT 2000"
    ))
    .bind(crate::now_ms() - 86_400_000)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(slot)
    .collect()
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<Slot>> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM shop_slots WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    r.as_ref().map(slot).transpose()
}

/// Future slots with room that serve the postcode, soonest first (at most 60).
pub async fn available(conn: &mut AnyConnection, postcode: &str) -> Result<Vec<Slot>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM shop_slots WHERE starts_at > $1 AND booked < capacity ORDER BY starts_at, id LIMIT 2000"
    ))
    .bind(crate::now_ms())
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let s = slot(r)?;
        if serves(&s, postcode) {
            out.push(s);
            if out.len() == 60 {
                break;
            }
        }
    }
    Ok(out)
}

/// Takes one place of the slot in the caller's transaction; `None` when it is full, past or
/// gone (nothing written). A write, so it may be a transaction's first statement.
pub async fn book(conn: &mut AnyConnection, slot_id: i64) -> Result<Option<Slot>> {
    let r = sqlx::query(&format!(
        "UPDATE shop_slots SET booked = booked + 1 WHERE id = $1 AND booked < capacity AND starts_at > $2 RETURNING {COLS}"
    ))
    .bind(slot_id)
    .bind(crate::now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(slot).transpose()
}

pub async fn delete(store: &Store, actor: &Actor, id: i64) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    let gone: Option<(i64, i64)> = sqlx::query_as(
        "DELETE FROM shop_slots WHERE id = $1 AND booked = 0 \
         AND NOT EXISTS (SELECT 1 FROM shop_deliveries d WHERE d.slot_id = shop_slots.id) RETURNING starts_at, ends_at",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((s, e)) = gone else {
        drop(tx);
        let mut conn = store.pool().acquire().await?;
        return Err(match by_id(&mut conn, id).await? {
            None => CoreError::NotFound(format!("There is no slot {id}.")),
            Some(_) => CoreError::Conflict {
                field: None,
                message: "Orders were placed for this slot; it cannot be deleted.".into(),
            },
        });
    };
    audit::record(
        &mut tx,
        actor,
        "shop.slot.delete",
        Some(("slot", id.to_string())),
        Some(&label(s, e)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
