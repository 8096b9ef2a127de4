//! Account and audit repository behaviour, identical on SQLite and PostgreSQL.

mod common;

use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::{self, Actor};
use portdesk_core::error::CoreError;
use portdesk_core::settings;
use portdesk_core::store::Store;
use portdesk_types::{Role, Secret};

const GOOD: &str = "Forklift-Harbour-42";

fn staff(email: &str, role: Role) -> NewUser {
    NewUser {
        name: "Test User".into(),
        email: email.into(),
        role,
        erp_customer: None,
        password: Secret::new(GOOD),
        must_change_password: false,
    }
}

on_both_backends!(first_admin_is_created_once, |store: Store| async move {
    assert_eq!(accounts::count(&store).await.unwrap(), 0);
    let admin =
        accounts::create_first_admin(&store, "Ada Admin", " Ada@Example.com ", &Secret::new(GOOD))
            .await
            .unwrap();
    assert_eq!(admin.email, "ada@example.com", "stored normalised");
    assert_eq!(admin.role, Role::Admin);
    let again = accounts::create_first_admin(&store, "Eve", "eve@example.com", &Secret::new(GOOD))
        .await
        .unwrap_err();
    assert!(matches!(again, CoreError::Conflict { .. }), "{again:?}");
    assert_eq!(accounts::count(&store).await.unwrap(), 1);
    let log = audit::recent(&store, 10).await.unwrap();
    assert_eq!(log[0].action, "user.create_first_admin");
});

