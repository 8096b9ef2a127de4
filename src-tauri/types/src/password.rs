//! Password and e-mail rules, shared so the UI can show the same verdict the core enforces.

/// Minimum length of a password (OWASP ASVS asks for at least 8; we ask for 10).
pub const MIN_PASSWORD_LEN: usize = 10;

/// Common passwords long enough to pass the length rule; shorter ones fail that rule anyway.
const COMMON: &str = include_str!("common_passwords.txt");

/// Checks the password policy. The error is a sentence for the user.
pub fn check_password(password: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_LEN {
        return Err(format!(
            "Password must be at least {MIN_PASSWORD_LEN} characters long."
        ));
    }
    if chars > 256 {
        return Err("Password must be at most 256 characters long.".into());
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    if !email.is_empty() {
        let local = email.split('@').next().unwrap_or_default();
        if lower == email || (local.len() >= 4 && lower.contains(local)) {
            return Err("Password must not contain your e-mail address.".into());
        }
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err("Password is too simple: use at least 4 different characters.".into());
    }
    if COMMON
        .lines()
        .map(str::trim)
        .any(|c| !c.is_empty() && c == lower)
    {
        return Err("Password is on the list of commonly used passwords; choose another.".into());
    }
    Ok(())
}

/// A rough 0-4 strength score for the UI meter (the policy above is what is enforced).
pub fn strength(password: &str) -> u8 {
    let len = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let score = match len {
        0..=9 => 0,
        10..=11 => 1,
        12..=15 => 2,
        _ => 3,
    } + usize::from(classes >= 3);
    score.min(4) as u8
}

/// Normalises an e-mail address for storage and comparison (trimmed, lower case).
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A deliberately plain syntax check; the mail transport validates strictly at send time.
pub fn check_email(email: &str) -> Result<(), String> {
    let email = email.trim();
    if email.is_empty() {
        return Err("E-mail is required.".into());
    }
    if email.len() > 254 {
        return Err("E-mail is longer than 254 characters.".into());
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(format!(
            "\"{email}\" is not an e-mail address: it has no @."
        ));
    };
    let bad = |s: &str| {
        s.is_empty()
            || s.chars()
                .any(|c| c.is_whitespace() || c == '@' || c.is_control())
    };
    if bad(local)
        || bad(domain)
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(format!("\"{email}\" is not a valid e-mail address."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_email_like_passwords_are_refused() {
        assert!(
            check_password("short", "a@b.co")
                .unwrap_err()
                .contains("at least 10")
        );
        assert!(
            check_password("password123", "a@b.co")
                .unwrap_err()
                .contains("commonly used")
        );
        assert!(
            check_password("Qwertyuiop", "a@b.co")
                .unwrap_err()
                .contains("commonly used")
        );
        assert!(check_password("ANNA.SMITH@example.com", "anna.smith@example.com").is_err());
        assert!(check_password("xx-anna.smith-xx", "anna.smith@example.com").is_err());
        assert!(
            check_password("aaaaaaaaaaaa", "a@b.co")
                .unwrap_err()
                .contains("different")
        );
        assert!(check_password("Forklift-Harbour-42", "anna@example.com").is_ok());
    }

    #[test]
    fn email_syntax() {
        assert!(check_email("anna@example.com").is_ok());
        for bad in [
            "",
            "anna",
            "anna@",
            "@example.com",
            "an na@example.com",
            "anna@example",
            "a@b@c.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(normalize_email("  Anna@Example.COM "), "anna@example.com");
    }

    #[test]
    fn strength_grows_with_length_and_variety() {
        assert_eq!(strength("abc"), 0);
        assert!(strength("Forklift-Harbour-42") > strength("forkliftha"));
    }
}
