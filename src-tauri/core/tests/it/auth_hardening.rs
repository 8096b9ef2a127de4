//! Issue 10, items 3 and 4, at the command level (`Portdesk::dispatch`, as the UI calls it),
//! on SQLite and PostgreSQL: sign-in refusals that read the same, failures counted before the
//! password is checked, a kiosk that refuses staff unseen, reset-code tries reserved before the
//! code is compared, a daily cap on codes, and a code that never stays in the stored message.

use crate::common;

use common::harness::*;
use mail_parser::MessageParser;
use portdesk_core::accounts;
use portdesk_core::audit;
use portdesk_core::config::{self, Config};
use portdesk_core::mail::outbox;
use portdesk_core::mail::sender::{self, SenderConfig};
use portdesk_core::store::Store;
use portdesk_types::api::*;
use portdesk_types::mail::*;
use portdesk_types::settings::{KioskSettings, SecuritySettings, StoreSettings};
use portdesk_types::{ApiError, Command, ErrorKind, Role, Secret};

const WRONG: &str = "Wrong-Password-1";
const NEW_PW: &str = "Quay-Lantern-Sunrise-7";

/// Runs `n` calls of one command at once, each on its own task, as parallel windows or
/// desktops would.
async fn in_parallel<C: Command>(
    h: &Harness,
    reqs: Vec<C::Request>,
) -> Vec<Result<serde_json::Value, ApiError>> {
    let mut set = tokio::task::JoinSet::new();
    for r in reqs {
        let app = h.app.clone();
        let payload = serde_json::to_value(&r).unwrap();
        set.spawn(async move { app.dispatch(C::NAME, payload).await });
    }
    set.join_all().await
}

async fn actions(store: &Store, action: &str) -> Vec<audit::AuditRow> {
    audit::recent(store, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == action)
        .collect()
}

fn login(email: &str, password: &str) -> LoginRequest {
    LoginRequest {
        email: email.into(),
        password: Secret::new(password),
    }
}

/// What a user sees of a refusal: kind, message, field.
fn reply(e: &ApiError) -> (ErrorKind, String, Option<String>) {
    (e.kind, e.message.clone(), e.field.clone())
}

async fn failed_logins(store: &Store, email: &str) -> (i64, Option<i64>) {
    let u = accounts::by_email(store, email).await.unwrap().unwrap();
    (u.failed_logins, u.locked_until)
}

// ---- sign-in ----

on_both_stores!(
    parallel_wrong_passwords_lock_exactly_at_the_threshold,
    parallel_wrong_passwords
);
async fn parallel_wrong_passwords(h: Harness) {
    h.first_admin().await;
    // The threshold comes from Settings → Sign-in protection.
    h.call::<SaveSecuritySettings>(SecuritySettings {
        version: None,
        max_failed_logins: 7,
        lockout_minutes: 20,
    })
    .await
    .unwrap();
    h.add_user("cara@example.com", Role::Customer).await;
    h.call::<Logout>(()).await.unwrap();
    let store = h.app.store().await.unwrap();

    let replies = in_parallel::<Login>(
        &h,
        (0..50).map(|_| login("cara@example.com", WRONG)).collect(),
    )
    .await;
    let first = replies[0].as_ref().unwrap_err();
    assert_eq!(first.kind, ErrorKind::InvalidCredentials);
    for r in &replies {
        assert_eq!(
            reply(r.as_ref().unwrap_err()),
            reply(first),
            "one reply for all"
        );
    }
    let (count, locked_until) = failed_logins(&store, "cara@example.com").await;
    assert_eq!(count, 7, "exactly the threshold of failures is counted");
    assert!(locked_until.is_some_and(|t| t > portdesk_core::now_ms()));
    assert_eq!(actions(&store, "auth.account_locked").await.len(), 1);
    assert_eq!(
        actions(&store, "auth.sign_in_failed")
            .await
            .iter()
            .filter(|r| r.actor == "cara@example.com")
            .count(),
        6
    );
    assert_eq!(
        actions(&store, "auth.sign_in_while_locked").await.len(),
        43,
        "the attempts past the threshold were refused without a password check"
    );

    // Locked: the right password is refused too, with the same reply.
    let right = h
        .call::<Login>(login("cara@example.com", GOOD))
        .await
        .unwrap_err();
    assert_eq!(reply(&right), reply(first));
    assert_eq!(failed_logins(&store, "cara@example.com").await.0, 7);
}

