//! The outbox against real transports: an aiosmtpd SMTP server (tests/support/smtp_server.py),
//! local HTTP servers standing in for Microsoft Graph and a webhook, and a pickup folder.
//! Every test parses what the far side received.

use crate::common;

use common::harness::*;
use common::smtp::{Smtp, free_port};
use mail_parser::{MessageParser, MimeHeaders};
use portdesk_core::mail::outbox::{self, Outcome, RetryPolicy};
use portdesk_core::mail::sender::{self, SenderConfig};
use portdesk_core::mail::templates::{self, Template};
use portdesk_core::mail::{self, Mail};
use portdesk_core::store::Store;
use portdesk_types::Secret;
use portdesk_types::api::*;
use portdesk_types::mail::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Non-ASCII on purpose: subjects carry it, so they must travel as UTF-8 encoded words.
const COMPANY: &str = "Müller & Söhne Logistik — Hafen";

fn smtp_settings(port: u16, username: &str) -> MailSettings {
    MailSettings {
        transport: MailTransport::Smtp(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            security: SmtpSecurity::None,
            username: username.into(),
            timeout_secs: 5,
        }),
        from_address: "portal@harbour.example".into(),
        from_name: "Harbour Portal".into(),
        company_name: COMPANY.into(),
        logo_path: String::new(),
    }
}

/// Retries a few hundred milliseconds apart, so a test sees several attempts quickly.
fn quick(id: &str) -> SenderConfig {
    SenderConfig {
        policy: RetryPolicy {
            delays: vec![Duration::from_millis(200)],
            max_attempts: 50,
        },
        lease: Duration::from_secs(30),
        idle_poll: Duration::from_millis(200),
        id: id.into(),
        desktop: None,
        trust: Default::default(),
    }
}

async fn save(h: &Harness, settings: MailSettings, secret: Option<&str>) {
    h.call::<SaveMailSettings>(SaveMailSettingsRequest {
        version: None,
        settings,
        secret: secret.map(Secret::new),
    })
    .await
    .unwrap();
}

async fn enqueue(store: &Store, key: &str, mail: &Mail) -> outbox::Enqueued {
    let mut tx = store.pool().begin().await.unwrap();
    let e = outbox::enqueue(&mut tx, key, mail).await.unwrap();
    tx.commit().await.unwrap();
    e
}

