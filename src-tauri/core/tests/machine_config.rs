//! The machine-wide config (its own test binary: it sets a process-wide variable).

// This binary uses a part of the shared fixtures; the `it` binary uses them all.
#[allow(dead_code)]
#[path = "it/common/mod.rs"]
mod common;

use common::harness::*;
use portdesk_types::api::*;
use portdesk_types::{ErrorKind, Role, Secret};

#[tokio::test]
async fn a_machine_kiosk_cannot_be_turned_off_by_the_user_file() {
    let machine_dir = tempfile::tempdir().unwrap();
    let machine = machine_dir.path().join("portdesk.toml");
    std::fs::write(&machine, "[kiosk]\nenabled = true\nidle_seconds = 45\n").unwrap();
    let h0 = start().await;
    h0.first_admin().await;
    h0.add_user("cust@example.com", Role::Customer).await;
    let dir = h0.dir;
    std::fs::write(
        dir.path().join("portdesk.toml"),
        "[kiosk]\nenabled = false\nallow_export = true\n",
    )
    .unwrap();
    // SAFETY: the only test in this binary; set before the service reads it.
    unsafe { std::env::set_var(portdesk_core::config::MACHINE_CONFIG_ENV, &machine) };
    let h = start_in(dir).await;
    let kiosk = h.call::<AppStatus>(()).await.unwrap().kiosk;
    assert_eq!(
        kiosk.as_ref().map(|k| (k.idle_seconds, k.allow_export)),
        Some((45, false))
    );
    let e = h
        .call::<Login>(LoginRequest {
            email: "ada@example.com".into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap_err();
    // A kiosk refuses staff with the reply of a wrong password (no password oracle).
    assert_eq!(e.kind, ErrorKind::InvalidCredentials);
}
