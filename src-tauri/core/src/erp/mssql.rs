//! The ERP on Microsoft SQL Server, read-only, through tiberius: TLS, connect / sign-in /
//! command timeouts, a small pool of idle connections, parameters always bound.

use super::{ErpError, cells};
use crate::tls::Trust;
use portdesk_types::Secret;
use portdesk_types::api::ErpCustomer;
use portdesk_types::inventory::InventoryRow;
use portdesk_types::settings::{SqlServerSettings, TlsMode};
use std::time::Duration;
use tiberius::{AuthMethod, Client, Config, EncryptionLevel, SqlBrowser};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

type TdsClient = Client<Compat<TcpStream>>;

/// The customer list. Sites expose a view of this shape (see docs/ERP.md):
/// `PORTDESK_CUSTOMERS(CUSTOMER_CODE, CUSTOMER_NAME, CITY NULL)`.
pub const CUSTOMERS_QUERY: &str = "SELECT CUSTOMER_CODE, CUSTOMER_NAME, CITY FROM PORTDESK_CUSTOMERS WHERE CUSTOMER_NAME LIKE @P1 ESCAPE '\\' OR CUSTOMER_CODE LIKE @P1 ESCAPE '\\' ORDER BY CUSTOMER_NAME";

/// One customer by its code (@P1, bound): the link of an account, and its current name.
pub const CUSTOMER_BY_CODE_QUERY: &str =
    "SELECT CUSTOMER_CODE, CUSTOMER_NAME, CITY FROM PORTDESK_CUSTOMERS WHERE CUSTOMER_CODE = @P1";

/// The default inventory query over the documented `PORTDESK_INVENTORY` view (docs/ERP.md);
/// a site can replace it in Settings. @P1 is the ERP customer code, always bound: never the
/// name, which two customers can share.
pub const INVENTORY_QUERY: &str = "SELECT PART, DESCRIPTION, BIN, LOT, ON_HAND, ALLOCATED, UNIT, LAST_RECEIVED, STOCK_VALUE FROM PORTDESK_INVENTORY WHERE CUSTOMER_CODE = @P1";

/// Monthly sales over the documented `PORTDESK_SALES_HISTORY` view (docs/ERP.md):
/// `CUSTOMER_CODE, PART, DESCRIPTION, MONTH ('YYYY-MM'), QUANTITY`.
pub const SALES_HISTORY_QUERY: &str = "SELECT PART, DESCRIPTION, MONTH, QUANTITY FROM PORTDESK_SALES_HISTORY WHERE CUSTOMER_CODE = @P1 ORDER BY PART, MONTH";

/// Maps sales rows; a missing column fails with its name, a row without a part or month is
/// skipped with a warning.
pub fn map_sales(rows: Vec<tiberius::Row>) -> Result<Vec<super::SalesRow>, ErpError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let cols = first.columns().to_vec();
    let idx = |name| cells::column_index(&cols, name).map_err(ErpError::Data);
    let (pi, di, mi, qi) = (
        idx("PART")?,
        idx("DESCRIPTION")?,
        idx("MONTH")?,
        idx("QUANTITY")?,
    );
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let cells: Vec<_> = row.into_iter().collect();
        let (Some(part), Some(month)) = (
            cells.get(pi).and_then(cells::text),
            cells.get(mi).and_then(cells::text),
        ) else {
            tracing::warn!("ERP sales row without PART or MONTH skipped");
            continue;
        };
        out.push(super::SalesRow {
            part,
            description: cells.get(di).and_then(cells::text).unwrap_or_default(),
            month: month.chars().take(7).collect(),
            quantity: cells.get(qi).and_then(cells::number).unwrap_or(0.0),
        });
    }
    Ok(out)
}

/// Columns an inventory query must return, and the optional ones.
pub const INVENTORY_REQUIRED: [&str; 6] =
    ["PART", "DESCRIPTION", "BIN", "ON_HAND", "ALLOCATED", "UNIT"];
pub const INVENTORY_OPTIONAL: [&str; 3] = ["LOT", "LAST_RECEIVED", "STOCK_VALUE"];

const MAX_IDLE: usize = 4;

pub struct MssqlErp {
    settings: SqlServerSettings,
    password: Option<Secret>,
    trust: Trust,
    idle: Mutex<Vec<TdsClient>>,
}

