//! Forecast test fixtures shared by the forecast test files: accounts and the plan (who
//! forecasts which customer, and the customer-product matrix).
#![allow(dead_code)]

use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::Actor;
use portdesk_core::forecasts;
use portdesk_core::store::Store;
use portdesk_types::forecasts::{Assignment, MatrixEntry};
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
