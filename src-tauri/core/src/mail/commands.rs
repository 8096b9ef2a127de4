//! Mail window commands (settings, test message, the outbox) and this desktop's sender.

use crate::accounts::User;
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, route};
use crate::audit;
use crate::error::{CoreError, Result};
use crate::mail::outbox::{self, Claimed, Outcome};
use crate::mail::sender::{MailSender, SenderConfig};
use crate::mail::templates::{Template, TestMessage};
use crate::mail::transport::{self, Transport};
use crate::mail::{self as mailer, Mail};
use crate::secrets::ForServer;
use crate::settings::commands::connection_test;
use portdesk_types::api::ConnectionTest;
use portdesk_types::mail::commands::*;
use portdesk_types::mail::*;
use portdesk_types::modules::ModuleId;
use std::time::Instant;

/// This module's commands, each with its access rule and handler.
/// The module's state in the service.
#[derive(Default)]
pub(crate) struct State {
    /// This desktop's mail sender, once started (the shell starts it; tests start their own).
    sender: std::sync::OnceLock<MailSender>,
}

pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "mail",
        window: Some(ModuleId::Mail),
        tasks: Vec::new(),
        events: Vec::new(),
        owners: Vec::new(),
        routes: vec![
            route!(roles GetMailSettings => Portdesk::get_mail_settings),
            route!(roles SaveMailSettings => Portdesk::save_mail_settings),
            route!(roles SendTestMail => Portdesk::send_test_mail),
            route!(roles ListMail => Portdesk::list_mail),
            route!(roles GetMail => Portdesk::get_mail),
            route!(roles ResendMail => Portdesk::resend_mail),
            route!(roles CancelMail => Portdesk::cancel_mail),
            route!(roles GetMailSender => Portdesk::mail_sender),
            route!(roles NameMailSender => Portdesk::name_mail_sender),
        ],
    }
}

impl Portdesk {
    pub async fn get_mail_settings(&self, _: User, _: ()) -> Result<MailSettingsView> {
        let store = self.store().await?;
        let settings = mailer::load_settings(store.pool()).await?;
        let secret_saved = mailer::load_secret(self.secrets.as_ref(), &settings.transport)?
            .is_some_and(|s| !s.is_empty());
        Ok(MailSettingsView {
            settings,
            secret_saved,
            sender_status: self.mail_status(),
            version: Some(crate::settings::card_version(&store, "mail").await?),
        })
    }

    pub async fn save_mail_settings(
        &self,
        user: User,
        req: SaveMailSettingsRequest,
    ) -> Result<MailSettingsView> {
        let actor = user.actor();
        mailer::validate_settings(&req.settings)?;
        let store = self.store().await?;
        let transport = &req.settings.transport;
        // A kept secret stays with the settings it was typed for: pointing them elsewhere
        // needs it typed again (or cleared).
        if req.secret.is_none() {
            let saved = mailer::load_settings(store.pool()).await?;
            if mailer::secret_for(self.secrets.as_ref(), transport, &saved.transport)?
                == ForServer::OtherServer
            {
                return Err(CoreError::validation(
                    "secret",
                    transport.retype_secret_message(),
                ));
            }
        }
        crate::settings::guard_card(&store, "mail", "mail", req.version).await?;
        // The keyring first: if it refuses, the settings are not half saved.
        if let (Some(key), Some(secret)) = (mailer::secret_key(transport), &req.secret) {
            if secret.is_empty() {
                self.secrets.delete(key)?;
            } else {
                let server = transport.secret_server().unwrap_or_default();
                self.secrets.set_for(key, &server, secret)?;
            }
        }
        let mut tx = store.pool().begin().await?;
        mailer::save_settings(&mut *tx, &req.settings).await?;
        audit::record(
            &mut tx,
            &actor,
            "settings.mail",
            Some(("settings", "mail".into())),
            Some(&transport::describe(&req.settings.transport)),
        )
        .await?;
        tx.commit().await?;
        // New settings: the sender's next pass uses them at once.
        self.wake_mail();
        self.get_mail_settings(user, ()).await
    }

    pub async fn send_test_mail(&self, _: User, req: TestMailRequest) -> Result<ConnectionTest> {
        mailer::validate_settings(&req.settings)?;
        if req.settings.transport == MailTransport::NotConfigured {
            return Err(CoreError::validation(
                "mail.transport",
                "Choose a mail transport first.",
            ));
        }
        let to = mailer::check_address("to", &req.to)?;
        let secret = match req.secret.filter(|s| !s.is_empty()) {
            Some(s) => Some(s),
            None => {
                // The saved secret goes only to the settings it was saved for, never to a
                // server named only in this request.
                let saved = mailer::load_settings(self.store().await?.pool()).await?;
                match mailer::secret_for(
                    self.secrets.as_ref(),
                    &req.settings.transport,
                    &saved.transport,
                )? {
                    ForServer::Nothing => None,
                    ForServer::Matching(s) => Some(s),
                    ForServer::OtherServer => {
                        return Err(CoreError::validation(
                            "secret",
                            req.settings.transport.retype_secret_message(),
                        ));
                    }
                }
            }
        };
        let started = Instant::now();
        let result = async {
            let transport = Transport::build(&req.settings, secret, &self.trust())?;
            let from = lettre::message::Mailbox::new(
                Some(req.settings.from_name.trim().to_owned()).filter(|n| !n.is_empty()),
                mailer::check_address("mail.from_address", &req.settings.from_address)
                    .map_err(|e| e.to_string())?,
            );
            let mail = Mail::compose(
                vec![to.to_string()],
                &Template::Test(TestMessage {
                    transport: transport::describe(&req.settings.transport),
                }),
                &mailer::brand(&req.settings),
            )
            .map_err(|e| e.to_string())?;
            let claimed = Claimed {
                id: 0,
                to: mail.to,
                subject: mail.subject,
                text: mail.text,
                html: mail.html,
                message_id: outbox::new_message_id(),
                attempt: 1,
                attachments: mail.attachments,
            };
            match transport.send(&from, &claimed).await {
                Outcome::Sent(answer) => Ok(format!("Sent to {to}. The server answered: {answer}")),
                Outcome::Permanent(e) | Outcome::Temporary(e) => Err(e),
            }
        }
        .await;
        Ok(connection_test(started, result))
    }

