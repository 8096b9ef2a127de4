//! Support in the real app, two desktops on one PostgreSQL server: a customer finds a
//! knowledge-base article by a word of its body, opens a ticket with a photo attached; the
//! agent, on another desktop (a second Portdesk core on the same server), replies and resolves
//! it; the customer's window shows the reply and the rating form by itself, without reloading;
//! the customer rates the ticket.

use super::*;
use portdesk_types::support::*;
use portdesk_types::{Command, Role, Secret};
use std::sync::Arc;

const CUSTOMER: &str = "carla@northwind.example";

/// A desktop's config naming the shared server.
fn point_at(dir: &Path, server: &crate::pg_cluster::Cluster) {
    let cfg = portdesk_core::config::Config {
        store: portdesk_types::settings::StoreSettings::Postgres(server.settings()),
        ..Default::default()
    };
    portdesk_core::config::save(&dir.join("portdesk.toml"), &cfg).unwrap();
}

async fn call<C: Command>(
    core: &portdesk_core::Portdesk,
    req: C::Request,
) -> Result<C::Reply, String> {
    let v = core
        .dispatch(C::NAME, serde_json::to_value(&req).unwrap())
        .await
        .map_err(|e| e.message)?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// The agent's desktop: the accounts and an article, then signed in as the agent.
async fn agent_desktop(dir: &Path) -> Arc<portdesk_core::Portdesk> {
    let (core, store) = core_on(dir).await;
    let system = portdesk_core::audit::Actor::system("e2e");
    for (name, email, role) in [
        ("Carla Customer", CUSTOMER, Role::Customer),
        ("Sven Support", "sven@example.com", Role::Support),
    ] {
        account(&store, &system, name, email, role).await;
    }
    call::<portdesk_types::api::Login>(
        &core,
        portdesk_types::api::LoginRequest {
            email: "sven@example.com".into(),
            password: Secret::new(PASSWORD),
        },
    )
    .await
    .unwrap();
    call::<portdesk_types::api::SaveArticle>(
        &core,
        ArticleEdit {
            version: None,
            id: None,
            title: "Claiming for damaged goods".into(),
            category: "Delivery".into(),
            status: ArticleStatus::Published,
            body: "Photograph the **pallet** before you sign for it, then open a ticket.".into(),
        },
    )
    .await
    .unwrap();
    core
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_reaches_the_customers_window_by_itself() {
    let _turn = ONE_AT_A_TIME.lock().await;
    if !e2e_runs() {
        return;
    }
    let server = crate::pg_cluster::Cluster::new();
    let agent_dir = tempfile::tempdir().unwrap();
    point_at(agent_dir.path(), &server);
    let agent = agent_desktop(agent_dir.path()).await;
    let data = tempfile::tempdir().unwrap();
    point_at(data.path(), &server);
    let photo = data.path().join("pallet.jpg");
    std::fs::write(&photo, png()).unwrap();
    let (_driver, port) = Driver::start(data.path());
    let c = connect(port, data.path()).await;
    let result = journey(&c, &agent, &photo).await;
    if result.is_err() {
        let _ = shot(&c, "t-support-FAILED.png").await;
    }
    let _ = c.close().await;
    result.unwrap();
}

fn png() -> Vec<u8> {
    // The smallest valid PNG (1 × 1), written out so the test needs no image encoder.
    const B64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(B64)
        .unwrap()
}

async fn journey(c: &Client, agent: &portdesk_core::Portdesk, photo: &Path) -> Result<(), String> {
    wait_for(c, "#login-form").await;
    type_into(c, "#login-email", CUSTOMER).await;
    type_into(c, "#login-password", PASSWORD).await;
    click(c, "#login-submit").await;
    wait_text(c, "#home-title", |t| t.contains("Carla")).await;
    let main = c.window().await.map_err(|e| e.to_string())?;
    open_module(c, &main, "support").await?;
    wait_for(c, "#support").await;

    // The knowledge base finds the article by a word of its body.
    click(c, "#tab-kb").await;
    type_into(c, "#kb-search", "photograph").await;
    wait_text(c, ".kb-hit .kb-hit-title", |t| {
        t.contains("Claiming for damaged goods")
    })
    .await;
    click(c, ".kb-hit").await;
    wait_text(c, "#kb-article-body", |t| t.contains("pallet")).await;

    // A new ticket, then a photo attached to it.
    click(c, "#tab-tickets").await;
    click(c, "#ticket-new").await;
    type_into(c, "#t-title", "Damaged pallet").await;
    wait_text(c, "#kb-suggestions", |t| t.contains("Claiming")).await;
    type_into(c, "#t-description", "Pallet 3 arrived crushed.").await;
    c.find(Locator::Css("#t-category"))
        .await
        .map_err(|e| e.to_string())?
        .select_by_value("Delivery")
        .await
        .map_err(|e| e.to_string())?;
    // The photo goes with the new ticket.
    type_into(c, "#t-attach-path", &photo.to_string_lossy()).await;
    click(c, "#t-attach-add").await;
    wait_for(c, "#t-files .t-file").await;
    click(c, "#t-submit").await;
    let number = wait_text(c, "#detail-number", |t| t.starts_with("TCK-")).await;
    wait_text(c, "#thread .attachment .attachment-name", |t| {
        t.contains("pallet.jpg")
    })
    .await;
    shot(c, "t1-support-ticket.png").await;

    // The agent, on the other desktop, replies: the customer's window shows it by itself.
    let list = call::<portdesk_types::api::ListTickets>(agent, TicketQuery::default()).await?;
    let t = list
        .rows
        .iter()
        .find(|t| t.number == number)
        .ok_or("the agent does not see the ticket")?;
    let sent = Instant::now();
    call::<portdesk_types::api::AddMessage>(
        agent,
        NewMessage {
            ticket_id: t.id,
            body: "A replacement pallet ships today.".into(),
            internal: false,
            paths: vec![],
            reopen: false,
        },
    )
    .await?;
    wait_text(c, "#thread", |x| {
        x.contains("replacement pallet ships today")
    })
    .await;
    eprintln!(
        "the agent's reply was on the customer's screen {} ms after it was sent",
        sent.elapsed().as_millis()
    );
    call::<portdesk_types::api::UpdateTicket>(
        agent,
        TicketUpdate {
            id: t.id,
            status: Some(TicketStatus::Resolved),
            ..Default::default()
        },
    )
    .await?;
    wait_text(c, "#detail-status", |x| x.contains("Resolved")).await;
    wait_for(c, "#feedback").await;
    shot(c, "t2-support-reply-arrived.png").await;

    // The customer rates it, once.
    click(c, ".rating-star[data-rating=\"5\"]").await;
    type_into(c, "#feedback-comment", "Quick and friendly.").await;
    click(c, "#feedback-submit").await;
    wait_for(c, "#feedback-given").await;
    let d = call::<portdesk_types::api::GetTicket>(agent, TicketRef { id: t.id }).await?;
    assert_eq!(d.feedback.map(|f| f.rating), Some(5));
    Ok(())
}
