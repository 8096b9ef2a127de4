//! The headless CLI of the real binary: admin accounts and the demo ERP, in a data folder of
//! the test's own.

use portdesk_core::audit::Actor;
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

/// Runs the binary with `env` changes and no stdin; a run that has not ended after 30 s (the
/// app's window opened instead of an answer) is killed and fails the test.
fn portdesk_env(dir: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> Output {
    let mut cmd = Command::new(APP);
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            let o = child.wait_with_output().unwrap();
            panic!("portdesk {args:?} did not end: {}", text(&o));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn an_unknown_command_is_named_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["frobnicate"][..], &["--kiosk", "frobnicate", "now"]] {
        let o = portdesk_env(dir.path(), args, &[]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("\"frobnicate\" is not a Portdesk command."),
            "{err}"
        );
        assert!(
            err.contains("Commands: admin, demo-erp, mail, forecasts, store, help."),
            "{err}"
        );
    }
    assert!(
        !dir.path().join("portdesk.db").exists(),
        "nothing was started"
    );
}

/// Without a display the app says so in one sentence instead of Tauri's panic; the flags a
/// launcher adds (`--kiosk`, unknown `--…` flags) still mean "open the app".
#[cfg(target_os = "linux")]
#[test]
fn the_app_without_a_display_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let no_display = [("DISPLAY", None), ("WAYLAND_DISPLAY", None)];
    // A display that is named but cannot be opened: GTK's own check fails.
    let dead_display = [("DISPLAY", Some(":4242")), ("WAYLAND_DISPLAY", None)];
    for (args, env) in [
        (&[][..], &no_display[..]),
        (&["--kiosk", "--automation"][..], &no_display[..]),
        (&[][..], &dead_display[..]),
    ] {
        let o = portdesk_env(dir.path(), args, env);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(
                "Portdesk needs a graphical display; none could be opened here. To work \
                 without one, use the command line: portdesk --help"
            ),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(!err.contains("backtrace"), "{err}");
    }
}

// Shared with the core's tests, which use all of it; this binary uses a part.
#[allow(dead_code)]
#[path = "../../src-tauri/core/tests/it/common/smtp.rs"]
mod smtp;

/// The admin ops@example.com, through the CLI.
fn create_ops_admin(dir: &Path) {
    let made = portdesk(
        dir,
        &[
            "admin",
            "create",
            "--name",
            "Ops",
            "--email",
            "ops@example.com",
            "--password-stdin",
        ],
        "Forklift-Harbour-42\n",
    );
    assert!(made.status.success(), "{}", text(&made));
}

