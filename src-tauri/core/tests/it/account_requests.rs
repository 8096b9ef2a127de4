//! "Request an account" and "My profile", through `Portdesk::dispatch` as the UI calls them,
//! on SQLite and on PostgreSQL.

use crate::common;

use common::harness::*;

use portdesk_core::accounts::requests::{ALREADY_PENDING, MAX_PENDING_PER_HOUR, TRY_LATER};
use portdesk_core::audit;
use portdesk_types::accounts::*;
use portdesk_types::api::*;
use portdesk_types::{ApiError, ErrorKind, Role, Secret};

fn request(email: &str) -> NewAccountRequest {
    NewAccountRequest {
        name: "Carla Customer".into(),
        email: email.into(),
        phone: Some("+31 20 555 0101".into()),
        company: "Northwind Foods".into(),
        message: Some("We order pallets weekly.".into()),
    }
}

async fn ask(h: &Harness, req: NewAccountRequest) -> Result<(), ApiError> {
    h.call::<RequestAccount>(req).await
}

async fn pending(h: &Harness) -> Vec<AccountRequestRow> {
    h.call::<ListAccountRequests>(AccountRequestQuery::default())
        .await
        .unwrap()
}

async fn outbox(h: &Harness) -> Vec<(String, String, String)> {
    let store = h.app.store().await.unwrap();
    sqlx::query_as("SELECT idempotency_key, kind, recipients FROM mail_outbox ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

async fn count(h: &Harness, sql: &str) -> i64 {
    let store = h.app.store().await.unwrap();
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}

fn approve(id: i64) -> ApproveRequest {
    ApproveRequest {
        id,
        erp_customer_code: None,
        erp_customer: Some("northwind foods".into()),
        temporary_password: None,
    }
}

on_both_stores!(
    a_request_is_stored_and_the_admins_mailed,
    a_request_is_stored_and_the_admins_mailed_body
);

async fn a_request_is_stored_and_the_admins_mailed_body(h: Harness) {
    h.first_admin().await;
    h.add_user("bob-admin@example.com", Role::Admin).await;
    h.add_user("wh@example.com", Role::Warehouse).await;
    h.call::<Logout>(()).await.unwrap();

    let mut req = request(" Carla@Northwind.example ");
    req.message = Some("  ".into());
    ask(&h, req).await.unwrap();

    let mail = outbox(&h).await;
    assert_eq!(mail.len(), 1, "one message to the admins: {mail:?}");
    let (key, kind, to) = &mail[0];
    assert_eq!(kind, "account_requested");
    assert!(key.starts_with("account_request:"), "{key}");
    assert!(
        to.contains("ada@example.com") && to.contains("bob-admin@example.com"),
        "{to}"
    );
    assert!(!to.contains("wh@example.com"), "admins only: {to}");

    h.sign_in_as("ada@example.com").await;
    let rows = pending(&h).await;
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(
        r.email, "carla@northwind.example",
        "stored lower-case, trimmed"
    );
    assert_eq!(r.name, "Carla Customer");
    assert_eq!(r.phone.as_deref(), Some("+31 20 555 0101"));
    assert_eq!(r.company, "Northwind Foods");
    assert_eq!(r.message, None, "a blank message is none");
    assert_eq!(r.status, AccountRequestStatus::Pending);
    assert!(!r.has_account);
    assert_eq!(
        count(&h, "SELECT COUNT(*) FROM users WHERE role = 'customer'").await,
        0,
        "a request never creates an account by itself"
    );
    let store = h.app.store().await.unwrap();
    let log = audit::recent(&store, 20).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "account_request.create"),
        "{log:?}"
    );
}

on_both_stores!(
    a_second_pending_request_is_refused_alike_with_or_without_an_account,
    a_second_pending_request_body
);

