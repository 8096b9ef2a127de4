//! The lobby kiosk: a customer opens Inventory full-screen, walks away, and after
//! `idle_seconds` no window is left that shows their name or a row of their stock.

use super::*;
use portdesk_core::audit::Actor;
use portdesk_types::Role;

const IDLE_SECONDS: u64 = 10;
const CUSTOMER_NAME: &str = "Kim Kioskvisitor";
const CUSTOMER_EMAIL: &str = "kim@example.com";
const ERP_CUSTOMER: &str = "Northwind Foods";

/// What a kiosk has before anyone walks up to it: the accounts (made on a staff desktop; a
/// kiosk refuses the first run) and its config.
async fn prepare_kiosk(dir: &Path) {
    let (_core, store) = core_on(dir).await;
    account(
        &store,
        &Actor::system("e2e"),
        CUSTOMER_NAME,
        CUSTOMER_EMAIL,
        Role::Customer,
    )
    .await;
    // An article with links, as the support team would have written it.
    let sven = account(
        &store,
        &Actor::system("e2e"),
        "Sven Support",
        "sven@example.com",
        Role::Support,
    )
    .await;
    let author = portdesk_core::accounts::by_id(&store, sven)
        .await
        .unwrap()
        .unwrap();
    portdesk_core::support::kb::save(
        &store,
        &author,
        &portdesk_types::support::ArticleEdit {
            title: "Opening hours".into(),
            category: "General".into(),
            status: portdesk_types::support::ArticleStatus::Published,
            body: "See [our help pages](https://example.com/help) or [write to us](mailto:help@example.com).".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    store.pool().close().await;
    std::fs::write(
        dir.join("portdesk.toml"),
        format!("[kiosk]\nenabled = true\nidle_seconds = {IDLE_SECONDS}\n"),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_idle_sign_out_leaves_no_customer_data_on_screen() {
    let _turn = ONE_AT_A_TIME.lock().await;
    if !e2e_runs() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    prepare_kiosk(data.path()).await;
    let (_driver, port) = Driver::start(data.path());
    let c = connect_with(port, data.path(), &["--kiosk"]).await;
    let result = kiosk_journey(&c).await;
    let _ = c.close().await;
    result.unwrap();
}

/// Every window's page text, one entry per window handle WebDriver lists.
async fn all_window_texts(c: &Client) -> Result<Vec<String>, String> {
    let mut texts = Vec::new();
    for h in c.windows().await.map_err(|e| e.to_string())? {
        c.switch_to_window(h).await.map_err(|e| e.to_string())?;
        let v = c
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        texts.push(v.as_str().unwrap_or_default().to_owned());
    }
    Ok(texts)
}

async fn kiosk_journey(c: &Client) -> Result<(), String> {
    // 1. The kiosk says what it is and signs a customer in.
    wait_text(c, "#kiosk-banner", |t| {
        t.contains(&format!("after {IDLE_SECONDS} seconds"))
    })
    .await;
    wait_for(c, "#login-form").await;
    // A page told to go elsewhere (a link, a planted script) stays on the app: the shell
    // refuses every navigation away from it.
    stays_on_the_app(c, "https://example.com/").await?;
    wait_for(c, "#login-form").await;
    type_into(c, "#login-email", CUSTOMER_EMAIL).await;
    type_into(c, "#login-password", PASSWORD).await;
    click(c, "#login-submit").await;
    wait_text(c, "#home-title", |t| {
        t == format!("Welcome, {CUSTOMER_NAME}")
    })
    .await;

    // 2. Inventory opens full-screen in its own window and shows the customer's rows.
    let main = c.window().await.map_err(|e| e.to_string())?;
    open_module(c, &main, "inventory").await?;
    wait_text(c, "#inventory-customer", |t| t == ERP_CUSTOMER).await;
    wait_text(c, "#inventory-count", |t| !t.starts_with("0 ")).await;
    assert!(
        c.find(Locator::Css("#inv-export-path")).await.is_err()
            && c.find(Locator::Css("#inv-export-choose")).await.is_err(),
        "no path field and no Save dialog at a kiosk"
    );
    let js = "return Array.from(document.querySelectorAll('#inventory-grid .inv-row'))\
              .slice(0, 5).map(r => r.children[0].textContent);";
    let parts: Vec<String> =
        serde_json::from_value(c.execute(js, vec![]).await.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    assert!(
        parts.len() == 5 && parts.iter().all(|p| p.trim().len() >= 3),
        "rows on screen: {parts:?}"
    );
    shot(c, "k1-kiosk-inventory.png").await;
    desktop_shot("k2-kiosk-desktop.png");

    // 2b. An article with links, read at the kiosk: its links are plain text, and the window,
    // told to go to one anyway, stays on the app.
    open_module(c, &main, "support").await?;
    wait_for(c, "#tab-kb").await;
    click(c, "#tab-kb").await;
    wait_for(c, "#kb-hits .kb-hit").await;
    click(c, "#kb-hits .kb-hit").await;
    wait_text(c, "#kb-article-body", |t| t.contains("our help pages")).await;
    let links = c
        .execute(
            "return document.querySelectorAll('#kb-article-body a').length;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    if links.as_u64() != Some(0) {
        return Err(format!("a kiosk shows links in an article: {links}"));
    }
    stays_on_the_app(c, "https://example.com/help").await?;
    wait_for(c, "#kb-article-body").await;
    let texts = all_window_texts(c).await?;
    assert!(
        texts.iter().any(|t| t.contains(CUSTOMER_NAME)),
        "the customer's name is on screen before the idle time: {texts:?}"
    );

    // 3. The customer walks away: nothing is touched. After idle_seconds (+ a margin for the
    // session watcher's tick and the windows' reaction) no module window is left, and no
    // window shows the customer's name or a row.
    let walked_away = Instant::now();
    tokio::time::sleep(Duration::from_secs(IDLE_SECONDS)).await;
    let deadline = walked_away + Duration::from_secs(IDLE_SECONDS + 10);
    loop {
        let handles = c.windows().await.map_err(|e| e.to_string())?;
        // A window the shell destroys between the listing and the read fails the read: look
        // again (the deadline still bounds it).
        let texts = match all_window_texts(c).await {
            Ok(t) => t,
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let leaks: Vec<&String> = texts
            .iter()
            .filter(|t| {
                t.contains(CUSTOMER_NAME)
                    || t.contains(ERP_CUSTOMER)
                    || parts.iter().any(|p| t.contains(p.trim()))
            })
            .collect();
        if handles.len() == 1 && leaks.is_empty() && texts.iter().any(|t| t.contains("Sign in")) {
            break;
        }
        if Instant::now() > deadline {
            desktop_shot("k3-kiosk-after-idle-FAILED.png");
            return Err(format!(
                "{} s after the customer walked away: {} window(s); texts showing their data: {leaks:?}",
                walked_away.elapsed().as_secs(),
                handles.len()
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let ended_after = walked_away.elapsed();
    eprintln!(
        "kiosk cleared {} ms after the last activity",
        ended_after.as_millis()
    );
    c.switch_to_window(main.clone())
        .await
        .map_err(|e| e.to_string())?;
    wait_for(c, "#login-form").await;
    shot(c, "k3-kiosk-after-idle.png").await;
    desktop_shot("k4-kiosk-desktop-after-idle.png");
    Ok(())
}
