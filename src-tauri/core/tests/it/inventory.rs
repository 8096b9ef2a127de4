//! Customer inventory through the commands the UI uses: refresh from the (demo) ERP into the
//! local cache, filter / sort / page / totals, export exactly what is shown, and isolation.

use crate::common;

use portdesk_core::Portdesk;
use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::Actor;
use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::MemorySecrets;
use portdesk_types::Event;
use portdesk_types::accounts::ExportRequest;
use portdesk_types::api::*;
use portdesk_types::events::InventoryRefreshEvent;
use portdesk_types::inventory::*;
use portdesk_types::{ApiError, Command, ErrorKind, Role, Secret};
use std::sync::Arc;

const GOOD: &str = "Forklift-Harbour-42";
/// The demo ERP's first two customers: Northwind Foods and Bluewater Trading.
const NW: &str = "C10000";
const BW: &str = "C10001";

struct H {
    app: Arc<Portdesk>,
    dir: tempfile::TempDir,
}

impl H {
    async fn call<C: Command>(&self, req: C::Request) -> Result<C::Reply, ApiError> {
        let v = self
            .app
            .dispatch(C::NAME, serde_json::to_value(&req).unwrap())
            .await?;
        Ok(serde_json::from_value(v).unwrap())
    }
    async fn sign_in(&self, email: &str) {
        let _ = self.call::<Logout>(()).await;
        self.call::<Login>(LoginRequest {
            email: email.into(),
            password: Secret::new(GOOD),
        })
        .await
        .unwrap();
    }
}

async fn start() -> H {
    let dir = tempfile::tempdir().unwrap();
    let app = Portdesk::start(
        AppPaths::in_folder(dir.path()),
        Arc::new(MemorySecrets::default()),
    )
    .await;
    let h = H { app, dir };
    h.call::<CreateFirstAdmin>(NewAdmin {
        name: "Ada".into(),
        email: "ada@example.com".into(),
        password: Secret::new(GOOD),
    })
    .await
    .unwrap();
    let store = h.app.store().await.unwrap();
    for (email, role, erp) in [
        ("wh@example.com", Role::Warehouse, None),
        ("cust@example.com", Role::Customer, Some("Northwind Foods")),
    ] {
        let new = NewUser {
            name: "U".into(),
            email: email.into(),
            role,
            erp_customer: erp.map(Into::into),
            erp_customer_code: None,
            password: Secret::new(GOOD),
            must_change_password: false,
        };
        accounts::create(&store, &Actor::system("t"), new)
            .await
            .unwrap();
    }
    h
}