async fn a_second_pending_request_body(h: Harness) {
    h.first_admin().await;
    h.add_user("cust@example.com", Role::Customer).await;
    h.call::<Logout>(()).await.unwrap();

    // A new e-mail and an e-mail with an account get the same replies, first and second.
    let mut seconds = Vec::new();
    for email in ["new@example.com", "cust@example.com"] {
        ask(&h, request(email)).await.unwrap();
        let again = ask(&h, request(&email.to_uppercase())).await.unwrap_err();
        seconds.push((again.kind, again.field.clone(), again.message.clone()));
    }
    assert_eq!(seconds[0], seconds[1], "no hint whether an account exists");
    assert_eq!(seconds[0].0, ErrorKind::Conflict);
    assert_eq!(seconds[0].1.as_deref(), Some("email"));
    assert_eq!(seconds[0].2, ALREADY_PENDING);
    assert_eq!(outbox(&h).await.len(), 2, "one message per stored request");

    h.sign_in_as("ada@example.com").await;
    let rows = pending(&h).await;
    assert_eq!(rows.len(), 2);
    let flagged: Vec<_> = rows
        .iter()
        .map(|r| (r.email.as_str(), r.has_account))
        .collect();
    assert!(flagged.contains(&("cust@example.com", true)), "{flagged:?}");
    assert!(flagged.contains(&("new@example.com", false)), "{flagged:?}");

    // Once decided, the e-mail may ask again.
    let id = rows
        .iter()
        .find(|r| r.email == "new@example.com")
        .unwrap()
        .id;
    h.call::<RejectAccountRequest>(RejectRequest {
        id,
        reason: "Unknown company".into(),
    })
    .await
    .unwrap();
    h.call::<Logout>(()).await.unwrap();
    ask(&h, request("new@example.com")).await.unwrap();
}

on_both_stores!(bad_fields_are_named, bad_fields_are_named_body);

async fn bad_fields_are_named_body(h: Harness) {
    h.first_admin().await;
    h.call::<Logout>(()).await.unwrap();
    let cases: Vec<(&str, NewAccountRequest)> = vec![
        (
            "name",
            NewAccountRequest {
                name: "  ".into(),
                ..request("a@example.com")
            },
        ),
        (
            "name",
            NewAccountRequest {
                name: "x".repeat(101),
                ..request("a@example.com")
            },
        ),
        ("email", request("not-an-address")),
        (
            "phone",
            NewAccountRequest {
                phone: Some("555-CALL-ME".into()),
                ..request("a@example.com")
            },
        ),
        (
            "phone",
            NewAccountRequest {
                phone: Some("12345".into()),
                ..request("a@example.com")
            },
        ),
        (
            "company",
            NewAccountRequest {
                company: " ".into(),
                ..request("a@example.com")
            },
        ),
    ];
    for (field, req) in cases {
        let e = ask(&h, req).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Validation, "{field}: {e:?}");
        assert_eq!(e.field.as_deref(), Some(field), "{e:?}");
    }
    assert_eq!(count(&h, "SELECT COUNT(*) FROM account_requests").await, 0);
    assert!(outbox(&h).await.is_empty(), "refused input queues nothing");
    // No phone at all is fine.
    ask(
        &h,
        NewAccountRequest {
            phone: None,
            ..request("a@example.com")
        },
    )
    .await
    .unwrap();
}

on_both_stores!(
    the_hourly_cap_says_try_later,
    the_hourly_cap_says_try_later_body
);

async fn the_hourly_cap_says_try_later_body(h: Harness) {
    h.first_admin().await;
    h.call::<Logout>(()).await.unwrap();
    for i in 0..MAX_PENDING_PER_HOUR {
        ask(&h, request(&format!("r{i}@example.com")))
            .await
            .unwrap();
    }
    let e = ask(&h, request("late@example.com")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(e.message, TRY_LATER);
    assert_eq!(
        count(&h, "SELECT COUNT(*) FROM account_requests").await,
        MAX_PENDING_PER_HOUR,
        "the refused one is not kept"
    );
    assert_eq!(outbox(&h).await.len() as i64, MAX_PENDING_PER_HOUR);
}

on_both_stores!(
    only_admins_list_approve_and_reject,
    only_admins_list_approve_and_reject_body
);

async fn only_admins_list_approve_and_reject_body(h: Harness) {
    h.first_admin().await;
    h.add_user("cust@example.com", Role::Customer).await;
    h.add_user("rep@example.com", Role::SalesRep).await;
    h.call::<Logout>(()).await.unwrap();
    ask(&h, request("carla@example.com")).await.unwrap();
    h.sign_in_as("ada@example.com").await;
    let id = pending(&h).await[0].id;

    for email in ["cust@example.com", "rep@example.com"] {
        h.sign_in_as(email).await;
        let list = h
            .call::<ListAccountRequests>(AccountRequestQuery::default())
            .await
            .unwrap_err();
        let approved = h
            .call::<ApproveAccountRequest>(approve(id))
            .await
            .unwrap_err();
        let rejected = h
            .call::<RejectAccountRequest>(RejectRequest {
                id,
                reason: "no".into(),
            })
            .await
            .unwrap_err();
        for e in [list, approved, rejected] {
            assert_eq!(e.kind, ErrorKind::Forbidden, "{email}: {e:?}");
        }
    }
    h.call::<Logout>(()).await.unwrap();
    let e = h
        .call::<ApproveAccountRequest>(approve(id))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthenticated);
    h.sign_in_as("ada@example.com").await;
    assert_eq!(pending(&h).await[0].status, AccountRequestStatus::Pending);
}

