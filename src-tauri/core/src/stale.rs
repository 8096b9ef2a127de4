//! No lost update: a record a person edits in a form carries a `version`; a save names the
//! version its form was read at and is written only while the stored record still has it
//! (one conditional UPDATE). A save from a stale read is refused with what changed, who
//! changed it and when — never applied, never silently reverted.

use crate::error::CoreError;

/// A field whose stored value differs from what the stale form would have written.
pub struct Changed {
    pub label: &'static str,
    /// The value stored now.
    pub now: String,
    /// The value the refused form sent.
    pub yours: String,
}

impl Changed {
    /// `Some` when the two values differ.
    pub fn field(label: &'static str, now: impl ToString, yours: impl ToString) -> Option<Self> {
        let (now, yours) = (now.to_string(), yours.to_string());
        (now != yours).then_some(Changed { label, now, yours })
    }
}

/// Who last changed a record and when, as stored beside its version.
pub struct LastChange {
    pub version: i64,
    pub by: Option<String>,
    pub at_ms: i64,
}

/// A window's save of an existing record that names no version: refused by name (the window
/// must say which version its form was read at).
pub fn version_required(what: &str) -> CoreError {
    CoreError::validation(
        "version",
        format!(
            "A change of a {what} must name the version it was read at: reload it and try again."
        ),
    )
}

/// The refusal of a save made from version `read` of `what` ("Product SKU-1").
pub fn refused(what: &str, read: i64, last: &LastChange, changed: &[Changed]) -> CoreError {
    refusal(what, Some(read), last, changed)
}

/// The refusal of a field-wise change whose fields were changed since the form showed them
/// (records without a version, such as tickets; `last.version` is not shown).
pub fn refused_fields(what: &str, last: &LastChange, changed: &[Changed]) -> CoreError {
    refusal(what, None, last, changed)
}

fn refusal(what: &str, read: Option<i64>, last: &LastChange, changed: &[Changed]) -> CoreError {
    let who = last.by.as_deref().unwrap_or("someone else");
    let when = chrono::DateTime::from_timestamp_millis(last.at_ms)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "a moment ago".into());
    let mut message = match read {
        Some(read) => format!(
            "{what} was changed by {who} at {when}, after you opened it (version {read}, now {}).",
            last.version
        ),
        None => format!("{what} was changed by {who} at {when}, after you opened it."),
    };
    if changed.is_empty() {
        message.push_str(" Its fields now hold what your form holds.");
    } else {
        let list: Vec<String> = changed
            .iter()
            .map(|c| {
                format!(
                    "{} is now {} (your form showed {})",
                    c.label, c.now, c.yours
                )
            })
            .collect();
        message.push_str(&format!(" {}.", list.join("; ")));
    }
    message.push_str(" Nothing was saved: reload it and make your change again.");
    CoreError::Stale(message)
}
