//! The service as the UI drives it: `Portdesk::dispatch` with JSON, on a fresh data folder.

use portdesk_core::Portdesk;
use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::Actor;
use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::MemorySecrets;
use portdesk_types::api::*;
use portdesk_types::{ApiError, Command, Role, Secret};
use std::sync::Arc;

pub const GOOD: &str = "Forklift-Harbour-42";

pub struct Harness {
    pub app: Arc<Portdesk>,
    pub secrets: Arc<MemorySecrets>,
    pub dir: tempfile::TempDir,
}

pub async fn start_in(dir: tempfile::TempDir) -> Harness {
    let secrets = Arc::new(MemorySecrets::default());
    let app = Portdesk::start(AppPaths::in_folder(dir.path()), secrets.clone()).await;
    Harness { app, secrets, dir }
}

pub async fn start() -> Harness {
    start_in(tempfile::tempdir().unwrap()).await
}

/// The app on this PostgreSQL database, configured the way an admin would: the config file
/// names the server (another desktop of a shared store).
pub async fn start_on(pg: portdesk_types::settings::PostgresSettings) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let cfg = portdesk_core::config::Config {
        store: portdesk_types::settings::StoreSettings::Postgres(pg),
        ..Default::default()
    };
    portdesk_core::config::save(&dir.path().join("portdesk.toml"), &cfg).unwrap();
    start_in(dir).await
}

/// The app on a fresh PostgreSQL database.
pub async fn start_on_postgres() -> Harness {
    let h = start_on(super::pg_fresh_database().await).await;
    assert!(
        h.call::<AppStatus>(())
            .await
            .unwrap()
            .store
            .starts_with("PostgreSQL")
    );
    h
}

/// Runs a harness test on the SQLite default and on PostgreSQL.
#[macro_export]
macro_rules! on_both_stores {
    ($name:ident, $body:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body($crate::common::harness::start().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body($crate::common::harness::start_on_postgres().await).await;
            }
        }
    };
}

impl Harness {
    pub async fn call<C: Command>(&self, req: C::Request) -> Result<C::Reply, ApiError> {
        let payload = serde_json::to_value(&req).unwrap();
        let reply = self.app.dispatch(C::NAME, payload).await?;
        Ok(serde_json::from_value(reply).unwrap())
    }

    pub async fn first_admin(&self) -> SessionInfo {
        self.call::<CreateFirstAdmin>(NewAdmin {
            name: "Ada Admin".into(),
            email: "ada@example.com".into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap()
    }

    pub async fn add_user(&self, email: &str, role: Role) {
        let store = self.app.store().await.unwrap();
        let erp_customer = (role == Role::Customer).then(|| "Northwind Foods".to_string());
        let new = NewUser {
            name: "U".into(),
            email: email.into(),
            role,
            erp_customer,
            erp_customer_code: None,
            password: Secret::new(GOOD),
            must_change_password: false,
        };
        accounts::create(&store, &Actor::system("test"), new)
            .await
            .unwrap();
    }

    pub async fn sign_in_as(&self, email: &str) -> SessionInfo {
        self.call::<Logout>(()).await.ok();
        self.call::<Login>(LoginRequest {
            email: email.into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap()
    }
}