on_both_stores!(every_refused_sign_in_reads_the_same, refusals_read_the_same);
async fn refusals_read_the_same(h: Harness) {
    h.first_admin().await;
    h.add_user("real@example.com", Role::Warehouse).await;
    h.add_user("locked@example.com", Role::Customer).await;
    h.call::<Logout>(()).await.unwrap();
    let store = h.app.store().await.unwrap();
    {
        let mut conn = store.pool().acquire().await.unwrap();
        accounts::insert_without_password(
            &mut conn,
            "Imported",
            "imported@example.com",
            Role::Customer,
            Some("Northwind Foods"),
            Some("C10000"),
            true,
        )
        .await
        .unwrap();
    }
    for _ in 0..5 {
        h.call::<Login>(login("locked@example.com", WRONG))
            .await
            .unwrap_err();
    }
    assert!(
        failed_logins(&store, "locked@example.com")
            .await
            .1
            .is_some()
    );

    let unknown = h
        .call::<Login>(login("nobody@example.com", GOOD))
        .await
        .unwrap_err();
    let wrong = h
        .call::<Login>(login("real@example.com", WRONG))
        .await
        .unwrap_err();
    let imported = h
        .call::<Login>(login("imported@example.com", GOOD))
        .await
        .unwrap_err();
    let locked_right = h
        .call::<Login>(login("locked@example.com", GOOD))
        .await
        .unwrap_err();
    let locked_wrong = h
        .call::<Login>(login("locked@example.com", WRONG))
        .await
        .unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::InvalidCredentials);
    for (case, e) in [
        ("wrong password", &wrong),
        ("imported, no password", &imported),
        ("locked, right password", &locked_right),
        ("locked, wrong password", &locked_wrong),
    ] {
        assert_eq!(reply(e), reply(&unknown), "{case}");
    }
    // The reply names the rule, so a locked-out owner knows what may have happened.
    assert!(
        unknown.message.contains("locked") && unknown.message.contains("15 minute"),
        "{}",
        unknown.message
    );
    // The audit log still tells them apart.
    assert!(
        !actions(&store, "auth.sign_in_while_locked")
            .await
            .is_empty()
    );
    assert!(
        actions(&store, "auth.sign_in_failed")
            .await
            .iter()
            .any(|r| r
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("no password")))
    );
}

/// A kiosk on the given store, with a staff and a customer account.
async fn start_kiosk(postgres: bool) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = if postgres {
        StoreSettings::Postgres(common::pg_fresh_database().await)
    } else {
        StoreSettings::default()
    };
    let cfg = Config {
        store,
        kiosk: KioskSettings {
            enabled: true,
            ..Default::default()
        },
        ..Default::default()
    };
    config::save(&dir.path().join("portdesk.toml"), &cfg).unwrap();
    let h = start_in(dir).await;
    assert!(h.call::<AppStatus>(()).await.unwrap().kiosk.is_some());
    h.add_user("staff@example.com", Role::Warehouse).await;
    h.add_user("cust@example.com", Role::Customer).await;
    h
}