on_both_stores!(
    approving_creates_one_customer_account_once,
    approving_creates_one_customer_account_once_body
);

async fn approving_creates_one_customer_account_once_body(h: Harness) {
    let admin = h.first_admin().await;
    h.call::<Logout>(()).await.unwrap();
    ask(&h, request("carla@example.com")).await.unwrap();
    h.sign_in_as("ada@example.com").await;
    let id = pending(&h).await[0].id;

    let done = h.call::<ApproveAccountRequest>(approve(id)).await.unwrap();
    let account = &done.created.account;
    assert_eq!(account.email, "carla@example.com");
    assert_eq!(account.name, "Carla Customer");
    assert_eq!(account.role, Role::Customer);
    assert!(account.erp_customer_code.is_some(), "{account:?}");
    assert!(account.must_change_password);
    assert_eq!(done.created.temporary_password.expose().len(), 16);
    assert_eq!(done.request.status, AccountRequestStatus::Approved);
    assert_eq!(done.request.user_id, Some(account.id));
    assert_eq!(
        done.request.decided_by.as_deref(),
        Some(admin.email.as_str())
    );
    assert!(done.request.decided_at.is_some());

    let again = h
        .call::<ApproveAccountRequest>(approve(id))
        .await
        .unwrap_err();
    assert_eq!(again.kind, ErrorKind::Conflict, "{again:?}");
    let reject = h
        .call::<RejectAccountRequest>(RejectRequest {
            id,
            reason: "changed my mind".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(reject.kind, ErrorKind::Conflict, "{reject:?}");
    assert_eq!(
        count(
            &h,
            "SELECT COUNT(*) FROM users WHERE lower(email) = 'carla@example.com'"
        )
        .await,
        1
    );
    assert!(pending(&h).await.is_empty(), "no longer pending");
    let all = h
        .call::<ListAccountRequests>(AccountRequestQuery {
            include_decided: true,
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 1);

    // The new customer signs in with the temporary password, and has the phone asked with.
    h.call::<Logout>(()).await.unwrap();
    h.call::<Login>(LoginRequest {
        email: "carla@example.com".into(),
        password: done.created.temporary_password.clone(),
    })
    .await
    .unwrap();
    h.call::<ChangePassword>(ChangePasswordRequest {
        current: done.created.temporary_password.clone(),
        new: Secret::new(GOOD),
    })
    .await
    .unwrap();
    let me = h.call::<GetProfile>(()).await.unwrap();
    assert_eq!(me.phone.as_deref(), Some("+31 20 555 0101"));
    assert_eq!(me.role, Role::Customer);

    // Concurrent approvals of another request: one account, one winner.
    h.call::<Logout>(()).await.unwrap();
    ask(&h, request("dan@example.com")).await.unwrap();
    h.sign_in_as("ada@example.com").await;
    let id = pending(&h).await[0].id;
    let store = h.app.store().await.unwrap();
    let ada = portdesk_core::accounts::by_email(&store, "ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (store, ada) = (store.clone(), ada.clone());
            tokio::spawn(async move {
                portdesk_core::accounts::requests::approve(
                    &store,
                    &ada,
                    id,
                    portdesk_core::accounts::requests::ErpLink {
                        code: Some("C10000".into()),
                        name: Some("Northwind Foods".into()),
                        verified: true,
                    },
                    Secret::new(GOOD),
                )
                .await
                .is_ok()
            })
        })
        .collect();
    let mut won = 0;
    for r in runs {
        won += usize::from(r.await.unwrap());
    }
    assert_eq!(won, 1, "exactly one approval wins");
    assert_eq!(
        count(
            &h,
            "SELECT COUNT(*) FROM users WHERE lower(email) = 'dan@example.com'"
        )
        .await,
        1
    );
}

on_both_stores!(
    rejecting_records_the_reason,
    rejecting_records_the_reason_body
);

async fn rejecting_records_the_reason_body(h: Harness) {
    let admin = h.first_admin().await;
    h.call::<Logout>(()).await.unwrap();
    ask(&h, request("eve@example.com")).await.unwrap();
    h.sign_in_as("ada@example.com").await;
    let id = pending(&h).await[0].id;
    let blank = h
        .call::<RejectAccountRequest>(RejectRequest {
            id,
            reason: "  ".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(blank.field.as_deref(), Some("reason"));
    let r = h
        .call::<RejectAccountRequest>(RejectRequest {
            id,
            reason: " Not a customer of ours ".into(),
        })
        .await
        .unwrap();
    assert_eq!(r.status, AccountRequestStatus::Rejected);
    assert_eq!(r.reason.as_deref(), Some("Not a customer of ours"));
    assert_eq!(r.decided_by.as_deref(), Some(admin.email.as_str()));
    assert_eq!(r.user_id, None);
    let again = h
        .call::<ApproveAccountRequest>(approve(id))
        .await
        .unwrap_err();
    assert_eq!(again.kind, ErrorKind::Conflict);
    assert_eq!(
        count(&h, "SELECT COUNT(*) FROM users WHERE role = 'customer'").await,
        0
    );
    let store = h.app.store().await.unwrap();
    let log = audit::recent(&store, 20).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "account_request.reject"
            && e.detail.as_deref() == Some("Not a customer of ours")),
        "{log:?}"
    );
    let missing = h
        .call::<RejectAccountRequest>(RejectRequest {
            id: 9_999,
            reason: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);
}

on_both_stores!(
    a_profile_update_changes_only_the_callers_own_row,
    a_profile_update_body
);

async fn a_profile_update_body(h: Harness) {
    h.first_admin().await;
    h.add_user("cust@example.com", Role::Customer).await;
    h.add_user("rep@example.com", Role::SalesRep).await;

    h.sign_in_as("rep@example.com").await;
    let before = h.call::<GetProfile>(()).await.unwrap();
    assert_eq!(before.email, "rep@example.com");
    assert_eq!(before.role, Role::SalesRep);
    assert_eq!(before.phone, None);
    let after = h
        .call::<UpdateProfile>(ProfileUpdate {
            version: None,
            name: " Rita Rep ".into(),
            phone: Some("+47 22 33 44 55".into()),
        })
        .await
        .unwrap();
    assert_eq!(after.name, "Rita Rep");
    assert_eq!(after.phone.as_deref(), Some("+47 22 33 44 55"));
    assert_eq!(after.email, "rep@example.com");

    for (field, upd) in [
        (
            "phone",
            ProfileUpdate {
                version: None,
                name: "Rita".into(),
                phone: Some("22 33 ab".into()),
            },
        ),
        (
            "phone",
            ProfileUpdate {
                version: None,
                name: "Rita".into(),
                phone: Some("1".repeat(21)),
            },
        ),
        (
            "name",
            ProfileUpdate {
                version: None,
                name: "".into(),
                phone: None,
            },
        ),
        (
            "name",
            ProfileUpdate {
                version: None,
                name: "n".repeat(101),
                phone: None,
            },
        ),
    ] {
        let e = h.call::<UpdateProfile>(upd).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Validation);
        assert_eq!(e.field.as_deref(), Some(field), "{e:?}");
    }
    assert_eq!(
        h.call::<GetProfile>(()).await.unwrap(),
        after,
        "refused: unchanged"
    );

    // The request has no id: a customer's update is theirs, the rep's row stays.
    h.sign_in_as("cust@example.com").await;
    h.call::<UpdateProfile>(ProfileUpdate {
        version: None,
        name: "Carla".into(),
        phone: None,
    })
    .await
    .unwrap();
    h.sign_in_as("rep@example.com").await;
    assert_eq!(h.call::<GetProfile>(()).await.unwrap(), after);
    assert_eq!(
        h.call::<AppStatus>(()).await.unwrap().session.unwrap().name,
        "Rita Rep",
        "the session shows the new name"
    );
    // Two windows of the rep's profile: the second save from the same read is refused and
    // writes nothing.
    let read = h.call::<GetProfile>(()).await.unwrap();
    h.call::<UpdateProfile>(ProfileUpdate {
        version: Some(read.version),
        name: "Rita R.".into(),
        phone: read.phone.clone(),
    })
    .await
    .unwrap();
    let e = h
        .call::<UpdateProfile>(ProfileUpdate {
            version: Some(read.version),
            name: "Rita Rep".into(),
            phone: read.phone.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, portdesk_types::ErrorKind::Stale, "{e:?}");
    assert!(e.message.contains("name is now Rita R."), "{}", e.message);
    // Clearing the phone.
    let cleared = h
        .call::<UpdateProfile>(ProfileUpdate {
            version: None,
            name: "Rita Rep".into(),
            phone: Some(" ".into()),
        })
        .await
        .unwrap();
    assert_eq!(cleared.phone, None);
    let store = h.app.store().await.unwrap();
    let log = audit::recent(&store, 30).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "user.profile_update"),
        "{log:?}"
    );

    // Signed out: refused.
    h.call::<Logout>(()).await.unwrap();
    let e = h
        .call::<UpdateProfile>(ProfileUpdate {
            version: None,
            name: "X".into(),
            phone: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthenticated);
}
