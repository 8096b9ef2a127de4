//! The site's trusted certificates, against real TLS servers with a certificate from a CA the
//! test makes: aiosmtpd with STARTTLS and with implicit TLS, an HTTPS webhook, PostgreSQL with
//! `ssl = on`. Each is refused without the setting and accepted with it; bad files are refused
//! with their name and problem.

use crate::common;

use common::harness::*;
use common::pg_cluster::Cluster;
use common::smtp::{Smtp, free_port};
use common::tls::TestCa;
use portdesk_core::erp::mssql::MssqlErp;
use portdesk_core::mail::sender::SenderConfig;
use portdesk_core::store::Store;
use portdesk_core::tls::{self, CertError, Trust};
use portdesk_types::api::*;
use portdesk_types::mail::*;
use portdesk_types::settings::{SqlServerSettings, TlsMode, TlsSettings};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn trusting(path: &Path) -> TlsSettings {
    TlsSettings {
        trusted_certificates: Some(path.display().to_string()),
    }
}

/// Saves the connection settings as they are, with these trusted certificates.
async fn save_trust(
    h: &Harness,
    tls: TlsSettings,
) -> Result<SettingsView, portdesk_types::ApiError> {
    let view = h.call::<GetSettings>(()).await.unwrap();
    h.call::<SaveSettings>(SaveSettingsRequest {
        erp: view.erp,
        store: view.store,
        erp_password: None,
        store_password: None,
        tls,
    })
    .await
}

fn mail_via(transport: MailTransport) -> MailSettings {
    MailSettings {
        transport,
        from_address: "portal@harbour.example".into(),
        from_name: "Harbour Portal".into(),
        company_name: "Harbour Logistics".into(),
        logo_path: String::new(),
    }
}

fn smtp(port: u16, security: SmtpSecurity) -> MailSettings {
    mail_via(MailTransport::Smtp(SmtpSettings {
        // The name in the server's certificate: verification checks it.
        host: "localhost".into(),
        port,
        security,
        username: String::new(),
        timeout_secs: 5,
    }))
}

async fn test_mail(h: &Harness, settings: &MailSettings) -> ConnectionTest {
    h.call::<SendTestMail>(TestMailRequest {
        settings: settings.clone(),
        secret: None,
        to: "ada@example.com".into(),
    })
    .await
    .unwrap()
}

