//! Mail: every outgoing message goes through the durable outbox ([`outbox`]) in the same
//! transaction as the change that causes it, and a background [`sender`] delivers it through
//! the configured [`transport`], marking it sent only when the transport accepted it.

pub mod commands;
pub mod outbox;
pub mod sender;
pub mod templates;
pub mod transport;

use crate::error::{CoreError, Result};
use crate::secrets::{ForServer, SecretError, SecretStore};
use portdesk_types::Secret;
use portdesk_types::mail::{MailSettings, MailTransport};
use sqlx::{Any, Executor};
use templates::{Brand, LOGO_CID, Template};

/// Keyring entry of each transport's secret.
pub const SMTP_PASSWORD: &str = "mail-smtp-password";
/// The `settings` key naming the one desktop that sends the site's mail (absent: every
/// desktop's sender claims in turn, with leases).
pub const SENDER_KEY: &str = "mail.sender_desktop";
/// The channel a queued message is announced on (PostgreSQL NOTIFY, at its commit), so the
/// named sender on another desktop wakes at once.
pub const QUEUED_CHANNEL: &str = "portdesk_mail";
pub const GRAPH_CLIENT_SECRET: &str = "mail-graph-client-secret";
pub const WEBHOOK_TOKEN: &str = "mail-webhook-token";

const SETTINGS_KEY: &str = "mail.settings";

/// A file attached to a message; `content_id` makes it an inline part (the logo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub data: Vec<u8>,
}

/// Stands for a one-time code in a stored message body; the code itself is substituted only
/// when the message is handed to the transport ([`outbox::claim`]).
pub const SECRET_PLACEHOLDER: &str = "[[portdesk-one-time-code]]";
/// What the Mail window shows where the code goes.
pub const SECRET_MASK: &str = "••••••";

/// A one-time code that a message carries. It is kept apart from the body, only until the
/// message is sent, fails, is cancelled or the code expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeSecret {
    pub value: Secret,
    /// Unix ms; after this the code is worthless and is removed from the outbox.
    pub expires_at: i64,
}

/// A message ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// What caused it (the template's kind), shown in the Mail window.
    pub kind: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Set with [`Mail::with_secret`]; `text`/`html` then hold [`SECRET_PLACEHOLDER`].
    pub secret: Option<OneTimeSecret>,
}

impl Mail {
    /// Renders a template for `to`, with the brand's logo as an inline part when it has one.
    pub fn compose(to: Vec<String>, template: &Template, brand: &Brand) -> Result<Mail> {
        let r = templates::render(template, brand)?;
        let mut attachments = Vec::new();
        if let Some((data, content_type)) = &brand.logo {
            attachments.push(Attachment {
                filename: "logo".into(),
                content_type: content_type.clone(),
                content_id: Some(LOGO_CID.into()),
                data: data.clone(),
            });
        }
        Ok(Mail {
            kind: template.kind().into(),
            to,
            subject: r.subject,
            text: r.text,
            html: Some(r.html),
            attachments,
            secret: None,
        })
    }

    /// Attaches the one-time code that the body's [`SECRET_PLACEHOLDER`] stands for. Refused
    /// when the text lacks the placeholder: the code would never reach the recipient.
    pub fn with_secret(mut self, value: Secret, expires_at: i64) -> Result<Mail> {
        if !self.text.contains(SECRET_PLACEHOLDER) {
            return Err(CoreError::Internal(format!(
                "a {} message with a one-time code must show it in its text",
                self.kind
            )));
        }
        self.secret = Some(OneTimeSecret { value, expires_at });
        Ok(self)
    }

    pub fn attach(mut self, a: Attachment) -> Mail {
        self.attachments.push(a);
        self
    }
}

/// Checks an address the way the transports will: refused at enqueue, not at send time.
pub fn check_address(field: &'static str, address: &str) -> Result<lettre::Address> {
    let a = address.trim();
    if a.is_empty() {
        return Err(CoreError::validation(
            field,
            "An e-mail address is required.",
        ));
    }
    a.parse::<lettre::Address>().map_err(|_| {
        CoreError::validation(field, format!("\"{a}\" is not a valid e-mail address."))
    })
}

/// The mail settings shared by every desktop on the store (defaults when never saved).
pub async fn load_settings<'c, E: Executor<'c, Database = Any>>(db: E) -> Result<MailSettings> {
    match crate::settings::get(db, SETTINGS_KEY).await? {
        None => Ok(MailSettings::default()),
        Some(json) => parse_settings(&json),
    }
}