impl MssqlErp {
    pub fn new(settings: SqlServerSettings, password: Option<Secret>, trust: Trust) -> Self {
        MssqlErp {
            settings,
            password,
            trust,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub fn server(&self) -> String {
        let s = &self.settings;
        if s.instance.is_empty() {
            format!("{}:{}/{}", s.host, s.port, s.database)
        } else {
            format!("{}\\{}/{}", s.host, s.instance, s.database)
        }
    }

    /// The connection's settings. TLS (the whole connection or the login) verifies the
    /// server's certificate against the OS store plus the site's trusted certificates, unless
    /// the site chose to trust the server's own certificate blindly.
    fn config(&self) -> Result<Config, ErpError> {
        let s = &self.settings;
        let mut c = Config::new();
        c.host(&s.host);
        c.port(s.port);
        if !s.instance.is_empty() {
            c.instance_name(&s.instance);
        }
        c.database(&s.database);
        c.application_name("Portdesk");
        c.readonly(true);
        c.authentication(AuthMethod::sql_server(
            &s.user,
            self.password.as_ref().map(Secret::expose).unwrap_or(""),
        ));
        c.encryption(match s.tls {
            TlsMode::Required => EncryptionLevel::Required,
            TlsMode::LoginOnly => EncryptionLevel::Off,
            TlsMode::Disabled => EncryptionLevel::NotSupported,
        });
        if s.trust_server_certificate {
            c.trust_cert();
        } else if s.tls != TlsMode::Disabled
            && let Some(certs) = self
                .trust
                .certificates()
                .map_err(|e| ErpError::Tls(e.to_string()))?
        {
            c.trust_cert_ca_bundle(certs.pem().to_vec());
        }
        Ok(c)
    }

    fn timeout(&self, secs: u32, stage: &'static str) -> ErpError {
        ErpError::Timeout {
            server: self.server(),
            secs: u64::from(secs),
            stage,
        }
    }

    async fn connect(&self) -> Result<TdsClient, ErpError> {
        let config = self.config()?;
        let secs = self.settings.connect_timeout_secs.max(1);
        let limit = Duration::from_secs(u64::from(secs));
        let tcp = if self.settings.instance.is_empty() {
            tokio::time::timeout(limit, TcpStream::connect(config.get_addr()))
                .await
                .map_err(|_| self.timeout(secs, "connecting"))?
                .map_err(|e| ErpError::Unreachable {
                    server: self.server(),
                    reason: e.to_string(),
                })?
        } else {
            tokio::time::timeout(limit, TcpStream::connect_named(&config))
                .await
                .map_err(|_| self.timeout(secs, "asking SQL Browser for the instance's port"))?
                .map_err(|e| self.map_err(e))?
        };
        let _ = tcp.set_nodelay(true);
        tokio::time::timeout(limit, Client::connect(config, tcp.compat_write()))
            .await
            .map_err(|_| self.timeout(secs, "signing in"))?
            .map_err(|e| self.map_err(e))
    }

    async fn checkout(&self) -> Result<TdsClient, ErpError> {
        if let Some(c) = self.idle.lock().await.pop() {
            return Ok(c);
        }
        self.connect().await
    }

    async fn checkin(&self, client: TdsClient) {
        let mut idle = self.idle.lock().await;
        if idle.len() < MAX_IDLE {
            idle.push(client);
        }
    }

    /// Runs a parameterised query and returns its rows; a connection that failed or timed out
    /// is dropped rather than returned to the pool.
    async fn query(&self, sql: &str, params: &[&str]) -> Result<Vec<tiberius::Row>, ErpError> {
        let mut client = self.checkout().await?;
        let secs = self.settings.command_timeout_secs.max(1);
        let run = async {
            let mut q = tiberius::Query::new(sql);
            for p in params {
                q.bind(*p);
            }
            q.query(&mut client).await?.into_first_result().await
        };
        let rows = tokio::time::timeout(Duration::from_secs(u64::from(secs)), run)
            .await
            .map_err(|_| self.timeout(secs, "running the query"))?
            .map_err(|e| self.map_err(e))?;
        self.checkin(client).await;
        Ok(rows)
    }

    pub async fn customers(&self, search: Option<&str>) -> Result<Vec<ErpCustomer>, ErpError> {
        let pattern = super::demo::like_contains(search.unwrap_or_default());
        let rows = self.query(CUSTOMERS_QUERY, &[&pattern]).await?;
        map_customers(rows)
    }

    pub async fn customer(&self, code: &str) -> Result<Option<ErpCustomer>, ErpError> {
        let rows = self.query(CUSTOMER_BY_CODE_QUERY, &[code]).await?;
        // The view's collation may match codes loosely; the link is the exact code.
        Ok(map_customers(rows)?
            .into_iter()
            .find(|c| c.code.trim() == code))
    }

    pub async fn sales_history(&self, code: &str) -> Result<Vec<super::SalesRow>, ErpError> {
        let rows = self.query(SALES_HISTORY_QUERY, &[code]).await?;
        map_sales(rows)
    }

    pub async fn inventory(&self, code: &str) -> Result<Vec<InventoryRow>, ErpError> {
        let custom = self.settings.inventory_query_by_code.trim();
        let sql = if !custom.is_empty() {
            custom
        } else if !self
            .settings
            .legacy_inventory_query_by_name
            .trim()
            .is_empty()
        {
            // Fail closed: that query selects by name and could show another customer's stock.
            return Err(ErpError::Settings(
                "the site's inventory query (inventory_query) selects by customer name; Portdesk now passes the ERP customer code as @P1. Rewrite it to filter on the code and save it as inventory_query_by_code (or remove it to use the default over PORTDESK_INVENTORY).".into(),
            ));
        } else {
            INVENTORY_QUERY
        };
        let rows = self.query(sql, &[code]).await?;
        map_inventory(rows)
    }

    fn map_err(&self, e: tiberius::error::Error) -> ErpError {
        use tiberius::error::Error as E;
        match e {
            E::Server(t) => match t.code() {
                18456 | 18452 | 18470 | 18486 | 18487 | 18488 | 4060 => ErpError::Login {
                    user: self.settings.user.clone(),
                    message: t.message().to_owned(),
                },
                229 | 230 | 262 | 297 | 300 | 916 => ErpError::Permission {
                    code: t.code(),
                    message: t.message().to_owned(),
                },
                code => ErpError::Server {
                    code,
                    message: t.message().to_owned(),
                },
            },
            E::Io { message, .. } => ErpError::Unreachable {
                server: self.server(),
                reason: crate::tls::explain(message),
            },
            E::Tls(m) => ErpError::Tls(crate::tls::explain(m)),
            E::Routing { host, port } => ErpError::Unreachable {
                server: self.server(),
                reason: format!("the server redirects to {host}:{port}; enter that server instead"),
            },
            other => ErpError::Data(other.to_string()),
        }
    }
}

/// Maps rows of the customers query; a row without a code is skipped with a warning.
pub fn map_customers(rows: Vec<tiberius::Row>) -> Result<Vec<ErpCustomer>, ErpError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let cols = first.columns().to_vec();
    let idx = |name| cells::column_index(&cols, name).map_err(ErpError::Data);
    let (ci, ni, ti) = (idx("CUSTOMER_CODE")?, idx("CUSTOMER_NAME")?, idx("CITY")?);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let cells: Vec<_> = row.into_iter().collect();
        let Some(code) = cells.get(ci).and_then(cells::text) else {
            tracing::warn!("ERP customer row without CUSTOMER_CODE skipped");
            continue;
        };
        let name = cells
            .get(ni)
            .and_then(cells::text)
            .unwrap_or_else(|| code.clone());
        let city = cells
            .get(ti)
            .and_then(cells::text)
            .filter(|c| !c.is_empty());
        out.push(ErpCustomer { code, name, city });
    }
    Ok(out)
}

