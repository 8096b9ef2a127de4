//! Money, kept in cents everywhere (sums are exact on both stores), and how a form writes
//! and reads it: every module (orders, procurement, the shop) formats it here.

/// Money is kept in cents: sums are exact on both back ends.
pub type Cents = i64;

/// "12.50" for 1250.
pub fn money(cents: Cents) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        cents.unsigned_abs() / 100,
        cents.unsigned_abs() % 100
    )
}

/// "12.50", "12,50" or "12" in cents; `None` when it is not an amount with at most two
/// decimals.
pub fn parse_price_text(text: &str) -> Option<Cents> {
    let t = text.trim().replace(',', ".");
    let (whole, frac) = t.split_once('.').unwrap_or((t.as_str(), ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty())
        || !digits(whole)
        || !digits(frac)
        || frac.len() > 2
        || whole.len() > 9
    {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(w * 100 + f)
}
