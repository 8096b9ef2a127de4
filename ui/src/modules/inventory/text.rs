//! How the Inventory window writes numbers, ages and times.

pub(super) fn fmt_num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
        None => String::new(),
    }
}

pub(super) fn age(ms: i64) -> String {
    let mins = ((web_sys::js_sys::Date::now() as i64 - ms) / 60_000).max(0);
    match mins {
        0 => "just now".into(),
        1..=59 => format!("{mins} min ago"),
        _ if mins < 48 * 60 => format!("{} h ago", mins / 60),
        _ => format!("{} days ago", mins / 1440),
    }
}

pub(super) fn when(ms: i64) -> String {
    crate::common::widgets::date_time(ms)
}

/// 100000 as "100,000".
pub(super) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn same_customer(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}
