//! Support window commands. A customer reaches only their own tickets, calls and
//! notifications (another customer's ticket id is answered as unknown); agents and admins
//! work every ticket. Each change is published on the bus in its transaction and emitted here
//! once it commits.

use super::{attachments, calls, is_staff, kb, notify, tickets};
use crate::accounts::User;
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, owner_by, route};
use crate::error::{CoreError, Result};
use portdesk_types::api::Record;
use portdesk_types::modules::ModuleId;
use portdesk_types::support::commands::*;
use portdesk_types::support::*;

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "support",
        window: Some(ModuleId::Support),
        tasks: Vec::new(),
        // A change from another desktop reaches this one's windows only if its user may see
        // it (staff, or the ticket's customer; internal notes to staff only).
        events: vec![(
            <portdesk_types::events::SupportChangedEvent as portdesk_types::Event>::NAME,
            |app, payload| {
                Box::pin(async move {
                    if let Ok(change) = serde_json::from_value(payload) {
                        app.emit_support(&change).await;
                    }
                })
            },
        )],
        owners: vec![
            (Record::Ticket, |app, id| {
                Box::pin(owner_by(
                    app,
                    "SELECT customer_id FROM support_tickets WHERE id = $1",
                    id,
                ))
            }),
            (Record::Attachment, |app, id| {
                Box::pin(owner_by(
                    app,
                    "SELECT t.customer_id FROM support_attachments a \
                     JOIN support_tickets t ON t.id = a.ticket_id WHERE a.id = $1",
                    id,
                ))
            }),
        ],
        routes: vec![
            route!(roles ListTickets => Portdesk::support_tickets),
            route!(roles CreateTicket => Portdesk::support_create_ticket),
            route!(roles GetTicket => Portdesk::support_ticket),
            route!(roles AddMessage => Portdesk::support_add_message),
            route!(roles OpenAttachment => Portdesk::support_open_attachment),
            route!(roles UpdateTicket => Portdesk::support_update_ticket),
            route!(roles SupportStaff => Portdesk::support_staff),
            route!(roles RequestCall => Portdesk::support_request_call),
            route!(roles ListCalls => Portdesk::support_calls),
            route!(roles CompleteCall => Portdesk::support_complete_call),
            route!(roles GiveFeedback => Portdesk::support_feedback),
            route!(roles ListNotifications => Portdesk::support_notifications),
            route!(roles MarkNotificationsRead => Portdesk::support_notifications_read),
            route!(roles SearchKb => Portdesk::support_kb_search),
            route!(roles GetArticle => Portdesk::support_kb_article),
            route!(roles SaveArticle => Portdesk::support_kb_save),
            route!(roles GetSupportSettings => Portdesk::support_settings),
            route!(roles SaveSupportSettings => Portdesk::support_save_settings),
        ],
    }
}

/// A change shown on the desktop that made it: its windows update, without a desktop
/// notification (the shell shows one only for a change that carries a summary, from the bus).
fn here(ch: SupportChange) -> SupportChange {
    SupportChange {
        summary: String::new(),
        ..ch
    }
}

impl Portdesk {
    fn origin(&self) -> &str {
        &self.bus.origin
    }

    pub async fn support_tickets(&self, user: User, q: TicketQuery) -> Result<TicketList> {
        tickets::list(&self.store().await?, &user, &q).await
    }

    pub async fn support_create_ticket(&self, user: User, n: NewTicket) -> Result<TicketDetail> {
        if !n.paths.is_empty() && self.kiosk().await.is_some() {
            return Err(CoreError::validation(
                "paths",
                "Files cannot be attached at a kiosk.",
            ));
        }
        let store = self.store().await?;
        let (id, ch) = tickets::create(&store, self.origin(), &user, &n).await?;
        self.emit_support(&here(ch)).await;
        tickets::detail(&store, &user, id).await
    }

    pub async fn support_ticket(&self, user: User, r: TicketRef) -> Result<TicketDetail> {
        tickets::detail(&self.store().await?, &user, r.id).await
    }

    pub async fn support_add_message(&self, user: User, m: NewMessage) -> Result<TicketDetail> {
        // A kiosk never reads files from the desktop it stands on.
        if !m.paths.is_empty() && self.kiosk().await.is_some() {
            return Err(CoreError::validation(
                "paths",
                "Files cannot be attached at a kiosk.",
            ));
        }
        let store = self.store().await?;
        let ch = tickets::add_message(&store, self.origin(), &user, &m).await?;
        self.emit_support(&here(ch)).await;
        tickets::detail(&store, &user, m.ticket_id).await
    }