#[test]
fn a_trusted_certificates_file_is_checked_and_every_problem_named() {
    let ca = TestCa::new(&["localhost"]);
    let good = tls::read(&ca.ca_pem).unwrap();
    assert_eq!(good.info().len(), 1);
    let info = &good.info()[0];
    assert!(info.subject.contains("Harbour Test Root CA"), "{info:?}");
    assert!(info.is_ca);
    assert!(good.pem().starts_with(b"-----BEGIN CERTIFICATE-----\n"));

    let dir = ca.dir();
    let write = |name: &str, bytes: &[u8]| -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // A bundle: the server's certificate, a comment and the CA. Both are kept, text dropped.
    let mut bundle = std::fs::read(&ca.server_cert).unwrap();
    bundle.extend_from_slice(b"\n# the site's root\n");
    bundle.extend(std::fs::read(&ca.ca_pem).unwrap());
    let both = tls::read(&write("bundle.pem", &bundle)).unwrap();
    assert_eq!(both.info().len(), 2);
    assert!(!both.info()[0].is_ca && both.info()[1].is_ca);

    type Case<'a> = (PathBuf, fn(&CertError) -> bool, &'a str);
    let cases: Vec<Case> = vec![
        (
            write("notes.txt", b"Ask IT for the certificate.\n"),
            |e| matches!(e, CertError::NotPem { .. }),
            "not a PEM file",
        ),
        (
            write("empty.pem", b""),
            |e| matches!(e, CertError::NotPem { .. }),
            "not a PEM file",
        ),
        (
            write("root.cer", &ca.ca_der),
            |e| matches!(e, CertError::Der { .. }),
            "Base-64 encoded X.509",
        ),
        (
            ca.expired_ca(),
            |e| matches!(e, CertError::Expired { .. }),
            "expired on 2020-01-01",
        ),
        (
            write(
                "with-key.pem",
                &[
                    std::fs::read(&ca.ca_pem).unwrap(),
                    std::fs::read(&ca.server_key).unwrap(),
                ]
                .concat(),
            ),
            |e| matches!(e, CertError::PrivateKey { .. }),
            "private key",
        ),
        (
            write(
                "garbled.pem",
                b"-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
            ),
            |e| matches!(e, CertError::BadCertificate { index: 1, .. }),
            "Certificate 1",
        ),
        (
            dir.join("missing.pem"),
            |e| matches!(e, CertError::Unreadable { .. }),
            "cannot be read",
        ),
        (
            dir.to_path_buf(),
            |e| matches!(e, CertError::Unreadable { .. }),
            "not a file",
        ),
    ];
    for (path, kind, words) in cases {
        let e = tls::read(&path).unwrap_err();
        assert!(kind(&e), "{}: {e:?}", path.display());
        let msg = e.to_string();
        assert!(msg.contains(words), "{msg}");
        assert!(
            msg.contains(&*path.to_string_lossy()),
            "the file is named: {msg}"
        );
    }

    // Huge and sparse: refused by its size, never read into memory.
    let huge = dir.join("huge.pem");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap();
    assert!(matches!(tls::read(&huge), Err(CertError::TooLarge { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_is_refused_in_settings_and_nothing_is_saved() {
    let ca = TestCa::new(&["localhost"]);
    let h = start().await;
    h.first_admin().await;
    let before = std::fs::read_to_string(h.dir.path().join("portdesk.toml")).ok();
    let err = save_trust(&h, trusting(&ca.expired_ca()))
        .await
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("tls.trusted_certificates"));
    assert!(err.message.contains("expired"), "{}", err.message);
    assert_eq!(
        std::fs::read_to_string(h.dir.path().join("portdesk.toml")).ok(),
        before,
        "the config file is untouched"
    );

    // A good file is saved, listed, and kept across a restart.
    let view = save_trust(&h, trusting(&ca.ca_pem)).await.unwrap();
    assert_eq!(view.tls, trusting(&ca.ca_pem));
    assert_eq!(view.trusted_certificates.len(), 1);
    assert!(view.trusted_certificates_problem.is_none());
    let again = start_in_same(&h).await;
    let view = again.call::<GetSettings>(()).await.unwrap();
    assert_eq!(view.trusted_certificates.len(), 1);
}

/// A second app on the same data folder (a restart).
async fn start_in_same(h: &Harness) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(h.dir.path()).unwrap() {
        let e = entry.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
        }
    }
    let again = start_in(dir).await;
    again.sign_in_as("ada@example.com").await;
    again
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_broken_after_it_was_saved_is_reported_and_sign_in_still_works() {
    let ca = TestCa::new(&["localhost"]);
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("site-ca.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\n").unwrap();
    let cfg = portdesk_core::config::Config {
        tls: trusting(&broken),
        ..Default::default()
    };
    portdesk_core::config::save(&dir.path().join("portdesk.toml"), &cfg).unwrap();
    let h = start_in(dir).await;
    // The embedded store does not use TLS: the desktop works and says what is wrong.
    h.first_admin().await;
    let status = h.call::<AppStatus>(()).await.unwrap();
    let warning = status.config_warning.unwrap_or_default();
    assert!(warning.contains("site-ca.pem"), "{warning}");
    let view = h.call::<GetSettings>(()).await.unwrap();
    assert!(view.trusted_certificates_problem.is_some());

    // A TLS connection fails with the file's problem, not a TLS library's riddle.
    let smtp_server = Smtp::start(
        free_port(),
        &[
            "--tls-cert",
            &ca.server_cert.display().to_string(),
            "--tls-key",
            &ca.server_key.display().to_string(),
        ],
    );
    let t = test_mail(&h, &smtp(smtp_server.port, SmtpSecurity::StartTls)).await;
    assert!(!t.ok);
    assert!(t.message.contains("site-ca.pem"), "{}", t.message);
    assert!(smtp_server.received().is_empty());
    // Unencrypted SMTP does not need the file and is not blocked by it.
    let plain = Smtp::start(free_port(), &[]);
    let mut settings = smtp(plain.port, SmtpSecurity::None);
    if let MailTransport::Smtp(s) = &mut settings.transport {
        s.host = "127.0.0.1".into();
    }
    assert!(test_mail(&h, &settings).await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_starttls_and_implicit_tls_trust_the_site_ca_only_with_the_setting() {
    let ca = TestCa::new(&["localhost"]);
    let cert = ca.server_cert.display().to_string();
    let key = ca.server_key.display().to_string();
    for (security, extra) in [
        (SmtpSecurity::StartTls, None),
        (SmtpSecurity::Tls, Some("--implicit-tls")),
    ] {
        let mut args = vec!["--tls-cert", &cert, "--tls-key", &key];
        args.extend(extra);
        let server = Smtp::start(free_port(), &args);
        let settings = smtp(server.port, security);
        let h = start().await;
        h.first_admin().await;

        let refused = test_mail(&h, &settings).await;
        assert!(!refused.ok, "{security:?}: an unknown CA is refused");
        assert!(
            refused
                .message
                .contains("add the site's CA certificate under Settings"),
            "{security:?}: what to do is said: {}",
            refused.message
        );
        assert!(server.received().is_empty());

        save_trust(&h, trusting(&ca.ca_pem)).await.unwrap();
        let accepted = test_mail(&h, &settings).await;
        assert!(accepted.ok, "{security:?}: {}", accepted.message);
        assert_eq!(server.received().len(), 1, "{security:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_mail_waits_for_an_untrusted_server_and_goes_once_the_ca_is_trusted() {
    let ca = TestCa::new(&["localhost"]);
    let server = Smtp::start(
        free_port(),
        &[
            "--tls-cert",
            &ca.server_cert.display().to_string(),
            "--tls-key",
            &ca.server_key.display().to_string(),
        ],
    );
    let h = start().await;
    h.first_admin().await;
    h.call::<SaveMailSettings>(SaveMailSettingsRequest {
        version: None,
        settings: smtp(server.port, SmtpSecurity::StartTls),
        secret: None,
    })
    .await
    .unwrap();
    h.app
        .start_mail_sender(SenderConfig {
            policy: portdesk_core::mail::outbox::RetryPolicy {
                delays: vec![Duration::from_millis(200)],
                max_attempts: 1000,
            },
            idle_poll: Duration::from_millis(200),
            id: "tls".into(),
            ..Default::default()
        })
        .await;
    h.call::<RequestResetCode>(ResetCodeRequest {
        email: "ada@example.com".into(),
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        server.received().is_empty(),
        "nothing goes to an untrusted server"
    );
    let mail = h
        .call::<ListMail>(MailQuery {
            status: None,
            search: None,
            offset: 0,
            limit: 0,
        })
        .await
        .unwrap();
    assert!(
        mail.rows.iter().any(|m| m.status == MailStatus::Queued
            && m.last_error
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains("certificate")),
        "the outbox says why it waits: {:?}",
        mail.rows
    );

    // Trusted in Settings: the running sender uses it on its next pass, no restart.
    save_trust(&h, trusting(&ca.ca_pem)).await.unwrap();
    for _ in 0..100 {
        if !server.received().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(server.received().len(), 1, "the waiting message went, once");
}

struct Https {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Https {
    fn start(ca: &TestCa) -> Https {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join("tests/support/https_server.py"))
            .find(|p| p.exists())
            .unwrap();
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--cert"])
            .arg(&ca.server_cert)
            .arg("--key")
            .arg(&ca.server_key)
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        Https { child, port, dir }
    }

    fn received(&self) -> usize {
        std::fs::read_dir(self.dir.path()).unwrap().count()
    }
}

impl Drop for Https {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_webhook_trusts_the_site_ca_only_with_the_setting() {
    let ca = TestCa::new(&["localhost"]);
    let server = Https::start(&ca);
    let h = start().await;
    h.first_admin().await;
    let settings = mail_via(MailTransport::Webhook(WebhookSettings {
        url: format!("https://localhost:{}/portdesk/mail", server.port),
        timeout_secs: 5,
    }));
    let refused = test_mail(&h, &settings).await;
    assert!(!refused.ok);
    assert!(
        refused.message.contains("does not trust"),
        "{}",
        refused.message
    );
    assert_eq!(server.received(), 0);
    save_trust(&h, trusting(&ca.ca_pem)).await.unwrap();
    let accepted = test_mail(&h, &settings).await;
    assert!(accepted.ok, "{}", accepted.message);
    assert_eq!(server.received(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_with_tls_verifies_the_certificate_and_the_name() {
    let ca = TestCa::new(&["localhost"]);
    let server = Cluster::with_tls(&ca.server_cert, &ca.server_key);
    let site = Trust::from_settings(&trusting(&ca.ca_pem));
    let mut pg = server.settings();
    pg.host = "localhost".into();
    pg.allow_unencrypted = false;

    // Without the site's CA: refused, and the message says what to do.
    let e = Store::open_postgres(&pg, None, &Trust::system())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("Settings → Trusted certificates"), "{e}");

    // With it: connected, over TLS.
    let store = Store::open_postgres(&pg, None, &site).await.unwrap();
    let (ssl,): (bool,) =
        sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(ssl, "the connection is encrypted");
    store.close().await;

    // The name is verified too: the certificate is for "localhost", not for 127.0.0.1.
    let by_ip = portdesk_types::settings::PostgresSettings {
        host: "127.0.0.1".into(),
        ..pg.clone()
    };
    let e = Store::open_postgres(&by_ip, None, &site)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("certificate is for another name"), "{e}");

    // Settings' "Test connection" and the move to the server use the same rule.
    let h = start().await;
    h.first_admin().await;
    let req = TestStoreRequest {
        store: portdesk_types::settings::StoreSettings::Postgres(pg.clone()),
        password: None,
    };
    assert!(!h.call::<TestStoreConnection>(req.clone()).await.unwrap().ok);
    save_trust(&h, trusting(&ca.ca_pem)).await.unwrap();
    let ok = h.call::<TestStoreConnection>(req).await.unwrap();
    assert!(ok.ok, "{}", ok.message);
    let moved = h
        .call::<MoveStore>(portdesk_types::settings::MoveStoreRequest {
            postgres: pg.clone(),
            password: None,
        })
        .await
        .unwrap();
    assert!(moved.store.starts_with("PostgreSQL localhost"), "{moved:?}");
}

#[tokio::test]
async fn sql_server_with_tls_reports_an_unusable_trust_file_before_connecting() {
    // The SQL Server mock speaks no TLS, so the handshake itself is not exercised here; what
    // is: a TLS connection uses the setting, and a bad file stops it with the file's problem.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("site-ca.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let settings = SqlServerSettings {
        host: "127.0.0.1".into(),
        port: free_port(),
        tls: TlsMode::Required,
        connect_timeout_secs: 2,
        ..Default::default()
    };
    let erp = MssqlErp::new(
        settings.clone(),
        None,
        Trust::from_settings(&trusting(&bad)),
    );
    let e = erp.customers(None).await.unwrap_err().to_string();
    assert!(
        e.contains("site-ca.pem") && e.contains("not a PEM file"),
        "{e}"
    );
    // Unencrypted (test servers only): the file is not needed, so not in the way.
    let plain = MssqlErp::new(
        SqlServerSettings {
            tls: TlsMode::Disabled,
            ..settings
        },
        None,
        Trust::from_settings(&trusting(&bad)),
    );
    let e = plain.customers(None).await.unwrap_err().to_string();
    assert!(!e.contains("site-ca.pem"), "{e}");
}

#[test]
fn the_machine_config_supplies_the_site_ca_unless_the_user_names_one() {
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("user.toml");
    let machine = dir.path().join("machine.toml");
    std::fs::write(
        &machine,
        "[tls]\ntrusted_certificates = 'C:\\ProgramData\\Portdesk\\site-ca.pem'\n",
    )
    .unwrap();
    let (cfg, _) = portdesk_core::config::load_layers(&user, Some(&machine));
    assert_eq!(cfg.tls.file(), Some(r"C:\ProgramData\Portdesk\site-ca.pem"));
    std::fs::write(&user, "[tls]\ntrusted_certificates = '/home/ann/ca.pem'\n").unwrap();
    let (cfg, _) = portdesk_core::config::load_layers(&user, Some(&machine));
    assert_eq!(cfg.tls.file(), Some("/home/ann/ca.pem"));
}

/// Secure by default: a man in the middle on the site's network answers the desktop's TLS
/// request with "no TLS here" and asks for the password in clear. The desktop refuses to go
/// on and sends nothing more (the proxy's log proves it); only the explicit "allow an
/// unencrypted connection" lets the password out, which is why it is a test-server setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_tls_gets_no_password() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const PASSWORD: &str = "Store-Secret-Pw-77";
    // The proxy: refuses TLS, then asks for a clear-text password; logs every byte it gets
    // after its refusal.
    async fn proxy() -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let mut log = Vec::new();
            let Ok(Ok((mut sock, _))) =
                tokio::time::timeout(Duration::from_secs(10), listener.accept()).await
            else {
                return log;
            };
            let mut ssl_request = [0u8; 8];
            if sock.read_exact(&mut ssl_request).await.is_err() {
                return log;
            }
            assert_eq!(
                &ssl_request[4..],
                &80877103u32.to_be_bytes(),
                "a TLS request first"
            );
            sock.write_all(b"N").await.unwrap();
            let mut buf = [0u8; 4096];
            let mut asked = false;
            loop {
                match tokio::time::timeout(Duration::from_secs(3), sock.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => {
                        log.extend_from_slice(&buf[..n]);
                        if !asked {
                            // AuthenticationCleartextPassword.
                            let _ = sock.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).await;
                            asked = true;
                        }
                    }
                    _ => return log,
                }
            }
        });
        (port, task)
    }
    let settings =
        |port: u16, allow_unencrypted: bool| portdesk_types::settings::PostgresSettings {
            host: "127.0.0.1".into(),
            port,
            database: "portdesk".into(),
            user: "portdesk".into(),
            allow_unencrypted,
            connect_timeout_secs: 3,
            ..Default::default()
        };
    let password = portdesk_types::Secret::new(PASSWORD);

    let (port, logged) = proxy().await;
    let refused =
        Store::open_postgres(&settings(port, false), Some(&password), &Trust::system()).await;
    assert!(
        refused.is_err(),
        "a server without TLS is refused by default"
    );
    let log = logged.await.unwrap();
    assert!(
        log.is_empty(),
        "nothing after the refused TLS request: {log:?}"
    );

    // The insecure setting (test servers only) is what lets the password cross in clear.
    let (port, logged) = proxy().await;
    let _ = Store::open_postgres(&settings(port, true), Some(&password), &Trust::system()).await;
    let log = logged.await.unwrap();
    assert!(
        String::from_utf8_lossy(&log).contains(PASSWORD),
        "the proxy read the password in clear"
    );
}

/// The insecure choice is explicit, audited and visible: saving a store setting that allows
/// an unencrypted connection writes its own audit line, and every window's status carries the
/// warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unencrypted_store_is_audited_and_shown_on_every_status() {
    let h = start().await;
    h.first_admin().await;
    assert!(
        h.call::<AppStatus>(())
            .await
            .unwrap()
            .security_warning
            .is_none()
    );
    let view = h.call::<GetSettings>(()).await.unwrap();
    let pg = portdesk_types::settings::PostgresSettings {
        allow_unencrypted: true,
        ..common::pg_settings()
    };
    h.call::<SaveSettings>(SaveSettingsRequest {
        erp: view.erp,
        store: portdesk_types::settings::StoreSettings::Postgres(pg),
        erp_password: None,
        store_password: None,
        tls: view.tls,
    })
    .await
    .unwrap();
    let warning = h.call::<AppStatus>(()).await.unwrap().security_warning;
    assert!(
        warning
            .as_deref()
            .is_some_and(|w| w.contains("unencrypted")),
        "{warning:?}"
    );
    let store = h.app.store().await.unwrap();
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'settings.store_unencrypted'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(n, 1);
}
