//! The SQL Server ERP source over the real TDS wire protocol, against Microsoft's
//! `mssql-mock-tds` server on 127.0.0.1. The mock matches SQL text in upper case, which is
//! how Portdesk's default queries are written.

use mssql_mock_tds::{
    ColumnDefinition, ColumnValue, LOGIN_DELAY_KEY, MockTdsServer, QueryResponse, Row, SqlDataType,
    TerminalError,
};
use portdesk_core::erp::mssql::{
    CUSTOMER_BY_CODE_QUERY, CUSTOMERS_QUERY, MssqlErp, SALES_HISTORY_QUERY,
};
use portdesk_core::erp::{Erp, ErpError};
use portdesk_types::Secret;
use portdesk_types::settings::{SqlServerSettings, TlsMode};
use std::time::{Duration, Instant};

fn utf16(s: &str) -> Vec<Vec<u16>> {
    vec![s.encode_utf16().collect()]
}

struct Mock {
    port: u16,
    registry: std::sync::Arc<tokio::sync::Mutex<mssql_mock_tds::QueryRegistry>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start_mock() -> Mock {
    let server = MockTdsServer::new("127.0.0.1:0").await.unwrap();
    let port = server.local_addr().port();
    let registry = server.query_registry();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(server.run_with_shutdown(rx));
    Mock {
        port,
        registry,
        _stop: tx,
    }
}

fn settings(port: u16, timeout: u32) -> SqlServerSettings {
    SqlServerSettings {
        host: "127.0.0.1".into(),
        port,
        database: "ERP".into(),
        user: "portdesk_reader".into(),
        tls: TlsMode::Disabled,
        connect_timeout_secs: timeout,
        command_timeout_secs: timeout,
        ..Default::default()
    }
}

fn erp(port: u16, timeout: u32) -> MssqlErp {
    MssqlErp::new(
        settings(port, timeout),
        Some(Secret::new("reader-Password-1")),
        Default::default(),
    )
}

#[tokio::test]
async fn lists_customers_with_a_bound_parameter_and_maps_null() {
    let mock = start_mock().await;
    mock.registry.lock().await.register(
        CUSTOMERS_QUERY,
        QueryResponse::new(
            vec![
                ColumnDefinition::new("CUSTOMER_CODE", SqlDataType::NVarChar),
                ColumnDefinition::new("CUSTOMER_NAME", SqlDataType::NVarChar),
                ColumnDefinition::new("CITY", SqlDataType::NVarCharMax),
            ],
            vec![
                Row::new(vec![
                    ColumnValue::NVarChar("C10000".into()),
                    ColumnValue::NVarChar("Northwind Foods".into()),
                    ColumnValue::NVarCharMax(utf16("Łódź")),
                ]),
                Row::new(vec![
                    ColumnValue::NVarChar("C10001".into()),
                    ColumnValue::NVarChar("Bluewater Trading".into()),
                    ColumnValue::NVarCharMaxNull,
                ]),
            ],
        ),
    );
    let erp = erp(mock.port, 5);
    let customers = erp.customers(Some("north")).await.unwrap();
    assert_eq!(customers.len(), 2);
    assert_eq!(customers[0].code, "C10000");
    assert_eq!(customers[0].name, "Northwind Foods");
    assert_eq!(customers[0].city.as_deref(), Some("Łódź"));
    assert_eq!(customers[1].city, None, "NULL maps to None");

    // The pooled connection is reused for the next query.
    assert_eq!(erp.customers(None).await.unwrap().len(), 2);
    let via_interface = Erp::SqlServer(erp);
    assert!(
        via_interface
            .test()
            .await
            .unwrap()
            .contains("2 customer(s)")
    );
}

#[tokio::test]
async fn integer_customer_codes_are_accepted() {
    let mock = start_mock().await;
    mock.registry.lock().await.register(
        CUSTOMERS_QUERY,
        QueryResponse::new(
            vec![
                ColumnDefinition::new("CUSTOMER_CODE", SqlDataType::Int),
                ColumnDefinition::new("CUSTOMER_NAME", SqlDataType::NVarChar),
                ColumnDefinition::new("CITY", SqlDataType::NVarCharMax),
            ],
            vec![Row::new(vec![
                ColumnValue::Int(4711),
                ColumnValue::NVarChar("Kestrel Pharma".into()),
                ColumnValue::NVarCharMaxNull,
            ])],
        ),
    );
    let c = erp(mock.port, 5).customers(None).await.unwrap();
    assert_eq!(c[0].code, "4711");
}

#[tokio::test]
async fn a_missing_column_is_named() {
    let mock = start_mock().await;
    mock.registry.lock().await.register(
        CUSTOMERS_QUERY,
        QueryResponse::new(
            vec![
                ColumnDefinition::new("CUSTOMER_CODE", SqlDataType::NVarChar),
                ColumnDefinition::new("NAME", SqlDataType::NVarChar),
            ],
            vec![Row::new(vec![
                ColumnValue::NVarChar("C1".into()),
                ColumnValue::NVarChar("X".into()),
            ])],
        ),
    );
    let e = erp(mock.port, 5).customers(None).await.unwrap_err();
    assert!(e.to_string().contains("\"CUSTOMER_NAME\""), "{e}");
}

#[tokio::test]
async fn permission_denied_is_a_clear_message() {
    let mock = start_mock().await;
    mock.registry.lock().await.register(
        CUSTOMERS_QUERY,
        QueryResponse::error_only(TerminalError::new(
            229,
            14,
            "The SELECT permission was denied on the object 'PORTDESK_CUSTOMERS', database 'ERP', schema 'dbo'.",
        )),
    );
    let e = erp(mock.port, 5).customers(None).await.unwrap_err();
    assert!(matches!(e, ErpError::Permission { code: 229, .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("SELECT permission was denied")
            && msg.contains("229")
            && msg.contains("grant"),
        "{msg}"
    );
    assert!(!e.is_unavailable());
}

#[tokio::test]
async fn unreachable_server_fails_fast_with_its_address() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let e = erp(port, 3).customers(None).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(matches!(e, ErpError::Unreachable { .. }), "{e:?}");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
    assert!(e.is_unavailable());
}

#[tokio::test]
async fn a_silent_server_times_out_within_the_configured_limit() {
    // Accepts the TCP connection and then never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let started = Instant::now();
    let e = erp(port, 1).customers(None).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "took {took:?}"
    );
    assert!(
        matches!(
            e,
            ErpError::Timeout {
                stage: "signing in",
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_stalled_login_on_a_real_tds_server_times_out() {
    let mock = start_mock().await;
    mock.registry.lock().await.register(
        LOGIN_DELAY_KEY,
        QueryResponse::select_one().with_delay(Duration::from_secs(10)),
    );
    let started = Instant::now();
    let e = erp(mock.port, 1).customers(None).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(
        e.to_string()
            .contains("did not answer within 1 s while signing in"),
        "{e}"
    );
}

#[tokio::test]
async fn a_slow_query_times_out_with_the_command_timeout() {
    let mock = start_mock().await;
    mock.registry.lock().await.register(
        CUSTOMERS_QUERY,
        QueryResponse::new(
            vec![ColumnDefinition::new(
                "CUSTOMER_CODE",
                SqlDataType::NVarChar,
            )],
            vec![],
        )
        .with_delay(Duration::from_secs(10)),
    );
    let e = erp(mock.port, 1).customers(None).await.unwrap_err();
    assert!(
        matches!(
            e,
            ErpError::Timeout {
                stage: "running the query",
                ..
            }
        ),
        "{e:?}"
    );
}

use portdesk_core::erp::mssql::INVENTORY_QUERY;

fn inventory_columns(with_unit: bool) -> Vec<ColumnDefinition> {
    let mut cols = vec![
        ColumnDefinition::new("PART", SqlDataType::NVarChar),
        ColumnDefinition::new("DESCRIPTION", SqlDataType::NVarChar),
        ColumnDefinition::new("BIN", SqlDataType::NVarChar),
        ColumnDefinition::new("LOT", SqlDataType::NVarCharMax),
        ColumnDefinition::new("ON_HAND", SqlDataType::Int),
        ColumnDefinition::new("ALLOCATED", SqlDataType::BigInt),
    ];
    if with_unit {
        cols.push(ColumnDefinition::new("UNIT", SqlDataType::NVarChar));
    }
    cols.push(ColumnDefinition::new(
        "LAST_RECEIVED",
        SqlDataType::NVarChar,
    ));
    cols.push(ColumnDefinition::new(
        "STOCK_VALUE",
        SqlDataType::NVarCharMax,
    ));
    cols
}

#[tokio::test]
async fn inventory_rows_map_numbers_dates_and_nulls() {
    let mock = start_mock().await;
    mock.registry.lock().await.register(
        INVENTORY_QUERY,
        QueryResponse::new(
            inventory_columns(true),
            vec![
                Row::new(vec![
                    ColumnValue::NVarChar("P-100001".into()),
                    ColumnValue::NVarChar("Steel bolt M8".into()),
                    ColumnValue::NVarChar("A-01-02".into()),
                    ColumnValue::NVarCharMax(utf16("L2610-0042")),
                    ColumnValue::Int(120),
                    ColumnValue::BigInt(20),
                    ColumnValue::NVarChar("EA".into()),
                    ColumnValue::NVarChar("2026-10-05".into()),
                    ColumnValue::NVarCharMax(utf16("1250.50")),
                ]),
                Row::new(vec![
                    ColumnValue::NVarChar("P-100002".into()),
                    ColumnValue::NVarChar("Olive oil 1L".into()),
                    ColumnValue::NVarChar("B-02-01".into()),
                    ColumnValue::NVarCharMaxNull,
                    ColumnValue::Int(7),
                    ColumnValue::BigInt(0),
                    ColumnValue::NVarChar("L".into()),
                    ColumnValue::NVarChar("not a date".into()),
                    ColumnValue::NVarCharMaxNull,
                ]),
            ],
        ),
    );
    let rows = erp(mock.port, 5).inventory("C10000").await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].part, "P-100001");
    assert_eq!(
        (rows[0].on_hand, rows[0].allocated, rows[0].available),
        (Some(120.0), Some(20.0), Some(100.0))
    );
    assert_eq!(rows[0].lot.as_deref(), Some("L2610-0042"));
    assert_eq!(rows[0].last_received.as_deref(), Some("2026-10-05"));
    assert_eq!(rows[0].value, Some(1250.5));
    assert_eq!(rows[1].lot, None, "NULL lot");
    assert_eq!(rows[1].value, None, "NULL value");
    assert_eq!(
        rows[1].last_received, None,
        "an unreadable date leaves the cell empty and keeps the row"
    );
}

#[tokio::test]
async fn an_inventory_query_without_a_required_column_names_it() {
    let mock = start_mock().await;
    mock.registry.lock().await.register(
        INVENTORY_QUERY,
        QueryResponse::new(
            inventory_columns(false),
            vec![Row::new(vec![
                ColumnValue::NVarChar("P".into()),
                ColumnValue::NVarChar("D".into()),
                ColumnValue::NVarChar("B".into()),
                ColumnValue::NVarCharMaxNull,
                ColumnValue::Int(1),
                ColumnValue::BigInt(0),
                ColumnValue::NVarChar("2026-10-05".into()),
                ColumnValue::NVarCharMaxNull,
            ])],
        ),
    );
    let e = erp(mock.port, 5).inventory("C10000").await.unwrap_err();
    assert!(e.to_string().contains("no column \"UNIT\""), "{e}");
}

fn customer_columns() -> Vec<ColumnDefinition> {
    vec![
        ColumnDefinition::new("CUSTOMER_CODE", SqlDataType::NVarChar),
        ColumnDefinition::new("CUSTOMER_NAME", SqlDataType::NVarChar),
        ColumnDefinition::new("CITY", SqlDataType::NVarCharMax),
    ]
}

#[tokio::test]
async fn a_customer_is_read_by_its_code_and_duplicate_names_are_told_apart() {
    let mock = start_mock().await;
    {
        let mut reg = mock.registry.lock().await;
        reg.register(
            CUSTOMER_BY_CODE_QUERY,
            QueryResponse::new(
                customer_columns(),
                vec![Row::new(vec![
                    ColumnValue::NVarChar("C90000".into()),
                    ColumnValue::NVarChar("Northwind Foods".into()),
                    ColumnValue::NVarCharMaxNull,
                ])],
            ),
        );
        reg.register(
            CUSTOMERS_QUERY,
            QueryResponse::new(
                customer_columns(),
                ["C10000", "C90000"]
                    .into_iter()
                    .map(|code| {
                        Row::new(vec![
                            ColumnValue::NVarChar(code.into()),
                            ColumnValue::NVarChar("Northwind Foods".into()),
                            ColumnValue::NVarCharMaxNull,
                        ])
                    })
                    .collect(),
            ),
        );
    }
    let erp = Erp::SqlServer(erp(mock.port, 5));
    let c = erp.customer("C90000").await.unwrap().unwrap();
    assert_eq!(
        (c.code.as_str(), c.name.as_str()),
        ("C90000", "Northwind Foods")
    );
    assert!(
        erp.customer("C10000").await.unwrap().is_none(),
        "a row for another code is never taken for the one asked"
    );
    let named = erp.customers_named("northwind foods").await.unwrap();
    assert_eq!(named.len(), 2, "one name, two customers");
}

#[tokio::test]
async fn a_site_query_takes_the_code_and_the_old_by_name_setting_is_refused() {
    let mock = start_mock().await;
    const SITE: &str = "SELECT PART, DESCRIPTION, BIN, LOT, ON_HAND, ALLOCATED, UNIT, LAST_RECEIVED, STOCK_VALUE FROM SITE_STOCK WHERE DEBTOR_NO = @P1";
    mock.registry.lock().await.register(
        SITE,
        QueryResponse::new(
            inventory_columns(true),
            vec![Row::new(vec![
                ColumnValue::NVarChar("P-1".into()),
                ColumnValue::NVarChar("D".into()),
                ColumnValue::NVarChar("B".into()),
                ColumnValue::NVarCharMaxNull,
                ColumnValue::Int(1),
                ColumnValue::BigInt(0),
                ColumnValue::NVarChar("EA".into()),
                ColumnValue::NVarChar("2026-10-05".into()),
                ColumnValue::NVarCharMaxNull,
            ])],
        ),
    );
    let site = SqlServerSettings {
        inventory_query_by_code: SITE.into(),
        ..settings(mock.port, 5)
    };
    let rows = MssqlErp::new(site, None, Default::default())
        .inventory("C10000")
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);

    // A setting from before codes selected by name: refused, without asking the server.
    let legacy = SqlServerSettings {
        legacy_inventory_query_by_name: "SELECT * FROM V WHERE CUSTOMER_NAME = @P1".into(),
        ..settings(1, 1)
    };
    let e = MssqlErp::new(legacy, None, Default::default())
        .inventory("C10000")
        .await
        .unwrap_err();
    assert!(matches!(e, ErpError::Settings(_)), "{e:?}");
    assert!(e.to_string().contains("inventory_query_by_code"), "{e}");
}

#[tokio::test]
async fn sales_history_is_read_by_customer_code() {
    let mock = start_mock().await;
    mock.registry.lock().await.register(
        SALES_HISTORY_QUERY,
        QueryResponse::new(
            vec![
                ColumnDefinition::new("PART", SqlDataType::NVarChar),
                ColumnDefinition::new("DESCRIPTION", SqlDataType::NVarChar),
                ColumnDefinition::new("MONTH", SqlDataType::NVarChar),
                ColumnDefinition::new("QUANTITY", SqlDataType::Int),
            ],
            vec![
                Row::new(vec![
                    ColumnValue::NVarChar("P-100".into()),
                    ColumnValue::NVarChar("Pallet wrap".into()),
                    ColumnValue::NVarChar("2026-11".into()),
                    ColumnValue::Int(120),
                ]),
                Row::new(vec![
                    ColumnValue::NVarChar("P-100".into()),
                    ColumnValue::NVarChar("Pallet wrap".into()),
                    ColumnValue::NVarChar("2026-12".into()),
                    ColumnValue::Int(95),
                ]),
            ],
        ),
    );
    let rows = Erp::SqlServer(erp(mock.port, 5))
        .sales_history("C10000")
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            rows[0].part.as_str(),
            rows[0].month.as_str(),
            rows[0].quantity
        ),
        ("P-100", "2026-11", 120.0)
    );
    assert_eq!(rows[1].quantity, 95.0);
}
