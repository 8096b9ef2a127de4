//! The ways a message leaves Portdesk: SMTP (lettre), Microsoft Graph and a JSON webhook
//! (reqwest), or an .eml file in a pickup folder. Each answers with an [`Outcome`] that tells
//! a permanent refusal from a reason to try again.

use super::outbox::{Claimed, Outcome};
use crate::tls::Trust;
use base64::Engine;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use portdesk_types::Secret;
use portdesk_types::mail::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub enum Transport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    Graph(Box<Graph>),
    Webhook {
        client: reqwest::Client,
        url: String,
        token: Option<Secret>,
    },
    Pickup(PathBuf),
}

pub struct Graph {
    client: reqwest::Client,
    settings: GraphSettings,
    secret: Secret,
    /// The access token and when it stops being valid.
    token: Mutex<Option<(String, Instant)>>,
}

/// "SMTP mail.example.com:587 (STARTTLS)" and the like, for the Mail window and the logs.
pub fn describe(t: &MailTransport) -> String {
    match t {
        MailTransport::NotConfigured => {
            "No mail transport is configured: messages wait in the outbox.".into()
        }
        MailTransport::Smtp(s) => format!(
            "SMTP {}:{} ({})",
            s.host.trim(),
            s.port,
            match s.security {
                SmtpSecurity::StartTls => "STARTTLS",
                SmtpSecurity::Tls => "TLS",
                SmtpSecurity::None => "unencrypted",
            }
        ),
        MailTransport::Graph(g) => format!("Microsoft Graph as {}", g.sender.trim()),
        MailTransport::Webhook(w) => format!("JSON webhook {}", w.url.trim()),
        MailTransport::PickupFolder { path } => format!(".eml files in {}", path.trim()),
    }
}

impl Transport {
    /// A transport for the settings, or why there is none (not configured, secret missing, the
    /// site's trusted-certificates file unusable). Every TLS connection trusts the OS store
    /// plus `trust`'s certificates.
    pub fn build(
        settings: &MailSettings,
        secret: Option<Secret>,
        trust: &Trust,
    ) -> Result<Transport, String> {
        let site_pem = || -> Result<Option<Vec<u8>>, String> {
            Ok(trust
                .certificates()
                .map_err(|e| e.to_string())?
                .map(|c| c.pem().to_vec()))
        };
        let http = |secs: u32| {
            let mut b = reqwest::Client::builder()
                .timeout(Duration::from_secs(u64::from(secs.max(1))))
                .user_agent(concat!("Portdesk/", env!("CARGO_PKG_VERSION")));
            if let Some(pem) = site_pem()? {
                let certs = reqwest::Certificate::from_pem_bundle(&pem)
                    .map_err(|e| format!("cannot use the trusted certificates: {e}"))?;
                b = b.tls_certs_merge(certs);
            }
            b.build().map_err(|e| format!("cannot set up HTTP: {e}"))
        };
        match &settings.transport {
            MailTransport::NotConfigured => Err("No mail transport is configured.".into()),
            MailTransport::Smtp(s) => {
                let host = s.host.trim();
                let tls = |wrap: fn(TlsParameters) -> Tls| -> Result<Tls, String> {
                    let mut p = TlsParameters::builder(host.to_owned());
                    if let Some(pem) = site_pem()? {
                        let cert = Certificate::from_pem(&pem)
                            .map_err(|e| format!("cannot use the trusted certificates: {e}"))?;
                        p = p.add_root_certificate(cert);
                    }
                    let p = p
                        .build_rustls()
                        .map_err(|e| format!("SMTP server {host}: {e}"))?;
                    Ok(wrap(p))
                };
                let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host);
                let builder = match s.security {
                    SmtpSecurity::Tls => builder.tls(tls(Tls::Wrapper)?),
                    SmtpSecurity::StartTls => builder.tls(tls(Tls::Required)?),
                    SmtpSecurity::None => builder,
                };
                let mut builder = builder
                    .port(s.port)
                    .timeout(Some(Duration::from_secs(u64::from(s.timeout_secs.max(1)))));
                if !s.username.trim().is_empty() {
                    let password = secret.ok_or(
                        "The SMTP password is not saved on this desktop (Settings → Mail).",
                    )?;
                    builder = builder.credentials(Credentials::new(
                        s.username.trim().to_owned(),
                        password.expose().to_owned(),
                    ));
                }
                Ok(Transport::Smtp(Box::new(builder.build())))
            }
            MailTransport::Graph(g) => {
                let secret = secret.ok_or(
                    "The Microsoft Graph client secret is not saved on this desktop (Settings → Mail).",
                )?;
                Ok(Transport::Graph(Box::new(Graph {
                    client: http(g.timeout_secs)?,
                    settings: g.clone(),
                    secret,
                    token: Mutex::new(None),
                })))
            }
            MailTransport::Webhook(w) => Ok(Transport::Webhook {
                client: http(w.timeout_secs)?,
                url: w.url.trim().to_owned(),
                token: secret.filter(|s| !s.is_empty()),
            }),
            MailTransport::PickupFolder { path } => {
                Ok(Transport::Pickup(PathBuf::from(path.trim())))
            }
        }
    }

    /// Delivers one message. Never returns `Sent` unless the transport accepted it.
    pub async fn send(&self, from: &Mailbox, msg: &Claimed) -> Outcome {
        match self {
            Transport::Smtp(t) => {
                let m = match mime(from, msg) {
                    Ok(m) => m,
                    Err(e) => return Outcome::Permanent(e),
                };
                match t.send(m).await {
                    Ok(r) => Outcome::Sent(format!(
                        "{} {}",
                        r.code(),
                        r.message().collect::<Vec<_>>().join(" ")
                    )),
                    Err(e) => smtp_outcome(&e),
                }
            }
            Transport::Graph(g) => g.send(from, msg).await,
            Transport::Webhook { client, url, token } => {
                let mut req = client
                    .post(url)
                    .header("Idempotency-Key", &msg.message_id)
                    .json(&webhook_body(from, msg));
                if let Some(t) = token {
                    req = req.bearer_auth(t.expose());
                }
                http_outcome(req.send().await, "The webhook").await
            }
            Transport::Pickup(dir) => pickup(dir, from, msg).await,
        }
    }
}

