//! Support: tickets with their message threads and attachments, call requests, feedback,
//! notifications, the knowledge base, and the live "support changed" event that reaches every
//! open window (across desktops on a shared PostgreSQL store).

use serde::{Deserialize, Serialize};

macro_rules! str_enum {
    ($name:ident { $($v:ident = $s:literal / $label:literal),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            #[default]
            $($v),*
        }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$v => $label),* }
            }
        }
    };
}

str_enum!(TicketStatus {
    Open = "open" / "Open",
    InProgress = "in_progress" / "In progress",
    WaitingOnCustomer = "waiting" / "Waiting on customer",
    Resolved = "resolved" / "Resolved",
    Closed = "closed" / "Closed",
});

impl TicketStatus {
    /// Resolved or closed: feedback may be given, the resolution clock stops.
    pub fn is_done(self) -> bool {
        matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }
}

str_enum!(Priority {
    Normal = "normal" / "Normal",
    Low = "low" / "Low",
    High = "high" / "High",
    Urgent = "urgent" / "Urgent",
});

/// The categories a customer picks from.
pub const CATEGORIES: &[&str] = &["Orders", "Delivery", "Stock", "Billing", "Account", "Other"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: i64,
    /// "TCK-000042".
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub priority: Priority,
    pub status: TicketStatus,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// Messages visible to the viewer.
    pub messages: u32,
    /// Staff only: "First response overdue" / "Resolution overdue" against the targets.
    pub breach: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NewTicket {
    pub title: String,
    pub description: String,
    pub category: String,
    pub priority: Priority,
    /// Files the customer picked, attached with the ticket (each checked as for a message;
    /// one bad file refuses the ticket). Never at a kiosk.
    #[serde(default)]
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Staff: nobody's yet.
    Unassigned,
    /// Staff: assigned to the caller.
    Mine,
    /// Every ticket the caller may see (a customer: their own).
    #[default]
    All,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TicketQuery {
    pub queue: Queue,
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    /// Only tickets not resolved or closed.
    pub open_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TicketCounts {
    /// Not resolved or closed.
    pub open: u32,
    pub resolved: u32,
    /// Staff: open and nobody's.
    pub unassigned: u32,
    /// Staff: open and the caller's.
    pub mine: u32,
    /// Staff: open tickets past a target.
    pub breached: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TicketList {
    pub rows: Vec<Ticket>,
    pub counts: TicketCounts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRef {
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub id: i64,
    /// Sanitised: no folders, no control characters.
    pub name: String,
    pub mime: String,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub author: String,
    /// Written by staff (agent or admin), not the customer.
    pub staff: bool,
    /// An internal note: staff only, never shown to the customer.
    pub internal: bool,
    pub body: String,
    pub created_at: i64,
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    #[default]
    Pending,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRequest {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub customer_id: i64,
    pub customer_name: String,
    pub phone: String,
    /// `None`: as soon as possible.
    pub at: Option<i64>,
    pub note: String,
    pub status: CallStatus,
    pub outcome: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub rating: u8,
    pub comment: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub ticket: Ticket,
    /// The thread, oldest first (internal notes only for staff).
    pub messages: Vec<Message>,
    pub calls: Vec<CallRequest>,
    pub feedback: Option<Feedback>,
    /// The customer may rate it now (resolved or closed, not rated yet).
    pub can_rate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NewMessage {
    pub ticket_id: i64,
    pub body: String,
    /// Staff only: a note the customer never sees.
    pub internal: bool,
    /// Files the user picked, attached to this message (each checked like `AddAttachment`).
    pub paths: Vec<String>,
    /// A customer's reply to a resolved ticket leaves it resolved unless they ask to reopen it.
    #[serde(default)]
    pub reopen: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub id: i64,
}

/// An attachment opened: a picture is shown inside the window (always at a kiosk); any other
/// file is saved to a temporary file and opened with the system's viewer — never at a kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpenedAttachment {
    Picture { mime: String, data: String },
    OpenedWithViewer { name: String },
    NotAtKiosk { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TicketUpdate {
    pub id: i64,
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    /// Some(None) unassigns; Some(Some(id)) assigns to that support or admin account.
    pub assignee: Option<Option<i64>>,
    /// The ticket as the form showed it: a field changed since by someone else is refused
    /// with what changed (never overwritten). Fields not being changed are never written.
    #[serde(default)]
    pub seen: Option<TicketSeen>,
}

/// The values a staff form showed when a change was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TicketSeen {
    pub status: TicketStatus,
    pub priority: Priority,
    pub assignee_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NewCall {
    pub ticket_id: Option<i64>,
    pub phone: String,
    /// `None`: now; else a future time (Unix ms) within business hours.
    pub at: Option<i64>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CallDone {
    pub id: i64,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NewFeedback {
    pub ticket_id: i64,
    /// 1 to 5.
    pub rating: u8,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub text: String,
    pub ticket_id: Option<i64>,
    pub created_at: i64,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Notifications {
    pub rows: Vec<Notification>,
    pub unread: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StaffMember {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    #[default]
    Draft,
    Published,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub status: ArticleStatus,
    /// Markdown as written.
    pub body: String,
    /// Rendered and sanitised (safe to put into the page).
    pub html: String,
    pub updated_at: i64,
    /// Rises with every save; a change names the version its form was read at.
    #[serde(default)]
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ArticleEdit {
    pub id: Option<i64>,
    /// The version the form was read at (required by the window's save of an existing
    /// record): a save from a stale read is refused with what changed.
    #[serde(default)]
    pub version: Option<i64>,

    pub title: String,
    pub category: String,
    pub status: ArticleStatus,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct KbQuery {
    /// Words (each a prefix), ranked: a title match before a body match. Empty: every article.
    pub search: String,
    /// Staff: drafts too.
    pub include_drafts: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleHit {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub status: ArticleStatus,
    /// The start of the body as text.
    pub snippet: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRef {
    pub id: i64,
}

/// Business hours (calls are booked within them) and targets per priority, in hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportSettings {
    /// The card's version when read; a save names it, and a save from a stale card is
    /// refused (`None`: a caller that did not read it, such as a test or a script).
    #[serde(default)]
    pub version: Option<i64>,
    /// "08:00".
    pub opens: String,
    /// "18:00".
    pub closes: String,
    /// 1 = Monday … 7 = Sunday.
    pub days: Vec<u8>,
    /// [low, normal, high, urgent].
    pub first_response_hours: [u32; 4],
    pub resolution_hours: [u32; 4],
    pub max_attachment_mb: u32,
}

impl Default for SupportSettings {
    fn default() -> Self {
        SupportSettings {
            opens: "08:00".into(),
            closes: "18:00".into(),
            days: vec![1, 2, 3, 4, 5],
            first_response_hours: [24, 8, 4, 1],
            resolution_hours: [120, 72, 24, 8],
            max_attachment_mb: 10,
            version: None,
        }
    }
}

impl Priority {
    /// Index into the targets of [`SupportSettings`].
    pub fn index(self) -> usize {
        match self {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        }
    }
}

/// What changed, for the live event: windows showing the ticket (or a list) read it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportChange {
    pub ticket_id: Option<i64>,
    pub customer_id: i64,
    /// "message", "status", "call", "ticket", "feedback".
    pub kind: String,
    /// A line for the desktop notification (never an internal note's text).
    pub summary: String,
}

pub mod commands {
    use super::*;

    crate::api::declare_commands! {
        SUPPORT_COMMANDS;
        /// A customer's own tickets, or a staff queue, with counts.
        ListTickets = "support_tickets": TicketQuery => TicketList, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles());
        /// A customer opens a ticket (the support team is e-mailed).
        CreateTicket = "support_create_ticket": NewTicket => TicketDetail, crate::api::Access::Roles(&[crate::Role::Customer]);
        GetTicket = "support_ticket": TicketRef => TicketDetail, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles()), owns |r| Some(Owned::new(Record::Ticket, r.id));
        /// A reply (the customer is e-mailed when staff reply), or a staff internal note.
        AddMessage = "support_add_message": NewMessage => TicketDetail, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles()), owns |r| Some(Owned::new(Record::Ticket, r.ticket_id));
        OpenAttachment = "support_open_attachment": AttachmentRef => OpenedAttachment, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles()), owns |r| Some(Owned::new(Record::Attachment, r.id));
        /// Staff: status, priority, assignee.
        UpdateTicket = "support_update_ticket": TicketUpdate => TicketDetail, crate::api::Access::Roles(&[crate::Role::Support, crate::Role::Admin]);
        /// Staff who can be assigned a ticket.
        SupportStaff = "support_staff": () => Vec<StaffMember>, crate::api::Access::Roles(&[crate::Role::Support, crate::Role::Admin]);
        RequestCall = "support_request_call": NewCall => CallRequest, crate::api::Access::Roles(&[crate::Role::Customer]), owns |r| r.ticket_id.map(|t| Owned::new(Record::Ticket, t));
        /// Staff: every call request, pending first; a customer: their own.
        ListCalls = "support_calls": () => Vec<CallRequest>, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles());
        CompleteCall = "support_complete_call": CallDone => CallRequest, crate::api::Access::Roles(&[crate::Role::Support, crate::Role::Admin]);
        GiveFeedback = "support_feedback": NewFeedback => TicketDetail, crate::api::Access::Roles(&[crate::Role::Customer]), owns |r| Some(Owned::new(Record::Ticket, r.ticket_id));
        ListNotifications = "support_notifications": () => Notifications, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles());
        MarkNotificationsRead = "support_notifications_read": () => Notifications, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles());
        SearchKb = "support_kb_search": KbQuery => Vec<ArticleHit>, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles());
        GetArticle = "support_kb_article": ArticleRef => Article, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles());
        /// Staff: write or change an article.
        SaveArticle = "support_kb_save": ArticleEdit => Article, crate::api::Access::Roles(&[crate::Role::Support, crate::Role::Admin]);
        GetSupportSettings = "support_settings": () => SupportSettings, crate::api::Access::Roles(crate::modules::ModuleId::Support.allowed_roles());
        SaveSupportSettings = "support_save_settings": SupportSettings => SupportSettings, crate::api::Access::Roles(&[crate::Role::Admin]);
    }
}
