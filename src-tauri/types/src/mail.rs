//! Mail: the durable outbox, its transports and the Mail window.
//!
//! Transport settings are shared by every desktop on the same portal store; the transport's
//! secret (SMTP password, Graph client secret, webhook token) lives in each desktop's keyring.

use crate::secret::Secret;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server cannot.
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (a relay on the local network only).
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Empty: no authentication. The password is in the keyring.
    pub username: String,
    pub timeout_secs: u32,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            host: String::new(),
            port: 587,
            security: SmtpSecurity::StartTls,
            username: String::new(),
            timeout_secs: 30,
        }
    }
}

/// Microsoft Graph `sendMail` with an app registration (OAuth client credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GraphSettings {
    pub tenant_id: String,
    pub client_id: String,
    /// The mailbox that sends (user id or address); the client secret is in the keyring.
    pub sender: String,
    /// Sign-in authority; the default is Microsoft's public cloud.
    pub authority_url: String,
    pub graph_url: String,
    pub timeout_secs: u32,
}

impl Default for GraphSettings {
    fn default() -> Self {
        GraphSettings {
            tenant_id: String::new(),
            client_id: String::new(),
            sender: String::new(),
            authority_url: "https://login.microsoftonline.com".into(),
            graph_url: "https://graph.microsoft.com".into(),
            timeout_secs: 30,
        }
    }
}

/// A generic JSON webhook: one POST per message; an optional bearer token is in the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookSettings {
    pub url: String,
    pub timeout_secs: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            url: String::new(),
            timeout_secs: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailTransport {
    /// Nothing is sent; messages wait in the outbox.
    #[default]
    NotConfigured,
    Smtp(SmtpSettings),
    Graph(GraphSettings),
    Webhook(WebhookSettings),
    /// Each message is written as an .eml file into this folder (sites without a mail server).
    PickupFolder {
        path: String,
    },
}

