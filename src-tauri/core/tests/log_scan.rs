//! No secret reaches the log. Its own test binary: the subscriber is the process-wide default,
//! because tracing caches each callsite's interest globally and a thread-scoped subscriber
//! would miss events in a binary whose other tests run in parallel.

use portdesk_core::Portdesk;
use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::MemorySecrets;
use portdesk_types::accounts::*;
use portdesk_types::api::*;
use portdesk_types::{ApiError, Command, Role, Secret};
use std::sync::{Arc, Mutex};

const GOOD: &str = "Forklift-Harbour-42";

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn call<C: Command>(app: &Portdesk, req: C::Request) -> Result<C::Reply, ApiError> {
    let v = app
        .dispatch(C::NAME, serde_json::to_value(&req).unwrap())
        .await?;
    Ok(serde_json::from_value(v).unwrap())
}

/// Everything the app logs while passwords fly around, at trace level and before redaction:
/// no password, hash or temporary password may appear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_log() {
    let buf = Buf::default();
    let writer = buf.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let dir = tempfile::tempdir().unwrap();
    let app = Portdesk::start(
        AppPaths::in_folder(dir.path()),
        Arc::new(MemorySecrets::default()),
    )
    .await;
    call::<CreateFirstAdmin>(
        &app,
        NewAdmin {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: Secret::new(GOOD),
        },
    )
    .await
    .unwrap();
    call::<Logout>(&app, ()).await.unwrap();
    let _ = call::<Login>(
        &app,
        LoginRequest {
            email: "ada@example.com".into(),
            password: Secret::new("Wrong-Secret-Typed-9"),
        },
    )
    .await;
    call::<Login>(
        &app,
        LoginRequest {
            email: "ada@example.com".into(),
            password: Secret::new(GOOD),
        },
    )
    .await
    .unwrap();
    let new = NewAccount {
        name: "Wes".into(),
        email: "wh@example.com".into(),
        role: Role::Warehouse,
        erp_customer: None,
        erp_customer_code: None,
        temporary_password: Some(Secret::new("Chosen-Temp-Pass-31")),
    };
    let created = call::<CreateAccount>(&app, new).await.unwrap();
    let reset = call::<ResetAccountPassword>(
        &app,
        ResetPasswordRequest {
            id: created.account.id,
            temporary_password: None,
        },
    )
    .await
    .unwrap();
    let store = app.store().await.unwrap();
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
        .bind(created.account.id)
        .fetch_one(store.pool())
        .await
        .unwrap();

    // A store failure reaches the UI as Internal and is logged once, at the dispatch, with the
    // command's name.
    sqlx::query("DROP TABLE audit_log")
        .execute(store.pool())
        .await
        .unwrap();
    let failed = call::<ListAudit>(&app, AuditQuery::default()).await;
    assert_eq!(
        failed.as_ref().err().map(|e| e.kind),
        Some(portdesk_types::ErrorKind::Internal),
        "{failed:?}"
    );

    let log = String::from_utf8_lossy(&buf.0.lock().unwrap()).to_string();
    let failure_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("command failed"))
        .collect();
    assert_eq!(failure_lines.len(), 1, "{failure_lines:?}");
    assert!(failure_lines[0].contains("list_audit"), "{failure_lines:?}");

    assert!(log.contains("signed in"), "the log was captured: {log}");
    for secret in [
        GOOD,
        "Wrong-Secret-Typed-9",
        "Chosen-Temp-Pass-31",
        reset.temporary_password.expose(),
        &hash,
        "$argon2id$",
    ] {
        assert!(!log.contains(secret), "secret {secret:?} found in the log");
    }
}