async fn kiosk_refuses_staff(h: Harness) {
    let store = h.app.store().await.unwrap();
    let unknown = h
        .call::<Login>(login("nobody@example.com", GOOD))
        .await
        .unwrap_err();
    let staff_right = h
        .call::<Login>(login("staff@example.com", GOOD))
        .await
        .unwrap_err();
    let staff_wrong = h
        .call::<Login>(login("staff@example.com", WRONG))
        .await
        .unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::InvalidCredentials);
    assert!(
        unknown.message.contains("customer accounts only"),
        "{unknown:?}"
    );
    assert_eq!(
        reply(&staff_right),
        reply(&unknown),
        "a right staff password is not confirmed"
    );
    assert_eq!(reply(&staff_wrong), reply(&unknown));
    assert_eq!(
        failed_logins(&store, "staff@example.com").await.0,
        0,
        "the staff password was never checked, so no failure was counted"
    );
    assert_eq!(actions(&store, "auth.kiosk_staff_refused").await.len(), 2);
    assert!(h.call::<AppStatus>(()).await.unwrap().session.is_none());
    // Customers still sign in.
    h.call::<Login>(login("cust@example.com", GOOD))
        .await
        .unwrap();
}

mod a_kiosk_refuses_staff_before_checking_the_password {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        kiosk_refuses_staff(start_kiosk(false).await).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        kiosk_refuses_staff(start_kiosk(true).await).await;
    }
}

// ---- reset codes ----

/// Signs the admin in, sends mail to a pickup folder, signs out. Returns the folder.
async fn pickup_mail(h: &Harness) -> std::path::PathBuf {
    h.first_admin().await;
    let folder = h.dir.path().join("pickup");
    h.call::<SaveMailSettings>(SaveMailSettingsRequest {
        version: None,
        settings: MailSettings {
            transport: MailTransport::PickupFolder {
                path: folder.display().to_string(),
            },
            from_address: "portal@harbour.example".into(),
            from_name: "Harbour Portal".into(),
            company_name: "Harbour".into(),
            logo_path: String::new(),
        },
        secret: None,
    })
    .await
    .unwrap();
    h.call::<Logout>(()).await.unwrap();
    folder
}

async fn request_code(h: &Harness, email: &str) {
    h.call::<RequestResetCode>(ResetCodeRequest {
        email: email.into(),
    })
    .await
    .unwrap();
}

/// Runs the sender once; returns the code of the newest .eml in the folder.
async fn send_and_read_code(h: &Harness, folder: &std::path::Path) -> String {
    let store = h.app.store().await.unwrap();
    sender::pass(&store, &*h.secrets, &SenderConfig::default())
        .await
        .unwrap();
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    let raw = std::fs::read(files.last().expect("a message in the pickup folder")).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    let text = msg.body_text(0).unwrap().to_string();
    let code = text
        .lines()
        .find_map(|l| l.strip_prefix("Your one-time code: "))
        .expect("the code in the sent message")
        .trim()
        .to_owned();
    assert!(
        code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()),
        "{code}"
    );
    assert!(
        msg.body_html(0).unwrap().contains(&code),
        "the HTML part carries the code too"
    );
    code
}

fn reset(email: &str, code: &str, new: &str) -> ResetWithCodeRequest {
    ResetWithCodeRequest {
        email: email.into(),
        code: Secret::new(code),
        new_password: Secret::new(new),
    }
}

on_both_stores!(
    parallel_wrong_codes_compare_at_most_five_tries,
    parallel_wrong_codes
);
async fn parallel_wrong_codes(h: Harness) {
    let folder = pickup_mail(&h).await;
    h.add_user("cara@example.com", Role::Customer).await;
    request_code(&h, "cara@example.com").await;
    let code = send_and_read_code(&h, &folder).await;
    let store = h.app.store().await.unwrap();
    let n: u32 = code.parse().unwrap();
    let wrong: Vec<_> = (1..=20)
        .map(|i| {
            reset(
                "cara@example.com",
                &format!("{:06}", (n + i) % 1_000_000),
                NEW_PW,
            )
        })
        .collect();
    let replies = in_parallel::<ResetWithCode>(&h, wrong).await;
    for r in &replies {
        assert_eq!(r.as_ref().unwrap_err().field.as_deref(), Some("code"));
    }
    let (tries,): (i64,) = sqlx::query_as("SELECT attempts FROM password_reset_codes")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(tries, 5, "no more tries than allowed were reserved");
    assert_eq!(
        actions(&store, "auth.reset_code_wrong").await.len(),
        5,
        "at most five guesses were compared"
    );
    assert_eq!(actions(&store, "auth.reset_code_refused").await.len(), 15);
    // The tries are spent: even the right code is refused now.
    let e = h
        .call::<ResetWithCode>(reset("cara@example.com", &code, NEW_PW))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("code"));
    assert!(
        h.call::<Login>(login("cara@example.com", NEW_PW))
            .await
            .is_err(),
        "the password is unchanged"
    );
}