fn parse_settings(json: &str) -> Result<MailSettings> {
    serde_json::from_str(json)
        .map_err(|e| CoreError::Internal(format!("the saved mail settings cannot be read: {e}")))
}

pub async fn save_settings<'c, E: Executor<'c, Database = Any>>(
    db: E,
    settings: &MailSettings,
) -> Result<()> {
    let json = serde_json::to_string(settings).map_err(|e| CoreError::Internal(e.to_string()))?;
    crate::settings::set(db, SETTINGS_KEY, &json).await
}

/// Checks settings before they are saved or tested; errors name the field as the UI knows it.
pub fn validate_settings(s: &MailSettings) -> Result<()> {
    fn required(field: &'static str, value: &str, what: &str) -> Result<()> {
        if value.trim().is_empty() {
            return Err(CoreError::validation(field, format!("{what} is required.")));
        }
        Ok(())
    }
    fn timeout(field: &'static str, secs: u32) -> Result<()> {
        if !(1..=300).contains(&secs) {
            return Err(CoreError::validation(
                field,
                "Timeout must be between 1 and 300 seconds.",
            ));
        }
        Ok(())
    }
    fn url(field: &'static str, value: &str) -> Result<()> {
        let ok = reqwest::Url::parse(value.trim())
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            return Err(CoreError::validation(
                field,
                format!("\"{}\" is not an http(s) address.", value.trim()),
            ));
        }
        Ok(())
    }
    if s.transport != MailTransport::NotConfigured {
        check_address("mail.from_address", &s.from_address)?;
    }
    if !s.logo_path.trim().is_empty() {
        logo_type(&s.logo_path).ok_or_else(|| {
            CoreError::validation("mail.logo_path", "The logo must be a .png or .jpg file.")
        })?;
        if !std::path::Path::new(s.logo_path.trim()).is_file() {
            return Err(CoreError::validation(
                "mail.logo_path",
                format!("There is no file at {}.", s.logo_path.trim()),
            ));
        }
    }
    match &s.transport {
        MailTransport::NotConfigured => {}
        MailTransport::Smtp(m) => {
            required("mail.smtp.host", &m.host, "The SMTP server")?;
            if m.port == 0 {
                return Err(CoreError::validation(
                    "mail.smtp.port",
                    "The SMTP port must be between 1 and 65535.",
                ));
            }
            timeout("mail.smtp.timeout_secs", m.timeout_secs)?;
        }
        MailTransport::Graph(g) => {
            required("mail.graph.tenant_id", &g.tenant_id, "The tenant id")?;
            required("mail.graph.client_id", &g.client_id, "The client id")?;
            required("mail.graph.sender", &g.sender, "The sending mailbox")?;
            url("mail.graph.authority_url", &g.authority_url)?;
            url("mail.graph.graph_url", &g.graph_url)?;
            timeout("mail.graph.timeout_secs", g.timeout_secs)?;
        }
        MailTransport::Webhook(w) => {
            url("mail.webhook.url", &w.url)?;
            timeout("mail.webhook.timeout_secs", w.timeout_secs)?;
        }
        MailTransport::PickupFolder { path } => {
            required("mail.pickup.path", path, "The pickup folder")?;
        }
    }
    Ok(())
}

/// The keyring entry holding the transport's secret, if it takes one.
pub fn secret_key(t: &MailTransport) -> Option<&'static str> {
    match t {
        MailTransport::Smtp(_) => Some(SMTP_PASSWORD),
        MailTransport::Graph(_) => Some(GRAPH_CLIENT_SECRET),
        MailTransport::Webhook(_) => Some(WEBHOOK_TOKEN),
        MailTransport::NotConfigured | MailTransport::PickupFolder { .. } => None,
    }
}

/// The saved secret of the saved transport `t` (the settings in the store). A secret saved
/// for other settings (another server, account or address) is not handed out.
pub fn load_secret(
    secrets: &dyn SecretStore,
    t: &MailTransport,
) -> Result<Option<Secret>, SecretError> {
    Ok(match secret_for(secrets, t, t)? {
        ForServer::Matching(s) => Some(s),
        ForServer::Nothing | ForServer::OtherServer => None,
    })
}

/// The saved secret as seen from `t`, when the saved settings' transport is `saved`.
pub fn secret_for(
    secrets: &dyn SecretStore,
    t: &MailTransport,
    saved: &MailTransport,
) -> Result<ForServer, SecretError> {
    // SMTP without a user name takes no password: do not touch the keyring for it.
    let (Some(key), Some(server)) = (secret_key(t), t.secret_server()) else {
        return Ok(ForServer::Nothing);
    };
    // An old entry belongs to the saved settings of its own transport only.
    let saved_server = saved
        .secret_server()
        .filter(|_| secret_key(saved) == Some(key));
    crate::secrets::for_server(secrets, key, &server, saved_server.as_deref())
}

