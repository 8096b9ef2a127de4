//! Backups in the real app: the admin points Settings → Backups at a folder and backs up;
//! an account is then lost from the store (as a careless script or a damaged disk would); the
//! admin restores the backup from the list, and the account is back while the app runs on.

use super::*;
use portdesk_core::audit::Actor;
use portdesk_types::Role;

async fn accounts_named(db: &Path, email: &str) -> i64 {
    let store = portdesk_core::store::Store::open_sqlite(db).await.unwrap();
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(store.pool())
        .await
        .unwrap();
    store.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_backs_up_loses_an_account_and_restores_it() {
    let _turn = ONE_AT_A_TIME.lock().await;
    if !e2e_runs() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    {
        let (_core, store) = core_on(data.path()).await;
        let by = Actor::system("e2e");
        account(&store, &by, "Ada Admin", "ada@example.com", Role::Admin).await;
        account(
            &store,
            &by,
            "Cara Customer",
            "cara@example.com",
            Role::Customer,
        )
        .await;
        store.pool().close().await;
    }
    let share = tempfile::tempdir().unwrap();
    let (_driver, port) = Driver::start(data.path());
    let c = connect(port, data.path()).await;
    let result = journey(&c, data.path(), share.path()).await;
    let _ = c.close().await;
    result.unwrap();
}

async fn journey(c: &Client, data: &Path, share: &Path) -> Result<(), String> {
    let main = c.window().await.map_err(|e| e.to_string())?;
    wait_for(c, "#login-form").await;
    type_into(c, "#login-email", "ada@example.com").await;
    type_into(c, "#login-password", PASSWORD).await;
    click(c, "#login-submit").await;
    wait_for(c, "#home-title").await;
    open_module(c, &main, "settings").await?;
    wait_for(c, "#backup-folder").await;
    type_into(c, "#backup-folder", share.to_str().unwrap()).await;
    click(c, "#backup-save").await;
    wait_text(c, "#backup-count", |t| t.contains(share.to_str().unwrap())).await;
    click(c, "#backup-now").await;
    wait_text(c, "#backup-count", |t| t.starts_with("1 backups")).await;
    shot(c, "b1-backups.png").await;

    let db = data.join("portdesk.db");
    assert_eq!(accounts_named(&db, "cara@example.com").await, 1);
    {
        let store = portdesk_core::store::Store::open_sqlite(&db).await.unwrap();
        sqlx::query("DELETE FROM users WHERE email = 'cara@example.com'")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
    }
    assert_eq!(accounts_named(&db, "cara@example.com").await, 0);

    click(c, "#backup-restore-0").await;
    wait_text(c, "#restore-ask", |t| {
        t.contains("Replace this desktop's store")
    })
    .await;
    click(c, "#restore-confirm").await;
    let done = wait_text(c, "#restore-done", |t| t.starts_with("Restored")).await;
    assert!(done.contains("before-restore"), "{done}");
    shot(c, "b2-restored.png").await;
    assert_eq!(
        accounts_named(&db, "cara@example.com").await,
        1,
        "the account is back"
    );
    // The app runs on, on the restored store: the store check passes in the same window.
    click(c, "#check-store").await;
    wait_text(c, "#check-findings", |t| {
        t.contains("every page and index is sound")
    })
    .await;
    Ok(())
}
