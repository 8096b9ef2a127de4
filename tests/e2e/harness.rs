//! What the E2E journeys and the grid benchmark (`benches/grid_scroll.rs`) share: the app's
//! binary, tauri-driver, a WebDriver session with the app, and waits on what it shows. Each
//! user takes the part it needs.
#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const APP: &str = env!("CARGO_BIN_EXE_portdesk");

pub const PASSWORD: &str = "Forklift-Harbour-42";

/// tauri-driver, stopped with SIGTERM so it also stops its WebKitWebDriver.
pub struct Driver(pub Child);

impl Driver {
    /// tauri-driver on a free port, with the app's data in `data`; returns it and its port.
    pub fn start(data: &Path) -> (Driver, u16) {
        let port = free_port();
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &free_port().to_string(),
            ])
            .env("PORTDESK_HOME", data)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver not found: scripts/setup.sh installs it");
        (Driver(child), port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A WebDriver session with the app on its data in `data_dir`.
pub async fn connect(port: u16, data_dir: &Path) -> Client {
    connect_with(port, data_dir, &[]).await
}

/// The same, with more command-line arguments for the app (`--kiosk`).
pub async fn connect_with(port: u16, data_dir: &Path, more: &[&str]) -> Client {
    let mut args = vec!["--data-dir", data_dir.to_str().unwrap()];
    args.extend_from_slice(more);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        json!({ "application": APP, "args": args }),
    );
    caps.insert("browserName".into(), json!("wry"));
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return c,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => panic!("cannot start a WebDriver session with the app: {e}"),
        }
    }
}

/// Waits until the element's text satisfies `ok`; returns the text.
pub async fn wait_text(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && let Ok(t) = el.text().await
        {
            if ok(&t) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    panic!("{css} never showed the expected text; last seen: {last:?}");
}

pub async fn wait_for(c: &Client, css: &str) {
    wait_text(c, css, |_| true).await;
}

pub async fn type_into(c: &Client, css: &str, text: &str) {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Clicks a module tile in the main window and switches to the window it opens.
/// The window, told to go to `to` (a link, a planted script), stays on the app: the shell
/// refuses every navigation away from it.
pub async fn stays_on_the_app(c: &Client, to: &str) -> Result<(), String> {
    let before = c.current_url().await.map_err(|e| e.to_string())?;
    c.execute(&format!("window.location.href = {to:?}; return 1;"), vec![])
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = c.current_url().await.map_err(|e| e.to_string())?;
    if after.host_str() != before.host_str() || after.scheme() != before.scheme() {
        return Err(format!("the window left the app: {before} → {after}"));
    }
    Ok(())
}

pub async fn open_module(
    c: &Client,
    main: &fantoccini::wd::WindowHandle,
    module: &str,
) -> Result<fantoccini::wd::WindowHandle, String> {
    c.switch_to_window(main.clone())
        .await
        .map_err(|e| e.to_string())?;
    let before = c.windows().await.map_err(|e| e.to_string())?;
    click(c, &format!("#open-{module}")).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = c.windows().await.map_err(|e| e.to_string())?;
        if let Some(h) = now.into_iter().find(|h| !before.contains(h)) {
            c.switch_to_window(h.clone())
                .await
                .map_err(|e| e.to_string())?;
            return Ok(h);
        }
        if Instant::now() > deadline {
            return Err(format!("the {module} window never opened"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Rita Rep (`rita@example.com`, [`PASSWORD`]), the sales rep of the forecast journeys.
pub async fn sales_rep(
    store: &portdesk_core::store::Store,
    admin: &portdesk_core::audit::Actor,
) -> i64 {
    account(
        store,
        admin,
        "Rita Rep",
        "rita@example.com",
        portdesk_types::Role::SalesRep,
    )
    .await
}

/// A core on `dir` (as the app will find it) and its store, to prepare what a journey needs
/// before the app starts.
pub async fn core_on(
    dir: &Path,
) -> (
    std::sync::Arc<portdesk_core::Portdesk>,
    portdesk_core::store::Store,
) {
    let core = portdesk_core::Portdesk::start(
        portdesk_core::paths::AppPaths::in_folder(dir),
        std::sync::Arc::new(portdesk_core::secrets::MemorySecrets::default()),
    )
    .await;
    let store = core.store().await.expect("the store opens");
    (core, store)
}

/// An account as the staff would have made it, with [`PASSWORD`]; a customer account is
/// linked to the demo ERP's Northwind Foods (code C10000).
pub async fn account(
    store: &portdesk_core::store::Store,
    by: &portdesk_core::audit::Actor,
    name: &str,
    email: &str,
    role: portdesk_types::Role,
) -> i64 {
    let customer = role == portdesk_types::Role::Customer;
    portdesk_core::accounts::create(
        store,
        by,
        portdesk_core::accounts::NewUser {
            name: name.into(),
            email: email.into(),
            role,
            erp_customer: customer.then(|| "Northwind Foods".to_string()),
            erp_customer_code: customer.then(|| "C10000".to_string()),
            password: portdesk_types::Secret::new(PASSWORD),
            must_change_password: false,
        },
    )
    .await
    .expect("an account")
    .id
}
