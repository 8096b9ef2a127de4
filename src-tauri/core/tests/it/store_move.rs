//! From one desktop to a shared store: a desktop's SQLite store moved to a PostgreSQL
//! database (every table, counts verified, ids continuing), the desktop switched over, a
//! second desktop sharing it (an account made on one signs in on the other; a lockout on one
//! holds on the other); servers that must not receive the data refused with nothing changed;
//! a move interrupted half-way leaving the server empty and the desktop on SQLite; and an older
//! Portdesk refusing a store a newer one updated.

use crate::common;

use common::harness::{self, Harness};
use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::Actor;
use portdesk_core::store::{Store, StoreError};
use portdesk_types::Command;
use portdesk_types::accounts::NewAccount;
use portdesk_types::api::*;
use portdesk_types::settings::{MoveStoreRequest, PostgresSettings};
use portdesk_types::{ErrorKind, Role, Secret};
use sqlx::Connection;

async fn add(h: &Harness, email: &str, role: Role) {
    let store = h.app.store().await.unwrap();
    accounts::create(
        &store,
        &Actor::system("test"),
        NewUser {
            name: email.into(),
            email: email.into(),
            role,
            erp_customer: (role == Role::Customer).then(|| "Northwind Foods".to_string()),
            erp_customer_code: (role == Role::Customer).then(|| "C10000".to_string()),
            password: Secret::new(harness::GOOD),
            must_change_password: false,
        },
    )
    .await
    .unwrap();
}

fn move_to(pg: &PostgresSettings) -> MoveStoreRequest {
    MoveStoreRequest {
        postgres: pg.clone(),
        password: None,
    }
}

async fn pg_exec(pg: &PostgresSettings, sql: &str) {
    let url = format!(
        "postgres://{}@{}:{}/{}",
        pg.user, pg.host, pg.port, pg.database
    );
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(sql).execute(&mut c).await.unwrap();
}

async fn pg_count(pg: &PostgresSettings, table: &str) -> i64 {
    let url = format!(
        "postgres://{}@{}:{}/{}",
        pg.user, pg.host, pg.port, pg.database
    );
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&mut c)
        .await
        .unwrap();
    n
}