/// The MIME message: text and HTML alternatives (HTML with its inline logo), then attachments.
pub fn mime(from: &Mailbox, msg: &Claimed) -> Result<lettre::Message, String> {
    let mut b = lettre::Message::builder()
        .from(from.clone())
        .subject(&msg.subject)
        .message_id(Some(msg.message_id.clone()));
    for to in &msg.to {
        b = b.to(to
            .parse::<Mailbox>()
            .map_err(|e| format!("\"{to}\" is not a valid address: {e}"))?);
    }
    let content_type = |ct: &str| {
        ContentType::parse(ct)
            .unwrap_or(ContentType::parse("application/octet-stream").expect("valid"))
    };
    let body = match &msg.html {
        Some(html) => {
            let mut related = MultiPart::related().singlepart(SinglePart::html(html.clone()));
            for a in msg.attachments.iter().filter(|a| a.content_id.is_some()) {
                let cid = a.content_id.clone().unwrap_or_default();
                related = related.singlepart(
                    MimeAttachment::new_inline(cid)
                        .body(a.data.clone(), content_type(&a.content_type)),
                );
            }
            MultiPart::alternative()
                .singlepart(SinglePart::plain(msg.text.clone()))
                .multipart(related)
        }
        None => MultiPart::alternative().singlepart(SinglePart::plain(msg.text.clone())),
    };
    let mut mixed = MultiPart::mixed().multipart(body);
    for a in msg.attachments.iter().filter(|a| a.content_id.is_none()) {
        mixed = mixed.singlepart(
            MimeAttachment::new(a.filename.clone())
                .body(a.data.clone(), content_type(&a.content_type)),
        );
    }
    b.multipart(mixed)
        .map_err(|e| format!("the message cannot be built: {e}"))
}

/// SMTP replies: 5xx is permanent, except a refused sign-in, which is the site's configuration
/// and not the message's fault (the message waits until the password is fixed).
fn smtp_outcome(e: &lettre::transport::smtp::Error) -> Outcome {
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    let text = crate::tls::explain(format!("SMTP: {e}"));
    if matches!(code.as_str(), "530" | "534" | "535" | "538") {
        return Outcome::Temporary(format!("The SMTP server refused the sign-in ({e})"));
    }
    if e.is_permanent() {
        Outcome::Permanent(text)
    } else {
        Outcome::Temporary(text)
    }
}

/// HTTP answers: 2xx accepted; 401/403/404 (credentials, permissions, mailbox: configuration),
/// 408, 429 and 5xx: try again; any other 4xx: the message itself was refused.
async fn http_outcome(result: reqwest::Result<reqwest::Response>, who: &str) -> Outcome {
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            return Outcome::Temporary(crate::tls::explain(format!(
                "{who} cannot be reached: {}",
                crate::tls::with_causes(&e)
            )));
        }
    };
    let status = resp.status();
    let body: String = resp
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    let text = format!("{who} answered {status}: {}", body.trim());
    if status.is_success() {
        Outcome::Sent(format!("{status}"))
    } else if matches!(status.as_u16(), 401 | 403 | 404 | 408 | 429) || status.is_server_error() {
        Outcome::Temporary(text)
    } else {
        Outcome::Permanent(text)
    }
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn webhook_body(from: &Mailbox, msg: &Claimed) -> serde_json::Value {
    serde_json::json!({
        "message_id": msg.message_id,
        "from": { "address": from.email.to_string(), "name": from.name },
        "to": msg.to,
        "subject": msg.subject,
        "text": msg.text,
        "html": msg.html,
        "attachments": msg.attachments.iter().map(|a| serde_json::json!({
            "filename": a.filename,
            "content_type": a.content_type,
            "content_id": a.content_id,
            "content_base64": b64(&a.data),
        })).collect::<Vec<_>>(),
    })
}