on_both_backends!(
    racing_first_runs_create_one_admin,
    |store: Store| async move {
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let s = store.clone();
                tokio::spawn(async move {
                    accounts::create_first_admin(
                        &s,
                        "Racer",
                        &format!("r{i}@example.com"),
                        &Secret::new(GOOD),
                    )
                    .await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            if t.await.unwrap().is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 1);
        assert_eq!(accounts::count(&store).await.unwrap(), 1);
    }
);

on_both_backends!(
    email_is_unique_in_any_letter_case,
    |store: Store| async move {
        let actor = Actor::system("test");
        accounts::create(&store, &actor, staff("Ann@Example.com", Role::Warehouse))
            .await
            .unwrap();
        let err = accounts::create(&store, &actor, staff("ann@EXAMPLE.com", Role::Support))
            .await
            .unwrap_err();
        match err {
            CoreError::Conflict { field, message } => {
                assert_eq!(field, Some("email"));
                assert!(message.contains("ann@example.com"), "{message}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(accounts::count(&store).await.unwrap(), 1);
    }
);

on_both_backends!(
    bad_input_is_refused_and_nothing_saved,
    |store: Store| async move {
        let actor = Actor::system("test");
        let cases = [
            (
                NewUser {
                    name: "  ".into(),
                    ..staff("a@example.com", Role::Warehouse)
                },
                "name",
            ),
            (staff("not-an-email", Role::Warehouse), "email"),
            (
                NewUser {
                    password: Secret::new("short"),
                    ..staff("b@example.com", Role::Warehouse)
                },
                "password",
            ),
            (
                NewUser {
                    password: Secret::new("password123"),
                    ..staff("c@example.com", Role::Warehouse)
                },
                "password",
            ),
            (staff("d@example.com", Role::Customer), "erp_customer"),
        ];
        for (new, field) in cases {
            match accounts::create(&store, &actor, new).await.unwrap_err() {
                CoreError::Validation { field: f, .. } => assert_eq!(f, field),
                other => panic!("expected a validation error on {field}, got {other:?}"),
            }
        }
        assert_eq!(accounts::count(&store).await.unwrap(), 0);
        assert!(
            audit::recent(&store, 10).await.unwrap().is_empty(),
            "no audit entry for refused input"
        );
    }
);

on_both_backends!(sign_in_errors_and_lockout, |store: Store| async move {
    let actor = Actor::system("test");
    accounts::create(&store, &actor, staff("wh@example.com", Role::Warehouse))
        .await
        .unwrap();

    let ok = accounts::authenticate(&store, "WH@example.com", &Secret::new(GOOD))
        .await
        .unwrap();
    assert_eq!(ok.role, Role::Warehouse);

    let wrong = accounts::authenticate(&store, "wh@example.com", &Secret::new("Wrong-Password-1"))
        .await
        .unwrap_err();
    let unknown = accounts::authenticate(&store, "nobody@example.com", &Secret::new(GOOD))
        .await
        .unwrap_err();
    assert!(matches!(wrong, CoreError::InvalidCredentials));
    assert_eq!(
        wrong.to_string(),
        unknown.to_string(),
        "unknown e-mail and wrong password read the same"
    );

    // Four more failures make five: the account locks, and even the right password is refused.
    for i in 0..4 {
        let e = accounts::authenticate(&store, "wh@example.com", &Secret::new("Wrong-Password-1"))
            .await
            .unwrap_err();
        if i < 3 {
            assert!(
                matches!(e, CoreError::InvalidCredentials),
                "attempt {i}: {e:?}"
            );
        } else {
            assert!(
                matches!(e, CoreError::Locked { minutes: 15 }),
                "fifth failure locks: {e:?}"
            );
        }
    }
    let locked = accounts::authenticate(&store, "wh@example.com", &Secret::new(GOOD))
        .await
        .unwrap_err();
    assert!(matches!(locked, CoreError::Locked { .. }), "{locked:?}");
    assert!(locked.to_string().contains("locked"));

    let actions: Vec<String> = audit::recent(&store, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(
        actions.contains(&"auth.account_locked".to_string()),
        "{actions:?}"
    );
    assert!(actions.contains(&"auth.sign_in".to_string()));

    // An admin reset lifts the lock and forces a new password.
    let (user, temp) = accounts::reset_password(&store, &actor, "wh@example.com", None)
        .await
        .unwrap();
    assert!(user.must_change_password);
    assert!(
        accounts::authenticate(&store, "wh@example.com", &Secret::new(GOOD))
            .await
            .is_err(),
        "old password no longer works"
    );
    let signed = accounts::authenticate(&store, "wh@example.com", &temp)
        .await
        .unwrap();
    assert!(signed.must_change_password);
    let changed = accounts::change_password(
        &store,
        signed.id,
        &temp,
        &Secret::new("Pallet-Jack-Season-7"),
    )
    .await
    .unwrap();
    assert!(!changed.must_change_password);
    assert!(
        !accounts::by_id(&store, signed.id)
            .await
            .unwrap()
            .unwrap()
            .must_change_password
    );
});

on_both_backends!(
    lockout_settings_are_read_from_the_store,
    |store: Store| async move {
        settings::set(store.pool(), settings::MAX_FAILED_LOGINS, "2")
            .await
            .unwrap();
        settings::set(store.pool(), settings::MAX_FAILED_LOGINS, "3")
            .await
            .unwrap();
        settings::set(store.pool(), settings::LOCKOUT_MINUTES, "60")
            .await
            .unwrap();
        assert_eq!(
            settings::get(store.pool(), settings::MAX_FAILED_LOGINS)
                .await
                .unwrap()
                .as_deref(),
            Some("3")
        );
        accounts::create(
            &store,
            &Actor::system("t"),
            staff("s@example.com", Role::Support),
        )
        .await
        .unwrap();
        for _ in 0..2 {
            let e =
                accounts::authenticate(&store, "s@example.com", &Secret::new("Wrong-Password-1"))
                    .await
                    .unwrap_err();
            assert!(matches!(e, CoreError::InvalidCredentials));
        }
        let e = accounts::authenticate(&store, "s@example.com", &Secret::new("Wrong-Password-1"))
            .await
            .unwrap_err();
        assert!(matches!(e, CoreError::Locked { minutes: 60 }), "{e:?}");
    }
);

on_both_backends!(
    deactivated_accounts_cannot_sign_in,
    |store: Store| async move {
        let u = accounts::create(
            &store,
            &Actor::system("t"),
            staff("gone@example.com", Role::Procurement),
        )
        .await
        .unwrap();
        sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
            .bind(u.id)
            .execute(store.pool())
            .await
            .unwrap();
        let e = accounts::authenticate(&store, "gone@example.com", &Secret::new(GOOD))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("deactivated"), "{e}");
    }
);
