//! Saved secrets stay with their server: "Test connection", "Send test message" and saving
//! settings never send the ERP, PostgreSQL or mail secret from the keyring to a server, user
//! or address named only in the request. Proved with listeners that record every connection.
//! Also: the sign-in screen does not name the servers.

use crate::common;

use common::harness::*;
use common::smtp::{Smtp, free_port};
use portdesk_core::mail::sender::{self, SenderConfig};
use portdesk_core::mail::templates;
use portdesk_core::mail::{self, Mail, outbox};
use portdesk_core::secrets::{self, SecretStore};
use portdesk_types::api::*;
use portdesk_types::mail::*;
use portdesk_types::settings::{
    ErpSettings, PostgresSettings, RETYPE_PASSWORD, SqlServerSettings, StoreSettings,
};
use portdesk_types::{ApiError, ErrorKind, Role, Secret};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A TCP listener on `host` that counts connections and closes each at once (so a client
/// that did connect fails fast instead of waiting for a greeting).
struct Recorder {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Recorder {
    async fn start(host: &str) -> Recorder {
        let listener = tokio::net::TcpListener::bind((host, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = connections.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                seen.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        Recorder { port, connections }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Another address of this machine: "another server" for the tests (Linux routes all of
/// 127.0.0.0/8 to the loopback interface).
const OTHER_HOST: &str = "127.0.0.2";

fn sql(host: &str, port: u16, user: &str) -> ErpSettings {
    ErpSettings::SqlServer(SqlServerSettings {
        host: host.into(),
        port,
        user: user.into(),
        connect_timeout_secs: 2,
        ..Default::default()
    })
}

fn pg(host: &str, port: u16, user: &str) -> StoreSettings {
    StoreSettings::Postgres(PostgresSettings {
        host: host.into(),
        port,
        user: user.into(),
        connect_timeout_secs: 2,
        ..Default::default()
    })
}

fn assert_retype(e: &ApiError, field: &str) {
    assert_eq!(e.kind, ErrorKind::Validation, "{e:?}");
    assert_eq!(e.field.as_deref(), Some(field), "{e:?}");
    assert!(e.message.starts_with("Type the "), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saved_erp_password_is_never_sent_to_a_typed_server() {
    let h = start().await;
    h.first_admin().await;
    let saved_server = Recorder::start("127.0.0.1").await;
    let view = h.call::<GetSettings>(()).await.unwrap();
    h.call::<SaveSettings>(SaveSettingsRequest {
        erp: sql("127.0.0.1", saved_server.port, "portdesk_reader"),
        store: view.store.clone(),
        erp_password: Some(Secret::new("Erp-Saved-Secret-1")),
        store_password: None,
        tls: Default::default(),
    })
    .await
    .unwrap();

    // Another host, another port, another user: refused before any connection.
    let elsewhere = Recorder::start(OTHER_HOST).await;
    for erp in [
        sql(OTHER_HOST, elsewhere.port, "portdesk_reader"),
        sql("127.0.0.1", elsewhere.port, "portdesk_reader"),
        sql("127.0.0.1", saved_server.port, "sa"),
    ] {
        let e = h
            .call::<TestErpConnection>(TestErpRequest {
                erp,
                password: None,
            })
            .await
            .unwrap_err();
        assert_retype(&e, "password");
        assert_eq!(e.message, RETYPE_PASSWORD);
    }
    assert_eq!(elsewhere.connections(), 0, "nothing reached the other host");
    assert_eq!(saved_server.connections(), 0);

    // The saved server itself still gets its saved password (the test connects).
    let same = h
        .call::<TestErpConnection>(TestErpRequest {
            erp: sql("127.0.0.1", saved_server.port, "portdesk_reader"),
            password: None,
        })
        .await
        .unwrap();
    assert!(!same.ok, "the recorder speaks no TDS");
    assert!(saved_server.connections() >= 1);
    // A password typed for the other host may go there.
    h.call::<TestErpConnection>(TestErpRequest {
        erp: sql(OTHER_HOST, elsewhere.port, "portdesk_reader"),
        password: Some(Secret::new("Typed-For-It-2")),
    })
    .await
    .unwrap();
    assert!(elsewhere.connections() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saved_store_password_is_never_sent_to_a_typed_server() {
    let h = start().await;
    h.first_admin().await;
    let saved_server = Recorder::start("127.0.0.1").await;
    let view = h.call::<GetSettings>(()).await.unwrap();
    h.call::<SaveSettings>(SaveSettingsRequest {
        erp: view.erp.clone(),
        store: pg("127.0.0.1", saved_server.port, "portdesk"),
        erp_password: None,
        store_password: Some(Secret::new("Pg-Saved-Secret-1")),
        tls: Default::default(),
    })
    .await
    .unwrap();
    let elsewhere = Recorder::start(OTHER_HOST).await;
    for store in [
        pg(OTHER_HOST, elsewhere.port, "portdesk"),
        pg("127.0.0.1", saved_server.port, "postgres"),
    ] {
        let e = h
            .call::<TestStoreConnection>(TestStoreRequest {
                store,
                password: None,
            })
            .await
            .unwrap_err();
        assert_retype(&e, "password");
    }
    assert_eq!(elsewhere.connections(), 0, "nothing reached the other host");
    let same = h
        .call::<TestStoreConnection>(TestStoreRequest {
            store: pg("127.0.0.1", saved_server.port, "portdesk"),
            password: None,
        })
        .await
        .unwrap();
    assert!(!same.ok);
    assert!(saved_server.connections() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_a_new_server_without_the_password_does_not_carry_the_old_one() {
    let h = start().await;
    h.first_admin().await;
    let view = h.call::<GetSettings>(()).await.unwrap();
    let save = |erp: ErpSettings, password: Option<&str>| {
        h.call::<SaveSettings>(SaveSettingsRequest {
            erp,
            store: view.store.clone(),
            erp_password: password.map(Secret::new),
            store_password: None,
            tls: Default::default(),
        })
    };
    save(sql("erp-a.example", 1433, "reader"), Some("Secret-For-A-1"))
        .await
        .unwrap();
    let config = std::fs::read_to_string(h.dir.path().join("portdesk.toml")).unwrap();
    // A new host with the password left empty: refused, nothing changes.
    let e = save(sql("erp-b.example", 1433, "reader"), None)
        .await
        .unwrap_err();
    assert_retype(&e, "erp_password");
    assert_eq!(
        std::fs::read_to_string(h.dir.path().join("portdesk.toml")).unwrap(),
        config,
        "the config file is untouched"
    );
    // Other changes on the same server keep the saved password.
    let mut same = SqlServerSettings {
        host: "ERP-A.example".into(),
        port: 1433,
        user: "reader".into(),
        database: "Other".into(),
        command_timeout_secs: 60,
        ..Default::default()
    };
    same.connect_timeout_secs = 2;
    let v = save(ErpSettings::SqlServer(same), None).await.unwrap();
    assert!(v.erp_password_saved);
    // Typed again for the new host: it moves there, and the old host no longer gets it.
    let recorder = Recorder::start(OTHER_HOST).await;
    save(
        sql(OTHER_HOST, recorder.port, "reader"),
        Some("Secret-For-B-2"),
    )
    .await
    .unwrap();
    let e = h
        .call::<TestErpConnection>(TestErpRequest {
            erp: sql("erp-a.example", 1433, "reader"),
            password: None,
        })
        .await
        .unwrap_err();
    assert_retype(&e, "password");
    assert_eq!(
        h.secrets
            .saved(secrets::ERP_PASSWORD)
            .unwrap()
            .unwrap()
            .server
            .as_deref(),
        Some(format!("mssql://reader@{OTHER_HOST}:{}/", recorder.port).as_str()),
        "the keyring entry names its server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_saved_before_bindings_belongs_to_the_saved_server_only() {
    let h = start().await;
    h.first_admin().await;
    let view = h.call::<GetSettings>(()).await.unwrap();
    h.call::<SaveSettings>(SaveSettingsRequest {
        erp: sql("erp-a.example", 1433, "reader"),
        store: view.store,
        erp_password: None,
        store_password: None,
        tls: Default::default(),
    })
    .await
    .unwrap();
    // As an earlier version left it: the bare secret, no server recorded.
    h.secrets
        .set(secrets::ERP_PASSWORD, &Secret::new("Old-Entry-1"))
        .unwrap();
    let elsewhere = Recorder::start(OTHER_HOST).await;
    let e = h
        .call::<TestErpConnection>(TestErpRequest {
            erp: sql(OTHER_HOST, elsewhere.port, "reader"),
            password: None,
        })
        .await
        .unwrap_err();
    assert_retype(&e, "password");
    assert_eq!(elsewhere.connections(), 0);
}

fn smtp(host: &str, port: u16, username: &str) -> MailSettings {
    MailSettings {
        transport: MailTransport::Smtp(SmtpSettings {
            host: host.into(),
            port,
            security: SmtpSecurity::None,
            username: username.into(),
            timeout_secs: 5,
        }),
        from_address: "portal@harbour.example".into(),
        from_name: "Harbour Portal".into(),
        company_name: "Harbour".into(),
        logo_path: String::new(),
    }
}

async fn test_mail(
    h: &Harness,
    settings: MailSettings,
    secret: Option<&str>,
) -> Result<ConnectionTest, ApiError> {
    h.call::<SendTestMail>(TestMailRequest {
        settings,
        secret: secret.map(Secret::new),
        to: "ada@example.com".into(),
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saved_smtp_password_is_never_sent_to_a_typed_server() {
    let server = Smtp::start(free_port(), &["--auth", "portal:Smtp-Saved-1"]);
    let h = start().await;
    h.first_admin().await;
    let saved = smtp("127.0.0.1", server.port, "portal");
    h.call::<SaveMailSettings>(SaveMailSettingsRequest {
        version: None,
        settings: saved.clone(),
        secret: Some(Secret::new("Smtp-Saved-1")),
    })
    .await
    .unwrap();
    // The saved settings, secret left empty: the saved password signs in.
    let ok = test_mail(&h, saved.clone(), None).await.unwrap();
    assert!(ok.ok, "{}", ok.message);
    assert_eq!(server.received().len(), 1);

    let elsewhere = Recorder::start(OTHER_HOST).await;
    for settings in [
        smtp(OTHER_HOST, elsewhere.port, "portal"),
        smtp("127.0.0.1", elsewhere.port, "portal"),
        smtp("127.0.0.1", server.port, "postmaster"),
    ] {
        let e = test_mail(&h, settings.clone(), None).await.unwrap_err();
        assert_retype(&e, "secret");
        assert!(e.message.contains("server or user changed"), "{e:?}");
        // Saving them without the password is refused the same way.
        let e = h
            .call::<SaveMailSettings>(SaveMailSettingsRequest {
                version: None,
                settings,
                secret: None,
            })
            .await
            .unwrap_err();
        assert_retype(&e, "secret");
    }
    assert_eq!(elsewhere.connections(), 0, "nothing reached the other host");
    assert_eq!(server.received().len(), 1);
    // Typed for the other host, it may go there.
    let typed = test_mail(&h, smtp(OTHER_HOST, elsewhere.port, "portal"), Some("X-1"))
        .await
        .unwrap();
    assert!(!typed.ok);
    assert!(elsewhere.connections() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_settings_moved_in_the_store_do_not_take_the_desktops_secret_along() {
    // Mail settings are shared in the store; the secret is in each desktop's keyring. Someone
    // who can write the store but not the keyring must not be able to collect the secret.
    let h = start().await;
    h.first_admin().await;
    h.call::<SaveMailSettings>(SaveMailSettingsRequest {
        version: None,
        settings: smtp("127.0.0.1", free_port(), "portal"),
        secret: Some(Secret::new("Smtp-Saved-1")),
    })
    .await
    .unwrap();
    let elsewhere = Recorder::start(OTHER_HOST).await;
    let store = h.app.store().await.unwrap();
    mail::save_settings(store.pool(), &smtp(OTHER_HOST, elsewhere.port, "portal"))
        .await
        .unwrap();
    let t = templates::samples().remove(0);
    let m = Mail::compose(vec!["b@harbour.example".into()], &t, &Default::default()).unwrap();
    let mut tx = store.pool().begin().await.unwrap();
    outbox::enqueue(&mut tx, "k1", &m).await.unwrap();
    tx.commit().await.unwrap();
    let report = sender::pass(
        &store,
        &*h.secrets,
        &SenderConfig {
            id: "t".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(report.sent, 0);
    assert!(report.idle_reason.is_some(), "{report:?}");
    assert_eq!(elsewhere.connections(), 0, "the secret did not travel");
    let view = h.call::<GetMailSettings>(()).await.unwrap();
    assert!(!view.secret_saved, "no secret saved for these settings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_and_webhook_secrets_stay_with_their_tenant_app_and_address() {
    let h = start().await;
    h.first_admin().await;
    let hook_at = Recorder::start("127.0.0.1").await;
    let graph = |tenant: &str, client: &str, authority: &str| MailSettings {
        transport: MailTransport::Graph(GraphSettings {
            tenant_id: tenant.into(),
            client_id: client.into(),
            sender: "portal@harbour.example".into(),
            authority_url: authority.into(),
            graph_url: "https://graph.microsoft.com".into(),
            timeout_secs: 5,
        }),
        ..smtp("127.0.0.1", 25, "")
    };
    let ms = "https://login.microsoftonline.com";
    h.call::<SaveMailSettings>(SaveMailSettingsRequest {
        version: None,
        settings: graph("contoso", "app-1", ms),
        secret: Some(Secret::new("Graph-Secret-1")),
    })
    .await
    .unwrap();
    let elsewhere = Recorder::start(OTHER_HOST).await;
    let evil = format!("http://{OTHER_HOST}:{}", elsewhere.port);
    for settings in [
        graph("fabrikam", "app-1", ms),
        graph("contoso", "app-2", ms),
        graph("contoso", "app-1", &evil),
    ] {
        let e = test_mail(&h, settings, None).await.unwrap_err();
        assert_retype(&e, "secret");
        assert!(e.message.contains("client secret"), "{e:?}");
    }
    // The webhook's token: bound to its address.
    let hook = |url: String| MailSettings {
        transport: MailTransport::Webhook(WebhookSettings {
            url,
            timeout_secs: 5,
        }),
        ..smtp("127.0.0.1", 25, "")
    };
    h.call::<SaveMailSettings>(SaveMailSettingsRequest {
        version: None,
        settings: hook(format!("http://127.0.0.1:{}/mail", hook_at.port)),
        secret: Some(Secret::new("Hook-Token-1")),
    })
    .await
    .unwrap();
    let e = test_mail(&h, hook(format!("{evil}/mail")), None)
        .await
        .unwrap_err();
    assert_retype(&e, "secret");
    assert!(e.message.contains("token"), "{e:?}");
    assert_eq!(elsewhere.connections(), 0, "nothing reached the other host");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_screen_does_not_name_the_servers() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = portdesk_core::config::Config {
        erp: sql("erp-db.internal.example", 1433, "reader"),
        ..Default::default()
    };
    portdesk_core::config::save(&dir.path().join("portdesk.toml"), &cfg).unwrap();
    let h = start_in(dir).await;
    let data_dir = h.dir.path().display().to_string();
    let lobby = h.call::<AppStatus>(()).await.unwrap();
    assert_eq!(
        (lobby.erp.as_str(), lobby.store.as_str()),
        ("SQL Server", "SQLite")
    );
    h.first_admin().await;
    h.add_user("wh@example.com", Role::Warehouse).await;
    h.call::<Logout>(()).await.unwrap();
    let lobby = h.call::<AppStatus>(()).await.unwrap();
    let json = serde_json::to_string(&lobby).unwrap();
    assert!(
        !json.contains("erp-db.internal.example") && !json.contains(&data_dir),
        "{json}"
    );
    assert_eq!(lobby.erp, "SQL Server");

    // Staff other than the admin do not configure servers: the neutral description.
    h.sign_in_as("wh@example.com").await;
    let staff = h.call::<AppStatus>(()).await.unwrap();
    assert_eq!(
        (staff.erp.as_str(), staff.store.as_str()),
        ("SQL Server", "SQLite")
    );
    // The admin who sets them up sees where they are.
    h.sign_in_as("ada@example.com").await;
    let admin = h.call::<AppStatus>(()).await.unwrap();
    assert_eq!(admin.erp, "SQL Server erp-db.internal.example:1433/ERP");
    assert!(admin.store.starts_with("SQLite at"), "{}", admin.store);
}