impl MailTransport {
    pub fn label(&self) -> &'static str {
        match self {
            MailTransport::NotConfigured => "not configured",
            MailTransport::Smtp(_) => "SMTP",
            MailTransport::Graph(_) => "Microsoft Graph",
            MailTransport::Webhook(_) => "JSON webhook",
            MailTransport::PickupFolder { .. } => "pickup folder",
        }
    }

    /// Where this transport sends its secret (see [`crate::settings::secret_server`]); `None`
    /// when it takes none. Graph: the tenant, the app and both endpoints (the client secret
    /// goes to the authority, the token it buys to the Graph URL).
    pub fn secret_server(&self) -> Option<String> {
        self.secret_label()?;
        Some(match self {
            MailTransport::Smtp(s) => {
                crate::settings::secret_server("smtp", &s.username, &s.host, s.port, "")
            }
            MailTransport::Graph(g) => format!(
                "graph://{}/{}@{} {}",
                g.tenant_id.trim(),
                g.client_id.trim(),
                g.authority_url.trim(),
                g.graph_url.trim()
            ),
            MailTransport::Webhook(w) => format!("webhook:{}", w.url.trim()),
            MailTransport::NotConfigured | MailTransport::PickupFolder { .. } => return None,
        })
    }

    /// The message shown when the saved secret belongs to other settings than these.
    pub fn retype_secret_message(&self) -> String {
        let what = match self {
            MailTransport::Graph(_) => "client secret",
            MailTransport::Webhook(_) => "token",
            _ => "password",
        };
        let changed = match self {
            MailTransport::Graph(_) => "tenant, client id or sign-in address",
            MailTransport::Webhook(_) => "address",
            _ => "server or user",
        };
        format!("Type the {what} again: the {changed} changed since it was saved.")
    }

    /// Whether this transport takes a secret from the keyring (and which one, for the UI).
    pub fn secret_label(&self) -> Option<&'static str> {
        match self {
            MailTransport::Smtp(s) if !s.username.trim().is_empty() => Some("SMTP password"),
            MailTransport::Graph(_) => Some("Client secret"),
            MailTransport::Webhook(_) => Some("Bearer token (optional)"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// The From address of every message.
    pub from_address: String,
    pub from_name: String,
    /// Shown in every template's header and signature.
    pub company_name: String,
    /// A PNG or JPEG shown at the top of HTML messages; empty for none.
    pub logo_path: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            transport: MailTransport::NotConfigured,
            from_address: String::new(),
            from_name: "Portdesk".into(),
            company_name: String::new(),
            logo_path: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSettingsView {
    /// The card's version when read; a save names it, and a save from a stale card is
    /// refused (`None`: a caller that did not read it, such as a test or a script).
    #[serde(default)]
    pub version: Option<i64>,
    pub settings: MailSettings,
    /// The transport's secret is saved in this desktop's keyring.
    pub secret_saved: bool,
    /// What the background sender on this desktop is doing, in words.
    pub sender_status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveMailSettingsRequest {
    /// The card's version when read; a save names it, and a save from a stale card is
    /// refused (`None`: a caller that did not read it, such as a test or a script).
    #[serde(default)]
    pub version: Option<i64>,
    pub settings: MailSettings,
    /// `Some` replaces the saved secret (empty deletes it); `None` keeps it.
    pub secret: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestMailRequest {
    /// The settings as typed (not necessarily saved).
    pub settings: MailSettings,
    pub secret: Option<Secret>,
    pub to: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// Waiting for its first or next attempt.
    Queued,
    /// Claimed by a sender right now.
    Sending,
    /// Accepted by the transport.
    Sent,
    /// Refused for good, or out of attempts.
    Failed,
    Cancelled,
}

impl MailStatus {
    pub const ALL: [MailStatus; 5] = [
        MailStatus::Queued,
        MailStatus::Sending,
        MailStatus::Sent,
        MailStatus::Failed,
        MailStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<MailStatus> {
        MailStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MailQuery {
    pub status: Option<MailStatus>,
    /// Matches recipient or subject.
    pub search: Option<String>,
    pub offset: u64,
    /// 0 means the default page (100).
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRow {
    pub id: i64,
    /// What caused it: "password_reset", "order_confirmation", "test", ...
    pub kind: String,
    pub to: Vec<String>,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: i64,
    /// When the next attempt is due (queued messages only).
    pub next_attempt_at: Option<i64>,
    pub sent_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MailCounts {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub cancelled: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPage {
    pub rows: Vec<MailRow>,
    /// Rows matching the filter.
    pub total: u64,
    /// Per status over the whole outbox.
    pub counts: MailCounts,
    /// The transport in words, e.g. "SMTP mail.example.com:587".
    pub transport: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAttempt {
    pub at: i64,
    pub ok: bool,
    /// The transport's answer or the error.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailDetail {
    pub row: MailRow,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<String>,
    pub attempts: Vec<MailAttempt>,
    /// The message carries a one-time code: `text` and `html` show it masked, and it cannot be
    /// sent again once it was sent, failed or was cancelled.
    #[serde(default)]
    pub one_time_code: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRef {
    pub id: i64,
}

/// "Forgot password": always answered the same way, whether or not the address has an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetCodeRequest {
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetWithCodeRequest {
    pub email: String,
    pub code: Secret,
    pub new_password: Secret,
}

/// The mail module's commands (re-exported by [`crate::api`]).
pub mod commands {
    use super::*;
    use crate::api::ConnectionTest;

    crate::api::declare_commands! {
        MAIL_COMMANDS;
        GetMailSettings = "get_mail_settings": () => MailSettingsView, crate::api::Access::Roles(crate::modules::ModuleId::Mail.allowed_roles());
        SaveMailSettings = "save_mail_settings": SaveMailSettingsRequest => MailSettingsView, crate::api::Access::Roles(crate::modules::ModuleId::Mail.allowed_roles());
        /// Sends one message straight through the settings as typed and reports the transport's
        /// answer (the outbox is not involved).
        SendTestMail = "send_test_mail": TestMailRequest => ConnectionTest, crate::api::Access::Roles(crate::modules::ModuleId::Mail.allowed_roles());
        ListMail = "list_mail": MailQuery => MailPage, crate::api::Access::Roles(crate::modules::ModuleId::Mail.allowed_roles());
        GetMail = "get_mail": MailRef => MailDetail, crate::api::Access::Roles(crate::modules::ModuleId::Mail.allowed_roles());
        /// A queued or failed message: due now. A sent one: a copy is queued.
        ResendMail = "resend_mail": MailRef => MailRow, crate::api::Access::Roles(crate::modules::ModuleId::Mail.allowed_roles());
        CancelMail = "cancel_mail": MailRef => MailRow, crate::api::Access::Roles(crate::modules::ModuleId::Mail.allowed_roles());
        /// Which desktop sends the site's mail: every desktop in turn, or one named desktop.
        GetMailSender = "mail_sender": () => MailSenderView, crate::api::Access::Roles(crate::modules::ModuleId::Mail.allowed_roles());
        /// Names this desktop as the site's one mail sender, or lets every desktop send again.
        NameMailSender = "mail_name_sender": NameMailSenderRequest => MailSenderView, crate::api::Access::Roles(crate::modules::ModuleId::Mail.allowed_roles());
    }
}

/// Who sends the site's mail on a shared store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSenderView {
    /// One desktop is named (the others only queue and wake it).
    pub named: bool,
    /// This desktop is the named one.
    pub this_desktop: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameMailSenderRequest {
    /// `true`: this desktop sends the site's mail, alone; `false`: every desktop sends in turn.
    pub this_desktop: bool,
}
