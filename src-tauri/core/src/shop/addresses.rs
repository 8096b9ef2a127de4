//! Delivery addresses (several per customer, one default) and the per-country postcode rules
//! kept in the settings.

use crate::error::{CoreError, Result};
use crate::settings;
use crate::store::Store;
use portdesk_types::shop::*;
use sqlx::{AnyConnection, Row};

pub const POSTCODE_RULES: &str = "shop.postcode_rules";
pub const DEFAULT_COUNTRY: &str = "shop.default_country";
/// Most addresses one customer keeps.
pub const MAX_ADDRESSES: i64 = 20;

/// The rules a fresh install starts with: India's six-digit PIN (seed 002's rule) among others.
pub const DEFAULT_RULES: &str = "IN ^[1-9][0-9]{5}$\n\
GB ^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$\n\
US ^[0-9]{5}(-[0-9]{4})?$\n\
DE ^[0-9]{5}$\n\
NL ^[1-9][0-9]{3} ?[A-Z]{2}$";

/// A country's rule, checked when the settings are saved.
pub struct Rules(Vec<(String, regex::Regex)>);

impl Rules {
    pub fn parse(text: &str) -> Result<Rules> {
        let mut rules = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (country, pattern) = line.split_once(char::is_whitespace).ok_or_else(|| {
                CoreError::validation(
                    "postcode_rules",
                    format!(
                        "Line {}: write a country code, a space and a pattern, as in \"IN ^[0-9]{{6}}$\".",
                        i + 1
                    ),
                )
            })?;
            let country = country_code(country).map_err(|_| {
                CoreError::validation(
                    "postcode_rules",
                    format!(
                        "Line {}: \"{country}\" is not a two-letter country code.",
                        i + 1
                    ),
                )
            })?;
            let re = regex::RegexBuilder::new(pattern.trim())
                .size_limit(1 << 16)
                .build()
                .map_err(|e| {
                    CoreError::validation(
                        "postcode_rules",
                        format!("Line {}: the pattern is not valid: {e}", i + 1),
                    )
                })?;
            rules.push((country, re));
        }
        Ok(Rules(rules))
    }

    /// The postcode as stored (trimmed, upper case), or why it is wrong.
    pub fn check(&self, country: &str, postcode: &str) -> Result<String> {
        let p = postcode.trim().to_uppercase();
        if p.is_empty() {
            return Err(CoreError::validation("postcode", "Fill in the postcode."));
        }
        let ok = match self.0.iter().find(|(c, _)| c == country) {
            Some((_, re)) => re.is_match(&p),
            None => {
                (2..=10).contains(&p.len())
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
            }
        };
        if ok {
            Ok(p)
        } else {
            Err(CoreError::validation(
                "postcode",
                match country {
                    "IN" => format!("\"{p}\" is not a postcode in India (a six-digit PIN)."),
                    _ => format!("\"{p}\" is not a postcode in {country}."),
                },
            ))
        }
    }
}

fn country_code(text: &str) -> std::result::Result<String, ()> {
    let c = text.trim().to_uppercase();
    if c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(())
    }
}

pub async fn shop_settings(store: &Store) -> Result<ShopSettings> {
    Ok(ShopSettings {
        postcode_rules: settings::get(store.pool(), POSTCODE_RULES)
            .await?
            .unwrap_or_else(|| DEFAULT_RULES.to_owned()),
        default_country: settings::get(store.pool(), DEFAULT_COUNTRY)
            .await?
            .unwrap_or_else(|| "IN".to_owned()),
        // Set by the window's command (see `settings::card_version`).
        version: None,
    })
}

pub async fn save_settings(store: &Store, s: &ShopSettings) -> Result<ShopSettings> {
    Rules::parse(&s.postcode_rules)?;
    let country = country_code(&s.default_country).map_err(|_| {
        CoreError::validation(
            "default_country",
            "Write a two-letter country code, such as IN or GB.",
        )
    })?;
    let mut tx = store.pool().begin().await?;
    settings::set(&mut *tx, POSTCODE_RULES, s.postcode_rules.trim()).await?;
    settings::set(&mut *tx, DEFAULT_COUNTRY, &country).await?;
    tx.commit().await?;
    shop_settings(store).await
}

fn address(r: &sqlx::any::AnyRow) -> Result<Address> {
    let kind: String = r.try_get("kind")?;
    Ok(Address {
        id: r.try_get("id")?,
        kind: AddressKind::parse(&kind).unwrap_or(AddressKind::Other),
        name: r.try_get("name")?,
        line1: r.try_get("line1")?,
        line2: r.try_get("line2")?,
        city: r.try_get("city")?,
        postcode: r.try_get("postcode")?,
        country: r.try_get("country")?,
        phone: r.try_get("phone")?,
        is_default: r.try_get::<i64, _>("is_default")? == 1,
        version: r.try_get("version")?,
    })
}

const COLS: &str =
    "id, kind, name, line1, line2, city, postcode, country, phone, is_default, version";

pub async fn list(store: &Store, customer_id: i64) -> Result<Vec<Address>> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM shop_addresses WHERE customer_id = $1 ORDER BY is_default DESC, id"
    ))
    .bind(customer_id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(address)
    .collect()
}