/// Maps inventory rows. A missing required column fails with its name; a cell of an unexpected
/// type or NULL becomes an empty cell and the row is kept (one warning per fetch, with a count).
pub fn map_inventory(rows: Vec<tiberius::Row>) -> Result<Vec<InventoryRow>, ErpError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let cols = first.columns().to_vec();
    let req = |name| {
        cells::column_index(&cols, name).map_err(|m| {
            ErpError::Data(format!(
                "{m}; the inventory query must return {}",
                INVENTORY_REQUIRED.join(", ")
            ))
        })
    };
    let (pi, di, bi, oi, ai, ui) = (
        req("PART")?,
        req("DESCRIPTION")?,
        req("BIN")?,
        req("ON_HAND")?,
        req("ALLOCATED")?,
        req("UNIT")?,
    );
    let opt = |name| cells::column_index(&cols, name).ok();
    let (li, ri, vi) = (opt("LOT"), opt("LAST_RECEIVED"), opt("STOCK_VALUE"));
    let mut odd = 0usize;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let cells: Vec<_> = row.into_iter().collect();
        let mut text = |i: usize| -> Option<String> {
            let c = cells.get(i)?;
            let v = cells::text(c);
            if v.is_none() && !cells::is_null(c) {
                odd += 1;
            }
            v
        };
        let part = text(pi).unwrap_or_default();
        let description = text(di).unwrap_or_default();
        let bin = text(bi).unwrap_or_default();
        let unit = text(ui).unwrap_or_default();
        let lot = li.and_then(&mut text).filter(|l| !l.is_empty());
        let mut num = |i: usize| -> Option<f64> {
            let c = cells.get(i)?;
            let v = cells::number(c);
            if v.is_none() && !cells::is_null(c) {
                odd += 1;
            }
            v
        };
        let on_hand = num(oi);
        let allocated = num(ai);
        let value = vi.and_then(&mut num);
        let last_received = ri.and_then(|i| {
            let c = cells.get(i)?;
            let v = cells::date(c);
            if v.is_none() && !cells::is_null(c) {
                odd += 1;
            }
            v
        });
        let available = match (on_hand, allocated) {
            (Some(o), Some(a)) => Some(o - a),
            (Some(o), None) => Some(o),
            _ => None,
        };
        out.push(InventoryRow {
            part,
            description,
            bin,
            lot,
            on_hand,
            allocated,
            available,
            unit,
            last_received,
            value,
        });
    }
    if odd > 0 {
        tracing::warn!(
            cells = odd,
            "ERP inventory: cells of an unexpected type were left empty"
        );
    }
    Ok(out)
}