fn filter(customer: Option<&str>) -> InventoryFilter {
    InventoryFilter {
        customer_code: customer.map(Into::into),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_refresh_filter_sort_total_and_page() {
    let h = start().await;
    h.sign_in("wh@example.com").await;
    let none = h
        .call::<QueryInventory>(InventoryQuery {
            filter: filter(Some(NW)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (none.total, none.as_of),
        (0, None),
        "nothing cached before the first refresh"
    );

    let r = h
        .call::<RefreshInventory>(RefreshRequest {
            customer_code: Some(NW.into()),
        })
        .await
        .unwrap();
    assert!(r.rows > 500, "the demo ERP's largest customer: {}", r.rows);
    let all = h
        .call::<QueryInventory>(InventoryQuery {
            filter: filter(Some(NW)),
            offset: 0,
            limit: 200,
        })
        .await
        .unwrap();
    assert_eq!(all.total, r.rows);
    assert_eq!(all.rows.len(), 200);
    assert_eq!(all.as_of, Some(r.as_of));
    let parts: Vec<&str> = all.rows.iter().map(|x| x.part.as_str()).collect();
    assert!(
        parts
            .windows(2)
            .all(|w| w[0].to_lowercase() <= w[1].to_lowercase()),
        "sorted by part"
    );
    assert!(
        all.rows
            .iter()
            .all(|x| x.available == Some(x.on_hand.unwrap() - x.allocated.unwrap()))
    );

    // Sort by on hand, descending; the first page holds the largest quantities.
    let by_qty = InventoryFilter {
        sort: InventorySort::OnHand,
        descending: true,
        ..filter(Some(NW))
    };
    let p = h
        .call::<QueryInventory>(InventoryQuery {
            filter: by_qty.clone(),
            offset: 0,
            limit: 50,
        })
        .await
        .unwrap();
    assert!(p.rows.windows(2).all(|w| w[0].on_hand >= w[1].on_hand));

    // Prefix and text filters combine; totals are those of the matching rows.
    let bin = InventoryFilter {
        bin_prefix: "a-0".into(),
        ..filter(Some(NW))
    };
    let b = h
        .call::<QueryInventory>(InventoryQuery {
            filter: bin,
            offset: 0,
            limit: 1000,
        })
        .await
        .unwrap();
    assert!(b.total > 0 && b.total < all.total);
    assert!(b.rows.iter().all(|x| x.bin.starts_with("A-0")));
    let sum: f64 = b.rows.iter().map(|x| x.on_hand.unwrap()).sum();
    assert!((sum - b.totals.on_hand).abs() < 1e-6);

    let text = InventoryFilter {
        text: "PALLET WRAP".into(),
        ..filter(Some(NW))
    };
    let t = h
        .call::<QueryInventory>(InventoryQuery {
            filter: text,
            offset: 0,
            limit: 1000,
        })
        .await
        .unwrap();
    assert!(
        t.total > 0
            && t.rows
                .iter()
                .all(|x| x.description.to_lowercase().contains("pallet wrap"))
    );

    // Awkward filter text: no error, and no accidental matches.
    for odd in [
        "'",
        "\"; DROP TABLE stock; --",
        "100%",
        "_",
        "łódź",
        "倉庫",
        &"x".repeat(10_000),
    ] {
        let f = InventoryFilter {
            text: odd.to_string(),
            part_prefix: odd.to_string(),
            ..filter(Some(NW))
        };
        let r = h
            .call::<QueryInventory>(InventoryQuery {
                filter: f,
                offset: 0,
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(r.total, 0, "{odd:?} matched something");
    }
    let again = h
        .call::<QueryInventory>(InventoryQuery {
            filter: filter(Some(NW)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(again.total, all.total, "still all there");

    let last = h
        .call::<QueryInventory>(InventoryQuery {
            filter: filter(Some(NW)),
            offset: (all.total - 3) as u32,
            limit: 200,
        })
        .await
        .unwrap();
    assert_eq!(last.rows.len(), 3, "the last page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_exactly_the_rows_shown_in_order() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let h = start().await;
    h.sign_in("wh@example.com").await;
    h.call::<RefreshInventory>(RefreshRequest {
        customer_code: Some(NW.into()),
    })
    .await
    .unwrap();
    let f = InventoryFilter {
        bin_prefix: "B".into(),
        sort: InventorySort::Available,
        descending: true,
        ..filter(Some(NW))
    };
    let shown = h
        .call::<QueryInventory>(InventoryQuery {
            filter: f.clone(),
            offset: 0,
            limit: 1000,
        })
        .await
        .unwrap();
    let path = h.dir.path().join("inv.xlsx");
    let r = h
        .call::<ExportInventory>(ExportRequest {
            query: f,
            path: path.display().to_string(),
        })
        .await
        .unwrap();
    assert_eq!(r.rows, shown.total);
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let range = wb.worksheet_range("Inventory").unwrap();
    let rows: Vec<_> = range.rows().collect();
    assert_eq!(rows[0][0], Data::String("Part".into()));
    assert_eq!(rows.len() as u64, shown.total + 1);
    for (x, sheet) in shown.rows.iter().zip(rows.iter().skip(1)) {
        assert_eq!(sheet[0], Data::String(x.part.clone()));
        assert_eq!(sheet[2], Data::String(x.bin.clone()));
        assert_eq!(
            sheet[4],
            Data::Float(x.on_hand.unwrap()),
            "numbers are numbers"
        );
        assert_eq!(sheet[6], Data::Float(x.available.unwrap()));
        if x.last_received.is_some() {
            assert!(
                matches!(sheet[8], Data::DateTime(_)),
                "dates are dates: {:?}",
                sheet[8]
            );
        }
    }

    let bad = h
        .call::<ExportInventory>(ExportRequest {
            query: filter(Some(NW)),
            path: h.dir.path().join("missing/inv.xlsx").display().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.field.as_deref(), Some("path"));
    assert!(!h.dir.path().join("missing").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_sees_only_their_own_stock() {
    let h = start().await;
    h.sign_in("wh@example.com").await;
    h.call::<RefreshInventory>(RefreshRequest {
        customer_code: Some(BW.into()),
    })
    .await
    .unwrap();
    h.sign_in("cust@example.com").await;
    let own = h
        .call::<RefreshInventory>(RefreshRequest {
            customer_code: None,
        })
        .await
        .unwrap();
    assert_eq!(
        (own.customer_code.as_str(), own.customer_name.as_str()),
        (NW, "Northwind Foods")
    );
    let page = h
        .call::<QueryInventory>(InventoryQuery::default())
        .await
        .unwrap();
    assert_eq!(page.customer_code, NW);
    assert_eq!(page.customer_name, "Northwind Foods");
    assert_eq!(page.total, own.rows);
    for other in [BW, " c10001 ", "%", "Bluewater Trading", "Northwind Foods"] {
        let q = InventoryQuery {
            filter: filter(Some(other)),
            ..Default::default()
        };
        assert_eq!(
            h.call::<QueryInventory>(q).await.unwrap_err().kind,
            ErrorKind::Forbidden,
            "{other}"
        );
        assert_eq!(
            h.call::<RefreshInventory>(RefreshRequest {
                customer_code: Some(other.into())
            })
            .await
            .unwrap_err()
            .kind,
            ErrorKind::Forbidden
        );
        let e = h
            .call::<ExportInventory>(ExportRequest {
                query: filter(Some(other)),
                path: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }
    let same = h
        .call::<QueryInventory>(InventoryQuery {
            filter: filter(Some("c10000")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        same.total, own.rows,
        "naming one's own customer in another letter case is fine"
    );

    h.sign_in("wh@example.com").await;
    let e = h
        .call::<QueryInventory>(InventoryQuery::default())
        .await
        .unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("customer_code"),
        "staff must choose a customer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_erp_is_down_the_cached_snapshot_stays_whole() {
    let h = start().await;
    h.sign_in("ada@example.com").await;
    let first = h
        .call::<RefreshInventory>(RefreshRequest {
            customer_code: Some(NW.into()),
        })
        .await
        .unwrap();
    // Point the ERP at a closed port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sql = portdesk_types::settings::SqlServerSettings {
        host: "127.0.0.1".into(),
        port,
        connect_timeout_secs: 1,
        ..Default::default()
    };
    let view = h.call::<GetSettings>(()).await.unwrap();
    h.call::<SaveSettings>(SaveSettingsRequest {
        erp: portdesk_types::settings::ErpSettings::SqlServer(sql),
        store: view.store,
        erp_password: None,
        store_password: None,
        tls: Default::default(),
    })
    .await
    .unwrap();
    let e = h
        .call::<RefreshInventory>(RefreshRequest {
            customer_code: Some(NW.into()),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
    assert!(e.message.contains(&format!("127.0.0.1:{port}")), "{e:?}");
    let page = h
        .call::<QueryInventory>(InventoryQuery {
            filter: filter(Some(NW)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (page.total, page.as_of),
        (first.rows, Some(first.as_of)),
        "the old snapshot, whole, with its time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_reports_progress_and_a_cancel_keeps_the_previous_snapshot() {
    use std::sync::Mutex;
    use std::sync::mpsc;
    let h = start().await;
    h.sign_in("ada@example.com").await;
    let seen: Arc<Mutex<Vec<RefreshProgress>>> = Arc::default();
    // The sink can hold the refresh at its first written batch until the test says go on,
    // so the cancel lands mid-write deterministically.
    let (writing_tx, writing_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let hold = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let go_rx = Mutex::new(go_rx);
    {
        let seen = seen.clone();
        let hold = hold.clone();
        h.app.set_event_sink(Arc::new(move |name, payload| {
            // Session events (a sign-in ends the previous session) are not this test's.
            if name != InventoryRefreshEvent::NAME {
                return;
            }
            let p: RefreshProgress = serde_json::from_value(payload).unwrap();
            let first_batch = p.phase == RefreshPhase::Writing && p.rows_done > 0;
            seen.lock().unwrap().push(p);
            if first_batch && hold.swap(false, std::sync::atomic::Ordering::SeqCst) {
                writing_tx.send(()).unwrap();
                go_rx.lock().unwrap().recv().unwrap();
            }
        }));
    }
    let nw = Some(NW.to_string());
    let first = h
        .call::<RefreshInventory>(RefreshRequest {
            customer_code: nw.clone(),
        })
        .await
        .unwrap();
    {
        let events = seen.lock().unwrap();
        assert_eq!(events.first().unwrap().phase, RefreshPhase::Reading);
        let last = events.last().unwrap();
        assert_eq!(
            (last.phase, last.rows_done),
            (RefreshPhase::Done, first.rows)
        );
        let writes: Vec<u64> = events
            .iter()
            .filter(|p| p.phase == RefreshPhase::Writing)
            .map(|p| p.rows_done)
            .collect();
        assert!(writes.len() >= 2, "progress while writing: {writes:?}");
        assert!(writes.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*writes.last().unwrap(), first.rows);
        assert!(events.iter().all(|p| p.customer_code == NW));
    }
    assert!(first.rows > 2000, "more than one batch: {}", first.rows);
    assert!(
        !h.call::<CancelRefresh>(RefreshRequest {
            customer_code: nw.clone()
        })
        .await
        .unwrap(),
        "nothing running, nothing cancelled"
    );

    // Second refresh: cancelled after its first batch.
    seen.lock().unwrap().clear();
    hold.store(true, std::sync::atomic::Ordering::SeqCst);
    let app = h.app.clone();
    let req = serde_json::to_value(RefreshRequest {
        customer_code: nw.clone(),
    })
    .unwrap();
    let running = tokio::spawn(async move { app.dispatch(RefreshInventory::NAME, req).await });
    tokio::task::spawn_blocking(move || writing_rx.recv().unwrap())
        .await
        .unwrap();
    let again = h
        .call::<RefreshInventory>(RefreshRequest {
            customer_code: nw.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        again.kind,
        ErrorKind::AlreadyRunning,
        "one refresh per customer at a time"
    );
    assert!(
        h.call::<CancelRefresh>(RefreshRequest {
            customer_code: nw.clone()
        })
        .await
        .unwrap()
    );
    go_tx.send(()).unwrap();
    let e = running.await.unwrap().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Cancelled);
    assert_eq!(e.message, "Refresh cancelled; the previous copy is kept.");
    assert_eq!(
        seen.lock().unwrap().last().unwrap().phase,
        RefreshPhase::Cancelled
    );
    let page = h
        .call::<QueryInventory>(InventoryQuery {
            filter: filter(Some(NW)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((page.total, page.as_of), (first.rows, Some(first.as_of)));

    // A customer cannot cancel (or see) another customer's refresh.
    h.sign_in("cust@example.com").await;
    let e = h
        .call::<CancelRefresh>(RefreshRequest {
            customer_code: Some(BW.into()),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_refresh_interval_is_a_validated_admin_setting() {
    let h = start().await;
    h.sign_in("ada@example.com").await;
    assert_eq!(
        h.call::<GetInventorySettings>(())
            .await
            .unwrap()
            .auto_refresh_minutes,
        0
    );
    let e = h
        .call::<SaveInventorySettings>(InventorySettings {
            version: None,
            auto_refresh_minutes: 5000,
        })
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("auto_refresh_minutes"));
    h.call::<SaveInventorySettings>(InventorySettings {
        version: None,
        auto_refresh_minutes: 15,
    })
    .await
    .unwrap();
    h.sign_in("cust@example.com").await;
    assert_eq!(
        h.call::<GetInventorySettings>(())
            .await
            .unwrap()
            .auto_refresh_minutes,
        15,
        "every Inventory window reads it"
    );
    let e = h
        .call::<SaveInventorySettings>(InventorySettings {
            version: None,
            auto_refresh_minutes: 1,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
}

/// A customer account linked to an ERP customer code (as an admin picks it).
async fn add_linked_customer(h: &H, email: &str, code: &str) {
    let store = h.app.store().await.unwrap();
    let new = NewUser {
        name: "Linked".into(),
        email: email.into(),
        role: Role::Customer,
        erp_customer: None,
        erp_customer_code: Some(code.into()),
        password: Secret::new(GOOD),
        must_change_password: false,
    };
    accounts::create(&store, &Actor::system("t"), new)
        .await
        .unwrap();
}

/// Every row a signed-in customer can see, through refresh + query + export.
async fn own_rows(h: &H) -> (RefreshReply, InventoryPage, u64) {
    let r = h
        .call::<RefreshInventory>(RefreshRequest::default())
        .await
        .unwrap();
    let page = h
        .call::<QueryInventory>(InventoryQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let path = h.dir.path().join(format!("{}.xlsx", r.customer_code));
    let e = h
        .call::<ExportInventory>(ExportRequest {
            query: InventoryFilter::default(),
            path: path.display().to_string(),
        })
        .await
        .unwrap();
    (r, page, e.rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_erp_customers_with_one_name_each_see_only_their_own_stock() {
    let h = start().await;
    // A second "Northwind Foods" in the ERP, with a code of its own and 7 rows in bin Z-C90000.
    common::demo_erp_with(h.app.paths(), &[("C90000", "Northwind Foods", 7)]).await;
    add_linked_customer(&h, "nw1@example.com", NW).await;
    add_linked_customer(&h, "nw2@example.com", "C90000").await;

    h.sign_in("nw2@example.com").await;
    let (r, page, exported) = own_rows(&h).await;
    assert_eq!((r.customer_code.as_str(), r.rows), ("C90000", 7));
    assert_eq!(r.customer_name, "Northwind Foods");
    assert_eq!((page.customer_code.as_str(), page.total), ("C90000", 7));
    assert!(
        page.rows.iter().all(|x| x.bin == "Z-C90000"),
        "only its own rows"
    );
    assert_eq!(exported, 7);

    h.sign_in("nw1@example.com").await;
    let (r, page, exported) = own_rows(&h).await;
    assert_eq!(r.customer_code, NW);
    assert!(r.rows > 500, "{}", r.rows);
    assert_eq!((page.total, exported), (r.rows, r.rows));
    assert!(
        page.rows.iter().all(|x| x.bin != "Z-C90000"),
        "none of the other Northwind Foods' rows"
    );

    // The staff picker lists both, told apart by code.
    h.sign_in("wh@example.com").await;
    let listed = h
        .call::<ErpCustomers>(ErpCustomerQuery {
            search: Some("northwind foods".into()),
        })
        .await
        .unwrap();
    let mut labels: Vec<String> = listed.iter().map(|c| c.label()).collect();
    labels.sort();
    assert_eq!(
        labels,
        ["Northwind Foods (C10000)", "Northwind Foods (C90000)"]
    );

    // The account linked by name before codes existed is ambiguous now: it sees nothing.
    h.sign_in("cust@example.com").await;
    let e = h
        .call::<QueryInventory>(InventoryQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert!(e.message.contains("administrator must pick"), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_in_the_erp_keeps_the_link_and_the_name_follows() {
    let h = start().await;
    let erp = common::demo_erp_with(h.app.paths(), &[]).await;
    h.sign_in("cust@example.com").await;
    let (before, _, _) = own_rows(&h).await;
    assert_eq!(
        (before.customer_code.as_str(), before.customer_name.as_str()),
        (NW, "Northwind Foods"),
        "the account from before codes was linked by its unique name"
    );

    // The ERP renames C10000, and a new customer takes the old name.
    sqlx::query("UPDATE customers SET name = 'Northwind Foods Group' WHERE code = ?1")
        .bind(NW)
        .execute(&erp)
        .await
        .unwrap();
    common::add_erp_customer(&erp, "C90001", "Northwind Foods", 3).await;

    let (after, page, _) = own_rows(&h).await;
    assert_eq!(after.customer_code, NW, "still linked to its code");
    assert_eq!(after.rows, before.rows);
    assert!(page.rows.iter().all(|x| x.bin != "Z-C90001"));
    assert_eq!(
        (after.customer_name.as_str(), page.customer_name.as_str()),
        ("Northwind Foods Group", "Northwind Foods Group")
    );
    let me = h.call::<AppStatus>(()).await.unwrap().session.unwrap();
    assert_eq!(
        (me.erp_customer.as_deref(), me.erp_customer_code.as_deref()),
        (Some("Northwind Foods Group"), Some(NW)),
        "the account's display name followed the ERP"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_cannot_reach_another_code_through_any_request_field() {
    let h = start().await;
    common::demo_erp_with(h.app.paths(), &[("C90000", "Northwind Foods", 7)]).await;
    add_linked_customer(&h, "nw2@example.com", "C90000").await;
    h.sign_in("wh@example.com").await;
    let victim = h
        .call::<RefreshInventory>(RefreshRequest {
            customer_code: Some(NW.into()),
        })
        .await
        .unwrap();
    assert!(victim.rows > 7);

    h.sign_in("nw2@example.com").await;
    let forbidden = [
        NW,
        "c10000",
        " C10000 ",
        BW,
        "Northwind Foods",
        "%",
        "C9000%",
        "C90000' OR '1'='1",
        "C90000\u{0}",
        "C90000;C10000",
    ];
    for other in forbidden {
        let code = Some(other.to_string());
        let q =
            serde_json::json!({ "filter": { "customer_code": other }, "offset": 0, "limit": 1000 });
        let e = h.app.dispatch(QueryInventory::NAME, q).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "query {other:?}");
        for cmd in [RefreshInventory::NAME, CancelRefresh::NAME] {
            let e = h
                .app
                .dispatch(
                    cmd,
                    serde_json::to_value(RefreshRequest {
                        customer_code: code.clone(),
                    })
                    .unwrap(),
                )
                .await
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Forbidden, "{cmd} {other:?}");
        }
        let e = h
            .call::<ExportInventory>(ExportRequest {
                query: filter(Some(other)),
                path: h.dir.path().join("x.xlsx").display().to_string(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "export {other:?}");
    }
    assert!(!h.dir.path().join("x.xlsx").exists());

    // Fields the core does not read (old names, a session's fields, a name) change nothing:
    // the reply is the account's own code and rows.
    for payload in [
        serde_json::json!({ "customer": NW }),
        serde_json::json!({ "customer_code": null, "erp_customer_code": NW, "erp_customer": "Northwind Foods" }),
        serde_json::json!({ "customer_code": "C90000", "user_id": 1, "role": "admin" }),
    ] {
        let r: RefreshReply = serde_json::from_value(
            h.app
                .dispatch(RefreshInventory::NAME, payload.clone())
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (r.customer_code.as_str(), r.rows),
            ("C90000", 7),
            "{payload}"
        );
        let q = serde_json::json!({ "filter": payload, "offset": 0, "limit": 1000 });
        let p: InventoryPage =
            serde_json::from_value(h.app.dispatch(QueryInventory::NAME, q).await.unwrap()).unwrap();
        assert_eq!((p.customer_code.as_str(), p.total), ("C90000", 7));
        assert!(p.rows.iter().all(|x| x.bin == "Z-C90000"));
    }
    // Nor can the customer relink itself or list ERP customers.
    let e = h
        .call::<UpdateAccount>(portdesk_types::accounts::AccountUpdate {
            id: 3,
            version: Some(1),
            name: "Linked".into(),
            email: "nw2@example.com".into(),
            role: Role::Customer,
            erp_customer_code: Some(NW.into()),
            erp_customer: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = h
        .call::<ErpCustomers>(ErpCustomerQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
}

/// The files in the data folder named like a set-aside copy of the cache.
fn set_aside_copies(h: &H) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(h.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("inventory-cache.db.damaged-")
                && !p.to_string_lossy().ends_with("-wal")
        })
        .collect()
}

/// A damaged cache file is set aside (kept for support), the window is told, and the next
/// refresh rebuilds the copy.
async fn a_damaged_cache_is_set_aside_and_rebuilt(h: H, damaged: Vec<u8>) {
    h.sign_in("wh@example.com").await;
    let page = h
        .call::<QueryInventory>(InventoryQuery {
            filter: filter(Some("Northwind Foods")),
            ..Default::default()
        })
        .await
        .expect("inventory works with a damaged cache file");
    assert_eq!((page.total, page.as_of), (0, None));
    let notice = page.notice.expect("the window is told");
    assert!(
        notice.contains("damaged") && notice.contains("rebuilt at the next refresh"),
        "{notice}"
    );
    let aside = set_aside_copies(&h);
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read(&aside[0]).unwrap(),
        damaged,
        "the damaged file is kept as it was"
    );

    let r = h
        .call::<RefreshInventory>(RefreshRequest {
            customer_code: Some(NW.into()),
        })
        .await
        .unwrap();
    assert!(r.rows > 500);
    let page = h
        .call::<QueryInventory>(InventoryQuery {
            filter: filter(Some(NW)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, r.rows, "rebuilt by the refresh");
    assert_eq!(page.notice, None, "the notice ends with the rebuild");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_file_of_random_bytes_is_set_aside_and_rebuilt() {
    let h = start().await;
    // The cache opens at the first inventory command, so this is what it finds.
    let garbage: Vec<u8> = (0..64 * 1024).map(|_| fastrand::u8(..)).collect();
    std::fs::write(h.dir.path().join("inventory-cache.db"), &garbage).unwrap();
    a_damaged_cache_is_set_aside_and_rebuilt(h, garbage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_cache_file_is_set_aside_and_rebuilt() {
    let h = start().await;
    // A real cache with a few thousand rows, cut in half (a disk that filled up, a copy cut off).
    let whole = h.dir.path().join("whole.db");
    let cache = portdesk_core::inventory::InventoryCache::open(&whole)
        .await
        .unwrap();
    let rows: Vec<InventoryRow> = (0..5000)
        .map(|i| InventoryRow {
            part: format!("P-{i:05}"),
            description: "Pallet wrap, 500 mm, clear".into(),
            bin: format!("A-{:02}-{:02}", i % 40, i % 7),
            lot: Some(format!("L{i}")),
            on_hand: Some(10.0),
            allocated: Some(2.0),
            available: Some(8.0),
            unit: "EA".into(),
            last_received: Some("2026-11-30".into()),
            value: None,
        })
        .collect();
    cache
        .store_snapshot(NW, "Northwind Foods", &rows, 1)
        .await
        .unwrap();
    cache.close().await;
    let bytes = std::fs::read(&whole).unwrap();
    assert!(bytes.len() > 100_000, "{}", bytes.len());
    let cut = bytes[..bytes.len() / 2].to_vec();
    std::fs::write(h.dir.path().join("inventory-cache.db"), &cut).unwrap();
    a_damaged_cache_is_set_aside_and_rebuilt(h, cut).await;
}
