//! Account and audit repository behaviour, identical on SQLite and PostgreSQL.

use crate::common;

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
        erp_customer_code: None,
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
    assert!(matches!(wrong, CoreError::InvalidCredentials { .. }));
    assert_eq!(
        wrong.to_string(),
        unknown.to_string(),
        "unknown e-mail and wrong password read the same"
    );

    // Four more failures make five: the account locks, and even the right password is refused.
    // Every refusal reads the same (issue 10): the lockout shows only in the audit log.
    for i in 0..4 {
        let e = accounts::authenticate(&store, "wh@example.com", &Secret::new("Wrong-Password-1"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                CoreError::InvalidCredentials {
                    max_failed: 5,
                    lockout_minutes: 15,
                    ..
                }
            ),
            "attempt {i}: {e:?}"
        );
    }
    let locked = accounts::authenticate(&store, "wh@example.com", &Secret::new(GOOD))
        .await
        .unwrap_err();
    assert!(
        matches!(locked, CoreError::InvalidCredentials { .. }),
        "{locked:?}"
    );
    assert_eq!(locked.to_string(), unknown.to_string());
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
            assert!(matches!(e, CoreError::InvalidCredentials { .. }));
        }
        let e = accounts::authenticate(&store, "s@example.com", &Secret::new("Wrong-Password-1"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                CoreError::InvalidCredentials {
                    max_failed: 3,
                    lockout_minutes: 60,
                    ..
                }
            ),
            "{e:?}"
        );
        let locked = accounts::by_email(&store, "s@example.com")
            .await
            .unwrap()
            .unwrap();
        assert!(
            locked
                .locked_until
                .is_some_and(|t| t > portdesk_core::now_ms()),
            "the third failure locks"
        );
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

use portdesk_types::accounts::{
    AccountKind, AccountQuery, AccountSort, AccountStatus, AccountUpdate,
};

fn customer(name: &str, email: &str, erp: &str) -> NewUser {
    NewUser::by_admin(
        name,
        email,
        Role::Customer,
        Some(erp.into()),
        None,
        Secret::new(GOOD),
    )
}

