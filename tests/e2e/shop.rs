//! The Shop in the real app: a customer browses, searches, adds two variants of a listing,
//! adds an address (a bad postcode first), adds a second one and switches to it, picks a slot,
//! checks out and sees the order tracked; the cart then kept in the store is found again by
//! the same customer at a kiosk-mode instance on the same store.

use super::*;
use portdesk_core::audit::Actor;
use portdesk_types::Role;

const EMAIL: &str = "nora@northwind.example";
const NAME: &str = "Nora Northwind";

/// The customer account and the demo catalogue and shop, as the staff would have left them.
async fn prepare(dir: &Path) {
    let (_core, store) = core_on(dir).await;
    account(&store, &Actor::system("e2e"), NAME, EMAIL, Role::Customer).await;
    assert!(
        portdesk_core::procurement::demo::seed(&store)
            .await
            .unwrap()
    );
    assert!(portdesk_core::shop::demo::seed(&store).await.unwrap());
    // More listings than one page holds (8 demo + 60): the window pages with "Show more".
    for i in 0..60 {
        let product = portdesk_core::procurement::save_product(
            &store,
            &Actor::system("e2e"),
            &portdesk_types::procurement::ProductEdit {
                sku: format!("LBL-{i:03}"),
                name: format!("Pallet label {i:03}"),
                unit_price: "0.40".into(),
                stock: 1000,
                active: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        portdesk_core::shop::catalogue::save_listing(
            &store,
            &Actor::system("e2e"),
            &portdesk_types::shop::ListingEdit {
                version: None,
                id: None,
                name: format!("Pallet label {i:03}"),
                description: "Self-adhesive, A5".into(),
                category: "Labels".into(),
                active: true,
                variants: vec![portdesk_types::shop::VariantEdit {
                    product_id: product.id,
                    ..Default::default()
                }],
            },
        )
        .await
        .unwrap();
    }
    store.pool().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_shops_checks_out_and_finds_the_cart_at_a_kiosk() {
    let _turn = ONE_AT_A_TIME.lock().await;
    if !e2e_runs() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    prepare(data.path()).await;
    {
        let (_driver, port) = Driver::start(data.path());
        let c = connect(port, data.path()).await;
        let result = desk_journey(&c).await;
        if result.is_err() {
            let _ = shot(&c, "s-desk-FAILED.png").await;
        }
        let _ = c.close().await;
        result.unwrap();
    }
    std::fs::write(
        data.path().join("portdesk.toml"),
        "[kiosk]\nenabled = true\nidle_seconds = 300\n",
    )
    .unwrap();
    let (_driver, port) = Driver::start(data.path());
    let c = connect_with(port, data.path(), &["--kiosk"]).await;
    let result = kiosk_journey(&c).await;
    if result.is_err() {
        let _ = shot(&c, "s-kiosk-FAILED.png").await;
    }
    let _ = c.close().await;
    result.unwrap();
}

async fn sign_in(c: &Client) {
    wait_for(c, "#login-form").await;
    type_into(c, "#login-email", EMAIL).await;
    type_into(c, "#login-password", PASSWORD).await;
    click(c, "#login-submit").await;
    wait_text(c, "#home-title", |t| t == format!("Welcome, {NAME}")).await;
}

async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css))
        .await
        .map(|v| v.len())
        .unwrap_or(0)
}

