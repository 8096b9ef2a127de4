//! Logs through `tracing` to stderr and to a daily rolling file in the app-data folder.
//! Secrets are redacted twice: [`portdesk_types::Secret`] never prints its value, and the
//! writer masks `password=…`-style pairs that might arrive inside a driver's error text.

use std::io::{self, Write};
use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, fmt};

/// Keep it alive for the life of the process: dropping it flushes the file log.
pub struct LogGuard(#[allow(dead_code)] Option<WorkerGuard>);

/// Starts logging. When the log folder cannot be written, logs go to stderr only and the
/// returned warning says why.
pub fn init(log_dir: &Path, default_filter: &str) -> (LogGuard, Option<String>) {
    let filter = || {
        EnvFilter::try_from_env("PORTDESK_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter))
    };
    let stderr = fmt::layer()
        .with_writer(Redacting(io::stderr))
        .with_target(false);
    let file = std::fs::create_dir_all(log_dir)
        .map_err(|e| e.to_string())
        .and_then(|_| {
            Builder::new()
                .rotation(Rotation::DAILY)
                .filename_prefix("portdesk")
                .filename_suffix("log")
                .max_log_files(14)
                .build(log_dir)
                .map_err(|e| e.to_string())
        });
    match file {
        Ok(appender) => {
            let (nb, guard) = tracing_appender::non_blocking(appender);
            let file_layer = fmt::layer().with_ansi(false).with_writer(Redacting(nb));
            let _ = tracing_subscriber::registry()
                .with(filter())
                .with(stderr)
                .with(file_layer)
                .try_init();
            (LogGuard(Some(guard)), None)
        }
        Err(e) => {
            let _ = tracing_subscriber::registry()
                .with(filter())
                .with(stderr)
                .try_init();
            let msg = format!(
                "Logs cannot be written to {} ({e}); logging to the console only.",
                log_dir.display()
            );
            tracing::warn!("{msg}");
            (LogGuard(None), Some(msg))
        }
    }
}

/// Wraps a writer factory so every line written is passed through [`redact`].
#[derive(Clone)]
pub struct Redacting<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

pub struct RedactingWriter<W>(W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // tracing's fmt layer hands over one whole event per call.
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

const KEYS: &[&str] = &["password", "passwd", "pwd", "secret", "token", "code_hash"];

/// Masks the value after `key=`, `key: ` or `"key":` for keys that name secrets.
pub fn redact(line: &str) -> String {
    let line = &redact_url_credentials(line);
    let lower = line.to_ascii_lowercase();
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let hit = KEYS.iter().find_map(|k| {
            if !lower[i..].starts_with(k) {
                return None;
            }
            let mut j = i + k.len();
            if bytes.get(j) == Some(&b'"') {
                j += 1;
            }
            match bytes.get(j) {
                Some(b'=') | Some(b':') => {
                    j += 1;
                    while matches!(bytes.get(j), Some(b' ') | Some(b'"')) {
                        j += 1;
                    }
                    Some(j)
                }
                _ => None,
            }
        });
        if let Some(start) = hit {
            out.push_str(&line[i..start]);
            let mut end = start;
            while end < line.len()
                && !matches!(bytes[end], b';' | b' ' | b'"' | b',' | b'\n' | b'}' | b'\'')
            {
                end += 1;
            }
            if end > start {
                out.push_str("***");
            }
            i = end;
        } else {
            let ch = line[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&line[i..i + ch]);
            i += ch;
        }
    }
    out
}

/// `scheme://user:password@host` becomes `scheme://user:***@host`.
fn redact_url_credentials(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..=colon]);
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn masks_url_credentials() {
        assert_eq!(
            redact("cannot reach postgres://ann:s3cr%40t@db:5432/p"),
            "cannot reach postgres://ann:***@db:5432/p"
        );
        assert_eq!(
            redact("see https://example.com/a:b@c"),
            "see https://example.com/a:b@c"
        );
    }

    #[test]
    fn masks_secret_pairs_and_keeps_the_rest() {
        assert_eq!(
            redact("Server=erp;User Id=sa;Password=Tr0ub4dor&3;"),
            "Server=erp;User Id=sa;Password=***;"
        );
        assert_eq!(
            redact(r#"{"password":"s3cret","email":"a@b.c"}"#),
            r#"{"password":"***","email":"a@b.c"}"#
        );
        assert_eq!(
            redact("postgres connect failed pwd: hunter2 at host"),
            "postgres connect failed pwd: *** at host"
        );
        assert_eq!(
            redact("user ann signed in; no secrets here — Łódź"),
            "user ann signed in; no secrets here — Łódź"
        );
        assert_eq!(redact("password_policy ok"), "password_policy ok");
    }
}