fn logo_type(path: &str) -> Option<&'static str> {
    let p = path.trim().to_ascii_lowercase();
    if p.ends_with(".png") {
        Some("image/png")
    } else if p.ends_with(".jpg") || p.ends_with(".jpeg") {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Company name and logo for the templates. A logo that cannot be read is left out (and
/// logged): a missing picture must not stop a reset code or an order confirmation.
pub fn brand(settings: &MailSettings) -> Brand {
    let logo = match logo_type(&settings.logo_path) {
        Some(ct) => match std::fs::read(settings.logo_path.trim()) {
            Ok(data) if data.len() <= 512 * 1024 => Some((data, ct.to_owned())),
            Ok(_) => {
                tracing::warn!("mail logo is over 512 KiB; left out");
                None
            }
            Err(e) => {
                tracing::warn!("mail logo cannot be read: {e}");
                None
            }
        },
        None => None,
    };
    Brand {
        company: settings.company_name.clone(),
        logo,
    }
}

/// Renders `template` with the store's brand settings and enqueues it, in the caller's
/// transaction. A repeated `key` enqueues nothing.
pub async fn enqueue_template(
    conn: &mut sqlx::AnyConnection,
    key: &str,
    to: Vec<String>,
    template: &Template,
) -> Result<outbox::Enqueued> {
    let settings = load_settings(&mut *conn).await?;
    let mail = Mail::compose(to, template, &brand(&settings))?;
    outbox::enqueue(conn, key, &mail).await
}

/// [`enqueue_template`] on the store's blocking SQLite writer, in its open transaction; `None`
/// when the key is already queued (see [`outbox::enqueue_blocking`]).
pub(crate) fn enqueue_template_blocking(
    conn: &rusqlite::Connection,
    key: &str,
    to: Vec<String>,
    template: &Template,
) -> Result<Option<i64>> {
    let settings = match crate::settings::get_blocking(conn, SETTINGS_KEY)? {
        None => MailSettings::default(),
        Some(json) => parse_settings(&json)?,
    };
    let mail = Mail::compose(to, template, &brand(&settings))?;
    outbox::enqueue_blocking(conn, key, &mail)
}

/// A purchase order as an .xlsx attachment (the supplier's copy of what the e-mail lists).
pub fn purchase_order_xlsx(po: &templates::PurchaseOrder, company: &str) -> Result<Attachment> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    let x = crate::files::xlsx_error;
    ws.set_name("Purchase order").map_err(x)?;
    ws.write_string_with_format(0, 0, format!("Purchase order {}", po.po_number), &bold)
        .map_err(x)?;
    let facts = [
        ("From", company),
        ("Supplier", po.supplier.as_str()),
        ("Procurement", po.procurement_id.as_str()),
        ("Approved", po.approved_at.as_str()),
        ("Requested delivery", po.requested_delivery.as_str()),
        ("Deliver to", po.delivery_address.as_str()),
    ];
    for (i, (k, v)) in facts.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string_with_format(r, 0, *k, &bold).map_err(x)?;
        ws.write_string(r, 1, *v).map_err(x)?;
    }
    let header = 3 + facts.len() as u32;
    for (c, h) in ["Part", "Description", "Quantity", "Unit price"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(header, c as u16, *h, &bold)
            .map_err(x)?;
    }
    for (i, l) in po.lines.iter().enumerate() {
        let r = header + 1 + i as u32;
        ws.write_string(r, 0, &l.part).map_err(x)?;
        ws.write_string(r, 1, &l.description).map_err(x)?;
        ws.write_number(r, 2, l.quantity as f64).map_err(x)?;
        if let Some(p) = &l.unit_price {
            match p.parse::<f64>() {
                Ok(n) => ws.write_number(r, 3, n).map_err(x)?,
                Err(_) => ws.write_string(r, 3, p).map_err(x)?,
            };
        }
    }
    ws.set_column_width(0, 16).map_err(x)?;
    ws.set_column_width(1, 40).map_err(x)?;
    ws.set_column_width(2, 10).map_err(x)?;
    ws.set_column_width(3, 12).map_err(x)?;
    Ok(Attachment {
        filename: format!("{}.xlsx", po.po_number),
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        content_id: None,
        data: wb.save_to_buffer().map_err(x)?,
    })
}
