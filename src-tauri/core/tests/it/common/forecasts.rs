//! Forecast test fixtures shared by the forecast test files: accounts and the plan (who
//! forecasts which customer, and the customer-product matrix).

use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::Actor;
use portdesk_core::forecasts;
use portdesk_core::store::Store;
use portdesk_types::forecasts::{Assignment, Cycle, MatrixEntry, NewCycle};
use portdesk_types::{Role, Secret};

/// An account `<name>@example.com` (lower case) with the harness's password.
pub async fn user(store: &Store, name: &str, role: Role) -> i64 {
    accounts::create(
        store,
        &Actor::system("test"),
        NewUser {
            name: name.into(),
            email: format!("{}@example.com", name.to_lowercase()),
            role,
            erp_customer: None,
            erp_customer_code: None,
            password: Secret::new(super::harness::GOOD),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
    .id
}

/// Assigns each customer `(code, name, rep)` and puts each `(code, part)` in the matrix
/// (described "Part <part>").
pub async fn plan(
    store: &Store,
    admin: &Actor,
    customers: &[(&str, &str, i64)],
    matrix: &[(&str, &str)],
) {
    for (code, name, rep) in customers {
        forecasts::assign(
            store,
            admin,
            &Assignment {
                customer_code: (*code).into(),
                customer: (*name).into(),
                rep_id: Some(*rep),
            },
        )
        .await
        .unwrap();
    }
    for (code, part) in matrix {
        forecasts::set_matrix(
            store,
            &MatrixEntry {
                customer_code: (*code).into(),
                part: (*part).into(),
                description: format!("Part {part}"),
            },
        )
        .await
        .unwrap();
    }
}

/// 2027-01 at noon UTC, in ms.
pub const JAN_2027: i64 = 1_798_804_800_000;

pub struct World {
    pub admin: Actor,
    pub rita: i64,
    pub rita_a: Actor,
    pub sam: i64,
    pub cycle: Cycle,
}

/// An admin, two reps (Rita: C1 with parts A, B and C; Sam: C2 with part A), an open cycle
/// 2027-01 + 12 months.
pub async fn setup(store: &Store) -> World {
    // Not "Ada": the dispatch tests' first admin is ada@example.com.
    let admin_id = user(store, "Alma", Role::Admin).await;
    let admin = Actor::user(admin_id, "alma@example.com");
    let rita = user(store, "Rita", Role::SalesRep).await;
    let sam = user(store, "Sam", Role::SalesRep).await;
    plan(
        store,
        &admin,
        &[("C1", "Northwind", rita), ("C2", "Bluewater", sam)],
        &[("C1", "A"), ("C1", "B"), ("C1", "C"), ("C2", "A")],
    )
    .await;
    let c = forecasts::create_cycle(
        store,
        &admin,
        &NewCycle {
            name: "FY27".into(),
            first_month: "2027-01".into(),
            horizon: 12,
            deadline: JAN_2027 + 86_400_000 * 10,
        },
    )
    .await
    .unwrap();
    let cycle = forecasts::open_cycle(store, &admin, c.id).await.unwrap();
    World {
        admin,
        rita,
        rita_a: Actor::user(rita, "rita@example.com"),
        sam,
        cycle,
    }
}
