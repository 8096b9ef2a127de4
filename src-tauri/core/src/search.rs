//! What a user types into a search box, made safe for full-text search: the words (letters
//! and digits only, so nothing typed is search syntax), lower case, at most 8, each matched as
//! a prefix. Used by every ranked search (the Shop's catalogue, the knowledge base).

/// The words of a search.
pub fn words(search: &str) -> Vec<String> {
    search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(40).collect())
        .take(8)
        .collect()
}

/// SQLite FTS5: every word, as a prefix (`"pall"* "dam"*`).
pub fn fts5(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// PostgreSQL `to_tsquery('simple', …)`: every word, as a prefix (`pall:* & dam:*`).
pub fn tsquery(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("{w}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// A short text field as typed: trimmed, required or not, at most `max` characters; the
/// message names the problem, the field is named by the caller's error.
pub fn text(
    field: &'static str,
    value: &str,
    required: bool,
    max: usize,
) -> crate::error::Result<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(crate::error::CoreError::validation(field, "Fill this in."));
    }
    if v.chars().count() > max {
        return Err(crate::error::CoreError::validation(
            field,
            format!("At most {max} characters."),
        ));
    }
    Ok(v.to_owned())
}

/// A phone number by the one rule (`portdesk_types::accounts::check_phone`), as a field error.
pub fn phone(field: &'static str, value: &str) -> crate::error::Result<String> {
    portdesk_types::accounts::check_phone(value)
        .map(Option::unwrap_or_default)
        .map_err(|m| crate::error::CoreError::validation(field, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_syntax_is_only_words() {
        let w = words("\"Pallet\" OR * -(dam^aged NEAR");
        assert_eq!(w, ["pallet", "or", "dam", "aged", "near"]);
        assert_eq!(fts5(&w[..2]), "\"pallet\"* \"or\"*");
        assert_eq!(tsquery(&w[..2]), "pallet:* & or:*");
        assert!(words(" ,;- ").is_empty());
    }
}