on_both_stores!(a_day_has_at_most_ten_codes_per_account, daily_cap);
async fn daily_cap(h: Harness) {
    let _folder = pickup_mail(&h).await;
    h.add_user("cara@example.com", Role::Customer).await;
    let store = h.app.store().await.unwrap();
    let codes = async || -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM password_reset_codes")
            .fetch_one(store.pool())
            .await
            .unwrap()
    };
    // Three codes per 15 minutes; older codes moved 16 minutes back make room for more.
    let age = async |minutes: i64| {
        sqlx::query("UPDATE password_reset_codes SET created_at = created_at - $1")
            .bind(minutes * 60_000)
            .execute(store.pool())
            .await
            .unwrap();
    };
    while codes().await < 10 {
        request_code(&h, "cara@example.com").await;
        if codes().await % 3 == 0 {
            age(16).await;
        }
    }
    age(16).await;
    assert_eq!(codes().await, 10);
    let queued = outbox::list(&store, &MailQuery::default())
        .await
        .unwrap()
        .total;
    // The 11th of the day: the same polite silence as for an unknown address.
    let capped = h
        .call::<RequestResetCode>(ResetCodeRequest {
            email: "cara@example.com".into(),
        })
        .await;
    let unknown = h
        .call::<RequestResetCode>(ResetCodeRequest {
            email: "nobody@example.com".into(),
        })
        .await;
    assert_eq!(capped, unknown);
    assert!(capped.is_ok());
    assert_eq!(codes().await, 10, "no 11th code");
    assert_eq!(
        outbox::list(&store, &MailQuery::default())
            .await
            .unwrap()
            .total,
        queued,
        "no 11th message"
    );
    assert_eq!(actions(&store, "auth.reset_code_daily_cap").await.len(), 1);
    // A day later the account may ask again.
    age(24 * 60).await;
    request_code(&h, "cara@example.com").await;
    assert_eq!(codes().await, 11);
}

/// Every text column of every outbox row and every attempt, as the store holds them.
async fn stored_mail_text(store: &Store) -> String {
    type TextRow = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    );
    let rows: Vec<TextRow> = sqlx::query_as(
        "SELECT idempotency_key, kind, recipients, subject, body_text, \
             COALESCE(body_html, ''), COALESCE(last_error, ''), COALESCE(secret, '') \
             FROM mail_outbox",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let attempts: Vec<(String,)> = sqlx::query_as("SELECT detail FROM mail_attempts")
        .fetch_all(store.pool())
        .await
        .unwrap();
    format!("{rows:?} {attempts:?}")
}

