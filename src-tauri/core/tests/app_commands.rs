//! The service as the UI sees it: every call goes through `Portdesk::dispatch` with JSON,
//! exactly as the Tauri shell forwards it.

use portdesk_core::Portdesk;
use portdesk_core::accounts::{self, NewUser};
use portdesk_core::app::{Access, access};
use portdesk_core::audit::Actor;
use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::{self, MemorySecrets, SecretStore};
use portdesk_types::api::*;
use portdesk_types::{ApiError, Command, ErrorKind, ModuleId, Role, Secret};
use serde_json::{Value, json};
use std::sync::Arc;

const GOOD: &str = "Forklift-Harbour-42";

struct Harness {
    app: Arc<Portdesk>,
    secrets: Arc<MemorySecrets>,
    dir: tempfile::TempDir,
}

async fn start_in(dir: tempfile::TempDir) -> Harness {
    let secrets = Arc::new(MemorySecrets::default());
    let app = Portdesk::start(AppPaths::in_folder(dir.path()), secrets.clone()).await;
    Harness { app, secrets, dir }
}

async fn start() -> Harness {
    start_in(tempfile::tempdir().unwrap()).await
}

impl Harness {
    async fn call<C: Command>(&self, req: C::Request) -> Result<C::Reply, ApiError> {
        let payload = serde_json::to_value(&req).unwrap();
        let reply = self.app.dispatch(C::NAME, payload).await?;
        Ok(serde_json::from_value(reply).unwrap())
    }

    async fn first_admin(&self) -> SessionInfo {
        self.call::<CreateFirstAdmin>(NewAdmin {
            name: "Ada Admin".into(),
            email: "ada@example.com".into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap()
    }

    async fn add_user(&self, email: &str, role: Role) {
        let store = self.app.store().await.unwrap();
        let erp_customer = (role == Role::Customer).then(|| "Northwind Foods".to_string());
        let new = NewUser {
            name: "U".into(),
            email: email.into(),
            role,
            erp_customer,
            password: Secret::new(GOOD),
            must_change_password: false,
        };
        accounts::create(&store, &Actor::system("test"), new)
            .await
            .unwrap();
    }

    async fn sign_in_as(&self, email: &str) -> SessionInfo {
        self.call::<Logout>(()).await.ok();
        self.call::<Login>(LoginRequest {
            email: email.into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn first_run_creates_the_admin_and_signs_in() {
    let h = start().await;
    let status = h.call::<AppStatus>(()).await.unwrap();
    assert!(status.first_run);
    assert!(status.session.is_none());
    assert!(status.store.starts_with("SQLite at"), "{}", status.store);
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
    assert_eq!(e.message, "E-mail or password is wrong.");
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

    for name in ALL_COMMANDS {
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
        for name in ALL_COMMANDS {
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
    assert_eq!(ids, vec![ModuleId::Inventory]);
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
        vec![ModuleId::Inventory, ModuleId::Shop, ModuleId::Support]
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
    assert_eq!(h.call::<ListModules>(()).await.unwrap().len(), 1);
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
