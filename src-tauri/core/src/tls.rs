//! The site's trusted certificates: one PEM file of the site's own CA certificates, trusted
//! beside the operating system's store by every TLS connection Portdesk makes (SMTP,
//! Microsoft Graph and the webhook, SQL Server, PostgreSQL).
//!
//! The file is read and checked once (at start and when the setting is saved), so a bad file
//! is reported with its name and problem instead of surfacing later as an "unknown issuer"
//! from deep inside a TLS library. A bad file never blocks what does not use TLS: only the
//! connections that would have trusted it fail, with the file's problem as their message.

use chrono::DateTime;
use portdesk_types::settings::{CertificateInfo, TlsSettings};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use x509_parser::pem::Pem;

/// A CA bundle is a few hundred kB (Mozilla's whole store is ~220 kB); anything far larger is
/// not a certificate file.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CertError {
    #[error("The trusted certificates file {path} cannot be read: {reason}.")]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "The trusted certificates file {path} is {size} bytes; a certificate file is at most {max} bytes."
    )]
    TooLarge { path: PathBuf, size: u64, max: u64 },
    #[error(
        "The trusted certificates file {path} is a binary (DER) certificate, not PEM: export it as \"Base-64 encoded X.509\" (a text file starting with -----BEGIN CERTIFICATE-----)."
    )]
    Der { path: PathBuf },
    #[error(
        "The trusted certificates file {path} is not a PEM file: it holds no -----BEGIN CERTIFICATE----- block."
    )]
    NotPem { path: PathBuf },
    #[error("The trusted certificates file {path} is damaged: {reason}.")]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "The trusted certificates file {path} holds a private key. Give only the certificates: a private key must never leave the server it belongs to."
    )]
    PrivateKey { path: PathBuf },
    #[error("Certificate {index} in {path} is not a valid X.509 certificate: {reason}.")]
    BadCertificate {
        path: PathBuf,
        index: usize,
        reason: String,
    },
    #[error(
        "The certificate \"{subject}\" in {path} expired on {date}: ask for the CA's current certificate."
    )]
    Expired {
        path: PathBuf,
        subject: String,
        date: String,
    },
    #[error("The certificate \"{subject}\" in {path} is not valid before {date}.")]
    NotYetValid {
        path: PathBuf,
        subject: String,
        date: String,
    },
}

/// The checked contents of a trusted-certificates file.
#[derive(Debug)]
pub struct Certificates {
    path: PathBuf,
    /// The file's text, certificate blocks only, as every TLS library takes PEM.
    pem: Vec<u8>,
    info: Vec<CertificateInfo>,
}

impl Certificates {
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The certificates as PEM text (only the CERTIFICATE blocks of the file).
    pub fn pem(&self) -> &[u8] {
        &self.pem
    }
    pub fn info(&self) -> &[CertificateInfo] {
        &self.info
    }
}

fn date_of(ts: i64) -> String {
    DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| ts.to_string())
}