fn purchase_order() -> (Template, templates::PurchaseOrder) {
    let po = templates::samples()
        .into_iter()
        .find_map(|t| match t {
            Template::PurchaseOrder(p) => Some(p),
            _ => None,
        })
        .unwrap();
    (Template::PurchaseOrder(po.clone()), po)
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..150 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn row(h: &Harness, id: i64) -> MailRow {
    h.call::<GetMail>(MailRef { id }).await.unwrap().row
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_delivers_recipients_utf8_subject_text_html_and_attachment() {
    let smtp = Smtp::start(free_port(), &[]);
    let h = start().await;
    h.first_admin().await;
    let logo = h.dir.path().join("logo.png");
    std::fs::write(&logo, b"\x89PNG\r\n\x1a\nfake-logo-bytes").unwrap();
    save(
        &h,
        MailSettings {
            logo_path: logo.display().to_string(),
            ..smtp_settings(smtp.port, "")
        },
        None,
    )
    .await;
    let store = h.app.store().await.unwrap();
    let settings = mail::load_settings(store.pool()).await.unwrap();
    let (template, mut po) = purchase_order();
    po.supplier = "Fournisseur Él. & Fils".into();
    let template = match template {
        Template::PurchaseOrder(_) => Template::PurchaseOrder(po.clone()),
        t => t,
    };
    let xlsx = mail::purchase_order_xlsx(&po, COMPANY).unwrap();
    let m = Mail::compose(
        vec![
            "orders@techparts.example".into(),
            "buyer@harbour.example".into(),
        ],
        &template,
        &mail::brand(&settings),
    )
    .unwrap()
    .attach(xlsx.clone());
    let queued = enqueue(&store, "po:PO-20260206120500", &m).await;

    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!((r.sent, r.retry, r.failed), (1, 0, 0), "{r:?}");
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    let raw = String::from_utf8_lossy(&got[0]);
    let subject_line = raw.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(
        subject_line.is_ascii() && subject_line.to_ascii_lowercase().contains("=?utf-8?"),
        "an RFC 2047 encoded subject: {subject_line}"
    );
    let msg = MessageParser::default().parse(&got[0]).unwrap();
    let to: Vec<_> = msg
        .to()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["orders@techparts.example", "buyer@harbour.example"]);
    assert_eq!(
        msg.subject(),
        Some("Purchase order PO-20260206120500 from Müller & Söhne Logistik — Hafen")
    );
    assert_eq!(
        msg.from().unwrap().first().unwrap().name(),
        Some("Harbour Portal")
    );
    let text = msg.body_text(0).unwrap();
    assert!(text.contains("Dear Fournisseur Él. & Fils"), "{text}");
    assert!(
        text.contains("60 x Wireless Mouse (P123) at 7.25"),
        "{text}"
    );
    let html = msg.body_html(0).unwrap();
    assert!(html.contains("Fournisseur Él. &amp; Fils"), "{html}");
    assert!(html.contains("cid:logo@portdesk"));
    let parts: Vec<_> = msg.attachments().collect();
    let sheet = parts
        .iter()
        .find(|a| a.attachment_name() == Some("PO-20260206120500.xlsx"))
        .expect("the purchase order attached");
    assert_eq!(sheet.contents(), xlsx.data.as_slice());
    let inline_logo = parts
        .iter()
        .find(|a| a.content_id() == Some("logo@portdesk"))
        .expect("the logo as an inline part");
    assert!(inline_logo.contents().starts_with(b"\x89PNG"));
    // The attachment is a workbook Excel can open, with the order's line.
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(sheet.contents().to_vec())).unwrap();
    use calamine::{DataType, Reader};
    let range = wb.worksheet_range("Purchase order").unwrap();
    assert!(
        range
            .rows()
            .any(|r| r.iter().any(|c| c.get_string() == Some("Wireless Mouse")))
    );

    let row = row(&h, queued.id).await;
    assert_eq!(row.status, MailStatus::Sent);
    assert_eq!(row.attempts, 1);
    assert!(row.sent_at.is_some() && row.last_error.is_none());
    let detail = h.call::<GetMail>(MailRef { id: queued.id }).await.unwrap();
    assert_eq!(detail.attachments, ["PO-20260206120500.xlsx"]);
    assert!(detail.attempts[0].ok && detail.attempts[0].detail.starts_with("250"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_down_the_message_waits_and_goes_out_once_when_it_is_back() {
    let port = free_port();
    let h = start().await;
    h.first_admin().await;
    save(&h, smtp_settings(port, ""), None).await;
    h.app.start_mail_sender(quick("desk-1")).await;
    // A business action queues the message: a password reset code.
    h.call::<RequestResetCode>(ResetCodeRequest {
        email: "ada@example.com".into(),
    })
    .await
    .unwrap();
    wait_for("failed attempts while the server is down", async || {
        let p = h.call::<ListMail>(MailQuery::default()).await.unwrap();
        p.rows[0].attempts >= 2 && p.rows[0].status == MailStatus::Queued
    })
    .await;
    let page = h.call::<ListMail>(MailQuery::default()).await.unwrap();
    let waiting = &page.rows[0];
    assert!(
        waiting.last_error.as_deref().unwrap().contains("SMTP"),
        "{waiting:?}"
    );
    assert!(waiting.next_attempt_at.is_some() && waiting.sent_at.is_none());
    assert_eq!(page.counts.sent, 0);

    let smtp = Smtp::start(port, &[]);
    wait_for("the message to be sent", async || {
        row(&h, waiting.id).await.status == MailStatus::Sent
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let got = smtp.received();
    assert_eq!(got.len(), 1, "sent exactly once");
    let msg = MessageParser::default().parse(&got[0]).unwrap();
    assert_eq!(
        msg.subject(),
        Some("Your Müller & Söhne Logistik — Hafen password reset code")
    );
    let detail = h.call::<GetMail>(MailRef { id: waiting.id }).await.unwrap();
    assert!(detail.attempts.len() >= 3);
    assert!(detail.attempts.last().unwrap().ok);
    assert!(
        detail.attempts[..detail.attempts.len() - 1]
            .iter()
            .all(|a| !a.ok)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_recipient_fails_for_good_and_a_bad_address_is_refused_at_enqueue() {
    let smtp = Smtp::start(free_port(), &["--reject", "nobody"]);
    let h = start().await;
    h.first_admin().await;
    save(&h, smtp_settings(smtp.port, ""), None).await;
    let store = h.app.store().await.unwrap();
    let brand = templates::Brand::default();
    let t = templates::samples().remove(0);
    let m = Mail::compose(vec!["nobody@harbour.example".into()], &t, &brand).unwrap();
    let q = enqueue(&store, "k1", &m).await;
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!((r.sent, r.failed), (0, 1));
    let failed = row(&h, q.id).await;
    assert_eq!(failed.status, MailStatus::Failed);
    assert!(failed.last_error.unwrap().contains("550"));
    assert!(smtp.received().is_empty());

    // Invalid addresses never reach the outbox.
    let bad = Mail::compose(vec!["not an address".into()], &t, &brand).unwrap();
    let mut tx = store.pool().begin().await.unwrap();
    let e = outbox::enqueue(&mut tx, "k2", &bad).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "\"not an address\" is not a valid e-mail address."
    );
    assert_eq!(
        portdesk_types::ApiError::from(e).field.as_deref(),
        Some("to")
    );

    // Resend puts a failed message back in the queue; cancel takes it out.
    let again = h.call::<ResendMail>(MailRef { id: q.id }).await.unwrap();
    assert_eq!((again.status, again.attempts), (MailStatus::Queued, 0));
    let cancelled = h.call::<CancelMail>(MailRef { id: q.id }).await.unwrap();
    assert_eq!(cancelled.status, MailStatus::Cancelled);
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!(
        r.sent + r.failed + r.retry,
        0,
        "a cancelled message is not sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_sign_in_wrong_password_shows_in_the_test_and_the_message_waits() {
    let smtp = Smtp::start(free_port(), &["--auth", "portal:Right-Pass-1"]);
    let h = start().await;
    h.first_admin().await;
    let settings = smtp_settings(smtp.port, "portal");
    let test = |secret: &str| {
        h.call::<SendTestMail>(TestMailRequest {
            settings: settings.clone(),
            secret: Some(Secret::new(secret)),
            to: "ada@example.com".into(),
        })
    };
    let wrong = test("wrong").await.unwrap();
    assert!(!wrong.ok);
    assert!(
        wrong.message.contains("refused the sign-in"),
        "{}",
        wrong.message
    );
    let right = test("Right-Pass-1").await.unwrap();
    assert!(right.ok, "{}", right.message);
    assert_eq!(smtp.received().len(), 1);
    let raw = smtp.received();
    let msg = MessageParser::default().parse(&raw[0]).unwrap();
    assert_eq!(
        msg.subject(),
        Some("Portdesk test message from Müller & Söhne Logistik — Hafen")
    );

    // Saved with the wrong password: queued mail waits (not failed), then goes once fixed.
    save(&h, settings.clone(), Some("wrong")).await;
    h.call::<RequestResetCode>(ResetCodeRequest {
        email: "ada@example.com".into(),
    })
    .await
    .unwrap();
    let store = h.app.store().await.unwrap();
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!((r.sent, r.retry, r.failed), (0, 1, 0));
    let page = h.call::<ListMail>(MailQuery::default()).await.unwrap();
    assert!(
        page.rows[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("sign-in")
    );
    assert_eq!(page.counts.queued, 1);
    let view = h.call::<GetMailSettings>(()).await.unwrap();
    assert!(view.secret_saved);
    assert!(
        !serde_json::to_string(&view).unwrap().contains("wrong"),
        "secret never returned"
    );
    save(&h, settings, Some("Right-Pass-1")).await;
    outbox::make_all_due(&store, portdesk_core::now_ms())
        .await
        .unwrap();
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!(r.sent, 1);
    assert_eq!(smtp.received().len(), 2);
}

async fn idempotent_and_transactional(store: Store) {
    let t = templates::samples().remove(0);
    let m = Mail::compose(vec!["a@harbour.example".into()], &t, &Default::default()).unwrap();
    let first = enqueue(&store, "order:42:confirmation", &m).await;
    let second = enqueue(&store, "order:42:confirmation", &m).await;
    assert!(!first.duplicate && second.duplicate);
    assert_eq!(first.id, second.id);
    // A rolled-back business change queues nothing.
    let mut tx = store.pool().begin().await.unwrap();
    outbox::enqueue(&mut tx, "order:43:confirmation", &m)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let page = outbox::list(&store, &MailQuery::default()).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.counts.queued, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_action_sends_once_and_a_rolled_back_one_sends_nothing() {
    let smtp = Smtp::start(free_port(), &[]);
    let h = start().await;
    h.first_admin().await;
    save(&h, smtp_settings(smtp.port, ""), None).await;
    let store = h.app.store().await.unwrap();
    idempotent_and_transactional(store.clone()).await;
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!(r.sent, 1);
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outbox_is_idempotent_and_one_sender_claims_each_message() {
    let store = common::pg_store().await;
    idempotent_and_transactional(store.clone()).await;
    claims_are_exclusive_and_leases_expire(store).await;
}

async fn claims_are_exclusive_and_leases_expire(store: Store) {
    let t = templates::samples().remove(0);
    let m = Mail::compose(vec!["b@harbour.example".into()], &t, &Default::default()).unwrap();
    for i in 0..20 {
        enqueue(&store, &format!("bulk:{i}"), &m).await;
    }
    // Eight senders (desktops) race for the 21 queued messages: each is claimed exactly once.
    let now = portdesk_core::now_ms();
    let claimed = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for s in 0..8 {
        let store = store.clone();
        let claimed = claimed.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(c) =
                outbox::claim(&store, &format!("desk-{s}"), now, Duration::from_secs(60))
                    .await
                    .unwrap()
            {
                claimed.lock().unwrap().push((c.id, s));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut ids: Vec<i64> = claimed.lock().unwrap().iter().map(|c| c.0).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!((n, ids.len()), (21, 21), "every message claimed once");

    // A sender that dies mid-send loses its claim when the lease runs out; the message is
    // claimed again, and the dead sender's late outcome is ignored.
    let (id, owner) = claimed.lock().unwrap()[0];
    let later = now + 61_000;
    let again = loop {
        let c = outbox::claim(&store, "desk-new", later, Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        if c.id == id {
            break c;
        }
    };
    assert_eq!(again.attempt, 2, "the lost attempt counts");
    let stale = outbox::Claimed {
        attempt: 1,
        ..again.clone()
    };
    let policy = RetryPolicy::default();
    let late = outbox::finish(
        &store,
        &stale,
        &format!("desk-{owner}"),
        &Outcome::Sent("250".into()),
        &policy,
        later,
    )
    .await
    .unwrap();
    assert!(!late, "a lost claim cannot mark the message");
    assert!(
        outbox::finish(
            &store,
            &again,
            "desk-new",
            &Outcome::Sent("250 ok".into()),
            &policy,
            later
        )
        .await
        .unwrap()
    );
    let r = outbox::get_row(&store, id).await.unwrap();
    assert_eq!((r.status, r.attempts), (MailStatus::Sent, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_claims_are_exclusive_and_leases_expire() {
    let (store, _dir) = common::sqlite_store().await;
    let t = templates::samples().remove(0);
    let m = Mail::compose(vec!["b@harbour.example".into()], &t, &Default::default()).unwrap();
    enqueue(&store, "first", &m).await;
    claims_are_exclusive_and_leases_expire(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_follow_the_back_off_and_stop_at_the_limit() {
    let (store, _dir) = common::sqlite_store().await;
    let t = templates::samples().remove(0);
    let m = Mail::compose(vec!["c@harbour.example".into()], &t, &Default::default()).unwrap();
    let id = enqueue(&store, "r", &m).await.id;
    let policy = RetryPolicy::default();
    let mut now = portdesk_core::now_ms();
    let minutes = [1, 5, 30, 120, 1440, 1440, 1440, 1440, 1440];
    for (i, wait) in minutes.iter().enumerate() {
        let c = outbox::claim(&store, "d", now, Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.attempt as usize, i + 1);
        outbox::finish(
            &store,
            &c,
            "d",
            &Outcome::Temporary("421 busy".into()),
            &policy,
            now,
        )
        .await
        .unwrap();
        let r = outbox::get_row(&store, id).await.unwrap();
        assert_eq!(r.status, MailStatus::Queued);
        assert_eq!(
            r.next_attempt_at,
            Some(now + wait * 60_000),
            "after attempt {}",
            i + 1
        );
        assert!(
            outbox::claim(
                &store,
                "d",
                now + wait * 60_000 - 1,
                Duration::from_secs(60)
            )
            .await
            .unwrap()
            .is_none(),
            "not due before its time"
        );
        now += wait * 60_000;
    }
    let c = outbox::claim(&store, "d", now, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.attempt, 10);
    outbox::finish(
        &store,
        &c,
        "d",
        &Outcome::Temporary("421 busy".into()),
        &policy,
        now,
    )
    .await
    .unwrap();
    let r = outbox::get_row(&store, id).await.unwrap();
    assert_eq!(r.status, MailStatus::Failed);
    assert!(r.last_error.unwrap().contains("gave up after 10 attempts"));
}

/// What the stand-in HTTP servers received.
#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<(String, axum::http::HeaderMap, String)>>>);

async fn http_server(seen: Seen) -> u16 {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::routing::post;
    async fn record(
        State(s): State<Seen>,
        uri: Uri,
        h: HeaderMap,
        body: String,
    ) -> (StatusCode, String) {
        let path = uri.path().to_owned();
        s.0.lock()
            .unwrap()
            .push((path.clone(), h.clone(), body.clone()));
        if path.ends_with("/oauth2/v2.0/token") {
            if body.contains("client_secret=Graph-Secret")
                && body.contains("grant_type=client_credentials")
            {
                return (
                    StatusCode::OK,
                    r#"{"access_token":"tok-123","expires_in":3600,"token_type":"Bearer"}"#.into(),
                );
            }
            return (StatusCode::UNAUTHORIZED, r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#.into());
        }
        if path == "/webhook/bad" {
            return (StatusCode::BAD_REQUEST, "recipient rejected".into());
        }
        if path.ends_with("/sendMail")
            && h.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer tok-123")
        {
            return (StatusCode::UNAUTHORIZED, "no".into());
        }
        (StatusCode::ACCEPTED, String::new())
    }
    let app = axum::Router::new()
        .route("/{*path}", post(record))
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsoft_graph_and_webhook_transports_post_the_message() {
    let seen = Seen::default();
    let port = http_server(seen.clone()).await;
    let base = format!("http://127.0.0.1:{port}");
    let h = start().await;
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    let graph = MailSettings {
        transport: MailTransport::Graph(GraphSettings {
            tenant_id: "contoso-tenant".into(),
            client_id: "app-1".into(),
            sender: "portal@harbour.example".into(),
            authority_url: base.clone(),
            graph_url: base.clone(),
            timeout_secs: 5,
        }),
        ..smtp_settings(1, "")
    };
    // A wrong client secret: the test says so, queued mail waits.
    save(&h, graph.clone(), Some("Wrong")).await;
    let t = templates::samples().remove(2); // the supplier request
    let m = Mail::compose(
        vec!["sales@techparts.example".into()],
        &t,
        &Default::default(),
    )
    .unwrap();
    let id = enqueue(&store, "proc:1", &m).await.id;
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!(r.retry, 1);
    assert!(
        row(&h, id)
            .await
            .last_error
            .unwrap()
            .contains("Invalid client secret")
    );

    save(&h, graph, Some("Graph-Secret")).await;
    outbox::make_all_due(&store, portdesk_core::now_ms())
        .await
        .unwrap();
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    let calls = seen.0.lock().unwrap().clone();
    let (path, headers, body) = calls.last().unwrap();
    assert_eq!(path, "/v1.0/users/portal@harbour.example/sendMail");
    assert_eq!(headers["authorization"], "Bearer tok-123");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        json["message"]["subject"],
        "[PROCUREMENT REQUEST] Wireless Mouse - Order #PROC-20260206120000"
    );
    assert_eq!(
        json["message"]["toRecipients"][0]["emailAddress"]["address"],
        "sales@techparts.example"
    );
    assert_eq!(json["message"]["body"]["contentType"], "HTML");
    assert!(
        json["message"]["body"]["content"]
            .as_str()
            .unwrap()
            .contains("PROC-20260206120000")
    );
    assert!(
        calls
            .iter()
            .any(|(p, _, b)| p == "/contoso-tenant/oauth2/v2.0/token"
                && b.contains("scope=http%3A%2F%2F127.0.0.1"))
    );

    // The webhook: one POST with the whole message, a bearer token and an idempotency key.
    let hook = MailSettings {
        transport: MailTransport::Webhook(WebhookSettings {
            url: format!("{base}/webhook/mail"),
            timeout_secs: 5,
        }),
        ..smtp_settings(1, "")
    };
    save(&h, hook.clone(), Some("hook-token")).await;
    let (po_t, po) = purchase_order();
    let m = Mail::compose(
        vec!["x@techparts.example".into()],
        &po_t,
        &Default::default(),
    )
    .unwrap()
    .attach(mail::purchase_order_xlsx(&po, "Hafen").unwrap());
    enqueue(&store, "po:2", &m).await;
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!(r.sent, 1);
    let calls = seen.0.lock().unwrap().clone();
    let (path, headers, body) = calls.last().unwrap();
    assert_eq!(path, "/webhook/mail");
    assert_eq!(headers["authorization"], "Bearer hook-token");
    assert!(
        headers["idempotency-key"]
            .to_str()
            .unwrap()
            .ends_with("@portdesk>")
    );
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["to"][0], "x@techparts.example");
    assert!(json["text"].as_str().unwrap().contains("PO-20260206120500"));
    assert_eq!(json["attachments"][0]["filename"], "PO-20260206120500.xlsx");

    // A 4xx from the webhook is a permanent refusal.
    save(
        &h,
        MailSettings {
            transport: MailTransport::Webhook(WebhookSettings {
                url: format!("{base}/webhook/bad"),
                timeout_secs: 5,
            }),
            ..hook
        },
        // A token is kept only for the address it was saved for.
        Some("hook-token"),
    )
    .await;
    let id = enqueue(&store, "po:3", &m).await.id;
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!(r.failed, 1);
    let failed = row(&h, id).await;
    assert_eq!(failed.status, MailStatus::Failed);
    assert!(failed.last_error.unwrap().contains("400"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pickup_folder_gets_one_eml_per_message_and_a_reset_code_works() {
    let h = start().await;
    h.first_admin().await;
    let folder = h.dir.path().join("pickup");
    save(
        &h,
        MailSettings {
            transport: MailTransport::PickupFolder {
                path: folder.display().to_string(),
            },
            ..smtp_settings(1, "")
        },
        None,
    )
    .await;
    h.call::<Logout>(()).await.unwrap();
    // Unknown address: the same answer, and nothing queued.
    h.call::<RequestResetCode>(ResetCodeRequest {
        email: "nobody@example.com".into(),
    })
    .await
    .unwrap();
    h.call::<RequestResetCode>(ResetCodeRequest {
        email: "ADA@example.com".into(),
    })
    .await
    .unwrap();
    let store = h.app.store().await.unwrap();
    assert_eq!(
        outbox::list(&store, &MailQuery::default())
            .await
            .unwrap()
            .total,
        1
    );
    let r = sender::pass(&store, &*h.secrets, &quick("t"))
        .await
        .unwrap();
    assert_eq!(r.sent, 1);
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().unwrap() == "eml");
    let raw = std::fs::read(&files[0]).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        msg.to().unwrap().first().unwrap().address(),
        Some("ada@example.com")
    );
    let text = msg.body_text(0).unwrap().to_string();
    let code: String = text
        .lines()
        .find_map(|l| l.strip_prefix("Your one-time code: "))
        .expect("the code in the message")
        .trim()
        .to_owned();
    assert_eq!(code.len(), 6);

    let new_pw = "Quay-Lantern-Sunrise-7";
    let wrong = h
        .call::<ResetWithCode>(ResetWithCodeRequest {
            email: "ada@example.com".into(),
            code: Secret::new(if code == "000000" { "111111" } else { "000000" }),
            new_password: Secret::new(new_pw),
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.field.as_deref(), Some("code"));
    let session = h
        .call::<ResetWithCode>(ResetWithCodeRequest {
            email: "ada@example.com".into(),
            code: Secret::new(code.clone()),
            new_password: Secret::new(new_pw),
        })
        .await
        .unwrap();
    assert_eq!(session.email, "ada@example.com");
    // The code works once; the new password signs in.
    h.call::<Logout>(()).await.unwrap();
    let reused = h
        .call::<ResetWithCode>(ResetWithCodeRequest {
            email: "ada@example.com".into(),
            code: Secret::new(code),
            new_password: Secret::new("Another-Long-Pass-9"),
        })
        .await
        .unwrap_err();
    assert_eq!(reused.field.as_deref(), Some("code"));
    h.call::<Login>(LoginRequest {
        email: "ada@example.com".into(),
        password: Secret::new(new_pw),
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_settings_are_checked_and_admin_only() {
    let h = start().await;
    h.first_admin().await;
    let e = h
        .call::<SaveMailSettings>(SaveMailSettingsRequest {
            settings: MailSettings {
                from_address: "portal at harbour".into(),
                ..smtp_settings(25, "")
            },
            secret: None,
            version: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("mail.from_address"));
    let mut s = smtp_settings(25, "");
    if let MailTransport::Smtp(m) = &mut s.transport {
        m.host = " ".into();
    }
    let e = h
        .call::<SaveMailSettings>(SaveMailSettingsRequest {
            version: None,
            settings: s,
            secret: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("mail.smtp.host"));
    let e = h
        .call::<SendTestMail>(TestMailRequest {
            settings: smtp_settings(free_port(), ""),
            secret: None,
            to: "ada@@example".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("to"));
    // Nothing listens on that port: the test says so instead of pretending.
    let down = h
        .call::<SendTestMail>(TestMailRequest {
            settings: smtp_settings(free_port(), ""),
            secret: None,
            to: "ada@example.com".into(),
        })
        .await
        .unwrap();
    assert!(
        !down.ok && down.message.contains("SMTP"),
        "{}",
        down.message
    );

    h.add_user("wh@example.com", portdesk_types::Role::Warehouse)
        .await;
    h.sign_in_as("wh@example.com").await;
    let e = h.call::<ListMail>(MailQuery::default()).await.unwrap_err();
    assert_eq!(e.kind, portdesk_types::ErrorKind::Forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_sender_is_woken_by_a_queued_message() {
    let smtp = Smtp::start(free_port(), &[]);
    let h = start().await;
    h.first_admin().await;
    save(&h, smtp_settings(smtp.port, ""), None).await;
    // A long idle poll: only the wake-up can deliver within the test's patience.
    h.app
        .start_mail_sender(SenderConfig {
            idle_poll: Duration::from_secs(3600),
            ..quick("app")
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.call::<RequestResetCode>(ResetCodeRequest {
        email: "ada@example.com".into(),
    })
    .await
    .unwrap();
    wait_for("delivery", async || smtp.received().len() == 1).await;
}

/// A message whose sender died mid-send on every attempt (each claim counted one, nothing
/// recorded an outcome) is not claimed again once the attempts are used up: it is failed,
/// with a last error and an attempts line saying why. One attempt short, it is still claimed.
async fn a_message_that_used_up_its_attempts_is_failed_not_claimed(store: Store) {
    let t = templates::samples().remove(0);
    let m = Mail::compose(vec!["d@harbour.example".into()], &t, &Default::default()).unwrap();
    let spent = enqueue(&store, "crashes-its-sender", &m).await.id;
    let last_try = enqueue(&store, "one-attempt-left", &m).await.id;
    let now = portdesk_core::now_ms();
    let cap = RetryPolicy::default().max_attempts;
    for (id, attempts) in [(spent, cap), (last_try, cap - 1)] {
        // What a sender that crashed mid-send leaves behind: claimed, lease run out.
        sqlx::query(
            "UPDATE mail_outbox SET status = 'sending', attempts = $1, claimed_by = 'dead-desk', \
             claimed_until = $2 WHERE id = $3",
        )
        .bind(i64::from(attempts))
        .bind(now - 1_000)
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap();
    }
    let c = outbox::claim(&store, "desk", now, Duration::from_secs(60))
        .await
        .unwrap()
        .expect("the message with an attempt left");
    assert_eq!((c.id, c.attempt), (last_try, cap));
    assert!(
        outbox::claim(&store, "desk", now, Duration::from_secs(60))
            .await
            .unwrap()
            .is_none(),
        "a message past the cap is never claimed again"
    );
    let r = outbox::get_row(&store, spent).await.unwrap();
    assert_eq!((r.status, r.attempts), (MailStatus::Failed, cap));
    let why = r.last_error.unwrap();
    assert!(why.contains("Gave up") && why.contains("mid-send"), "{why}");
    let d = outbox::detail(&store, spent).await.unwrap();
    assert!(d.attempts.iter().any(|a| !a.ok && a.detail == why));
    assert_eq!(
        outbox::next_due(&store).await.unwrap(),
        Some(now + 60_000),
        "only the claimed message is still pending"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_message_that_used_up_its_attempts_is_failed_not_claimed() {
    let (store, _dir) = common::sqlite_store().await;
    a_message_that_used_up_its_attempts_is_failed_not_claimed(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_message_that_used_up_its_attempts_is_failed_not_claimed() {
    a_message_that_used_up_its_attempts_is_failed_not_claimed(common::pg_store().await).await;
}

/// On a shared store one desktop is named the site's sender: the others skip their passes
/// and only wake it (a queued message is announced at its commit), so it sends at once
/// although it polls every 30 s; letting every desktop send again restores the leases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_desktop_sends_the_sites_mail_and_the_others_only_wake_it() {
    let pg = common::pg_fresh_database().await;
    let a = start_on(pg.clone()).await;
    a.first_admin().await;
    let folder = a.dir.path().join("pickup");
    save(
        &a,
        MailSettings {
            transport: MailTransport::PickupFolder {
                path: folder.display().to_string(),
            },
            ..smtp_settings(1, "")
        },
        None,
    )
    .await;
    let b = start_on(pg.clone()).await;
    b.sign_in_as("ada@example.com").await;
    // Both desktops run their sender, polling every 30 s.
    for h in [&a, &b] {
        h.app.start_mail_sender(SenderConfig::default()).await;
    }
    let named = a
        .call::<NameMailSender>(NameMailSenderRequest { this_desktop: true })
        .await
        .unwrap();
    assert!(named.named && named.this_desktop);
    let seen_from_b = b.call::<GetMailSender>(()).await.unwrap();
    assert!(seen_from_b.named && !seen_from_b.this_desktop);
    // Both senders have passed once and sleep now.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Desktop B queues a message: A sends it within seconds, woken by B's commit.
    b.call::<Logout>(()).await.unwrap();
    b.call::<RequestResetCode>(ResetCodeRequest {
        email: "ada@example.com".into(),
    })
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    let sent = || std::fs::read_dir(&folder).map(|d| d.count()).unwrap_or(0);
    while sent() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the named desktop was not woken"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent(), 1);
    b.sign_in_as("ada@example.com").await;
    let status = b.call::<GetMailSettings>(()).await.unwrap().sender_status;
    assert!(status.contains("Another desktop"), "{status}");

    // Every desktop in turn again: B sends too (its own wake, no name).
    let back = b
        .call::<NameMailSender>(NameMailSenderRequest {
            this_desktop: false,
        })
        .await
        .unwrap();
    assert!(!back.named);
}
