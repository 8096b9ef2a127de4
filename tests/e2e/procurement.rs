//! Orders and procurement in the real app: a warehouse clerk orders seed 000's 25 Wireless
//! Mice for a customer (stock 50 → 25, below the level of 30); the procurement user sees the
//! request with its badge and approves it; the supplier's request and the purchase order
//! (with its .xlsx) arrive at a real SMTP server; receiving the goods raises the stock shown
//! in the Procurement and Orders windows.

use super::*;
use mail_parser::MimeHeaders;
use portdesk_core::audit::Actor;
use portdesk_types::Role;
use portdesk_types::mail::*;

// Shared with the core's tests, which use all of it; this binary uses a part.
#[allow(dead_code)]
#[path = "../../src-tauri/core/tests/it/common/smtp.rs"]
mod smtp;

/// The accounts, the demo catalogue and the SMTP settings, as an admin would have left them.
async fn prepare(dir: &Path, smtp_port: u16) {
    let (_core, store) = core_on(dir).await;
    for (name, email, role) in [
        ("Wendy Warehouse", "wendy@example.com", Role::Warehouse),
        ("Pat Procurement", "pat@example.com", Role::Procurement),
        ("Nora Northwind", "nora@northwind.example", Role::Customer),
    ] {
        account(&store, &Actor::system("e2e"), name, email, role).await;
    }
    assert!(
        portdesk_core::procurement::demo::seed(&store)
            .await
            .unwrap()
    );
    portdesk_core::mail::save_settings(
        store.pool(),
        &MailSettings {
            transport: MailTransport::Smtp(SmtpSettings {
                host: "127.0.0.1".into(),
                port: smtp_port,
                security: SmtpSecurity::None,
                username: String::new(),
                timeout_secs: 5,
            }),
            from_address: "portal@harbour.example".into(),
            company_name: "Harbour Logistics".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    store.pool().close().await;
}

async fn sign_in(c: &Client, email: &str) {
    if c.find(Locator::Css("#logout")).await.is_ok() {
        click(c, "#logout").await;
    }
    wait_for(c, "#login-form").await;
    type_into(c, "#login-email", email).await;
    type_into(c, "#login-password", PASSWORD).await;
    click(c, "#login-submit").await;
    wait_for(c, "#home-title").await;
}

/// The messages the SMTP server received, parsed: (to, subject, text, attachment names).
fn inbox(server: &smtp::Smtp) -> Vec<(String, String, String, Vec<String>)> {
    server
        .received()
        .iter()
        .filter_map(|raw| {
            let m = mail_parser::MessageParser::default().parse(raw)?;
            Some((
                m.to()?.first()?.address()?.to_owned(),
                m.subject().unwrap_or_default().to_owned(),
                m.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
                m.attachments()
                    .filter_map(|a| a.attachment_name().map(str::to_owned))
                    .collect(),
            ))
        })
        .collect()
}

async fn wait_mail(
    server: &smtp::Smtp,
    what: &str,
    ok: impl Fn(&(String, String, String, Vec<String>)) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if inbox(server).iter().any(&ok) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "{what} never reached the SMTP server; it has: {:#?}",
        inbox(server)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_below_the_reorder_level_is_approved_mailed_and_received() {
    let _turn = ONE_AT_A_TIME.lock().await;
    if !e2e_runs() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let server = smtp::Smtp::start(smtp::free_port(), &[]);
    prepare(data.path(), server.port).await;
    let (_driver, port) = Driver::start(data.path());
    let c = connect(port, data.path()).await;
    let result = journey(&c, &server).await;
    let _ = c.close().await;
    result.unwrap();
}

async fn journey(c: &Client, server: &smtp::Smtp) -> Result<(), String> {
    let main = c.window().await.map_err(|e| e.to_string())?;
    // 1. Wendy orders 25 Wireless Mice (P123: 50 in stock, level 30) for Northwind Foods.
    sign_in(c, "wendy@example.com").await;
    open_module(c, &main, "orders").await?;
    wait_text(c, "#module-title", |t| t == "Orders").await;
    wait_for(c, "#order-customer").await;
    wait_for(c, "#order-product-search").await;
    let select = c
        .find(Locator::Css("#order-customer"))
        .await
        .map_err(|e| e.to_string())?;
    select
        .select_by_label("Northwind Foods · Nora Northwind (nora@northwind.example)")
        .await
        .map_err(|e| e.to_string())?;
    type_into(c, "#order-product-search", "P123").await;
    wait_text(c, "#order-products tr[data-sku='P123'] .stock", |t| {
        t == "50"
    })
    .await;
    click(c, "#order-products tr[data-sku='P123'] .add").await;
    type_into(c, "#qty-P123", "25").await;
    shot(c, "20-order-entry.png").await;
    click(c, "#place-order-submit").await;
    let placed = wait_text(c, "#place-order-result", |t| t.contains("placed")).await;
    assert!(placed.contains("procurement request PROC-"), "{placed}");
    wait_text(c, "#order-products tr[data-sku='P123'] .stock", |t| {
        t == "25"
    })
    .await;
    wait_text(c, "#orders", |t| {
        t.contains("Northwind Foods") && t.contains("Placed")
    })
    .await;
    // The supplier is asked for 60 units, with the stock figure of the worked example.
    wait_mail(
        server,
        "the supplier's procurement request",
        |(to, _, text, _)| {
            to == "orders@techparts.example"
                && text.contains("Quantity Requested: 60 units")
                && text.contains("Current Stock: 25 units (Low Stock Alert)")
        },
    )
    .await;

    // 2. Pat sees the request with its badge, opens it, approves it.
    c.switch_to_window(main.clone())
        .await
        .map_err(|e| e.to_string())?;
    sign_in(c, "pat@example.com").await;
    open_module(c, &main, "procurement").await?;
    wait_text(c, "#procurement-badge", |t| t == "1 new").await;
    shot(c, "21-procurement-badge.png").await;
    click(c, "#requests tr[data-request] td").await;
    wait_text(c, "#request-stock", |t| t.contains("25 at trigger")).await;
    wait_text(c, "#request-mails", |t| t.contains("procurement request")).await;
    click(c, "#request-approve").await;
    let po = wait_text(c, "#request-po", |t| t.starts_with("PO-")).await;
    let po_number = po.split(' ').next().unwrap().to_owned();
    shot(c, "22-procurement-approved.png").await;
    wait_mail(
        server,
        "the purchase order with its .xlsx",
        |(to, subject, _, files)| {
            to == "orders@techparts.example"
                && subject.contains(&po_number)
                && files.iter().any(|f| f == &format!("{po_number}.xlsx"))
        },
    )
    .await;

    // 3. The goods arrive: received in full, stock 25 + 60 = 85 in both windows.
    wait_for(c, "#receive-quantity").await;
    type_into(c, "#receive-quantity", "60").await;
    click(c, "#request-receive").await;
    wait_text(c, "#request-stock", |t| t.contains("85 now")).await;
    wait_text(c, "#request-detail h3", |t| t.ends_with("Received")).await;
    click(c, "#tab-catalogue").await;
    wait_text(c, "#catalogue tr[data-sku='P123'] .stock", |t| t == "85").await;
    open_module(c, &main, "orders").await?;
    // Pat may look, not order: the stock is the one the receipt made.
    wait_text(c, "#module-title", |t| t == "Orders").await;
    wait_for(c, "#order-product-search").await;
    type_into(c, "#order-product-search", "P123").await;
    wait_text(c, "#order-products tr[data-sku='P123'] .stock", |t| {
        t == "85"
    })
    .await;
    assert!(
        c.find(Locator::Css("#place-order-submit")).await.is_err(),
        "procurement does not order"
    );
    wait_text(c, "#orders", |t| t.contains("Northwind Foods")).await;
    shot(c, "23-orders-after-receipt.png").await;
    Ok(())
}