async fn wait_count(c: &Client, css: &str, n: usize) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let k = count(c, css).await;
        if k == n {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{css}: {k} element(s), expected {n}"));
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn nth_click(c: &Client, css: &str, i: usize) -> Result<(), String> {
    let all = c
        .find_all(Locator::Css(css))
        .await
        .map_err(|e| e.to_string())?;
    all.get(i)
        .ok_or_else(|| format!("{css}: no element {i}"))?
        .click()
        .await
        .map_err(|e| e.to_string())
}

async fn add_variant(c: &Client, i: usize, qty: &str) -> Result<(), String> {
    nth_click(c, "#shop-detail .shop-variant", i).await?;
    type_into(c, "#shop-qty", qty).await;
    click(c, "#shop-add").await;
    wait_for(c, "#shop-added").await;
    Ok(())
}

async fn address(c: &Client, name: &str, postcode: &str) {
    click(c, "#addr-add").await;
    wait_for(c, "#address-form").await;
    type_into(c, "#addr-name", name).await;
    type_into(c, "#addr-line1", "12 Dock Road").await;
    type_into(c, "#addr-city", "Chennai").await;
    type_into(c, "#addr-country", "IN").await;
    type_into(c, "#addr-postcode", postcode).await;
    click(c, "#addr-save").await;
}

async fn desk_journey(c: &Client) -> Result<(), String> {
    sign_in(c).await;
    let main = c.window().await.map_err(|e| e.to_string())?;
    open_module(c, &main, "shop").await?;
    wait_for(c, "#shop .shop-card").await;
    wait_count(c, ".shop-card", 60).await?;
    click(c, "#shop-more").await;
    wait_count(c, ".shop-card", 68).await?;
    assert!(
        c.find(Locator::Css("#shop-more")).await.is_err(),
        "every listing shown: no more to ask for"
    );

    // Search finds the carton by a word of its name; its detail lists three sizes.
    type_into(c, "#shop-search", "cart").await;
    wait_count(c, ".shop-card", 1).await?;
    wait_text(c, ".shop-card .shop-name", |t| {
        t.contains("Shipping carton")
    })
    .await;
    click(c, ".shop-card").await;
    wait_count(c, "#shop-detail .shop-variant", 3).await?;
    // Two variants: two S cartons and one L.
    add_variant(c, 0, "2").await?;
    add_variant(c, 2, "1").await?;
    wait_text(c, "#cart-count", |t| t.trim() == "3").await;
    // More than the stock is refused by the field.
    nth_click(c, "#shop-detail .shop-variant", 1).await?;
    type_into(c, "#shop-qty", "100000").await;
    click(c, "#shop-add").await;
    wait_text(c, "#shop-qty-error", |t| t.contains("in stock")).await;
    shot(c, "s1-shop-detail.png").await;

    click(c, "#tab-cart").await;
    wait_count(c, "#shop-cart .cart-line", 2).await?;
    wait_text(c, "#cart-total", |t| t.contains("4.80")).await; // 2 × 1.20 + 2.40
    click(c, "#cart-checkout").await;
    wait_for(c, "#checkout").await;

    // A bad postcode is named; then home, then a work address, switched to.
    address(c, "Nora at home", "12345").await;
    wait_text(c, "#addr-postcode-error", |t| t.contains("six-digit PIN")).await;
    type_into(c, "#addr-postcode", "600001").await;
    click(c, "#addr-save").await;
    wait_count(c, ".address-choice", 1).await?;
    address(c, "Nora at work", "560001").await;
    wait_count(c, ".address-choice", 2).await?;
    nth_click(c, ".address-choice", 1).await?;
    wait_for(c, "#slots .slot-choice").await;
    nth_click(c, ".slot-choice", 0).await?;
    wait_text(c, "#review-total", |t| t.contains("9.79")).await; // 4.80 + 4.99 delivery
    shot(c, "s2-shop-review.png").await;
    click(c, "#checkout-place").await;
    let number = wait_text(c, "#confirm-number", |t| t.starts_with("ORD-")).await;
    wait_text(c, "#confirm-address", |t| t.contains("560001")).await;
    shot(c, "s3-shop-confirmation.png").await;

    // Tracked under My orders; the cart is empty.
    click(c, "#confirm-orders").await;
    wait_text(c, "#my-orders .my-order .order-number", |t| t == number).await;
    wait_text(c, "#my-orders .my-order .order-status", |t| t == "Placed").await;
    wait_text(c, "#cart-count", |t| t.trim().is_empty() || t.trim() == "0").await;

    // One more carton goes into the cart and stays there.
    click(c, "#tab-catalogue").await;
    type_into(c, "#shop-search", "carton").await;
    wait_count(c, ".shop-card", 1).await?;
    click(c, ".shop-card").await;
    wait_count(c, "#shop-detail .shop-variant", 3).await?;
    add_variant(c, 1, "1").await?;
    wait_text(c, "#cart-count", |t| t.trim() == "1").await;
    Ok(())
}

async fn kiosk_journey(c: &Client) -> Result<(), String> {
    sign_in(c).await;
    let main = c.window().await.map_err(|e| e.to_string())?;
    open_module(c, &main, "shop").await?;
    wait_for(c, "#shop.kiosk").await;
    wait_text(c, "#cart-count", |t| t.trim() == "1").await;
    click(c, "#tab-cart").await;
    wait_count(c, "#shop-cart .cart-line", 1).await?;
    wait_text(c, "#shop-cart .cart-line .cart-variant", |t| {
        t.contains("M")
    })
    .await;
    // Touch-sized targets at the kiosk.
    let h = c
        .execute(
            "return document.querySelector('#cart-checkout').getBoundingClientRect().height;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    assert!(
        h.as_f64().unwrap_or(0.0) >= 44.0,
        "checkout button {h}px high at a kiosk"
    );
    shot(c, "s4-kiosk-cart.png").await;
    Ok(())
}
