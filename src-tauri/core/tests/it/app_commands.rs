//! The service as the UI sees it: every call goes through `Portdesk::dispatch` with JSON,
//! exactly as the Tauri shell forwards it.

use crate::common;

use common::harness::*;

use portdesk_core::Portdesk;
use portdesk_core::accounts;
use portdesk_core::app::{Access, access};
use portdesk_core::audit::Actor;
use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::{self, MemorySecrets, SecretStore};
use portdesk_types::api::*;
use portdesk_types::{ErrorKind, ModuleId, Role, Secret};
use serde_json::{Value, json};
use std::sync::Arc;

#[tokio::test]
async fn first_run_creates_the_admin_and_signs_in() {
    let h = start().await;
    let status = h.call::<AppStatus>(()).await.unwrap();
    assert!(status.first_run);
    assert!(status.session.is_none());
    // Before sign-in only the kind of store; the admin sees where it is (below).
    assert_eq!(status.store, "SQLite");
    assert!(
        h.dir.path().join("portdesk.db").exists(),
        "store file in the data folder"
    );

    let weak = h
        .call::<CreateFirstAdmin>(NewAdmin {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: Secret::new("short"),
        })
        .await
        .unwrap_err();
    assert_eq!(weak.kind, ErrorKind::Validation);
    assert_eq!(weak.field.as_deref(), Some("password"));
    assert!(
        h.call::<AppStatus>(()).await.unwrap().first_run,
        "a refused first run stores nothing"
    );

    let me = h.first_admin().await;
    assert_eq!(me.role, Role::Admin);
    let status = h.call::<AppStatus>(()).await.unwrap();
    assert!(!status.first_run);
    assert!(status.store.starts_with("SQLite at"), "{}", status.store);
    assert_eq!(status.session.unwrap().email, "ada@example.com");
    let modules = h.call::<ListModules>(()).await.unwrap();
    assert_eq!(
        modules.len(),
        ModuleId::ALL.len(),
        "the admin sees every module"
    );

    let again = h
        .call::<CreateFirstAdmin>(NewAdmin {
            name: "Eve".into(),
            email: "eve@example.com".into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap_err();
    assert_eq!(again.kind, ErrorKind::Conflict);
}

#[tokio::test]
async fn wrong_password_logout_and_sign_in_again() {
    let h = start().await;
    h.first_admin().await;
    h.call::<Logout>(()).await.unwrap();
    assert!(h.call::<AppStatus>(()).await.unwrap().session.is_none());
    let e = h
        .call::<Login>(LoginRequest {
            email: "ada@example.com".into(),
            password: Secret::new("Not-The-Password-1"),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidCredentials);
    // The one reply for every refusal now also names the lockout rule (issue 10).
    assert!(
        e.message.starts_with("E-mail or password is wrong."),
        "{e:?}"
    );
    let me = h
        .call::<Login>(LoginRequest {
            email: "ADA@example.com".into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap();
    assert_eq!(me.name, "Ada Admin");
}

#[tokio::test]
async fn every_command_is_routed_and_guarded() {
    let h = start().await;
    h.first_admin().await;
    h.add_user("wh@example.com", Role::Warehouse).await;
    h.add_user("cust@example.com", Role::Customer).await;
    h.call::<Logout>(()).await.unwrap();

    for name in ALL_COMMANDS.iter() {
        let rule = access(name).unwrap_or_else(|| panic!("{name} has no access rule"));
        let r = h.app.dispatch(name, Value::Null).await;
        if rule != Access::Public {
            assert_eq!(
                r.unwrap_err().kind,
                ErrorKind::Unauthenticated,
                "{name} must need a sign-in"
            );
        }
    }
    assert_eq!(
        h.app
            .dispatch("drop_everything", json!(null))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );

    // Each role outside a command's set is refused before the request is even decoded.
    for (email, role) in [
        ("ada@example.com", Role::Admin),
        ("wh@example.com", Role::Warehouse),
        ("cust@example.com", Role::Customer),
    ] {
        h.sign_in_as(email).await;
        for name in ALL_COMMANDS.iter() {
            if let Some(Access::Roles(allowed)) = access(name) {
                let r = h.app.dispatch(name, Value::Null).await;
                if allowed.contains(&role) {
                    assert_ne!(
                        r.as_ref().err().map(|e| e.kind),
                        Some(ErrorKind::Forbidden),
                        "{role} may call {name}"
                    );
                } else {
                    assert_eq!(
                        r.unwrap_err().kind,
                        ErrorKind::Forbidden,
                        "{role} must not call {name}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn modules_follow_the_role() {
    let h = start().await;
    h.first_admin().await;
    h.add_user("wh@example.com", Role::Warehouse).await;
    h.add_user("cust@example.com", Role::Customer).await;

    h.sign_in_as("wh@example.com").await;
    let ids: Vec<ModuleId> = h
        .call::<ListModules>(())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec![ModuleId::Inventory, ModuleId::Orders]);
    h.call::<OpenModule>(ModuleId::Inventory).await.unwrap();
    assert_eq!(
        h.call::<OpenModule>(ModuleId::Settings)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        h.call::<GetSettings>(()).await.unwrap_err().kind,
        ErrorKind::Forbidden
    );

    // Staff read ERP customers from the demo ERP, generated on first use.
    let customers = h
        .call::<ErpCustomers>(ErpCustomerQuery {
            search: Some("northwind".into()),
        })
        .await
        .unwrap();
    assert_eq!(customers[0].name, "Northwind Foods");

    h.sign_in_as("cust@example.com").await;
    let ids: Vec<ModuleId> = h
        .call::<ListModules>(())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(
        ids,
        vec![
            ModuleId::Inventory,
            ModuleId::Orders,
            ModuleId::Shop,
            ModuleId::Support
        ]
    );
    assert_eq!(
        h.call::<ErpCustomers>(ErpCustomerQuery::default())
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        h.call::<OpenModule>(ModuleId::Customers)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
}

#[tokio::test]
async fn a_deactivated_user_loses_the_session_at_once() {
    let h = start().await;
    h.first_admin().await;
    h.add_user("wh@example.com", Role::Warehouse).await;
    let me = h.sign_in_as("wh@example.com").await;
    let store = h.app.store().await.unwrap();
    sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
        .bind(me.user_id)
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        h.call::<ListModules>(()).await.unwrap_err().kind,
        ErrorKind::Unauthenticated
    );
    assert!(h.call::<AppStatus>(()).await.unwrap().session.is_none());
}

#[tokio::test]
async fn a_temporary_password_must_be_changed_first() {
    let h = start().await;
    h.first_admin().await;
    h.add_user("wh@example.com", Role::Warehouse).await;
    let store = h.app.store().await.unwrap();
    let (_, temp) = accounts::reset_password(&store, &Actor::system("cli"), "wh@example.com", None)
        .await
        .unwrap();
    h.call::<Logout>(()).await.unwrap();
    let me = h
        .call::<Login>(LoginRequest {
            email: "wh@example.com".into(),
            password: temp.clone(),
        })
        .await
        .unwrap();
    assert!(me.must_change_password);
    let blocked = h.call::<ListModules>(()).await.unwrap_err();
    assert!(blocked.message.contains("new password"), "{blocked:?}");
    assert_eq!(blocked.kind, ErrorKind::PasswordChangeRequired);
    let weak = h
        .call::<ChangePassword>(ChangePasswordRequest {
            current: temp.clone(),
            new: Secret::new("password123"),
        })
        .await
        .unwrap_err();
    assert_eq!(weak.field.as_deref(), Some("new"));
    let me = h
        .call::<ChangePassword>(ChangePasswordRequest {
            current: temp,
            new: Secret::new("Pallet-Jack-Season-7"),
        })
        .await
        .unwrap();
    assert!(!me.must_change_password);
    // Inventory and Orders.
    assert_eq!(h.call::<ListModules>(()).await.unwrap().len(), 2);
}

#[tokio::test]
async fn settings_save_validate_and_keep_passwords_in_the_keyring() {
    let h = start().await;
    h.first_admin().await;
    let view = h.call::<GetSettings>(()).await.unwrap();
    assert!(!view.erp_password_saved);

    let mut sql = portdesk_types::settings::SqlServerSettings {
        host: "erp.example".into(),
        ..Default::default()
    };
    sql.port = 0;
    let bad = SaveSettingsRequest {
        erp: portdesk_types::settings::ErpSettings::SqlServer(sql.clone()),
        store: view.store.clone(),
        erp_password: Some(Secret::new("Erp-Reader-Pass-9")),
        store_password: None,
        tls: Default::default(),
    };
    let e = h.call::<SaveSettings>(bad).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("erp.port"));
    assert!(
        !h.dir.path().join("portdesk.toml").exists(),
        "nothing written on refusal"
    );
    assert!(h.secrets.get(secrets::ERP_PASSWORD).unwrap().is_none());

    sql.port = 1433;
    let ok = SaveSettingsRequest {
        erp: portdesk_types::settings::ErpSettings::SqlServer(sql),
        store: view.store,
        erp_password: Some(Secret::new("Erp-Reader-Pass-9")),
        store_password: None,
        tls: Default::default(),
    };
    let saved = h.call::<SaveSettings>(ok).await.unwrap();
    assert!(saved.erp_password_saved);
    assert!(!saved.restart_required, "the ERP switch applies at once");
    let file = std::fs::read_to_string(h.dir.path().join("portdesk.toml")).unwrap();
    assert!(file.contains("erp.example"));
    assert!(
        !file.contains("Erp-Reader-Pass-9"),
        "no secret in the config file"
    );
    assert_eq!(
        h.secrets
            .get(secrets::ERP_PASSWORD)
            .unwrap()
            .unwrap()
            .expose(),
        "Erp-Reader-Pass-9"
    );
}

#[tokio::test]
async fn connection_tests_report_success_and_failure() {
    let h = start().await;
    h.first_admin().await;
    let demo = h
        .call::<TestErpConnection>(TestErpRequest {
            erp: Default::default(),
            password: None,
        })
        .await
        .unwrap();
    assert!(demo.ok, "{}", demo.message);
    assert!(
        demo.message.contains("customer(s) visible"),
        "{}",
        demo.message
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sql = portdesk_types::settings::SqlServerSettings {
        host: "127.0.0.1".into(),
        port,
        connect_timeout_secs: 2,
        ..Default::default()
    };
    let down = h
        .call::<TestErpConnection>(TestErpRequest {
            erp: portdesk_types::settings::ErpSettings::SqlServer(sql),
            password: None,
        })
        .await
        .unwrap();
    assert!(!down.ok);
    assert!(
        down.message.contains("cannot be reached") && down.message.contains(&port.to_string()),
        "{}",
        down.message
    );

    let pg = portdesk_types::settings::PostgresSettings {
        host: "127.0.0.1".into(),
        port,
        connect_timeout_secs: 2,
        ..Default::default()
    };
    let refused = h
        .call::<TestStoreConnection>(TestStoreRequest {
            store: portdesk_types::settings::StoreSettings::Postgres(pg),
            password: Some(Secret::new("Pg-Pass-Word-1")),
        })
        .await
        .unwrap();
    assert!(!refused.ok);
    assert!(
        refused.message.contains(&format!("127.0.0.1:{port}")),
        "{}",
        refused.message
    );
    assert!(
        !refused.message.contains("Pg-Pass-Word-1"),
        "no secret in the message"
    );
}

#[tokio::test]
async fn a_malformed_config_file_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("portdesk.toml"),
        "[store\nbackend = 'sqlite",
    )
    .unwrap();
    let h = start_in(dir).await;
    let status = h.call::<AppStatus>(()).await.unwrap();
    let warning = status.config_warning.expect("a warning");
    assert!(
        warning.contains("portdesk.toml") && warning.contains("malformed"),
        "{warning}"
    );
    assert!(status.store_error.is_none(), "defaults are in use");
    assert_eq!(
        std::fs::read_to_string(h.dir.path().join("portdesk.toml")).unwrap(),
        "[store\nbackend = 'sqlite"
    );
}

#[tokio::test]
async fn an_unreachable_postgres_store_is_reported_and_the_app_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.path().join("portdesk.toml"),
        format!("[store]\nbackend = \"postgres\"\nhost = \"127.0.0.1\"\nport = {port}\nconnect_timeout_secs = 2\n"),
    )
    .unwrap();
    let h = start_in(dir).await;
    let status = h.call::<AppStatus>(()).await.unwrap();
    let err = status.store_error.expect("store error");
    assert!(
        err.contains(&format!("127.0.0.1:{port}")) && err.contains("cannot be reached"),
        "{err}"
    );
    let login = h
        .call::<Login>(LoginRequest {
            email: "a@example.com".into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap_err();
    assert_eq!(login.kind, ErrorKind::Unavailable);
}

#[tokio::test]
async fn an_unusable_data_folder_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the store's folder should be: fails even for root, unlike a chmod.
    std::fs::write(dir.path().join("blocked"), "not a folder").unwrap();
    std::fs::write(
        dir.path().join("portdesk.toml"),
        format!(
            "[store]\nbackend = \"sqlite\"\npath = {:?}\n",
            dir.path().join("blocked/portdesk.db")
        ),
    )
    .unwrap();
    let h = start_in(dir).await;
    let status = h.call::<AppStatus>(()).await.unwrap();
    let err = status.store_error.expect("store error");
    assert!(
        err.contains("blocked") && err.contains("cannot be opened"),
        "{err}"
    );
}

use portdesk_types::accounts::*;

on_both_stores!(
    admin_creates_a_customer_linked_to_an_erp_customer,
    admin_creates_a_customer_linked_to_an_erp_customer_body
);

async fn admin_creates_a_customer_linked_to_an_erp_customer_body(h: Harness) {
    h.first_admin().await;
    let unknown = h
        .call::<CreateAccount>(NewAccount {
            name: "Cara".into(),
            email: "cara@example.com".into(),
            role: Role::Customer,
            erp_customer: Some("No Such Company".into()),
            erp_customer_code: None,
            temporary_password: None,
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.field.as_deref(), Some("erp_customer"));
    assert!(unknown.message.contains("No Such Company"));

    let created = h
        .call::<CreateAccount>(NewAccount {
            name: "Cara".into(),
            email: "Cara@Example.com".into(),
            role: Role::Customer,
            erp_customer: Some("northwind foods".into()),
            erp_customer_code: None,
            temporary_password: None,
        })
        .await
        .unwrap();
    assert!(created.account.erp_verified && created.erp_warning.is_none());
    assert!(created.account.must_change_password);
    let temp = created.temporary_password;
    assert_eq!(temp.expose().len(), 16);

    let page = h
        .call::<ListAccounts>(AccountQuery::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);

    // The customer signs in with the temporary password and must choose a new one.
    h.call::<Logout>(()).await.unwrap();
    let me = h
        .call::<Login>(LoginRequest {
            email: "cara@example.com".into(),
            password: temp,
        })
        .await
        .unwrap();
    assert!(me.must_change_password);
    // Linked by the (unique) name to the ERP's code; the name shown is the ERP's.
    assert_eq!(me.erp_customer.as_deref(), Some("Northwind Foods"));
    assert_eq!(me.erp_customer_code.as_deref(), Some("C10000"));
}

#[tokio::test]
async fn with_the_erp_down_a_customer_is_saved_unverified() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.path().join("portdesk.toml"),
        format!("[erp]\nsource = \"sql_server\"\nhost = \"127.0.0.1\"\nport = {port}\nconnect_timeout_secs = 2\n"),
    )
    .unwrap();
    let h = start_in(dir).await;
    h.first_admin().await;
    let created = h
        .call::<CreateAccount>(NewAccount {
            name: "Dan".into(),
            email: "dan@example.com".into(),
            role: Role::Customer,
            erp_customer: Some("Typed While Offline".into()),
            erp_customer_code: None,
            temporary_password: Some(Secret::new("Temporary-Pass-77")),
        })
        .await
        .unwrap();
    assert!(!created.account.erp_verified);
    let warning = created.erp_warning.unwrap();
    assert!(
        warning.contains("unverified") && warning.contains("cannot be reached"),
        "{warning}"
    );
}

on_both_stores!(
    admin_resets_unlocks_and_deactivates,
    admin_resets_unlocks_and_deactivates_body
);

async fn admin_resets_unlocks_and_deactivates_body(h: Harness) {
    h.first_admin().await;
    h.add_user("wh@example.com", Role::Warehouse).await;
    let id = h
        .call::<ListAccounts>(AccountQuery {
            kind: AccountKind::Staff,
            search: "wh@".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .rows[0]
        .id;

    let weak = h
        .call::<ResetAccountPassword>(ResetPasswordRequest {
            id,
            temporary_password: Some(Secret::new("123")),
        })
        .await
        .unwrap_err();
    assert_eq!(weak.field.as_deref(), Some("password"));
    let reset = h
        .call::<ResetAccountPassword>(ResetPasswordRequest {
            id,
            temporary_password: None,
        })
        .await
        .unwrap();
    assert_eq!(reset.email, "wh@example.com");

    let off = h
        .call::<SetAccountActive>(SetActiveRequest { id, active: false })
        .await
        .unwrap();
    assert!(!off.active);
    h.call::<Logout>(()).await.unwrap();
    let e = h
        .call::<Login>(LoginRequest {
            email: "wh@example.com".into(),
            password: reset.temporary_password.clone(),
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("deactivated"), "{e:?}");

    let me = h.sign_in_as("ada@example.com").await;
    let own = h
        .call::<SetAccountActive>(SetActiveRequest {
            id: me.user_id,
            active: false,
        })
        .await
        .unwrap_err();
    assert!(own.message.contains("at least one active administrator"));
    let missing = h
        .call::<UnlockAccount>(AccountRef { id: 999_999 })
        .await
        .unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);
}

on_both_stores!(
    audit_log_filters_and_exports_to_xlsx,
    audit_log_filters_and_exports_to_xlsx_body
);

async fn audit_log_filters_and_exports_to_xlsx_body(h: Harness) {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    h.first_admin().await;
    h.call::<Logout>(()).await.unwrap();
    let _ = h
        .call::<Login>(LoginRequest {
            email: "ada@example.com".into(),
            password: Secret::new("Wrong-Password-1"),
        })
        .await;
    h.sign_in_as("ada@example.com").await;

    let all = h.call::<ListAudit>(AuditQuery::default()).await.unwrap();
    assert!(all.total >= 4, "{all:?}");
    let failed = h
        .call::<ListAudit>(AuditQuery {
            action: "auth.sign_in_failed".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(failed.total, 1);
    let auth = h
        .call::<ListAudit>(AuditQuery {
            action: "auth.".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(auth.rows.iter().all(|r| r.action.starts_with("auth.")));
    let future = h
        .call::<ListAudit>(AuditQuery {
            from_ms: Some(portdesk_core::now_ms() + 60_000),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(future.total, 0);

    let path = h.dir.path().join("audit.xlsx");
    let q = AuditQuery {
        action: "auth.".into(),
        ..Default::default()
    };
    let reply = h
        .call::<ExportAudit>(ExportRequest {
            query: q,
            path: path.display().to_string(),
        })
        .await
        .unwrap();
    assert_eq!(reply.rows, auth.total);
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = wb.worksheet_range("Audit log").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows[0][0], Data::String("When (UTC)".into()));
    assert_eq!(rows.len() as u64, auth.total + 1);
    assert!(
        matches!(rows[1][0], Data::DateTime(_)),
        "dates are dates: {:?}",
        rows[1][0]
    );
    assert_eq!(
        rows[1][2],
        Data::String(auth.rows[0].action.clone()),
        "newest first, as on screen"
    );

    let bad = h
        .call::<ExportAudit>(ExportRequest {
            query: AuditQuery::default(),
            path: h
                .dir
                .path()
                .join("no/such/dir/a.xlsx")
                .display()
                .to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.field.as_deref(), Some("path"));
    assert!(bad.message.contains("does not exist"), "{bad:?}");
    let not_xlsx = h
        .call::<ExportAudit>(ExportRequest {
            query: AuditQuery::default(),
            path: "/tmp/a.csv".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(not_xlsx.field.as_deref(), Some("path"));
    let leftovers: Vec<_> = std::fs::read_dir(h.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());
}

#[tokio::test]
async fn a_kiosk_signs_in_customers_only_and_signs_out_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    // Set up on a "staff desktop" first: a kiosk refuses the first run.
    let staff = Portdesk::start(
        AppPaths::in_folder(dir.path()),
        Arc::new(MemorySecrets::default()),
    )
    .await;
    let h0 = Harness {
        app: staff,
        secrets: Arc::new(MemorySecrets::default()),
        dir,
    };
    h0.first_admin().await;
    h0.add_user("cust@example.com", Role::Customer).await;
    let dir = h0.dir;
    std::fs::write(
        dir.path().join("portdesk.toml"),
        "[kiosk]\nenabled = true\nidle_seconds = 60\n",
    )
    .unwrap();
    let h = start_in(dir).await;

    let status = h.call::<AppStatus>(()).await.unwrap();
    assert_eq!(status.kiosk.map(|k| k.idle_seconds), Some(60));
    let staff = h
        .call::<Login>(LoginRequest {
            email: "ada@example.com".into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap_err();
    // Refused like a wrong password (issue 10): a Forbidden would confirm a staff password.
    assert_eq!(
        staff.kind,
        ErrorKind::InvalidCredentials,
        "no staff sign-in at a kiosk"
    );
    assert!(h.call::<AppStatus>(()).await.unwrap().session.is_none());

    h.call::<Login>(LoginRequest {
        email: "cust@example.com".into(),
        password: Secret::new(GOOD),
    })
    .await
    .unwrap();
    h.app.age_session(std::time::Duration::from_secs(45)).await;
    h.call::<ListModules>(())
        .await
        .expect("activity within the idle time keeps the session");
    h.app.age_session(std::time::Duration::from_secs(45)).await;
    h.call::<ListModules>(())
        .await
        .expect("45 s after the last action is still within 60 s");
    h.app.age_session(std::time::Duration::from_secs(45)).await;
    h.call::<AppStatus>(()).await.unwrap();
    h.app.age_session(std::time::Duration::from_secs(16)).await;
    assert_eq!(
        h.call::<ListModules>(()).await.unwrap_err().kind,
        ErrorKind::Unauthenticated,
        "idle too long: signed out"
    );
    assert!(h.call::<AppStatus>(()).await.unwrap().session.is_none());

    let store = h.app.store().await.unwrap();
    let actions: Vec<String> = portdesk_core::audit::recent(&store, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(
        actions.contains(&"auth.idle_sign_out".into())
            && actions.contains(&"auth.kiosk_staff_refused".into()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_kiosk_refuses_the_first_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("portdesk.toml"),
        "[kiosk]\nenabled = true\n",
    )
    .unwrap();
    let h = start_in(dir).await;
    let e = h
        .call::<CreateFirstAdmin>(NewAdmin {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("staff desktop"), "{e:?}");
}

fn write_sheet(path: &std::path::Path, header: &[&str], rows: &[Vec<rust_xlsxwriter_cell::Cell>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                rust_xlsxwriter_cell::Cell::T(s) => {
                    ws.write_string(r, c, *s).unwrap();
                }
                rust_xlsxwriter_cell::Cell::B(b) => {
                    ws.write_boolean(r, c, *b).unwrap();
                }
                rust_xlsxwriter_cell::Cell::Empty => {}
            }
        }
    }
    wb.save(path).unwrap();
}

mod rust_xlsxwriter_cell {
    pub enum Cell {
        T(&'static str),
        B(bool),
        Empty,
    }
}
use rust_xlsxwriter_cell::Cell::{B, Empty, T};

on_both_stores!(
    importing_customers_reports_every_bad_row_and_applies_all_or_nothing,
    importing_customers_reports_every_bad_row_and_applies_all_or_nothing_body
);

async fn importing_customers_reports_every_bad_row_and_applies_all_or_nothing_body(h: Harness) {
    h.first_admin().await;
    h.add_user("taken@example.com", Role::Customer).await;
    let path = h.dir.path().join("customers.xlsx");
    write_sheet(
        &path,
        &["Name", "E-mail", "ERP customer"],
        &[
            vec![T("Good One"), T("good@example.com"), T("Northwind Foods")],
            vec![T("Bad Mail"), T("not-an-email"), T("Northwind Foods")],
            vec![T("Twin"), T("GOOD@example.com"), T("Northwind Foods")],
            vec![T("Nobody"), T("nobody@example.com"), T("No Such Company")],
            vec![B(true), T("bool@example.com"), T("Northwind Foods")],
            vec![T("Taken"), T("taken@example.com"), T("Northwind Foods")],
            vec![Empty, T("noname@example.com"), Empty],
        ],
    );
    let req = |mode| ImportRequest {
        path: path.display().to_string(),
        mode,
    };
    let before = h
        .call::<ListAccounts>(AccountQuery::default())
        .await
        .unwrap()
        .total;

    let report = h
        .call::<ImportAccounts>(req(ImportMode::AllOrNothing))
        .await
        .unwrap();
    assert_eq!(
        (report.rows, report.valid, report.created),
        (7, 1, 0),
        "{report:?}"
    );
    let got: Vec<(u32, &str)> = report
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "E-mail"),
            (4, "E-mail"),
            (5, "ERP customer"),
            (6, "Name"),
            (7, "E-mail"),
            (8, "Name"),
            (8, "ERP customer")
        ],
        "{:#?}",
        report.issues
    );
    assert!(
        report.issues[1].message.contains("also on row 2"),
        "{:?}",
        report.issues[1]
    );
    assert!(report.issues[2].message.contains("No Such Company"));
    assert!(report.issues[3].message.contains("expected text"));
    assert_eq!(
        h.call::<ListAccounts>(AccountQuery::default())
            .await
            .unwrap()
            .total,
        before,
        "nothing applied"
    );

    let report = h
        .call::<ImportAccounts>(req(ImportMode::ValidRowsOnly))
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    let page = h
        .call::<ListAccounts>(AccountQuery {
            search: "good@".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.rows[0].erp_customer.as_deref(),
        Some("Northwind Foods")
    );
    assert!(page.rows[0].must_change_password);

    // An imported account has no usable password until an admin resets it.
    h.call::<Logout>(()).await.unwrap();
    for guess in ["!", "", GOOD] {
        let e = h
            .call::<Login>(LoginRequest {
                email: "good@example.com".into(),
                password: Secret::new(guess),
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidCredentials);
    }
}

#[tokio::test]
async fn a_clean_sheet_imports_in_check_then_apply_and_round_trips_through_export() {
    let h = start().await;
    h.first_admin().await;
    let path = h.dir.path().join("ok.xlsx");
    write_sheet(
        &path,
        &["E-mail", "ERP customer", "Name"],
        &[
            vec![T("a@example.com"), T("Northwind Foods"), T("Ann")],
            vec![T("b@example.com"), T("Bluewater Trading"), T("Ben")],
        ],
    );
    let check = h
        .call::<ImportAccounts>(ImportRequest {
            path: path.display().to_string(),
            mode: ImportMode::Check,
        })
        .await
        .unwrap();
    assert_eq!((check.valid, check.created), (2, 0), "{check:?}");
    assert!(check.issues.is_empty());
    let done = h
        .call::<ImportAccounts>(ImportRequest {
            path: path.display().to_string(),
            mode: ImportMode::AllOrNothing,
        })
        .await
        .unwrap();
    assert_eq!(done.created, 2);

    let out = h.dir.path().join("export.xlsx");
    let r = h
        .call::<ExportAccounts>(ExportRequest {
            query: AccountQuery::default(),
            path: out.display().to_string(),
        })
        .await
        .unwrap();
    assert_eq!(r.rows, 2);
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let range = wb.worksheet_range("Customer accounts").unwrap();
    let rows: Vec<_> = range.rows().collect();
    assert_eq!(
        rows[0][..3],
        [
            Data::String("Name".into()),
            Data::String("E-mail".into()),
            Data::String("ERP customer".into())
        ]
    );
    assert_eq!(rows[1][1], Data::String("a@example.com".into()));
    assert_eq!(rows[2][2], Data::String("Bluewater Trading".into()));
    assert_eq!(rows[1][3], Data::Bool(true));
}

#[tokio::test]
async fn a_sheet_without_the_columns_or_not_a_workbook_is_refused_clearly() {
    let h = start().await;
    h.first_admin().await;
    let path = h.dir.path().join("cols.xlsx");
    write_sheet(
        &path,
        &["Name", "Mail"],
        &[vec![T("X"), T("x@example.com")]],
    );
    let r = h
        .call::<ImportAccounts>(ImportRequest {
            path: path.display().to_string(),
            mode: ImportMode::AllOrNothing,
        })
        .await
        .unwrap();
    let missing: Vec<&str> = r.issues.iter().map(|i| i.column.as_str()).collect();
    assert_eq!(missing, ["E-mail", "ERP customer"]);
    assert_eq!(r.created, 0);

    let txt = h.dir.path().join("notes.xlsx");
    std::fs::write(&txt, "this is not a workbook").unwrap();
    let e = h
        .call::<ImportAccounts>(ImportRequest {
            path: txt.display().to_string(),
            mode: ImportMode::Check,
        })
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("path"));
    assert!(e.message.contains("Cannot open"), "{e:?}");
}

/// Imports a hostile file through the command and returns the refusal; then proves the app
/// is alive and unharmed by running the next command.
async fn refused_import(h: &Harness, path: &std::path::Path) -> portdesk_types::ApiError {
    let e = h
        .call::<ImportAccounts>(ImportRequest {
            path: path.display().to_string(),
            mode: ImportMode::Check,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation, "{e:?}");
    assert_eq!(e.field.as_deref(), Some("path"), "{e:?}");
    let after = h.call::<ListAccounts>(AccountQuery::default()).await;
    assert!(after.is_ok(), "the next command still works: {after:?}");
    e
}

#[tokio::test]
async fn a_sparse_a1_to_xfd1048576_sheet_gets_the_extent_message_and_the_app_lives_on() {
    let h = start().await;
    h.first_admin().await;
    let path = h.dir.path().join("sparse.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, name) in ["Name", "E-mail", "ERP customer"].iter().enumerate() {
        ws.write_string(0, c as u16, *name).unwrap();
    }
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save(&path).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 10_000, "a few KB");
    let e = refused_import(&h, &path).await;
    assert_eq!(
        e.message,
        "The sheet has 1,048,576 rows; the limit is 200,000."
    );
}

#[tokio::test]
async fn a_zip_bomb_gets_the_expansion_message() {
    let h = start().await;
    h.first_admin().await;
    let path = h.dir.path().join("bomb.xlsx");
    common::xlsx::write_bomb(&path, 3 * 1024 - 1, None);
    let e = refused_import(&h, &path).await;
    assert_eq!(
        e.message,
        "The file expands to 3 GB when opened; the limit is 256 MB."
    );
    // Lying about its size does not help it.
    common::xlsx::write_bomb(&path, 3 * 1024 - 1, Some(1_000));
    let e = refused_import(&h, &path).await;
    assert!(
        e.message
            .starts_with("Cannot open bomb.xlsx: the workbook is damaged"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_huge_file_and_a_file_that_is_not_a_workbook_get_their_messages() {
    let h = start().await;
    h.first_admin().await;
    let path = h.dir.path().join("huge.xlsx");
    write_sheet(&path, &["Name", "E-mail", "ERP customer"], &[]);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(40 << 20)
        .unwrap();
    let e = refused_import(&h, &path).await;
    assert_eq!(e.message, "The file is 40 MB; the limit is 25 MB.");

    let png = h.dir.path().join("logo.xlsx");
    std::fs::write(&png, common::xlsx::PNG).unwrap();
    let e = refused_import(&h, &png).await;
    assert_eq!(
        e.message,
        "Cannot open logo.xlsx: this is not an .xlsx workbook."
    );
    let txt = h.dir.path().join("list.xlsx");
    std::fs::write(
        &txt,
        "Name;E-mail;ERP customer\nAnn;a@example.com;Northwind Foods\n",
    )
    .unwrap();
    let e = refused_import(&h, &txt).await;
    assert_eq!(
        e.message,
        "Cannot open list.xlsx: this is not an .xlsx workbook."
    );
}

#[tokio::test]
async fn a_date_in_the_e_mail_column_and_an_overlong_name_are_explained_per_cell() {
    let h = start().await;
    h.first_admin().await;
    let path = h.dir.path().join("cells.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, name) in ["Name", "E-mail", "ERP customer"].iter().enumerate() {
        ws.write_string(0, c as u16, *name).unwrap();
    }
    let day = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, "Dated").unwrap();
    let may = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    ws.write_datetime_with_format(1, 1, may, &day).unwrap();
    ws.write_string(1, 2, "Northwind Foods").unwrap();
    ws.write_string(2, 0, "n".repeat(300)).unwrap();
    ws.write_string(2, 1, "long@example.com").unwrap();
    ws.write_string(2, 2, "Northwind Foods").unwrap();
    ws.write_string(3, 0, "Counted").unwrap();
    ws.write_number(3, 1, 12).unwrap();
    ws.write_string(3, 2, "Northwind Foods").unwrap();
    ws.write_string(4, 0, "Fine").unwrap();
    ws.write_string(4, 1, "fine@example.com").unwrap();
    ws.write_string(4, 2, "Northwind Foods").unwrap();
    wb.save(&path).unwrap();

    let r = h
        .call::<ImportAccounts>(ImportRequest {
            path: path.display().to_string(),
            mode: ImportMode::ValidRowsOnly,
        })
        .await
        .unwrap();
    let got: Vec<(u32, &str, &str)> = r
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_str(), i.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                2,
                "E-mail",
                "This is a date (2024-05-01), not an e-mail address."
            ),
            (3, "Name", "This is 300 characters long; the limit is 200."),
            (4, "E-mail", "This is a number (12), not an e-mail address."),
        ]
    );
    assert_eq!((r.rows, r.valid, r.created), (4, 1, 1), "{r:?}");
}

#[tokio::test]
async fn lockout_settings_are_edited_validated_and_applied() {
    use portdesk_types::settings::SecuritySettings;
    let h = start().await;
    h.first_admin().await;
    let now = h.call::<GetSecuritySettings>(()).await.unwrap();
    assert_eq!(
        now,
        SecuritySettings {
            version: Some(0),
            max_failed_logins: 5,
            lockout_minutes: 15
        },
        "the defaults, at the card's first version"
    );
    let bad = h
        .call::<SaveSecuritySettings>(SecuritySettings {
            version: None,
            max_failed_logins: 0,
            lockout_minutes: 15,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.field.as_deref(), Some("max_failed_logins"));
    let bad = h
        .call::<SaveSecuritySettings>(SecuritySettings {
            version: None,
            max_failed_logins: 3,
            lockout_minutes: 99_999,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.field.as_deref(), Some("lockout_minutes"));
    assert_eq!(
        h.call::<GetSecuritySettings>(())
            .await
            .unwrap()
            .max_failed_logins,
        5,
        "refused input changes nothing"
    );

    h.call::<SaveSecuritySettings>(SecuritySettings {
        version: None,
        max_failed_logins: 3,
        lockout_minutes: 30,
    })
    .await
    .unwrap();
    h.add_user("wh@example.com", Role::Warehouse).await;
    h.call::<Logout>(()).await.unwrap();
    let wrong = || LoginRequest {
        email: "wh@example.com".into(),
        password: Secret::new("Wrong-Password-1"),
    };
    assert_eq!(
        h.call::<Login>(wrong()).await.unwrap_err().kind,
        ErrorKind::InvalidCredentials
    );
    assert_eq!(
        h.call::<Login>(wrong()).await.unwrap_err().kind,
        ErrorKind::InvalidCredentials
    );
    // The locking failure reads like any other (issue 10); its message names the rule.
    let third = h.call::<Login>(wrong()).await.unwrap_err();
    assert_eq!(third.kind, ErrorKind::InvalidCredentials);
    assert!(third.message.contains("30 minute"), "{third:?}");
}

/// A customer account as it stands after migration 0004 on a store from before ERP codes:
/// linked by name only.
async fn add_name_linked_customer(h: &Harness, email: &str, erp_name: &str) -> i64 {
    let store = h.app.store().await.unwrap();
    let new = accounts::NewUser {
        name: "Old".into(),
        email: email.into(),
        role: Role::Customer,
        erp_customer: Some(erp_name.into()),
        erp_customer_code: None,
        password: Secret::new(GOOD),
        must_change_password: false,
    };
    accounts::create(&store, &Actor::system("t"), new)
        .await
        .unwrap()
        .id
}

on_both_stores!(
    existing_accounts_are_linked_by_name_once_and_ambiguous_ones_wait_for_an_admin,
    existing_accounts_are_linked_by_name_once_body
);

async fn existing_accounts_are_linked_by_name_once_body(h: Harness) {
    use portdesk_types::inventory::*;
    h.first_admin().await;
    // Two ERP customers named "Bluewater Trading": C10001 and C90000 (7 rows, bin Z-C90000).
    let erp = common::demo_erp_with(h.app.paths(), &[("C90000", "Bluewater Trading", 7)]).await;
    let ann = add_name_linked_customer(&h, "ann@example.com", "northwind foods").await;
    let ben = add_name_linked_customer(&h, "ben@example.com", "Bluewater Trading").await;
    let cy = add_name_linked_customer(&h, "cy@example.com", "Gone Company").await;

    // The admin opens the Customers window: the first ERP read has linked or flagged each.
    let rows = h
        .call::<ListAccounts>(AccountQuery::default())
        .await
        .unwrap()
        .rows;
    let row = |id: i64| rows.iter().find(|r| r.id == id).unwrap().clone();
    let a = row(ann);
    assert_eq!(
        (
            a.erp_customer_code.as_deref(),
            a.erp_customer.as_deref(),
            a.erp_link_problem
        ),
        (Some("C10000"), Some("Northwind Foods"), None),
        "a unique name is linked to its code (and takes the ERP's spelling)"
    );
    let b = row(ben);
    assert_eq!(
        (b.erp_customer_code.as_deref(), b.erp_link_problem),
        (None, Some(ErpLinkProblem::Ambiguous))
    );
    let c = row(cy);
    assert_eq!(
        (c.erp_customer_code.as_deref(), c.erp_link_problem),
        (None, Some(ErpLinkProblem::NotFound))
    );
    let audit = h
        .call::<ListAudit>(AuditQuery {
            action: "user.erp_link".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        audit.total, 3,
        "each link and flag is audited: {:?}",
        audit.rows
    );
    assert!(
        audit.rows.iter().any(|e| e
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("C10001, C90000"))),
        "{:?}",
        audit.rows
    );

    // Once: running the step again changes nothing, even after the ERP drops the twin.
    let store = h.app.store().await.unwrap();
    let all = h
        .call::<ErpCustomers>(ErpCustomerQuery::default())
        .await
        .unwrap();
    assert_eq!(
        accounts::sync_erp_links(&store, &all).await.unwrap(),
        accounts::LinkSummary::default()
    );
    sqlx::query("DELETE FROM stock WHERE customer_code = 'C90000'")
        .execute(&erp)
        .await
        .unwrap();
    sqlx::query("DELETE FROM customers WHERE code = 'C90000'")
        .execute(&erp)
        .await
        .unwrap();
    h.call::<ErpCustomers>(ErpCustomerQuery::default())
        .await
        .unwrap();
    let b = accounts::by_id(&store, ben).await.unwrap().unwrap();
    assert_eq!(
        b.erp_link_problem,
        Some(ErpLinkProblem::Ambiguous),
        "a flagged account stays flagged until an admin picks the code"
    );
    common::add_erp_customer(&erp, "C90000", "Bluewater Trading", 7).await;

    // The flagged customer sees nothing, whatever it asks for.
    h.sign_in_as("ben@example.com").await;
    let e = h
        .call::<QueryInventory>(InventoryQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert!(
        e.message
            .contains("An administrator must pick your ERP customer"),
        "{e:?}"
    );
    for code in [None, Some("C10001"), Some("C90000")] {
        let req = RefreshRequest {
            customer_code: code.map(Into::into),
        };
        assert!(h.call::<RefreshInventory>(req).await.is_err(), "{code:?}");
    }

    // The admin picks C90000 in the Customers window; from then on Ben sees exactly its stock.
    h.sign_in_as("ada@example.com").await;
    let fixed = h
        .call::<UpdateAccount>(AccountUpdate {
            id: ben,
            version: Some(
                accounts::by_id(&h.app.store().await.unwrap(), ben)
                    .await
                    .unwrap()
                    .unwrap()
                    .version,
            ),
            name: "Old".into(),
            email: "ben@example.com".into(),
            role: Role::Customer,
            erp_customer_code: Some("C90000".into()),
            erp_customer: Some("Bluewater Trading".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        (fixed.erp_customer_code.as_deref(), fixed.erp_link_problem),
        (Some("C90000"), None)
    );
    h.sign_in_as("ben@example.com").await;
    let r = h
        .call::<RefreshInventory>(RefreshRequest::default())
        .await
        .unwrap();
    assert_eq!((r.customer_code.as_str(), r.rows), ("C90000", 7));
    let page = h
        .call::<QueryInventory>(InventoryQuery::default())
        .await
        .unwrap();
    assert!(page.rows.iter().all(|x| x.bin == "Z-C90000"));

    h.sign_in_as("ann@example.com").await;
    let r = h
        .call::<RefreshInventory>(RefreshRequest::default())
        .await
        .unwrap();
    assert_eq!(r.customer_code, "C10000");
}

on_both_stores!(
    the_account_editor_links_by_code_and_refuses_an_ambiguous_name,
    the_account_editor_links_by_code_body
);

async fn the_account_editor_links_by_code_body(h: Harness) {
    h.first_admin().await;
    common::demo_erp_with(h.app.paths(), &[("C90000", "Bluewater Trading", 7)]).await;
    let new = |email: &str, code: Option<&str>, name: Option<&str>| NewAccount {
        name: "Eve".into(),
        email: email.into(),
        role: Role::Customer,
        erp_customer_code: code.map(Into::into),
        erp_customer: name.map(Into::into),
        temporary_password: None,
    };
    let e = h
        .call::<CreateAccount>(new("e1@example.com", None, Some("bluewater trading")))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("erp_customer"));
    assert!(
        e.message.contains("2 ERP customers") && e.message.contains("C10001, C90000"),
        "{e:?}"
    );
    let e = h
        .call::<CreateAccount>(new("e1@example.com", Some("C77777"), None))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("erp_customer_code"));
    let ok = h
        .call::<CreateAccount>(new("e1@example.com", Some("C90000"), Some("typed name")))
        .await
        .unwrap();
    assert_eq!(
        (
            ok.account.erp_customer_code.as_deref(),
            ok.account.erp_customer.as_deref()
        ),
        (Some("C90000"), Some("Bluewater Trading")),
        "the code decides; the name is the ERP's"
    );
    let page = h
        .call::<ListAccounts>(AccountQuery {
            search: "c9000".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 1, "the list searches codes too");
}

on_both_stores!(
    the_customer_sheet_carries_the_code_and_refuses_ambiguous_names_per_row,
    the_customer_sheet_carries_the_code_body
);

async fn the_customer_sheet_carries_the_code_body(h: Harness) {
    h.first_admin().await;
    common::demo_erp_with(h.app.paths(), &[("C90000", "Bluewater Trading", 7)]).await;
    let path = h.dir.path().join("codes.xlsx");
    write_sheet(
        &path,
        &["Name", "E-mail", "ERP customer", "ERP customer code"],
        &[
            vec![
                T("By Name"),
                T("a@example.com"),
                T("Northwind Foods"),
                Empty,
            ],
            vec![T("Twin"), T("b@example.com"), T("Bluewater Trading"), Empty],
            vec![
                T("By Code"),
                T("c@example.com"),
                T("Bluewater Trading"),
                T("C90000"),
            ],
            vec![T("Bad Code"), T("d@example.com"), Empty, T("C77777")],
        ],
    );
    let report = h
        .call::<ImportAccounts>(ImportRequest {
            path: path.display().to_string(),
            mode: ImportMode::ValidRowsOnly,
        })
        .await
        .unwrap();
    let got: Vec<(u32, &str)> = report
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_str()))
        .collect();
    assert_eq!(
        got,
        [(3, "ERP customer"), (5, "ERP customer code")],
        "{:#?}",
        report.issues
    );
    assert!(
        report.issues[0].message.contains("2 ERP customers")
            && report.issues[0]
                .message
                .contains("add the ERP customer code"),
        "{:?}",
        report.issues[0]
    );
    assert_eq!(report.created, 2);
    let rows = h
        .call::<ListAccounts>(AccountQuery::default())
        .await
        .unwrap()
        .rows;
    let code_of = |email: &str| {
        rows.iter()
            .find(|r| r.email == email)
            .and_then(|r| r.erp_customer_code.clone())
    };
    assert_eq!(code_of("a@example.com").as_deref(), Some("C10000"));
    assert_eq!(code_of("c@example.com").as_deref(), Some("C90000"));

    let out = h.dir.path().join("export.xlsx");
    h.call::<ExportAccounts>(ExportRequest {
        query: AccountQuery::default(),
        path: out.display().to_string(),
    })
    .await
    .unwrap();
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let range = wb.worksheet_range("Customer accounts").unwrap();
    let sheet: Vec<_> = range.rows().collect();
    assert_eq!(sheet[0][7], Data::String("ERP customer code".into()));
    let by_code = sheet
        .iter()
        .find(|r| r[1] == Data::String("c@example.com".into()))
        .unwrap();
    assert_eq!(by_code[7], Data::String("C90000".into()));
}

/// No lost update in any edit form: a listing, a knowledge-base article, an account and a
/// delivery address saved from a form read before someone else's save are refused (`Stale`,
/// naming what changed), a change that names no version is refused by name, and what the
/// first save wrote stays.
async fn every_edit_form_refuses_a_stale_save_body(h: Harness) {
    use portdesk_types::shop::*;
    use portdesk_types::support::*;
    h.first_admin().await;
    h.add_user("wes@example.com", Role::Warehouse).await;
    h.add_user("cara@example.com", Role::Customer).await;
    let stale = |r: Result<serde_json::Value, portdesk_types::ApiError>| {
        let e = r.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Stale, "{e:?}");
        e.message
    };
    let raw = |name: &'static str, v: serde_json::Value| h.app.dispatch(name, v);

    // A listing of the demo shop.
    let page = h
        .call::<Catalogue>(CatalogueQuery::default())
        .await
        .unwrap();
    let l = h
        .call::<GetListing>(ListingRef {
            id: page.rows[0].id,
        })
        .await
        .unwrap();
    let form = |name: &str| ListingEdit {
        id: Some(l.id),
        version: Some(l.version),
        name: name.into(),
        description: l.description.clone(),
        category: l.category.clone(),
        active: l.active,
        variants: l
            .variants
            .iter()
            .map(|v| VariantEdit {
                product_id: v.product_id,
                size: v.size.clone(),
                colour: v.colour.clone(),
                weight: v.weight.clone(),
                flavour: v.flavour.clone(),
            })
            .collect(),
    };
    h.call::<SaveListing>(form("Renamed by the first"))
        .await
        .unwrap();
    let m = stale(
        raw(
            SaveListing::NAME,
            serde_json::to_value(form("Second")).unwrap(),
        )
        .await,
    );
    assert!(m.contains("name is now Renamed by the first"), "{m}");
    let mut blind = form("Blind");
    blind.version = None;
    assert_eq!(
        h.call::<SaveListing>(blind)
            .await
            .unwrap_err()
            .field
            .as_deref(),
        Some("version")
    );

    // A knowledge-base article.
    let a = h
        .call::<SaveArticle>(ArticleEdit {
            title: "Opening hours".into(),
            category: "General".into(),
            status: ArticleStatus::Published,
            body: "8 to 16.".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let edit = |body: &str| ArticleEdit {
        id: Some(a.id),
        version: Some(a.version),
        title: a.title.clone(),
        category: a.category.clone(),
        status: a.status,
        body: body.into(),
    };
    h.call::<SaveArticle>(edit("8 to 17.")).await.unwrap();
    stale(
        raw(
            SaveArticle::NAME,
            serde_json::to_value(edit("7 to 15.")).unwrap(),
        )
        .await,
    );
    let now = h.call::<GetArticle>(ArticleRef { id: a.id }).await.unwrap();
    assert_eq!(now.body, "8 to 17.");

    // An account, edited by two admin windows.
    let rows = h
        .call::<ListAccounts>(AccountQuery {
            kind: AccountKind::Staff,
            ..Default::default()
        })
        .await
        .unwrap()
        .rows;
    let wes = rows.iter().find(|r| r.email == "wes@example.com").unwrap();
    let upd = |name: &str| AccountUpdate {
        id: wes.id,
        version: Some(wes.version),
        name: name.into(),
        email: wes.email.clone(),
        role: wes.role,
        erp_customer_code: None,
        erp_customer: None,
    };
    h.call::<UpdateAccount>(upd("Wes Warehouse")).await.unwrap();
    let m = stale(
        raw(
            UpdateAccount::NAME,
            serde_json::to_value(upd("Wesley")).unwrap(),
        )
        .await,
    );
    assert!(
        m.contains("ada@example.com") && m.contains("name is now Wes Warehouse"),
        "{m}"
    );

    // A customer's delivery address, from two windows.
    h.sign_in_as("cara@example.com").await;
    let mine = h
        .call::<SaveAddress>(AddressEdit {
            kind: AddressKind::Work,
            name: "Dock 4".into(),
            line1: "1 Harbour Road".into(),
            city: "Chennai".into(),
            postcode: "600001".into(),
            country: "IN".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let read = mine[0].clone();
    let again = |line1: &str| AddressEdit {
        id: Some(read.id),
        version: Some(read.version),
        kind: read.kind,
        name: read.name.clone(),
        line1: line1.into(),
        line2: read.line2.clone(),
        city: read.city.clone(),
        postcode: read.postcode.clone(),
        country: read.country.clone(),
        phone: read.phone.clone(),
        is_default: read.is_default,
    };
    h.call::<SaveAddress>(again("2 Harbour Road"))
        .await
        .unwrap();
    let m = stale(
        raw(
            SaveAddress::NAME,
            serde_json::to_value(again("3 Harbour Road")).unwrap(),
        )
        .await,
    );
    assert!(m.contains("address is now 2 Harbour Road"), "{m}");
}
on_both_stores!(
    every_edit_form_refuses_a_stale_save,
    every_edit_form_refuses_a_stale_save_body
);

/// Settings cards are forms too: two admins open the procurement card and the sign-in
/// protection card; the second save from the same read is refused (`Stale`), the first stays.
async fn a_stale_settings_card_is_refused_body(h: Harness) {
    use portdesk_types::procurement::ProcurementSettings;
    use portdesk_types::settings::SecuritySettings;
    h.first_admin().await;
    let read = h.call::<GetProcurementSettings>(()).await.unwrap();
    let mine = ProcurementSettings {
        approval_limit: 100_000,
        ..read
    };
    let saved = h.call::<SaveProcurementSettings>(mine).await.unwrap();
    assert_ne!(saved.version, read.version, "the card moved on");
    let theirs = ProcurementSettings {
        approval_limit: 5,
        ..read
    };
    let e = h.call::<SaveProcurementSettings>(theirs).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Stale, "{e:?}");
    assert_eq!(
        h.call::<GetProcurementSettings>(())
            .await
            .unwrap()
            .approval_limit,
        100_000
    );
    // Saved again from the card as the first save left it: fine.
    h.call::<SaveProcurementSettings>(ProcurementSettings {
        approval_limit: 200_000,
        ..saved
    })
    .await
    .unwrap();

    let read = h.call::<GetSecuritySettings>(()).await.unwrap();
    h.call::<SaveSecuritySettings>(SecuritySettings {
        max_failed_logins: 7,
        ..read
    })
    .await
    .unwrap();
    let e = h
        .call::<SaveSecuritySettings>(SecuritySettings {
            lockout_minutes: 60,
            ..read
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Stale, "{e:?}");
    let now = h.call::<GetSecuritySettings>(()).await.unwrap();
    assert_eq!(
        (now.max_failed_logins, now.lockout_minutes),
        (7, read.lockout_minutes)
    );
}
on_both_stores!(
    a_stale_settings_card_is_refused,
    a_stale_settings_card_is_refused_body
);