/// Reads and checks a trusted-certificates file: PEM, at least one certificate, each one a
/// valid X.509 certificate that is valid today, and no private key.
pub fn read(path: &Path) -> Result<Certificates, CertError> {
    let path_buf = path.to_path_buf();
    let unreadable = |e: std::io::Error| CertError::Unreadable {
        path: path_buf.clone(),
        reason: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(CertError::Unreadable {
            path: path_buf,
            reason: "it is not a file".into(),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(CertError::TooLarge {
            path: path_buf,
            size: meta.len(),
            max: MAX_FILE_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    // A certificate saved as DER (binary) is the usual mix-up on Windows: say so.
    if bytes.first() == Some(&0x30) && x509_parser::parse_x509_certificate(&bytes).is_ok() {
        return Err(CertError::Der { path: path_buf });
    }
    let now = chrono::Utc::now().timestamp();
    let mut pem_out = Vec::new();
    let mut info = Vec::new();
    for block in Pem::iter_from_buffer(&bytes) {
        let block = block.map_err(|e| CertError::Damaged {
            path: path_buf.clone(),
            reason: e.to_string(),
        })?;
        if block.label.contains("PRIVATE KEY") {
            return Err(CertError::PrivateKey { path: path_buf });
        }
        if block.label != "CERTIFICATE" {
            continue;
        }
        let index = info.len() + 1;
        let cert = block.parse_x509().map_err(|e| CertError::BadCertificate {
            path: path_buf.clone(),
            index,
            reason: e.to_string(),
        })?;
        let subject = cert.subject().to_string();
        let validity = cert.validity();
        let (from, until) = (
            validity.not_before.timestamp(),
            validity.not_after.timestamp(),
        );
        if until < now {
            return Err(CertError::Expired {
                path: path_buf,
                subject,
                date: date_of(until),
            });
        }
        if from > now {
            return Err(CertError::NotYetValid {
                path: path_buf,
                subject,
                date: date_of(from),
            });
        }
        info.push(CertificateInfo {
            subject,
            issuer: cert.issuer().to_string(),
            valid_until: date_of(until),
            is_ca: cert.is_ca(),
        });
        pem_out.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
        pem_out.extend_from_slice(wrap_base64(&block.contents).as_bytes());
        pem_out.extend_from_slice(b"-----END CERTIFICATE-----\n");
    }
    if info.is_empty() {
        return Err(CertError::NotPem { path: path_buf });
    }
    Ok(Certificates {
        path: path_buf,
        pem: pem_out,
        info,
    })
}

/// PEM's 64-column base64 lines.
fn wrap_base64(der: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(text.len() + text.len() / 64 + 1);
    for chunk in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// What every TLS connection trusts beside the OS store: nothing extra, the site's checked
/// certificates, or the problem with the configured file (which such connections report).
#[derive(Debug, Clone, Default)]
pub struct Trust(Option<Arc<Result<Certificates, CertError>>>);

impl Trust {
    /// The OS store only.
    pub fn system() -> Trust {
        Trust(None)
    }

    /// Trust for a setting; never fails (a bad file is kept as the error to report).
    pub fn from_settings(settings: &TlsSettings) -> Trust {
        match settings.file() {
            None => Trust(None),
            Some(p) => Trust(Some(Arc::new(read(Path::new(p))))),
        }
    }

    /// The site's certificates for a TLS connection; `Ok(None)` when none are configured.
    pub fn certificates(&self) -> Result<Option<&Certificates>, CertError> {
        match self.0.as_deref() {
            None => Ok(None),
            Some(Ok(c)) => Ok(Some(c)),
            Some(Err(e)) => Err(e.clone()),
        }
    }

    /// The configured file's problem, if any.
    pub fn problem(&self) -> Option<&CertError> {
        self.0.as_deref().and_then(|r| r.as_ref().err())
    }

    /// What is trusted besides the OS store (for the Settings window).
    pub fn info(&self) -> Vec<CertificateInfo> {
        match self.0.as_deref() {
            Some(Ok(c)) => c.info.clone(),
            _ => Vec::new(),
        }
    }
}

/// The desktop's current [`Trust`], shared with the long-running mail sender so a change in
/// Settings applies to its next pass without a restart.
#[derive(Debug, Clone, Default)]
pub struct SharedTrust(Arc<RwLock<Trust>>);

impl SharedTrust {
    pub fn new(trust: Trust) -> SharedTrust {
        SharedTrust(Arc::new(RwLock::new(trust)))
    }
    pub fn get(&self) -> Trust {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
    pub fn set(&self, trust: Trust) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = trust;
    }
}

/// A TLS library's failure with what to do about it appended, when the text shows a
/// certificate problem a site's IT person can act on.
pub fn explain(text: String) -> String {
    let hint = if text.contains("UnknownIssuer") || text.contains("unknown issuer") {
        "The server's certificate was issued by a certificate authority this desktop does not trust: add the site's CA certificate under Settings → Trusted certificates."
    } else if text.contains("not valid for name") || text.contains("NotValidForName") {
        "The server's certificate is for another name: connect by the name its certificate gives."
    } else if text.contains("certificate") && text.contains("xpired") {
        "The server's certificate has expired: its administrator must renew it."
    } else if text.contains("does not support TLS") {
        "Portdesk sends the store's password only over TLS, so nobody on the network can read it. Turn TLS on at the server (PostgreSQL: ssl = on, with a certificate for the name desktops connect to; add your own CA under Settings → Trusted certificates), or — for a test server only — tick \"Allow an unencrypted connection\" in Settings → Store."
    } else {
        return text;
    };
    format!("{}. {hint}", text.trim_end_matches('.'))
}

/// An error with its causes ("error sending request: … : invalid peer certificate …"):
/// some libraries keep the useful part in the source chain.
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