    pub async fn support_open_attachment(
        &self,
        user: User,
        r: AttachmentRef,
    ) -> Result<OpenedAttachment> {
        let store = self.store().await?;
        let unknown = || CoreError::NotFound(format!("There is no attachment {}.", r.id));
        // Another customer's attachment was refused by the router; a file on an internal
        // note is staff's only.
        let (_, internal, name, mime, bytes) =
            attachments::load(&store, r.id).await?.ok_or_else(unknown)?;
        if !is_staff(user.role) && internal {
            tracing::warn!(user_id = user.id, "a customer asked for an internal file");
            return Err(unknown());
        }
        if attachments::inline(&mime) {
            use base64::Engine;
            return Ok(OpenedAttachment::Picture {
                mime,
                data: base64::engine::general_purpose::STANDARD.encode(bytes),
            });
        }
        // The system's viewer would let a lobby visitor out of the kiosk.
        if self.kiosk().await.is_some() {
            return Ok(OpenedAttachment::NotAtKiosk { name });
        }
        let path = attachments::to_temp(&self.paths, &name, &mime, &bytes)?;
        self.open_file(&path)?;
        Ok(OpenedAttachment::OpenedWithViewer { name })
    }

    pub async fn support_update_ticket(&self, user: User, u: TicketUpdate) -> Result<TicketDetail> {
        let store = self.store().await?;
        let ch = tickets::update(&store, self.origin(), &user, &u).await?;
        if !ch.summary.is_empty() {
            self.emit_support(&here(ch)).await;
        }
        tickets::detail(&store, &user, u.id).await
    }

    pub async fn support_staff(&self, _: User, _: ()) -> Result<Vec<StaffMember>> {
        tickets::staff(&self.store().await?).await
    }

    pub async fn support_request_call(&self, user: User, n: NewCall) -> Result<CallRequest> {
        let store = self.store().await?;
        let c = calls::request(&store, self.origin(), &user, &n).await?;
        self.emit_support(&SupportChange {
            ticket_id: c.ticket_id,
            customer_id: c.customer_id,
            kind: "call".into(),
            summary: String::new(),
        })
        .await;
        Ok(c)
    }

    pub async fn support_calls(&self, user: User, _: ()) -> Result<Vec<CallRequest>> {
        calls::list(&self.store().await?, &user).await
    }

    pub async fn support_complete_call(&self, user: User, d: CallDone) -> Result<CallRequest> {
        let (c, ch) = calls::complete(&self.store().await?, self.origin(), &user, &d).await?;
        self.emit_support(&here(ch)).await;
        Ok(c)
    }

    pub async fn support_feedback(&self, user: User, f: NewFeedback) -> Result<TicketDetail> {
        let store = self.store().await?;
        let ch = tickets::give_feedback(&store, self.origin(), &user, &f).await?;
        self.emit_support(&here(ch)).await;
        tickets::detail(&store, &user, f.ticket_id).await
    }

    pub async fn support_notifications(&self, user: User, _: ()) -> Result<Notifications> {
        notify::list(&self.store().await?, &user).await
    }

    pub async fn support_notifications_read(&self, user: User, _: ()) -> Result<Notifications> {
        notify::mark_read(&self.store().await?, &user).await
    }

    pub async fn support_kb_search(&self, user: User, q: KbQuery) -> Result<Vec<ArticleHit>> {
        kb::search(&self.store().await?, &q, is_staff(user.role)).await
    }

    pub async fn support_kb_article(&self, user: User, r: ArticleRef) -> Result<Article> {
        let reader = match self.kiosk().await {
            Some(_) => kb::Reader::Kiosk,
            None => kb::Reader::Desktop,
        };
        kb::get(&self.store().await?, r.id, is_staff(user.role), reader).await
    }

    pub async fn support_kb_save(&self, user: User, e: ArticleEdit) -> Result<Article> {
        if e.id.is_some() && e.version.is_none() {
            return Err(crate::stale::version_required("knowledge-base article"));
        }
        kb::save(&self.store().await?, &user, &e).await
    }

    pub async fn support_settings(&self, _: User, _: ()) -> Result<SupportSettings> {
        let store = self.store().await?;
        Ok(SupportSettings {
            version: Some(crate::settings::card_version(&store, "support").await?),
            ..super::load_settings(&store).await?
        })
    }

    pub async fn support_save_settings(
        &self,
        _: User,
        s: SupportSettings,
    ) -> Result<SupportSettings> {
        let store = self.store().await?;
        let version = crate::settings::guard_card(&store, "support", "support", s.version).await?;
        Ok(SupportSettings {
            version: Some(version),
            ..super::save_settings(&store, &s).await?
        })
    }
}
