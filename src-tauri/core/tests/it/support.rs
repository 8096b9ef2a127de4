//! Support through the window's commands on both stores: tickets and threads (internal notes
//! never reach the customer), another customer's ids refused, attachments typed by content
//! and opened safely (never with the viewer at a kiosk), call requests within business hours,
//! feedback once, the knowledge base sanitised and searched; and the live event crossing
//! desktops on a shared PostgreSQL server within a second, also after the server restarts.

use crate::common;

use common::harness::{self, Harness};
use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::Actor;
use portdesk_types::api::*;
use portdesk_types::events::SupportChangedEvent;
use portdesk_types::support::*;
use portdesk_types::{ApiError, Command, ErrorKind, Event, Role, Secret};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

async fn user(h: &Harness, email: &str, name: &str, role: Role) -> i64 {
    let store = h.app.store().await.unwrap();
    accounts::create(
        &store,
        &Actor::system("test"),
        NewUser {
            name: name.into(),
            email: email.into(),
            role,
            erp_customer: (role == Role::Customer).then(|| format!("{name} Ltd")),
            erp_customer_code: None,
            password: Secret::new(harness::GOOD),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
    .id
}

/// The admin, customers Carla and Bert, agent Sven.
async fn people(h: &Harness) -> (i64, i64, i64) {
    h.first_admin().await;
    let carla = user(h, "carla@example.com", "Carla", Role::Customer).await;
    let bert = user(h, "bert@example.com", "Bert", Role::Customer).await;
    let sven = user(h, "sven@example.com", "Sven Support", Role::Support).await;
    (carla, bert, sven)
}

fn kind<T: std::fmt::Debug>(r: Result<T, ApiError>) -> ErrorKind {
    r.unwrap_err().kind
}

fn field<T: std::fmt::Debug>(r: Result<T, ApiError>) -> Option<String> {
    r.unwrap_err().field
}

async fn mail_kinds(h: &Harness) -> Vec<(String, String)> {
    let store = h.app.store().await.unwrap();
    sqlx::query_as("SELECT kind, recipients FROM mail_outbox ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

fn new_ticket(title: &str) -> NewTicket {
    NewTicket {
        title: title.into(),
        description: "Pallet 3 arrived crushed.".into(),
        category: "Delivery".into(),
        priority: Priority::High,
        paths: vec![],
    }
}

async fn tickets_threads_and_roles(h: Harness) {
    let (carla, _bert, sven) = people(&h).await;
    h.sign_in_as("carla@example.com").await;
    assert_eq!(
        field(h.call::<CreateTicket>(new_ticket(" ")).await).as_deref(),
        Some("title")
    );
    assert_eq!(
        field(
            h.call::<CreateTicket>(NewTicket {
                category: "Gossip".into(),
                ..new_ticket("x")
            })
            .await
        )
        .as_deref(),
        Some("category")
    );
    let t = h
        .call::<CreateTicket>(new_ticket("Damaged pallet"))
        .await
        .unwrap()
        .ticket;
    assert_eq!((t.status, t.customer_id), (TicketStatus::Open, carla));
    assert!(t.number.starts_with("TCK-"));
    let mails = mail_kinds(&h).await;
    assert!(
        mails.iter().any(|(k, to)| k == "ticket_created"
            && to.contains("sven@example.com")
            && to.contains("ada@example.com")),
        "{mails:?}"
    );
    // A customer cannot work the queue.
    assert_eq!(
        kind(
            h.call::<UpdateTicket>(TicketUpdate {
                id: t.id,
                status: Some(TicketStatus::Closed),
                ..Default::default()
            })
            .await
        ),
        ErrorKind::Forbidden
    );
    assert_eq!(
        kind(
            h.call::<AddMessage>(NewMessage {
                ticket_id: t.id,
                body: "x".into(),
                internal: true,
                paths: vec![],
                reopen: false,
            })
            .await
        ),
        ErrorKind::Forbidden
    );

    // The agent: the unassigned queue, assign, an internal note, a reply.
    h.sign_in_as("sven@example.com").await;
    let q = h
        .call::<ListTickets>(TicketQuery {
            queue: Queue::Unassigned,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (q.rows.len(), q.counts.unassigned, q.counts.mine),
        (1, 1, 0)
    );
    h.call::<UpdateTicket>(TicketUpdate {
        id: t.id,
        assignee: Some(Some(sven)),
        ..Default::default()
    })
    .await
    .unwrap();
    let e = h
        .call::<UpdateTicket>(TicketUpdate {
            id: t.id,
            assignee: Some(Some(carla)),
            ..Default::default()
        })
        .await;
    assert_eq!(
        field(e).as_deref(),
        Some("assignee"),
        "a customer is no assignee"
    );
    h.call::<AddMessage>(NewMessage {
        ticket_id: t.id,
        body: "Margin is thin here, be careful.".into(),
        internal: true,
        paths: vec![],
        reopen: false,
    })
    .await
    .unwrap();
    let d = h
        .call::<AddMessage>(NewMessage {
            ticket_id: t.id,
            body: "A replacement ships today.".into(),
            internal: false,
            paths: vec![],
            reopen: false,
        })
        .await
        .unwrap();
    assert_eq!(d.ticket.status, TicketStatus::InProgress);
    assert!(d.ticket.first_response_at.is_some());
    assert_eq!(d.messages.len(), 2);
    let mine = h
        .call::<ListTickets>(TicketQuery {
            queue: Queue::Mine,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.counts.mine, 1);

    // The customer sees the reply, never the internal note; a notification and an e-mail.
    h.sign_in_as("carla@example.com").await;
    let d = h.call::<GetTicket>(TicketRef { id: t.id }).await.unwrap();
    assert_eq!(d.messages.len(), 1);
    assert_eq!(d.messages[0].body, "A replacement ships today.");
    assert!(d.messages.iter().all(|m| !m.body.contains("Margin")));
    let n = h.call::<ListNotifications>(()).await.unwrap();
    assert!(
        n.unread >= 1 && n.rows.iter().any(|r| r.text.contains("replied")),
        "{n:?}"
    );
    assert_eq!(h.call::<MarkNotificationsRead>(()).await.unwrap().unread, 0);
    assert!(
        mail_kinds(&h)
            .await
            .iter()
            .any(|(k, to)| k == "ticket_reply" && to.contains("carla@example.com"))
    );
    // Feedback only once the ticket is resolved, and only once.
    let rate = |rating| NewFeedback {
        ticket_id: t.id,
        rating,
        comment: "Quick.".into(),
    };
    assert_eq!(
        field(h.call::<GiveFeedback>(rate(5)).await).as_deref(),
        Some("rating")
    );

    // Bert: none of Carla's ids.
    h.sign_in_as("bert@example.com").await;
    assert_eq!(
        kind(h.call::<GetTicket>(TicketRef { id: t.id }).await),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(
            h.call::<AddMessage>(NewMessage {
                ticket_id: t.id,
                body: "hi".into(),
                ..Default::default()
            })
            .await
        ),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(h.call::<GiveFeedback>(rate(1)).await),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(
            h.call::<RequestCall>(NewCall {
                ticket_id: Some(t.id),
                phone: "+91 44 1234 5678".into(),
                ..Default::default()
            })
            .await
        ),
        ErrorKind::NotFound
    );
    let list = h.call::<ListTickets>(TicketQuery::default()).await.unwrap();
    assert!(list.rows.is_empty() && list.counts.open == 0);

    h.sign_in_as("sven@example.com").await;
    h.call::<UpdateTicket>(TicketUpdate {
        id: t.id,
        status: Some(TicketStatus::Resolved),
        ..Default::default()
    })
    .await
    .unwrap();
    h.sign_in_as("carla@example.com").await;
    assert!(
        h.call::<GetTicket>(TicketRef { id: t.id })
            .await
            .unwrap()
            .can_rate
    );
    assert_eq!(
        field(h.call::<GiveFeedback>(rate(6)).await).as_deref(),
        Some("rating")
    );
    let d = h.call::<GiveFeedback>(rate(5)).await.unwrap();
    assert_eq!(d.feedback.map(|f| f.rating), Some(5));
    assert!(!d.can_rate);
    assert_eq!(
        kind(h.call::<GiveFeedback>(rate(4)).await),
        ErrorKind::Conflict
    );
    assert!(
        mail_kinds(&h)
            .await
            .iter()
            .any(|(k, to)| k == "feedback_received" && to.contains("ada@example.com"))
    );
    let counts = h
        .call::<ListTickets>(TicketQuery::default())
        .await
        .unwrap()
        .counts;
    assert_eq!((counts.open, counts.resolved), (0, 1));
}
on_both_stores!(tickets_threads_and_roles_on, tickets_threads_and_roles);

/// A PNG of 2 × 2 pixels.
fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(2, 2, image::Rgb([200, 10, 10]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn attachments_by_content(h: Harness) {
    people(&h).await;
    let opened: Arc<Mutex<Vec<std::path::PathBuf>>> = Arc::default();
    let seen = opened.clone();
    h.app.set_file_opener(Arc::new(move |p: &std::path::Path| {
        seen.lock().unwrap().push(p.to_path_buf());
        Ok(())
    }));
    let files = tempfile::tempdir().unwrap();
    let put = |name: &str, bytes: &[u8]| {
        let p = files.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    };
    h.sign_in_as("carla@example.com").await;
    let t = h
        .call::<CreateTicket>(new_ticket("Photos of the pallet"))
        .await
        .unwrap()
        .ticket;
    let msg = |paths: Vec<String>| NewMessage {
        ticket_id: t.id,
        body: "See attached.".into(),
        internal: false,
        paths,
        reopen: false,
    };
    // An executable named like a PDF, a huge sparse file, an empty one: refused, nothing kept.
    let exe = [
        b"MZ".as_slice(),
        &[0x90; 64],
        b"This program cannot be run in DOS mode",
    ]
    .concat();
    let e = h
        .call::<AddMessage>(msg(vec![put("invoice.pdf", &exe)]))
        .await
        .unwrap_err();
    assert!(
        e.message.contains("cannot be attached") && e.field.as_deref() == Some("paths"),
        "{e:?}"
    );
    let huge = files.path().join("scan.png");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(11 * 1024 * 1024)
        .unwrap();
    let e = h
        .call::<AddMessage>(msg(vec![huge.to_string_lossy().into_owned()]))
        .await
        .unwrap_err();
    assert!(e.message.contains("at most 10 MB"), "{e:?}");
    let e = h
        .call::<AddMessage>(msg(vec![put("good.png", &png()), put("empty.txt", b"")]))
        .await
        .unwrap_err();
    assert!(
        e.message.contains("empty"),
        "one bad file refuses the message: {e:?}"
    );
    assert_eq!(
        h.call::<GetTicket>(TicketRef { id: t.id })
            .await
            .unwrap()
            .messages
            .len(),
        0
    );

    // A ticket opened with a file; one opened with a bad file is not opened at all.
    let before = h
        .call::<ListTickets>(TicketQuery::default())
        .await
        .unwrap()
        .rows
        .len();
    let e = h
        .call::<CreateTicket>(NewTicket {
            paths: vec![put("setup.pdf", &exe)],
            ..new_ticket("With a bad file")
        })
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("paths"), "{e:?}");
    assert_eq!(
        h.call::<ListTickets>(TicketQuery::default())
            .await
            .unwrap()
            .rows
            .len(),
        before
    );
    let with = h
        .call::<CreateTicket>(NewTicket {
            paths: vec![put("label.png", &png())],
            ..new_ticket("With a photo")
        })
        .await
        .unwrap();
    assert_eq!(with.messages.len(), 1);
    assert_eq!(with.messages[0].attachments[0].mime, "image/png");

    // A picture named .exe, a text file under a hostile name, the same picture twice.
    let d = h
        .call::<AddMessage>(msg(vec![
            put("photo.exe", &png()),
            put("..\u{7}notes<1>.txt", b"pallet 3, row 12\n"),
            put("again.png", &png()),
        ]))
        .await
        .unwrap();
    let files_shown = &d.messages[0].attachments;
    assert_eq!(files_shown.len(), 3);
    assert_eq!(files_shown[0].mime, "image/png");
    assert_eq!(files_shown[1].name, "_notes_1_.txt");
    let store = h.app.store().await.unwrap();
    let (blobs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM support_blobs")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        blobs, 2,
        "the same bytes are stored once (the ticket's photo too)"
    );
    // A picture opens inside the window; a text file with the viewer, as .txt.
    assert!(matches!(
        h.call::<OpenAttachment>(AttachmentRef {
            id: files_shown[0].id
        })
        .await
        .unwrap(),
        OpenedAttachment::Picture { .. }
    ));
    assert!(matches!(
        h.call::<OpenAttachment>(AttachmentRef {
            id: files_shown[1].id
        })
        .await
        .unwrap(),
        OpenedAttachment::OpenedWithViewer { .. }
    ));
    let path = opened.lock().unwrap().last().cloned().unwrap();
    assert_eq!(path.extension().unwrap(), "txt");
    assert_eq!(std::fs::read(&path).unwrap(), b"pallet 3, row 12\n");
    // The copy sits in this user's own data folder, readable by them only, never in a shared
    // temporary folder; signing out removes it.
    let private = portdesk_core::support::attachments::private_dir(h.app.paths());
    assert!(path.starts_with(&private), "{}", path.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for dir in [private.as_path(), path.parent().unwrap()] {
            let mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", dir.display());
        }
    }
    h.call::<Logout>(()).await.unwrap();
    assert!(!path.exists() && !private.exists(), "removed at sign-out");
    h.sign_in_as("carla@example.com").await;
    // Another customer cannot open it; nor can the customer open a file on an internal note.
    h.sign_in_as("sven@example.com").await;
    let d = h
        .call::<AddMessage>(NewMessage {
            ticket_id: t.id,
            body: "Our own photo.".into(),
            internal: true,
            paths: vec![put("ours.png", &[png(), vec![0]].concat())],
            reopen: false,
        })
        .await
        .unwrap();
    let internal_file = d.messages.last().unwrap().attachments[0].id;
    h.sign_in_as("bert@example.com").await;
    assert_eq!(
        kind(
            h.call::<OpenAttachment>(AttachmentRef {
                id: files_shown[0].id
            })
            .await
        ),
        ErrorKind::NotFound
    );
    h.sign_in_as("carla@example.com").await;
    assert_eq!(
        kind(
            h.call::<OpenAttachment>(AttachmentRef { id: internal_file })
                .await
        ),
        ErrorKind::NotFound
    );
    assert_eq!(opened.lock().unwrap().len(), 1);
}
on_both_stores!(attachments_by_content_on, attachments_by_content);

// At a kiosk: a picture shows inside the window, any other file is never opened with the
// system's viewer, and no file is read from the kiosk's disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_never_opens_the_viewer() {
    let h = harness::start().await;
    people(&h).await;
    let files = tempfile::tempdir().unwrap();
    let txt = files.path().join("notes.txt");
    std::fs::write(&txt, "hello").unwrap();
    let pic = files.path().join("p.png");
    std::fs::write(&pic, png()).unwrap();
    h.sign_in_as("carla@example.com").await;
    let t = h
        .call::<CreateTicket>(new_ticket("Files"))
        .await
        .unwrap()
        .ticket;
    let d = h
        .call::<AddMessage>(NewMessage {
            ticket_id: t.id,
            body: String::new(),
            internal: false,
            paths: vec![txt.to_string_lossy().into(), pic.to_string_lossy().into()],
            reopen: false,
        })
        .await
        .unwrap();
    let ids: Vec<i64> = d.messages[0].attachments.iter().map(|a| a.id).collect();
    h.call::<Logout>(()).await.unwrap();
    let paths = h.app.paths().clone();
    drop(h.app);
    let opened = Arc::new(Mutex::new(0));
    let kiosk = portdesk_core::Portdesk::start_with(paths, h.secrets.clone(), true).await;
    let count = opened.clone();
    kiosk.set_file_opener(Arc::new(move |_: &std::path::Path| {
        *count.lock().unwrap() += 1;
        Ok(())
    }));
    let call = |name: &'static str, v: serde_json::Value| {
        let k = kiosk.clone();
        async move { k.dispatch(name, v).await }
    };
    call(
        Login::NAME,
        serde_json::json!({ "email": "carla@example.com", "password": harness::GOOD }),
    )
    .await
    .unwrap();
    let r = call(OpenAttachment::NAME, serde_json::json!({ "id": ids[0] }))
        .await
        .unwrap();
    assert!(matches!(
        serde_json::from_value(r).unwrap(),
        OpenedAttachment::NotAtKiosk { .. }
    ));
    let r = call(OpenAttachment::NAME, serde_json::json!({ "id": ids[1] }))
        .await
        .unwrap();
    assert!(matches!(
        serde_json::from_value(r).unwrap(),
        OpenedAttachment::Picture { .. }
    ));
    assert_eq!(*opened.lock().unwrap(), 0, "the viewer was never started");
    let e = call(
        AddMessage::NAME,
        serde_json::to_value(NewMessage {
            ticket_id: t.id,
            body: "x".into(),
            internal: false,
            paths: vec![txt.to_string_lossy().into()],
            reopen: false,
        })
        .unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("paths"));
}

async fn calls_within_business_hours(h: Harness) {
    people(&h).await;
    h.sign_in_as("ada@example.com").await;
    let every_day = SupportSettings {
        days: vec![1, 2, 3, 4, 5, 6, 7],
        ..Default::default()
    };
    assert_eq!(
        field(
            h.call::<SaveSupportSettings>(SupportSettings {
                closes: "07:00".into(),
                ..every_day.clone()
            })
            .await
        )
        .as_deref(),
        Some("closes")
    );
    h.call::<SaveSupportSettings>(every_day).await.unwrap();
    let at = |hour: u32| {
        use chrono::TimeZone;
        let day = chrono::Local::now().date_naive() + chrono::Duration::days(1);
        chrono::Local
            .from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
            .earliest()
            .unwrap()
            .timestamp_millis()
    };
    h.sign_in_as("carla@example.com").await;
    let call = |phone: &str, at: Option<i64>| NewCall {
        ticket_id: None,
        phone: phone.into(),
        at,
        note: "About the pallet".into(),
    };
    assert_eq!(
        field(h.call::<RequestCall>(call("call me", None)).await).as_deref(),
        Some("phone")
    );
    assert_eq!(
        field(
            h.call::<RequestCall>(call("+91 44 1234 5678", Some(at(20))))
                .await
        )
        .as_deref(),
        Some("at")
    );
    assert_eq!(
        field(
            h.call::<RequestCall>(call(
                "+91 44 1234 5678",
                Some(portdesk_core::now_ms() - 60_000)
            ))
            .await
        )
        .as_deref(),
        Some("at")
    );
    let later = h
        .call::<RequestCall>(call("+91 44 1234 5678", Some(at(10))))
        .await
        .unwrap();
    h.call::<RequestCall>(call("+91 44 1234 5679", None))
        .await
        .unwrap();
    assert!(
        mail_kinds(&h)
            .await
            .iter()
            .any(|(k, _)| k == "call_requested")
    );
    h.sign_in_as("bert@example.com").await;
    assert!(h.call::<ListCalls>(()).await.unwrap().is_empty());
    assert_eq!(
        kind(
            h.call::<CompleteCall>(CallDone {
                id: later.id,
                outcome: "x".into()
            })
            .await
        ),
        ErrorKind::Forbidden
    );
    h.sign_in_as("sven@example.com").await;
    let calls = h.call::<ListCalls>(()).await.unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        field(
            h.call::<CompleteCall>(CallDone {
                id: later.id,
                outcome: " ".into()
            })
            .await
        )
        .as_deref(),
        Some("outcome")
    );
    let done = h
        .call::<CompleteCall>(CallDone {
            id: later.id,
            outcome: "Agreed a credit note.".into(),
        })
        .await
        .unwrap();
    assert_eq!(done.status, CallStatus::Done);
    assert_eq!(
        kind(
            h.call::<CompleteCall>(CallDone {
                id: later.id,
                outcome: "again".into()
            })
            .await
        ),
        ErrorKind::Conflict
    );
    assert_eq!(
        h.call::<ListCalls>(()).await.unwrap()[0].status,
        CallStatus::Pending,
        "pending first"
    );
}
on_both_stores!(calls_within_business_hours_on, calls_within_business_hours);

async fn knowledge_base(h: Harness) {
    people(&h).await;
    h.sign_in_as("sven@example.com").await;
    let save = |title: &str, body: &str, status| ArticleEdit {
        version: None,
        id: None,
        title: title.into(),
        category: "Delivery".into(),
        status,
        body: body.into(),
    };
    let a = h
        .call::<SaveArticle>(save(
            "Claiming for damaged goods",
            "# Claims\nPhotograph the **pallet** first.<script>alert(1)</script> [form](javascript:alert(2)) <img src=x onerror=alert(3)>",
            ArticleStatus::Published,
        ))
        .await
        .unwrap();
    assert!(a.html.contains("<strong>pallet</strong>"), "{}", a.html);
    assert!(
        !a.html.contains("<script")
            && !a.html.contains("javascript:")
            && !a.html.contains("onerror"),
        "{}",
        a.html
    );
    h.call::<SaveArticle>(save(
        "Pallet sizes",
        "Euro pallets are 1200 × 800 mm.",
        ArticleStatus::Published,
    ))
    .await
    .unwrap();
    h.call::<SaveArticle>(save(
        "Pallet returns (draft)",
        "Not ready.",
        ArticleStatus::Draft,
    ))
    .await
    .unwrap();
    assert_eq!(
        h.call::<SearchKb>(KbQuery {
            search: "pallet".into(),
            include_drafts: true
        })
        .await
        .unwrap()
        .len(),
        3
    );
    h.sign_in_as("carla@example.com").await;
    assert_eq!(
        kind(
            h.call::<SaveArticle>(save("x", "y", ArticleStatus::Published))
                .await
        ),
        ErrorKind::Forbidden
    );
    // A word of the body finds an article; a title match ranks first; drafts stay hidden.
    let hits = h
        .call::<SearchKb>(KbQuery {
            search: "photograph".into(),
            include_drafts: true,
        })
        .await
        .unwrap();
    assert_eq!(hits.iter().map(|x| x.id).collect::<Vec<_>>(), [a.id]);
    let hits = h
        .call::<SearchKb>(KbQuery {
            search: "PALLET".into(),
            include_drafts: true,
        })
        .await
        .unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0].title, "Pallet sizes");
    assert!(
        h.call::<SearchKb>(KbQuery {
            search: "\"pallet\" OR * (".into(),
            ..Default::default()
        })
        .await
        .is_ok()
    );
    let draft = h
        .call::<SearchKb>(KbQuery {
            search: "returns".into(),
            include_drafts: true,
        })
        .await
        .unwrap();
    assert!(draft.is_empty());
}
on_both_stores!(knowledge_base_on, knowledge_base);

/// Events a core's windows would get.
fn collect(app: &portdesk_core::Portdesk) -> Arc<Mutex<Vec<(Instant, SupportChange)>>> {
    let got: Arc<Mutex<Vec<(Instant, SupportChange)>>> = Arc::default();
    let g = got.clone();
    app.set_event_sink(Arc::new(move |name: &str, v: serde_json::Value| {
        if name == SupportChangedEvent::NAME {
            g.lock()
                .unwrap()
                .push((Instant::now(), serde_json::from_value(v).unwrap()));
        }
    }));
    got
}

async fn wait_event(
    got: &Arc<Mutex<Vec<(Instant, SupportChange)>>>,
    within: Duration,
    ok: impl Fn(&SupportChange) -> bool,
) -> Instant {
    let t = Instant::now();
    loop {
        if let Some((at, _)) = got.lock().unwrap().iter().find(|(_, c)| ok(c)) {
            return *at;
        }
        assert!(t.elapsed() < within, "no event within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// Two desktops on one PostgreSQL server: the agent's reply reaches the customer's desktop
// within a second; the server restarts, and a change made after is caught up by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_crosses_desktops_within_a_second() {
    let server = common::pg_cluster::Cluster::new();
    let desk = |server: &common::pg_cluster::Cluster| harness::start_on(server.settings());
    let lobby = desk(&server).await; // the customer's kiosk or desktop
    people(&lobby).await;
    let agent_desk = desk(&server).await;
    lobby.sign_in_as("carla@example.com").await;
    agent_desk.sign_in_as("sven@example.com").await;
    let at_lobby = collect(&lobby.app);
    let at_agent = collect(&agent_desk.app);
    // Give both listeners their connection.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let t = lobby
        .call::<CreateTicket>(new_ticket("Crushed pallet"))
        .await
        .unwrap()
        .ticket;
    let sent = Instant::now();
    let arrived = wait_event(&at_agent, Duration::from_secs(5), |c| {
        c.ticket_id == Some(t.id) && c.kind == "ticket"
    })
    .await;
    let ticket_ms = arrived.duration_since(sent).as_millis();
    agent_desk
        .call::<AddMessage>(NewMessage {
            ticket_id: t.id,
            body: "On its way.".into(),
            internal: false,
            paths: vec![],
            reopen: false,
        })
        .await
        .unwrap();
    let sent = Instant::now();
    let arrived = wait_event(&at_lobby, Duration::from_secs(5), |c| c.kind == "message").await;
    let reply_ms = arrived.duration_since(sent).as_millis();
    eprintln!(
        "new ticket reached the agent's desktop in {ticket_ms} ms, the reply the customer's in {reply_ms} ms"
    );
    assert!(
        ticket_ms < 1000 && reply_ms < 1000,
        "{ticket_ms} ms / {reply_ms} ms"
    );
    // An internal note reaches staff only; its text never travels.
    agent_desk
        .call::<AddMessage>(NewMessage {
            ticket_id: t.id,
            body: "secret margin".into(),
            internal: true,
            paths: vec![],
            reopen: false,
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        at_lobby
            .lock()
            .unwrap()
            .iter()
            .all(|(_, c)| c.kind != "note"),
        "staff notes stay with staff"
    );
    assert!(
        at_agent
            .lock()
            .unwrap()
            .iter()
            .any(|(_, c)| c.kind == "note")
    );

    // The server restarts; the next reply still arrives, caught up by the listener.
    let messages = || {
        at_lobby
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, c)| c.kind == "message")
            .count()
    };
    let before = messages();
    server.stop();
    server.start();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match agent_desk
            .call::<AddMessage>(NewMessage {
                ticket_id: t.id,
                body: "After the restart.".into(),
                internal: false,
                paths: vec![],
                reopen: false,
            })
            .await
        {
            Ok(_) => break,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("the store never came back: {e:?}"),
        }
    }
    let t0 = Instant::now();
    while messages() == before {
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "the reply after the restart never reached the customer's desktop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// On one desktop (the SQLite default, or a PostgreSQL store) a change reaches this desktop's
// windows at once, as the app's own event; a customer's windows get only their own tickets'.
async fn changes_reach_this_desktops_windows(h: Harness) {
    people(&h).await;
    let got = collect(&h.app);
    h.sign_in_as("bert@example.com").await;
    let theirs = h
        .call::<CreateTicket>(new_ticket("Bert's pallet"))
        .await
        .unwrap()
        .ticket;
    h.sign_in_as("carla@example.com").await;
    got.lock().unwrap().clear();
    let t = h
        .call::<CreateTicket>(new_ticket("Late delivery"))
        .await
        .unwrap()
        .ticket;
    wait_event(&got, Duration::from_secs(2), |c| {
        c.ticket_id == Some(t.id) && c.kind == "ticket"
    })
    .await;
    assert!(
        got.lock()
            .unwrap()
            .iter()
            .all(|(_, c)| c.summary.is_empty()),
        "no desktop notification for one's own change"
    );
    // Staff on this desktop see every ticket's changes; a customer never another's.
    h.sign_in_as("sven@example.com").await;
    got.lock().unwrap().clear();
    h.call::<AddMessage>(NewMessage {
        ticket_id: theirs.id,
        body: "Looking into it.".into(),
        internal: false,
        paths: vec![],
        reopen: false,
    })
    .await
    .unwrap();
    wait_event(&got, Duration::from_secs(2), |c| {
        c.ticket_id == Some(theirs.id)
    })
    .await;
    h.sign_in_as("carla@example.com").await;
    got.lock().unwrap().clear();
    h.app
        .deliver_for_test(SupportChange {
            ticket_id: Some(theirs.id),
            customer_id: theirs.customer_id,
            kind: "message".into(),
            summary: "x".into(),
        })
        .await;
    assert!(
        got.lock().unwrap().is_empty(),
        "Carla's windows never hear of Bert's ticket"
    );
}
on_both_stores!(
    changes_reach_this_desktops_windows_on,
    changes_reach_this_desktops_windows
);

/// Two agents on one ticket: each change is field-wise and made from what the form showed.
/// A change to a field someone else changed since is refused with who and what; a change to
/// another field goes in without reverting theirs. A customer's reply to a resolved ticket
/// leaves it resolved unless they ask to reopen it.
async fn two_agents_on_one_ticket(h: Harness) {
    let (_carla, _bert, _sven) = people(&h).await;
    h.sign_in_as("carla@example.com").await;
    let t = h
        .call::<CreateTicket>(new_ticket("Damaged pallet"))
        .await
        .unwrap()
        .ticket;
    // Both agents open the ticket: Open, High, nobody.
    let seen = TicketSeen {
        status: t.status,
        priority: t.priority,
        assignee_id: t.assignee_id,
    };
    h.sign_in_as("ada@example.com").await;
    h.call::<UpdateTicket>(TicketUpdate {
        id: t.id,
        priority: Some(Priority::Low),
        seen: Some(seen.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    h.sign_in_as("sven@example.com").await;
    let e = h
        .call::<UpdateTicket>(TicketUpdate {
            id: t.id,
            priority: Some(Priority::Urgent),
            seen: Some(seen.clone()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Stale, "{e:?}");
    assert!(e.message.contains("ada@example.com"), "{}", e.message);
    assert!(e.message.contains("priority is now Low"), "{}", e.message);
    // Sven's status change from the same form goes in; Ada's priority stays.
    h.call::<UpdateTicket>(TicketUpdate {
        id: t.id,
        status: Some(TicketStatus::Resolved),
        seen: Some(seen),
        ..Default::default()
    })
    .await
    .unwrap();
    let now = h
        .call::<GetTicket>(TicketRef { id: t.id })
        .await
        .unwrap()
        .ticket;
    assert_eq!(
        (now.status, now.priority),
        (TicketStatus::Resolved, Priority::Low)
    );

    // Carla says thanks: the ticket stays resolved. Then she asks to reopen it.
    h.sign_in_as("carla@example.com").await;
    let reply = |body: &str, reopen: bool| NewMessage {
        ticket_id: t.id,
        body: body.into(),
        reopen,
        ..Default::default()
    };
    let d = h.call::<AddMessage>(reply("Thanks!", false)).await.unwrap();
    assert_eq!(d.ticket.status, TicketStatus::Resolved);
    let d = h
        .call::<AddMessage>(reply("It broke again.", true))
        .await
        .unwrap();
    assert_eq!(d.ticket.status, TicketStatus::Open);
}
on_both_stores!(two_agents_on_one_ticket_on, two_agents_on_one_ticket);
