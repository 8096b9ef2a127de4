//! Sign-in timing benchmark (not a test): how long a refused sign-in takes for each kind of
//! refusal, so the reply's time does not tell an unknown e-mail from a locked, an imported
//! (no password) or a real account. Prints the median and p90 of each beside the real
//! account's wrong password, and the ratio. Run: `cargo bench -p portdesk-core --bench signin`.

use portdesk_core::accounts::{self, NewUser, SignInPlace};
use portdesk_core::audit::Actor;
use portdesk_core::store::Store;
use portdesk_types::{Role, Secret};
use std::time::{Duration, Instant};

const RUNS: usize = 40;

fn ms(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

async fn time(store: &Store, email: &str, pw: &str, place: SignInPlace) -> Vec<Duration> {
    let pw = Secret::new(pw);
    let mut v = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = accounts::authenticate_at(store, email, &pw, place).await;
        v.push(t.elapsed());
        assert!(r.is_err(), "{email} must be refused");
    }
    v
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("portal.db"))
        .await
        .unwrap();
    let actor = Actor::system("bench");
    for (email, role) in [
        ("real@example.com", Role::Warehouse),
        ("locked@example.com", Role::Support),
    ] {
        accounts::create(
            &store,
            &actor,
            NewUser {
                name: "B".into(),
                email: email.into(),
                role,
                erp_customer: None,
                erp_customer_code: None,
                password: Secret::new("Forklift-Harbour-42"),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    }
    let mut conn = store.pool().acquire().await.unwrap();
    accounts::insert_without_password(
        &mut conn,
        "I",
        "imported@example.com",
        Role::Customer,
        Some("Northwind Foods"),
        Some("C10000"),
        true,
    )
    .await
    .unwrap();
    drop(conn);
    // Locked for the whole run (far in the future).
    sqlx::query("UPDATE users SET locked_until = $1 WHERE email = 'locked@example.com'")
        .bind(i64::MAX / 2)
        .execute(store.pool())
        .await
        .unwrap();
    // Warm-up: the dummy hash is made once per process.
    let _ = time(&store, "nobody@example.com", "x", SignInPlace::Desktop).await;
    // The real account's failures must not lock it mid-run.
    portdesk_core::settings::set(
        store.pool(),
        portdesk_core::settings::MAX_FAILED_LOGINS,
        "1000000",
    )
    .await
    .unwrap();
    let base = time(
        &store,
        "real@example.com",
        "Wrong-Password-1",
        SignInPlace::Desktop,
    )
    .await;
    let (b50, b90) = (ms(base.clone(), 0.5), ms(base, 0.9));
    println!(
        "sign-in refusals, {RUNS} runs each: median / p90 ms (ratio to a real account's wrong password)"
    );
    println!(
        "  {:<34} {b50:>7.1} / {b90:>7.1}",
        "real account, wrong password"
    );
    for (label, email, place) in [
        ("unknown e-mail", "nobody@example.com", SignInPlace::Desktop),
        ("locked account", "locked@example.com", SignInPlace::Desktop),
        (
            "imported, no password",
            "imported@example.com",
            SignInPlace::Desktop,
        ),
        (
            "staff account at a kiosk",
            "real@example.com",
            SignInPlace::Kiosk,
        ),
    ] {
        let v = time(&store, email, "Wrong-Password-1", place).await;
        let (m50, m90) = (ms(v.clone(), 0.5), ms(v, 0.9));
        println!(
            "  {label:<34} {m50:>7.1} / {m90:>7.1}   ({:.2}x)",
            m50 / b50
        );
    }
}