on_both_backends!(
    admin_list_searches_filters_sorts_and_pages,
    |store: Store| async move {
        let a = Actor::system("t");
        accounts::create(
            &store,
            &a,
            customer("Zoe Zed", "zoe@northwind.example", "Northwind Foods"),
        )
        .await
        .unwrap();
        accounts::create(
            &store,
            &a,
            customer("Adam Ant", "adam@bluewater.example", "Bluewater Trading"),
        )
        .await
        .unwrap();
        accounts::create(
            &store,
            &a,
            customer("Mia Mu", "mia@harbor.example", "Harbor Logistics"),
        )
        .await
        .unwrap();
        accounts::create(&store, &a, staff("wh@example.com", Role::Warehouse))
            .await
            .unwrap();

        let q = AccountQuery {
            kind: AccountKind::Customers,
            ..Default::default()
        };
        let page = accounts::list(&store, &q).await.unwrap();
        assert_eq!(page.total, 3, "staff are not in the customer list");
        let names: Vec<_> = page.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Adam Ant", "Mia Mu", "Zoe Zed"]);

        let desc = accounts::list(
            &store,
            &AccountQuery {
                sort: AccountSort::ErpCustomer,
                descending: true,
                ..q.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            desc.rows[0].erp_customer.as_deref(),
            Some("Northwind Foods")
        );

        let hit = accounts::list(
            &store,
            &AccountQuery {
                search: "NORTHWIND".into(),
                ..q.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(hit.total, 1);
        assert_eq!(hit.rows[0].name, "Zoe Zed");
        let literal = accounts::list(
            &store,
            &AccountQuery {
                search: "%' OR 1=1 --".into(),
                ..q.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(literal.total, 0, "search text is data, never SQL");

        let paged = accounts::list(
            &store,
            &AccountQuery {
                page: 1,
                page_size: 2,
                ..q.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!((paged.total, paged.rows.len()), (3, 1));
        assert_eq!(paged.rows[0].name, "Zoe Zed");

        let staff_page = accounts::list(
            &store,
            &AccountQuery {
                kind: AccountKind::Staff,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(staff_page.total, 1);

        // Lock Mia by failing five times; the "locked" filter finds her, unlock frees her.
        for _ in 0..5 {
            let _ = accounts::authenticate(
                &store,
                "mia@harbor.example",
                &Secret::new("Wrong-Password-1"),
            )
            .await;
        }
        let locked = accounts::list(
            &store,
            &AccountQuery {
                status: AccountStatus::Locked,
                ..q.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(locked.rows.len(), 1);
        assert!(locked.rows[0].locked);
        let row = accounts::unlock(&store, &a, locked.rows[0].id)
            .await
            .unwrap();
        assert!(!row.locked);
        accounts::authenticate(&store, "mia@harbor.example", &Secret::new(GOOD))
            .await
            .unwrap();

        let inactive = accounts::list(
            &store,
            &AccountQuery {
                status: AccountStatus::Inactive,
                ..q.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(inactive.total, 0);
        accounts::set_active(&store, &a, row.id, false)
            .await
            .unwrap();
        let inactive = accounts::list(
            &store,
            &AccountQuery {
                status: AccountStatus::Inactive,
                ..q
            },
        )
        .await
        .unwrap();
        assert_eq!(inactive.rows[0].id, row.id);
        let actions: Vec<String> = audit::recent(&store, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert!(
            actions.contains(&"user.unlock".into()) && actions.contains(&"user.deactivate".into()),
            "{actions:?}"
        );
    }
);

on_both_backends!(the_last_active_admin_stays, |store: Store| async move {
    let a = Actor::system("t");
    let first = accounts::create_first_admin(&store, "Ada", "ada@example.com", &Secret::new(GOOD))
        .await
        .unwrap();
    let e = accounts::set_active(&store, &a, first.id, false)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("at least one active administrator"),
        "{e}"
    );
    let demote = AccountUpdate {
        version: None,
        id: first.id,
        name: "Ada".into(),
        email: "ada@example.com".into(),
        role: Role::Warehouse,
        erp_customer: None,
        erp_customer_code: None,
    };
    assert!(accounts::update(&store, &a, &demote, true).await.is_err());
    assert_eq!(
        accounts::by_id(&store, first.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Admin,
        "nothing half-applied"
    );

    let second = accounts::create(&store, &a, staff("bob@example.com", Role::Admin))
        .await
        .unwrap();
    accounts::update(&store, &a, &demote, true).await.unwrap();
    assert_eq!(
        accounts::by_id(&store, first.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Warehouse
    );
    assert!(
        accounts::set_active(&store, &a, second.id, false)
            .await
            .is_err(),
        "bob is now the last admin"
    );

    // Two admins deactivating each other at once: one of them must stay.
    let third = accounts::create(&store, &a, staff("cy@example.com", Role::Admin))
        .await
        .unwrap();
    let (s1, s2) = (store.clone(), store.clone());
    let t1 = tokio::spawn(async move {
        accounts::set_active(&s1, &Actor::system("x"), second.id, false).await
    });
    let t2 = tokio::spawn(async move {
        accounts::set_active(&s2, &Actor::system("y"), third.id, false).await
    });
    let (r1, r2) = (t1.await.unwrap(), t2.await.unwrap());
    assert!(
        r1.is_ok() != r2.is_ok() || (r1.is_err() && r2.is_err()),
        "never both: {r1:?} {r2:?}"
    );
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(n >= 1);
});

on_both_backends!(
    updates_check_rules_and_are_audited,
    |store: Store| async move {
        let a = Actor::system("t");
        let ann = accounts::create(
            &store,
            &a,
            customer("Ann", "ann@example.com", "Northwind Foods"),
        )
        .await
        .unwrap();
        accounts::create(
            &store,
            &a,
            customer("Ben", "ben@example.com", "Northwind Foods"),
        )
        .await
        .unwrap();
        let dup = AccountUpdate {
            version: None,
            id: ann.id,
            name: "Ann".into(),
            email: "BEN@example.com".into(),
            role: Role::Customer,
            erp_customer: Some("Northwind Foods".into()),
            erp_customer_code: None,
        };
        let e = accounts::update(&store, &a, &dup, true).await.unwrap_err();
        assert!(
            matches!(
                e,
                CoreError::Conflict {
                    field: Some("email"),
                    ..
                }
            ),
            "{e:?}"
        );
        let to_staff = AccountUpdate {
            role: Role::Warehouse,
            email: "ann@example.com".into(),
            ..dup.clone()
        };
        assert!(matches!(
            accounts::update(&store, &a, &to_staff, true)
                .await
                .unwrap_err(),
            CoreError::Validation { field: "role", .. }
        ));
        let no_erp = AccountUpdate {
            email: "ann@example.com".into(),
            erp_customer: Some("  ".into()),
            erp_customer_code: None,
            ..dup.clone()
        };
        assert!(matches!(
            accounts::update(&store, &a, &no_erp, true)
                .await
                .unwrap_err(),
            CoreError::Validation {
                field: "erp_customer",
                ..
            }
        ));

        let ok = AccountUpdate {
            email: "Ann.New@Example.com".into(),
            erp_customer: Some("Bluewater Trading".into()),
            erp_customer_code: None,
            ..dup
        };
        let row = accounts::update(&store, &a, &ok, false).await.unwrap();
        assert_eq!(row.email, "ann.new@example.com");
        assert!(!row.erp_verified);
        let last = &audit::recent(&store, 1).await.unwrap()[0];
        assert_eq!(last.action, "user.update");
        let detail = last.detail.clone().unwrap();
        assert!(
            detail.contains("ann.new@example.com") && detail.contains("Bluewater Trading"),
            "{detail}"
        );
    }
);

on_both_backends!(
    the_link_step_links_unique_names_once_flags_the_rest_and_follows_renames,
    |store: Store| async move {
        use portdesk_types::accounts::ErpLinkProblem;
        use portdesk_types::api::ErpCustomer;
        let a = Actor::system("t");
        // Accounts as migration 0004 leaves them: a name, no code.
        let ann = accounts::create(
            &store,
            &a,
            customer("Ann", "ann@example.com", "Northwind Foods"),
        )
        .await
        .unwrap();
        let ben = accounts::create(
            &store,
            &a,
            customer("Ben", "ben@example.com", "Bluewater Trading"),
        )
        .await
        .unwrap();
        let erp_customer = |code: &str, name: &str| ErpCustomer {
            code: code.into(),
            name: name.into(),
            city: None,
        };
        let mut erp = vec![
            erp_customer("C1", "Northwind Foods"),
            erp_customer("C2", "Bluewater Trading"),
            erp_customer("C3", " bluewater TRADING"),
        ];
        let first = accounts::sync_erp_links(&store, &erp).await.unwrap();
        assert_eq!(
            first,
            accounts::LinkSummary {
                linked: 1,
                flagged: 1,
                renamed: 0
            }
        );
        let ann_now = accounts::by_id(&store, ann.id).await.unwrap().unwrap();
        assert_eq!(
            (
                ann_now.erp_customer_code.as_deref(),
                ann_now.erp_link_problem
            ),
            (Some("C1"), None)
        );
        let ben_now = accounts::by_id(&store, ben.id).await.unwrap().unwrap();
        assert_eq!(
            (
                ben_now.erp_customer_code.as_deref(),
                ben_now.erp_link_problem
            ),
            (None, Some(ErpLinkProblem::Ambiguous))
        );
        assert_eq!(
            accounts::sync_erp_links(&store, &erp).await.unwrap(),
            accounts::LinkSummary::default(),
            "idempotent"
        );
        erp.pop();
        accounts::sync_erp_links(&store, &erp).await.unwrap();
        assert_eq!(
            accounts::by_id(&store, ben.id)
                .await
                .unwrap()
                .unwrap()
                .erp_link_problem,
            Some(ErpLinkProblem::Ambiguous),
            "linked by name once: a flag waits for an admin"
        );
        erp[0].name = "Northwind Foods Group".into();
        let renamed = accounts::sync_erp_links(&store, &erp).await.unwrap();
        assert_eq!(renamed.renamed, 1);
        let ann_now = accounts::by_id(&store, ann.id).await.unwrap().unwrap();
        assert_eq!(
            (
                ann_now.erp_customer_code.as_deref(),
                ann_now.erp_customer.as_deref()
            ),
            (Some("C1"), Some("Northwind Foods Group"))
        );
    }
);