/// A save of an address from a form older than what is stored (another window or device of
/// the same customer changed it): refused with what changed.
fn stale(stored: &Address, at_ms: i64, e: &AddressEdit, line1: &str, postcode: &str) -> CoreError {
    let changed: Vec<crate::stale::Changed> = [
        crate::stale::Changed::field("name", &stored.name, e.name.trim()),
        crate::stale::Changed::field("address", &stored.line1, line1),
        crate::stale::Changed::field("postcode", &stored.postcode, postcode),
        crate::stale::Changed::field(
            "default",
            if stored.is_default { "yes" } else { "no" },
            if e.is_default { "yes" } else { "no" },
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    crate::stale::refused(
        &format!("The address \"{}\"", stored.name),
        e.version.unwrap_or_default(),
        &crate::stale::LastChange {
            version: stored.version,
            by: Some("your account (another window or device)".into()),
            at_ms,
        },
        &changed,
    )
}

/// The customer's own address; another customer's id is answered as unknown.
pub async fn owned(conn: &mut AnyConnection, customer_id: i64, id: i64) -> Result<Address> {
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM shop_addresses WHERE id = $1 AND customer_id = $2"
    ))
    .bind(id)
    .bind(customer_id)
    .fetch_optional(&mut *conn)
    .await?;
    match r {
        Some(r) => address(&r),
        None => Err(CoreError::NotFound(format!("There is no address {id}."))),
    }
}

pub async fn save(store: &Store, customer_id: i64, e: &AddressEdit) -> Result<Vec<Address>> {
    let name = super::text("name", &e.name, true, 100)?;
    let line1 = super::text("line1", &e.line1, true, 200)?;
    let line2 = super::text("line2", &e.line2, false, 200)?;
    let city = super::text("city", &e.city, true, 100)?;
    let country = country_code(&e.country).map_err(|_| {
        CoreError::validation(
            "country",
            "Write a two-letter country code, such as IN or GB.",
        )
    })?;
    let rules = Rules::parse(&shop_settings(store).await?.postcode_rules)?;
    let postcode = rules.check(&country, &e.postcode)?;
    let phone = crate::search::phone("phone", &e.phone)?;
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    // Writes first: clear the old default before anything is read.
    if e.is_default {
        sqlx::query(
            "UPDATE shop_addresses SET is_default = 0 WHERE customer_id = $1 AND is_default = 1",
        )
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    }
    let id: i64 = match e.id {
        Some(id) => {
            let written: Option<i64> = sqlx::query_scalar(
                "UPDATE shop_addresses SET kind = $1, name = $2, line1 = $3, line2 = $4, city = $5, postcode = $6, \
                 country = $7, phone = $8, is_default = $9, updated_at = $10, version = version + 1 \
                 WHERE id = $11 AND customer_id = $12 AND ($13 < 0 OR version = $13) RETURNING id",
            )
            .bind(e.kind.as_str())
            .bind(&name)
            .bind(&line1)
            .bind(&line2)
            .bind(&city)
            .bind(&postcode)
            .bind(&country)
            .bind(&phone)
            .bind(i64::from(e.is_default))
            .bind(now)
            .bind(id)
            .bind(customer_id)
            .bind(e.version.unwrap_or(-1))
            .fetch_optional(&mut *tx)
            .await?;
            match written {
                Some(id) => id,
                None => {
                    let _ = tx.rollback().await;
                    // Not the customer's (unknown), or changed since the form read it.
                    let mut conn = store.pool().acquire().await?;
                    let stored = owned(&mut conn, customer_id, id).await?;
                    let (at,): (i64,) =
                        sqlx::query_as("SELECT updated_at FROM shop_addresses WHERE id = $1")
                            .bind(id)
                            .fetch_one(&mut *conn)
                            .await?;
                    return Err(stale(&stored, at, e, &line1, &postcode));
                }
            }
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO shop_addresses (customer_id, kind, name, line1, line2, city, postcode, country, phone, \
                 is_default, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(customer_id)
            .bind(e.kind.as_str())
            .bind(&name)
            .bind(&line1)
            .bind(&line2)
            .bind(&city)
            .bind(&postcode)
            .bind(&country)
            .bind(&phone)
            .bind(i64::from(e.is_default))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let (n,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM shop_addresses WHERE customer_id = $1")
                    .bind(customer_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if n > MAX_ADDRESSES {
                return Err(CoreError::validation(
                    "name",
                    format!("You can keep at most {MAX_ADDRESSES} addresses; delete one first."),
                ));
            }
            id
        }
    };
    ensure_default(&mut tx, customer_id, Some(id)).await?;
    tx.commit().await?;
    list(store, customer_id).await
}

/// A customer with addresses always has one default: the one just saved, else the oldest.
async fn ensure_default(
    conn: &mut AnyConnection,
    customer_id: i64,
    prefer: Option<i64>,
) -> Result<()> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM shop_addresses WHERE customer_id = $1 AND is_default = 1",
    )
    .bind(customer_id)
    .fetch_one(&mut *conn)
    .await?;
    if n == 0 {
        sqlx::query(
            "UPDATE shop_addresses SET is_default = 1 WHERE id = COALESCE($1, \
             (SELECT MIN(id) FROM shop_addresses WHERE customer_id = $2)) AND customer_id = $2",
        )
        .bind(prefer)
        .bind(customer_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn delete(store: &Store, customer_id: i64, id: i64) -> Result<Vec<Address>> {
    let mut tx = store.pool().begin().await?;
    let gone = sqlx::query("DELETE FROM shop_addresses WHERE id = $1 AND customer_id = $2")
        .bind(id)
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    if gone.rows_affected() == 0 {
        return Err(CoreError::NotFound(format!("There is no address {id}.")));
    }
    ensure_default(&mut tx, customer_id, None).await?;
    tx.commit().await?;
    list(store, customer_id).await
}
