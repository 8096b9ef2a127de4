//! The headless CLI of the real binary: admin accounts and the demo ERP, in a data folder of
//! the test's own.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const APP: &str = env!("CARGO_BIN_EXE_portdesk");

fn portdesk(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(APP)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn admin_create_and_reset_password() {
    let dir = tempfile::tempdir().unwrap();
    let create = [
        "admin",
        "create",
        "--name",
        "Ops Admin",
        "--email",
        "Ops@Example.com",
        "--password-stdin",
    ];

    let weak = portdesk(dir.path(), &create, "password123\n");
    assert!(!weak.status.success());
    assert!(text(&weak).contains("commonly used"), "{}", text(&weak));

    let ok = portdesk(dir.path(), &create, "Forklift-Harbour-42\n");
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("Admin account ops@example.com created."));
    assert!(dir.path().join("portdesk.db").exists());

    let dup = portdesk(dir.path(), &create, "Forklift-Harbour-42\n");
    assert!(!dup.status.success());
    assert!(text(&dup).contains("already exists"), "{}", text(&dup));

    let reset = portdesk(
        dir.path(),
        &["admin", "reset-password", "--email", "OPS@example.com"],
        "",
    );
    assert!(reset.status.success(), "{}", text(&reset));
    let out = String::from_utf8_lossy(&reset.stdout);
    let temp = out.lines().last().unwrap().trim();
    assert_eq!(
        temp.len(),
        16,
        "a generated 16-character password is printed once: {out}"
    );

    let unknown = portdesk(
        dir.path(),
        &["admin", "reset-password", "--email", "nobody@example.com"],
        "",
    );
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("No account has the e-mail nobody@example.com"),
        "{}",
        text(&unknown)
    );
}

#[test]
fn demo_erp_generate_writes_the_requested_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("erp.db");
    let o = portdesk(
        dir.path(),
        &[
            "demo-erp",
            "generate",
            "--rows",
            "5000",
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("5000 stock rows"), "{}", text(&o));
    assert!(out.exists());
}

#[test]
fn a_cli_typo_is_an_error_not_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let o = portdesk(dir.path(), &["admin", "creat"], "");
    assert!(!o.status.success());
    assert!(text(&o).contains("unrecognized subcommand"), "{}", text(&o));
}