async fn sign_in(
    h: &Harness,
    email: &str,
    password: &str,
) -> Result<SessionInfo, portdesk_types::ApiError> {
    h.call::<Logout>(()).await.ok();
    h.call::<Login>(LoginRequest {
        email: email.into(),
        password: Secret::new(password),
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desktop_moves_to_postgres_and_a_second_desktop_shares_it() {
    let h = harness::start().await;
    h.first_admin().await;
    add(&h, "wendy@example.com", Role::Warehouse).await;
    add(&h, "carla@example.com", Role::Customer).await;
    // Some of every kind of data: the demo catalogue and shop, an audit trail, a ticket.
    let store = h.app.store().await.unwrap();
    portdesk_core::procurement::demo::seed(&store)
        .await
        .unwrap();
    portdesk_core::shop::demo::seed(&store).await.unwrap();
    let listings: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM shop_listings")
        .fetch_one(store.pool())
        .await
        .unwrap();
    drop(store);
    let pg = common::pg_fresh_database().await;
    let reply = h.call::<MoveStore>(move_to(&pg)).await.unwrap();
    assert!(reply.rows > 50 && reply.tables > 20, "{reply:?}");
    assert!(reply.store.starts_with("PostgreSQL"));
    assert!(
        std::path::Path::new(&reply.backup).exists(),
        "the SQLite file stays as the backup"
    );
    // This desktop now works on the server, and its config says so.
    let status = h.call::<AppStatus>(()).await.unwrap();
    assert!(status.store.starts_with("PostgreSQL"), "{status:?}");
    let cfg = std::fs::read_to_string(h.dir.path().join("portdesk.toml")).unwrap();
    assert!(cfg.contains(&pg.database), "{cfg}");
    assert_eq!(pg_count(&pg, "shop_listings").await, listings.0);
    assert_eq!(pg_count(&pg, "users").await, 3);
    // The server's search (its own tsvector) finds a moved listing.
    h.sign_in_as("carla@example.com").await;
    let found = h
        .call::<Catalogue>(portdesk_types::shop::CatalogueQuery {
            search: "carton".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.total, 1);

    // A second desktop on the same server: one system.
    let other = harness::start_on(pg.clone()).await;
    // Ids continue after the copied ones: a new account on the server does not collide.
    add(&other, "newbie@example.com", Role::Support).await;
    sign_in(&h, "newbie@example.com", harness::GOOD)
        .await
        .expect("an account made on the other desktop signs in here");
    // Five wrong passwords on one desktop lock the account on the other too.
    for _ in 0..5 {
        assert!(
            sign_in(&other, "wendy@example.com", "Wrong-Password-1")
                .await
                .is_err()
        );
    }
    let e = sign_in(&h, "wendy@example.com", harness::GOOD)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidCredentials, "{e:?}");
    let (locked,): (Option<i64>,) =
        sqlx::query_as("SELECT locked_until FROM users WHERE email = 'wendy@example.com'")
            .fetch_one(h.app.store().await.unwrap().pool())
            .await
            .unwrap();
    assert!(
        locked.is_some_and(|t| t > portdesk_core::now_ms()),
        "the lockout made on one desktop holds on the other"
    );
}

/// The desktop's mail sender and live-update listener follow the move at once: mail queued on
/// the server goes out, and another desktop's change reaches this one, with no restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_and_live_updates_follow_the_move_without_a_restart() {
    use portdesk_types::Event;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    let h = harness::start().await;
    h.first_admin().await;
    add(&h, "carla@example.com", Role::Customer).await;
    let pickup = tempfile::tempdir().unwrap();
    portdesk_core::mail::save_settings(
        h.app.store().await.unwrap().pool(),
        &portdesk_types::mail::MailSettings {
            transport: portdesk_types::mail::MailTransport::PickupFolder {
                path: pickup.path().display().to_string(),
            },
            from_address: "portal@harbour.example".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    h.app
        .start_mail_sender(portdesk_core::mail::sender::SenderConfig {
            idle_poll: Duration::from_millis(200),
            ..Default::default()
        })
        .await;
    let heard = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = heard.clone();
    h.app
        .set_event_sink(Arc::new(move |name: &str, _: serde_json::Value| {
            sink.lock().unwrap().push(name.to_owned());
        }));

    let pg = common::pg_fresh_database().await;
    h.call::<MoveStore>(move_to(&pg)).await.unwrap();
    assert!(
        !h.call::<GetSettings>(()).await.unwrap().restart_required,
        "nothing waits for a restart"
    );

    // Mail queued now is in the server's outbox, and this desktop's sender sends it.
    h.call::<RequestResetCode>(portdesk_types::mail::ResetCodeRequest {
        email: "ada@example.com".into(),
    })
    .await
    .unwrap();
    let sent = async {
        loop {
            if std::fs::read_dir(pickup.path()).unwrap().count() > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), sent)
        .await
        .expect("the reset code went out from the server's outbox");

    // Another desktop's new ticket reaches this one through the server.
    let other = harness::start_on(pg.clone()).await;
    other.sign_in_as("carla@example.com").await;
    tokio::time::sleep(Duration::from_millis(1500)).await; // the listener's connection
    other
        .call::<CreateTicket>(portdesk_types::support::NewTicket {
            title: "Crushed pallet".into(),
            description: "Pallet 3 arrived crushed.".into(),
            category: "Delivery".into(),
            priority: portdesk_types::support::Priority::High,
            paths: vec![],
        })
        .await
        .unwrap();
    let crossed = async {
        loop {
            if heard
                .lock()
                .unwrap()
                .iter()
                .any(|n| n == portdesk_types::events::SupportChangedEvent::NAME)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), crossed)
        .await
        .expect("the other desktop's ticket reached this one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_that_must_not_receive_the_data_are_refused() {
    let h = harness::start().await;
    h.first_admin().await;
    // A database with somebody else's tables.
    let theirs = common::pg_fresh_database().await;
    pg_exec(&theirs, "CREATE TABLE invoices (id BIGINT)").await;
    let e = h.call::<MoveStore>(move_to(&theirs)).await.unwrap_err();
    assert!(
        e.message.contains("other tables") && e.message.contains("invoices"),
        "{e:?}"
    );
    // A server that does not answer.
    let nobody = PostgresSettings {
        port: 1,
        connect_timeout_secs: 2,
        ..common::pg_settings()
    };
    let e = h.call::<MoveStore>(move_to(&nobody)).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("url"), "{e:?}");
    // A Portdesk store that has data already (another site's).
    let taken = common::pg_fresh_database().await;
    let second = harness::start().await;
    second.first_admin().await;
    second.call::<MoveStore>(move_to(&taken)).await.unwrap();
    let e = h.call::<MoveStore>(move_to(&taken)).await.unwrap_err();
    assert!(
        e.message.contains("already holds a Portdesk store"),
        "{e:?}"
    );
    // Nothing changed here: still on SQLite, the data whole.
    assert!(
        h.call::<AppStatus>(())
            .await
            .unwrap()
            .store
            .starts_with("SQLite")
    );
    sign_in(&h, "ada@example.com", harness::GOOD).await.unwrap();
}

// The move stopped half-way (the process dies while rows are being copied): the server's
// transaction rolls back and the desktop keeps its SQLite store; a second attempt succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_interrupted_half_way_leaves_nothing_behind() {
    let h = harness::start().await;
    h.first_admin().await;
    let store = h.app.store().await.unwrap();
    portdesk_core::procurement::demo::seed(&store)
        .await
        .unwrap();
    let pg = common::pg_fresh_database().await;
    let app = h.app.clone();
    let req = move_to(&pg);
    let killed = tokio::spawn(async move {
        app.move_store_to(&req, &|p| {
            if p.rows_done > 0 {
                panic!("killed while copying {}", p.table);
            }
        })
        .await
    })
    .await;
    assert!(killed.is_err(), "the move was interrupted");
    assert_eq!(
        pg_count(&pg, "users").await,
        0,
        "the server's copy was rolled back"
    );
    assert!(
        h.call::<AppStatus>(())
            .await
            .unwrap()
            .store
            .starts_with("SQLite")
    );
    let cfg = std::fs::read_to_string(h.dir.path().join("portdesk.toml")).unwrap_or_default();
    assert!(
        !cfg.contains(&pg.database),
        "the config still names SQLite: {cfg}"
    );
    // Tried again: the server has Portdesk's empty tables now, which is fine.
    let (products,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM products")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let reply = h.call::<MoveStore>(move_to(&pg)).await.unwrap();
    assert_eq!(pg_count(&pg, "products").await, products);
    assert!(products >= 16 && reply.rows > products as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_portdesk_refuses_a_store_a_newer_one_updated() {
    // PostgreSQL.
    let pg = common::pg_fresh_database().await;
    Store::open_postgres(&pg, None, &Default::default())
        .await
        .unwrap()
        .close()
        .await;
    pg_exec(
        &pg,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000000, 'from the future', true, '\\x00', 0)",
    )
    .await;
    let users_before = pg_count(&pg, "users").await;
    match Store::open_postgres(&pg, None, &Default::default()).await {
        Err(e @ StoreError::NewerSchema(29991231000000)) => {
            assert!(e.to_string().contains("Update Portdesk"), "{e}")
        }
        other => panic!("expected the newer-schema refusal, got {other:?}"),
    }
    assert_eq!(pg_count(&pg, "users").await, users_before);
    // SQLite.
    let (store, dir) = common::sqlite_store().await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (29991231000000, 'x', 1, x'00', 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;
    assert!(matches!(
        Store::open_sqlite(&dir.path().join("portal.db")).await,
        Err(StoreError::NewerSchema(_))
    ));
}

/// The move is a snapshot: accounts are being created while the move runs and a batch of
/// mail is queued with the sender running. Every account the desktop said "created" is on the
/// server (a create that landed during the move was refused with "try again", never lost),
/// and every message goes out exactly once (the pickup folder counts them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_under_way_loses_nothing_and_sends_nothing_twice() {
    use std::time::Duration;
    let h = harness::start().await;
    h.first_admin().await;
    let pickup = tempfile::tempdir().unwrap();
    portdesk_core::mail::save_settings(
        h.app.store().await.unwrap().pool(),
        &portdesk_types::mail::MailSettings {
            transport: portdesk_types::mail::MailTransport::PickupFolder {
                path: pickup.path().display().to_string(),
            },
            from_address: "portal@harbour.example".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Forty messages queued, then the sender starts: it is busy with them when the move starts.
    let store = h.app.store().await.unwrap();
    for i in 0..40 {
        let mut tx = store.pool().begin().await.unwrap();
        portdesk_core::mail::enqueue_template(
            &mut tx,
            &format!("move-test:{i}"),
            vec![format!("n{i}@example.com")],
            &portdesk_core::mail::templates::Template::Test(
                portdesk_core::mail::templates::TestMessage {
                    transport: "pickup folder".into(),
                },
            ),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    h.app
        .start_mail_sender(portdesk_core::mail::sender::SenderConfig {
            idle_poll: Duration::from_millis(50),
            ..Default::default()
        })
        .await;

    let pg = common::pg_fresh_database().await;
    let app = h.app.clone();
    let creating = tokio::spawn(async move {
        let mut created = 0;
        let mut refused = 0;
        for i in 0..300 {
            let r = app
                .dispatch(
                    CreateAccount::NAME,
                    serde_json::to_value(NewAccount {
                        name: format!("Clerk {i}"),
                        email: format!("clerk{i}@example.com"),
                        role: Role::Warehouse,
                        erp_customer_code: None,
                        erp_customer: None,
                        temporary_password: None,
                    })
                    .unwrap(),
                )
                .await;
            match r {
                Ok(_) => created += 1,
                Err(e) if e.message.contains("try again in a minute") => refused += 1,
                Err(e) => panic!("{e:?}"),
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        (created, refused)
    });
    tokio::time::sleep(Duration::from_millis(30)).await;
    h.call::<MoveStore>(move_to(&pg)).await.unwrap();
    let (created, refused) = creating.await.unwrap();
    assert!(created > 0, "accounts were created around the move");
    // Ada plus every account the desktop confirmed.
    assert_eq!(
        pg_count(&pg, "users").await,
        1 + created,
        "refused during the move: {refused}"
    );

    let all_sent = async {
        loop {
            if pg_count(&pg, "mail_outbox WHERE status = 'sent'").await >= 40 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), all_sent)
        .await
        .expect("every message went out");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let files = std::fs::read_dir(pickup.path()).unwrap().count();
    assert_eq!(files, 40, "each message once");
}

/// Something stops the move after the server committed the copy (here the config file
/// cannot be written): the desktop stays "moving" (nothing written to the old store), and a
/// retry finishes the switch without copying again; a restart would have finished it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_stopped_after_its_commit_is_finished_by_a_retry_or_a_start() {
    for by_restart in [false, true] {
        let h = harness::start().await;
        h.first_admin().await;
        add(&h, "wes@example.com", Role::Warehouse).await;
        let config = h.dir.path().join("portdesk.toml");
        let _ = std::fs::remove_file(&config);
        std::fs::create_dir(&config).unwrap(); // a file that cannot be replaced
        let pg = common::pg_fresh_database().await;
        let e = h.call::<MoveStore>(move_to(&pg)).await.unwrap_err();
        assert_eq!(
            pg_count(&pg, "users").await,
            2,
            "the copy is committed: {e:?}"
        );
        let still = h.call::<ListModules>(()).await.unwrap_err();
        assert!(still.message.contains("try again in a minute"), "{still:?}");
        std::fs::remove_dir(&config).unwrap();
        if by_restart {
            let dir = h.dir;
            drop(h.app);
            let again = harness::start_in(dir).await;
            let status = again.call::<AppStatus>(()).await.unwrap();
            assert!(status.store.starts_with("PostgreSQL"), "{}", status.store);
            sign_in(&again, "wes@example.com", harness::GOOD)
                .await
                .unwrap();
        } else {
            let reply = h.call::<MoveStore>(move_to(&pg)).await.unwrap();
            assert!(reply.store.starts_with("PostgreSQL"), "{reply:?}");
            assert_eq!(pg_count(&pg, "users").await, 2, "not copied twice");
            sign_in(&h, "wes@example.com", harness::GOOD).await.unwrap();
            assert!(
                std::fs::read_to_string(&config)
                    .unwrap()
                    .contains(&pg.database),
                "the config names the server"
            );
        }
    }
}