    pub async fn list_mail(&self, _: User, q: MailQuery) -> Result<MailPage> {
        let store = self.store().await?;
        let mut page = outbox::list(&store, &q).await?;
        page.transport = transport::describe(&mailer::load_settings(store.pool()).await?.transport);
        Ok(page)
    }

    pub async fn get_mail(&self, _: User, r: MailRef) -> Result<MailDetail> {
        outbox::detail(&self.store().await?, r.id).await
    }

    pub async fn resend_mail(&self, user: User, r: MailRef) -> Result<MailRow> {
        let actor = user.actor();
        let store = self.store().await?;
        let row = outbox::resend(&store, r.id, crate::now_ms()).await?;
        audit::record_on(
            &store,
            &actor,
            "mail.resend",
            Some(("mail", r.id.to_string())),
            (row.id != r.id)
                .then(|| format!("copy {}", row.id))
                .as_deref(),
        )
        .await?;
        Ok(row)
    }

    pub async fn cancel_mail(&self, user: User, r: MailRef) -> Result<MailRow> {
        let actor = user.actor();
        let store = self.store().await?;
        let row = outbox::cancel(&store, r.id, crate::now_ms()).await?;
        audit::record_on(
            &store,
            &actor,
            "mail.cancel",
            Some(("mail", r.id.to_string())),
            None,
        )
        .await?;
        Ok(row)
    }

    pub async fn mail_sender(&self, _: User, _: ()) -> Result<MailSenderView> {
        let store = self.store().await?;
        let named = crate::settings::get(store.pool(), mailer::SENDER_KEY).await?;
        let me = crate::device::desktop_id(&self.paths);
        Ok(MailSenderView {
            named: named.is_some(),
            this_desktop: named.as_deref() == Some(me.as_str()),
        })
    }

    /// Names this desktop as the site's one sender (the others skip their passes and only
    /// wake it), or lets every desktop send again. Audited.
    pub async fn name_mail_sender(
        &self,
        user: User,
        req: NameMailSenderRequest,
    ) -> Result<MailSenderView> {
        self.name_mail_sender_as(&user.actor(), req.this_desktop)
            .await?;
        self.mail_sender(user, ()).await
    }

    /// As [`Portdesk::name_mail_sender`], for the command line (`portdesk mail run
    /// --site-sender`).
    pub async fn name_mail_sender_as(
        &self,
        actor: &crate::audit::Actor,
        this_desktop: bool,
    ) -> Result<()> {
        let req = NameMailSenderRequest { this_desktop };
        let store = self.store().await?;
        let mut tx = store.pool().begin().await?;
        if req.this_desktop {
            let me = crate::device::desktop_id(&self.paths);
            crate::settings::set(&mut *tx, mailer::SENDER_KEY, &me).await?;
        } else {
            sqlx::query("DELETE FROM settings WHERE key = $1")
                .bind(mailer::SENDER_KEY)
                .execute(&mut *tx)
                .await?;
        }
        audit::record(
            &mut tx,
            actor,
            "mail.sender",
            None,
            Some(if req.this_desktop {
                "this desktop sends the site's mail"
            } else {
                "every desktop sends in turn"
            }),
        )
        .await?;
        tx.commit().await?;
        self.wake_mail();
        Ok(())
    }

    /// Starts this desktop's mail sender (once). Without a store there is nothing to send.
    pub async fn start_mail_sender(&self, config: SenderConfig) {
        if self.mail.sender.get().is_some() {
            return;
        }
        match self.store().await {
            Ok(store) => {
                // The desktop's own trust, so a change in Settings reaches the sender.
                let config = SenderConfig {
                    trust: self.trust.clone(),
                    desktop: Some(crate::device::desktop_id(&self.paths)),
                    ..config
                };
                let _ =
                    self.mail
                        .sender
                        .set(MailSender::spawn(store, self.secrets.clone(), config));
            }
            Err(e) => tracing::warn!("mail sender not started: {e}"),
        }
    }

    /// Points a running sender at the desktop's new store (after a move).
    pub(crate) fn mail_follow_store(&self, store: crate::store::Store) {
        if let Some(s) = self.mail.sender.get() {
            s.follow(store);
        }
    }

    /// Stops this desktop's sender until the guard is dropped (a store move), after the pass
    /// under way; `None` when it sends no mail.
    pub(crate) async fn mail_hold(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.mail.sender.get() {
            Some(s) => Some(s.hold().await),
            None => None,
        }
    }

    /// Whether this desktop sends mail (its sender was started).
    pub(crate) fn mail_sender_running(&self) -> bool {
        self.mail.sender.get().is_some()
    }

    /// Tells the sender that mail was queued (after the transaction committed).
    pub(crate) fn wake_mail(&self) {
        if let Some(s) = self.mail.sender.get() {
            s.wake();
        }
    }

    fn mail_status(&self) -> String {
        match self.mail.sender.get() {
            Some(s) => s.status(),
            None => "The mail sender is not running on this desktop.".into(),
        }
    }
}