/// Kill -9 while a message waits for an SMTP server that is down; restart with the server
/// up: the message goes out, exactly once, and never again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_survives_a_killed_sender_and_is_sent_once_after_restart() {
    use portdesk_core::accounts::reset_codes;
    use portdesk_core::mail;
    use portdesk_core::store::Store;
    use portdesk_types::mail::*;

    let dir = tempfile::tempdir().unwrap();
    create_ops_admin(dir.path());
    let port = smtp::free_port();
    let store = Store::open_sqlite(&dir.path().join("portdesk.db"))
        .await
        .unwrap();
    mail::save_settings(
        store.pool(),
        &MailSettings {
            transport: MailTransport::Smtp(SmtpSettings {
                host: "127.0.0.1".into(),
                port,
                security: SmtpSecurity::None,
                username: String::new(),
                timeout_secs: 5,
            }),
            from_address: "portal@harbour.example".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // The business action queues the message (a reset code), then the sender process starts.
    let id = reset_codes::request(&store, "ops@example.com")
        .await
        .unwrap()
        .unwrap();
    let mut sender = std::process::Command::new(APP)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["mail", "run"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut tried = false;
    for _ in 0..100 {
        let r = mail::outbox::get_row(&store, id).await.unwrap();
        if r.attempts >= 1 && r.status == MailStatus::Queued {
            tried = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(tried, "the sender tried while the server was down");
    sender.kill().unwrap(); // SIGKILL: no clean shutdown
    sender.wait().unwrap();
    let waiting = mail::outbox::get_row(&store, id).await.unwrap();
    assert_eq!(waiting.status, MailStatus::Queued);
    assert!(waiting.last_error.is_some());

    let server = smtp::Smtp::start(port, &[]);
    let flush = portdesk(dir.path(), &["mail", "flush"], "");
    assert!(flush.status.success(), "{}", text(&flush));
    assert!(text(&flush).contains("1 sent"), "{}", text(&flush));
    let again = portdesk(dir.path(), &["mail", "flush"], "");
    assert!(text(&again).contains("0 sent"), "{}", text(&again));
    let received = server.received();
    assert_eq!(received.len(), 1, "sent exactly once");
    assert!(
        String::from_utf8_lossy(&received[0])
            .contains("Subject: Your Portdesk password reset code")
    );
    let sent = mail::outbox::get_row(&store, id).await.unwrap();
    assert_eq!(sent.status, MailStatus::Sent);
    assert_eq!(sent.attempts, 2);
}

/// The laptop's journal replayed by `portdesk forecasts sync`, killed with SIGKILL in the
/// middle and run again: every edit reaches the store exactly once, in order (each cell was
/// typed twice: 1, then 2 — a double apply would show as version 3 or a conflict).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forecast_sync_killed_mid_replay_applies_each_edit_once() {
    use portdesk_core::forecasts::{self, offline};
    use portdesk_core::local::LocalStore;
    use portdesk_core::store::Store;
    use portdesk_types::forecasts::*;

    let dir = tempfile::tempdir().unwrap();
    create_ops_admin(dir.path());
    let store = Store::open_sqlite(&dir.path().join("portdesk.db"))
        .await
        .unwrap();
    let admin = Actor::system("test");
    let rep = accounts_create_rep(&store).await;
    let rep_actor = Actor::user(rep, "rita@example.com");
    let (customers, parts) = (20, 50);
    for c in 0..customers {
        let code = format!("C{c:03}");
        forecasts::assign(
            &store,
            &admin,
            &Assignment {
                customer_code: code.clone(),
                customer: format!("Customer {c}"),
                rep_id: Some(rep),
            },
        )
        .await
        .unwrap();
        for p in 0..parts {
            forecasts::set_matrix(
                &store,
                &MatrixEntry {
                    customer_code: code.clone(),
                    part: format!("P{p:03}"),
                    description: String::new(),
                },
            )
            .await
            .unwrap();
        }
    }
    let cycle = forecasts::create_cycle(
        &store,
        &admin,
        &NewCycle {
            name: "FY27".into(),
            first_month: "2027-01".into(),
            horizon: 12,
            deadline: 1_799_000_000_000,
        },
    )
    .await
    .unwrap();
    forecasts::open_cycle(&store, &admin, cycle.id)
        .await
        .unwrap();
    // Offline: every cell typed twice, in saves of 100 cells (a pasted block each), tagged with
    // this desktop's key as the app tags them (the keyring is the test's session keyring,
    // which the command line shares).
    let local = LocalStore::open(&dir.path().join(portdesk_core::local::FILE_NAME))
        .await
        .unwrap();
    local.set_device_key(
        portdesk_core::device::DeviceKey::get_or_create(
            &portdesk_core::secrets::KeyringSecrets::default(),
        )
        .unwrap(),
    );
    let cells: Vec<(String, String, String)> = (0..customers)
        .flat_map(|c| (0..parts).map(move |p| (c, p)))
        .flat_map(|(c, p)| {
            cycle
                .months
                .clone()
                .into_iter()
                .map(move |m| (format!("C{c:03}"), format!("P{p:03}"), m))
        })
        .collect();
    for q in [1.0, 2.0] {
        for chunk in cells.chunks(100) {
            let edits: Vec<CellEdit> = chunk
                .iter()
                .map(|(c, p, m)| CellEdit {
                    customer_code: c.clone(),
                    part: p.clone(),
                    month: m.clone(),
                    quantity: q,
                    base_version: 0,
                    key: None,
                })
                .collect();
            offline::record(&local, &rep_actor, rep, cycle.id, &edits)
                .await
                .unwrap();
        }
    }
    let total = (cells.len() * 2) as i64;
    let applied = || async {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM forecast_edit_keys")
            .fetch_one(store.pool())
            .await
            .unwrap();
        n
    };
    let sync_args = [
        "forecasts",
        "sync",
        "--email",
        "rita@example.com",
        "--password-stdin",
    ];
    let mut sync = Command::new(APP)
        .arg("--data-dir")
        .arg(dir.path())
        .args(sync_args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    sync.stdin
        .take()
        .unwrap()
        .write_all(b"Forklift-Harbour-42\n")
        .unwrap();
    let mut at_kill = 0;
    for _ in 0..2000 {
        at_kill = applied().await;
        if at_kill > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    sync.kill().unwrap(); // SIGKILL: no clean shutdown
    sync.wait().unwrap();
    assert!(
        at_kill > 0 && at_kill < total,
        "killed mid-replay: {at_kill} of {total} applied"
    );
    let again = portdesk(dir.path(), &sync_args, "Forklift-Harbour-42\n");
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains("0 conflict(s) and 0 refused"),
        "{}",
        text(&again)
    );
    assert_eq!(applied().await, total, "every edit's key, once");
    let (wrong,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM forecast_cells WHERE cycle_id = $1 AND NOT (quantity = 2 AND version = 2)",
    )
    .bind(cycle.id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM forecast_cells WHERE cycle_id = $1")
        .bind(cycle.id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        (n, wrong),
        (cells.len() as i64, 0),
        "each cell: 1 then 2, nothing twice"
    );
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM forecast_journal")
        .fetch_one(local.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "the journal is empty");
    // A third run has nothing to send.
    let idle = portdesk(dir.path(), &sync_args, "Forklift-Harbour-42\n");
    assert!(text(&idle).contains("0 edit(s) applied"), "{}", text(&idle));
}

async fn accounts_create_rep(store: &portdesk_core::store::Store) -> i64 {
    portdesk_core::accounts::create(
        store,
        &Actor::system("test"),
        portdesk_core::accounts::NewUser {
            name: "Rita".into(),
            email: "rita@example.com".into(),
            role: portdesk_types::Role::SalesRep,
            erp_customer: None,
            erp_customer_code: None,
            password: portdesk_types::Secret::new("Forklift-Harbour-42"),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
    .id
}

/// A new, empty database on the test script's PostgreSQL server, as a `postgres://` URL.
async fn fresh_pg_database() -> String {
    use sqlx::Connection;
    let host = std::env::var("PORTDESK_TEST_PG_HOST")
        .expect("PORTDESK_TEST_PG_HOST: run through scripts/test.sh");
    let port = std::env::var("PORTDESK_TEST_PG_PORT").unwrap_or_else(|_| "5432".into());
    let user = std::env::var("PORTDESK_TEST_PG_USER").unwrap_or_else(|_| "postgres".into());
    let db = format!(
        "portdesk_cli_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000_000
    );
    let mut c = sqlx::PgConnection::connect(&format!("postgres://{user}@{host}:{port}/postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&mut c)
        .await
        .unwrap();
    format!("postgres://{user}@{host}:{port}/{db}")
}

#[tokio::test]
async fn store_move_to_postgres_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = portdesk(
        dir.path(),
        &[
            "admin",
            "create",
            "--name",
            "Ada Admin",
            "--email",
            "ada@example.com",
            "--password-stdin",
        ],
        "Forklift-Harbour-42\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let url = fresh_pg_database().await;
    // A password in the URL is refused (it would stay in the shell's history); so is a non-URL.
    let with_password = url.replacen("://", "://someone:secret@", 1);
    let o = portdesk(
        dir.path(),
        &["store", "move-to", "--url", &with_password, "--no-password"],
        "",
    );
    assert!(
        !o.status.success() && text(&o).contains("leave the password out"),
        "{}",
        text(&o)
    );
    let o = portdesk(
        dir.path(),
        &[
            "store",
            "move-to",
            "--url",
            "db.example:5432",
            "--no-password",
        ],
        "",
    );
    assert!(
        !o.status.success() && text(&o).contains("--url"),
        "{}",
        text(&o)
    );
    // Secure by default: the test server has no TLS, so the plain URL is refused with what to
    // do, and nothing moves.
    let o = portdesk(
        dir.path(),
        &["store", "move-to", "--url", &url, "--no-password"],
        "",
    );
    assert!(
        !o.status.success() && text(&o).contains("Turn TLS on"),
        "{}",
        text(&o)
    );
    // The explicit choice for a test server.
    let url = format!("{url}?sslmode=disable");
    let o = portdesk(
        dir.path(),
        &["store", "move-to", "--url", &url, "--no-password"],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("Moved") && out.contains("as the backup") && out.contains("100%"),
        "{out}"
    );
    let cfg = std::fs::read_to_string(dir.path().join("portdesk.toml")).unwrap();
    let db = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    assert!(cfg.contains(db), "{cfg}");
    // The desktop is on the server now: the admin made before the move is there.
    let o = portdesk(
        dir.path(),
        &["admin", "unlock", "--email", "ada@example.com"],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = portdesk(
        dir.path(),
        &["store", "move-to", "--url", &url, "--no-password"],
        "",
    );
    assert!(
        !o.status.success() && text(&o).contains("already on a PostgreSQL server"),
        "{}",
        text(&o)
    );
}

/// One Portdesk per data folder: a command started beside the app (here: a process holding
/// the folder, as the running app does) is refused in one sentence and changes nothing; once
/// the folder is free the same command runs.
#[test]
fn a_command_beside_the_running_app_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let paths = portdesk_core::paths::AppPaths::in_folder(dir.path());
    let held = paths.lock_data_dir().unwrap();
    let o = portdesk(
        dir.path(),
        &[
            "admin",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
            "--password-stdin",
        ],
        "Forklift-Harbour-42\n",
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("another Portdesk"), "{}", text(&o));
    assert!(!dir.path().join("portdesk.db").exists(), "nothing written");
    drop(held);
    let o = portdesk(
        dir.path(),
        &[
            "admin",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
            "--password-stdin",
        ],
        "Forklift-Harbour-42\n",
    );
    assert!(o.status.success(), "{}", text(&o));
}

/// `portdesk store backup|check|restore`: a backup killed with SIGKILL at any moment leaves
/// nothing a restore accepts but complete copies; a restore puts the store back as it was
/// backed up and keeps the current one aside; beside the running app it is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_backup_check_and_restore_from_the_command_line() {
    use portdesk_core::store::Store;
    let dir = tempfile::tempdir().unwrap();
    create_ops_admin(dir.path());
    let db = dir.path().join("portdesk.db");
    let backups = dir.path().join("backups");
    // A store large enough that a backup takes a moment to kill.
    let ballast = 64 << 20;
    {
        let store = Store::open_sqlite(&db).await.unwrap();
        portdesk_core::settings::set(store.pool(), "test.ballast", &"x".repeat(ballast))
            .await
            .unwrap();
        store.close().await;
    }
    // SIGKILL later and later until one lands in the middle of a copy (a `.partial` left).
    let mut cut_short = false;
    for after_ms in [30, 60, 90, 120, 160, 200, 250, 320, 400] {
        let mut child = Command::new(APP)
            .arg("--data-dir")
            .arg(dir.path())
            .args(["store", "backup"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(after_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        cut_short = std::fs::read_dir(&backups)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".partial"));
        if cut_short {
            break;
        }
    }
    assert!(cut_short, "no kill landed during a copy");
    // What the kills left: only a complete copy is accepted, and it holds the whole store.
    let mut refused = 0;
    for e in std::fs::read_dir(&backups).unwrap().flatten() {
        let path = e.path();
        if path.extension().is_some_and(|x| x == "json") {
            continue;
        }
        match portdesk_core::backup::verify(&path, None, true) {
            Ok(_) => {
                let copy = rusqlite::Connection::open(&path).unwrap();
                let len: usize = copy
                    .query_row(
                        "SELECT length(value) FROM settings WHERE key = 'test.ballast'",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(len, ballast, "{}", path.display());
            }
            Err(_) => refused += 1,
        }
    }
    assert!(refused >= 1, "the copy cut short is refused");

    let made = portdesk(dir.path(), &["store", "backup"], "");
    assert!(made.status.success(), "{}", text(&made));
    let file = text(&made)
        .trim()
        .strip_prefix("Backed up to ")
        .and_then(|t| t.split(" (").next())
        .unwrap()
        .to_owned();
    let left: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial"))
        .collect();
    assert!(
        left.is_empty(),
        "the next backup clears what a kill left: {left:?}"
    );
    let check = portdesk(dir.path(), &["store", "check"], "");
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("every page and index is sound"));

    {
        let store = Store::open_sqlite(&db).await.unwrap();
        portdesk_core::settings::set(store.pool(), "test.marker", "after the backup")
            .await
            .unwrap();
        store.close().await;
    }
    // Beside the running app (a process holding the folder): refused, nothing replaced.
    let paths = portdesk_core::paths::AppPaths::in_folder(dir.path());
    let held = paths.lock_data_dir().unwrap();
    let o = portdesk(dir.path(), &["store", "restore", &file], "");
    assert!(!o.status.success());
    assert!(text(&o).contains("another Portdesk"), "{}", text(&o));
    drop(held);

    let o = portdesk(dir.path(), &["store", "restore", &file], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("kept at"), "{}", text(&o));
    let store = Store::open_sqlite(&db).await.unwrap();
    assert_eq!(
        portdesk_core::settings::get(store.pool(), "test.marker")
            .await
            .unwrap(),
        None,
        "the store is as it was backed up"
    );
    assert!(
        portdesk_core::accounts::by_email(&store, "ops@example.com")
            .await
            .unwrap()
            .is_some()
    );
}

/// `portdesk mail run --site-sender` names its data folder's desktop the site's only sender
/// (audited) before it starts sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_sender_can_be_named_the_sites_only_one() {
    use portdesk_core::store::Store;
    let dir = tempfile::tempdir().unwrap();
    create_ops_admin(dir.path());
    let mut service = Command::new(APP)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["mail", "run", "--site-sender"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let store = Store::open_sqlite(&dir.path().join("portdesk.db"))
        .await
        .unwrap();
    let mut named = None;
    for _ in 0..100 {
        named = portdesk_core::settings::get(store.pool(), portdesk_core::mail::SENDER_KEY)
            .await
            .unwrap();
        if named.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    service.kill().unwrap();
    service.wait().unwrap();
    let id = std::fs::read_to_string(dir.path().join("desktop.id")).unwrap();
    assert_eq!(named.as_deref(), Some(id.trim()), "this folder's desktop");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'mail.sender'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);
}