impl Graph {
    async fn token(&self) -> Result<String, Outcome> {
        let mut slot = self.token.lock().await;
        if let Some((t, until)) = slot.as_ref()
            && Instant::now() < *until
        {
            return Ok(t.clone());
        }
        let s = &self.settings;
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            s.authority_url.trim().trim_end_matches('/'),
            s.tenant_id.trim()
        );
        let scope = format!("{}/.default", s.graph_url.trim().trim_end_matches('/'));
        let resp = self
            .client
            .post(&url)
            .form(&[
                ("client_id", s.client_id.trim()),
                ("client_secret", self.secret.expose()),
                ("scope", scope.as_str()),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .map_err(|e| Outcome::Temporary(format!("Microsoft sign-in cannot be reached: {e}")))?;
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        let Some(token) = body.get("access_token").and_then(|t| t.as_str()) else {
            // A refused client secret is configuration: the message waits.
            let why = body
                .get("error_description")
                .or_else(|| body.get("error"))
                .and_then(|v| v.as_str())
                .unwrap_or("no access token in the answer");
            return Err(Outcome::Temporary(format!(
                "Microsoft sign-in refused ({status}): {}",
                why.lines().next().unwrap_or(why)
            )));
        };
        let secs = body
            .get("expires_in")
            .and_then(|v| v.as_u64())
            .unwrap_or(300);
        // Renew a minute early so a token never expires mid-request.
        let until = Instant::now() + Duration::from_secs(secs.saturating_sub(60).max(30));
        *slot = Some((token.to_owned(), until));
        Ok(token.to_owned())
    }

    async fn send(&self, from: &Mailbox, msg: &Claimed) -> Outcome {
        let token = match self.token().await {
            Ok(t) => t,
            Err(o) => return o,
        };
        let s = &self.settings;
        let url = format!(
            "{}/v1.0/users/{}/sendMail",
            s.graph_url.trim().trim_end_matches('/'),
            s.sender.trim()
        );
        let recipients: Vec<_> = msg
            .to
            .iter()
            .map(|a| serde_json::json!({ "emailAddress": { "address": a } }))
            .collect();
        let (content_type, content) = match &msg.html {
            Some(h) => ("HTML", h.as_str()),
            None => ("Text", msg.text.as_str()),
        };
        let attachments: Vec<_> = msg
            .attachments
            .iter()
            .map(|a| {
                serde_json::json!({
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": a.filename,
                    "contentType": a.content_type,
                    "contentBytes": b64(&a.data),
                    "isInline": a.content_id.is_some(),
                    "contentId": a.content_id,
                })
            })
            .collect();
        let body = serde_json::json!({
            "message": {
                "subject": msg.subject,
                "body": { "contentType": content_type, "content": content },
                "from": { "emailAddress": { "address": from.email.to_string(), "name": from.name } },
                "toRecipients": recipients,
                "attachments": attachments,
            },
            "saveToSentItems": true,
        });
        let outcome = http_outcome(
            self.client
                .post(&url)
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await,
            "Microsoft Graph",
        )
        .await;
        if let Outcome::Temporary(e) = &outcome
            && e.contains(" 401 ")
        {
            // An expired or revoked token: fetch a new one next time.
            *self.token.lock().await = None;
        }
        outcome
    }
}

/// Writes `<folder>/<outbox id>-<message id>.eml`, via a temporary file and a rename, so the
/// pickup service never sees half a message and a repeated delivery replaces the same file.
async fn pickup(dir: &std::path::Path, from: &Mailbox, msg: &Claimed) -> Outcome {
    let m = match mime(from, msg) {
        Ok(m) => m,
        Err(e) => return Outcome::Permanent(e),
    };
    let stem: String = msg
        .message_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let name = format!("{:08}-{stem}.eml", msg.id);
    let dir = dir.to_path_buf();
    let bytes = m.formatted();
    let result = tokio::task::spawn_blocking(move || -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(&dir)?;
        let final_path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &final_path)?;
        Ok(final_path)
    })
    .await;
    match result {
        Ok(Ok(p)) => Outcome::Sent(format!("written to {}", p.display())),
        Ok(Err(e)) => Outcome::Temporary(format!("The pickup folder cannot be written: {e}")),
        Err(e) => Outcome::Temporary(format!("The pickup folder cannot be written: {e}")),
    }
}