on_both_stores!(the_outbox_never_keeps_the_code_in_clear, code_not_in_clear);
async fn code_not_in_clear(h: Harness) {
    let folder = pickup_mail(&h).await;
    h.add_user("cara@example.com", Role::Customer).await;
    let store = h.app.store().await.unwrap();
    request_code(&h, "cara@example.com").await;
    let (id, body_before, html_before, secret): (i64, String, String, Option<String>) =
        sqlx::query_as("SELECT id, body_text, COALESCE(body_html, ''), secret FROM mail_outbox")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let code = send_and_read_code(&h, &folder).await;
    // Before sending, the code waited beside the body, never in it.
    assert_eq!(secret.as_deref(), Some(code.as_str()));
    assert!(!body_before.contains(&code) && !html_before.contains(&code));
    // After sending it is gone from the store altogether.
    let after = stored_mail_text(&store).await;
    assert!(!after.contains(&code), "{after}");
    let (cleared,): (Option<String>,) =
        sqlx::query_as("SELECT secret FROM mail_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(cleared, None);

    // The Mail window (admin) shows it masked; "send again" refuses to copy it.
    h.sign_in_as("ada@example.com").await;
    let detail = h.call::<GetMail>(MailRef { id }).await.unwrap();
    assert_eq!(detail.row.status, MailStatus::Sent);
    assert!(detail.one_time_code);
    assert!(!detail.text.contains(&code) && !detail.html.as_deref().unwrap().contains(&code));
    assert!(
        detail.text.contains("Your one-time code: ••••••"),
        "{}",
        detail.text
    );
    let list = h.call::<ListMail>(MailQuery::default()).await.unwrap();
    assert!(!format!("{list:?}").contains(&code));
    let again = h.call::<ResendMail>(MailRef { id }).await.unwrap_err();
    assert_eq!(again.kind, ErrorKind::Conflict);
    assert!(again.message.contains("new code"), "{again:?}");
    assert_eq!(
        h.call::<ListMail>(MailQuery::default())
            .await
            .unwrap()
            .total,
        1,
        "no copy was queued"
    );

    // The code still works once, and the audit says how the password was set.
    h.call::<Logout>(()).await.unwrap();
    h.call::<ResetWithCode>(reset("cara@example.com", &code, NEW_PW))
        .await
        .unwrap();
    let by_code = actions(&store, "auth.reset_by_code").await;
    assert_eq!(by_code.len(), 1);
    assert_eq!(by_code[0].detail.as_deref(), Some("reset by e-mailed code"));
    assert!(actions(&store, "auth.password_changed").await.is_empty());
    assert!(!stored_mail_text(&store).await.contains(&code));
}

on_both_stores!(
    a_cancelled_or_expired_code_leaves_the_outbox_unsent,
    dead_codes
);
async fn dead_codes(h: Harness) {
    let folder = pickup_mail(&h).await;
    h.add_user("cara@example.com", Role::Customer).await;
    let store = h.app.store().await.unwrap();
    let live = async |id: i64| -> bool {
        let (s,): (Option<String>,) =
            sqlx::query_as("SELECT secret FROM mail_outbox WHERE id = $1")
                .bind(id)
                .fetch_one(store.pool())
                .await
                .unwrap();
        s.is_some()
    };
    h.sign_in_as("ada@example.com").await;
    request_code(&h, "cara@example.com").await;
    request_code(&h, "cara@example.com").await;
    let rows = h.call::<ListMail>(MailQuery::default()).await.unwrap().rows;
    let (expiring, cancelled) = (rows[1].id, rows[0].id);
    assert!(live(expiring).await && live(cancelled).await);

    // Cancelled: the code goes at once, and it cannot be queued again.
    h.call::<CancelMail>(MailRef { id: cancelled })
        .await
        .unwrap();
    assert!(!live(cancelled).await);
    let e = h
        .call::<ResendMail>(MailRef { id: cancelled })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);

    // Expired before it was sent: the code goes, and the message fails instead of
    // delivering a dead code.
    sqlx::query("UPDATE mail_outbox SET secret_expires_at = $1 WHERE id = $2")
        .bind(portdesk_core::now_ms() - 1)
        .bind(expiring)
        .execute(store.pool())
        .await
        .unwrap();
    let page = h.call::<ListMail>(MailQuery::default()).await.unwrap();
    let row = page.rows.iter().find(|r| r.id == expiring).unwrap();
    assert_eq!(row.status, MailStatus::Failed);
    assert!(row.last_error.as_deref().unwrap().contains("expired"));
    assert!(!live(expiring).await);
    assert_eq!(
        h.call::<ResendMail>(MailRef { id: expiring })
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Conflict
    );
    let r = sender::pass(&store, &*h.secrets, &SenderConfig::default())
        .await
        .unwrap();
    assert_eq!(r.sent, 0);
    assert!(!folder.exists() || std::fs::read_dir(&folder).unwrap().next().is_none());
}
