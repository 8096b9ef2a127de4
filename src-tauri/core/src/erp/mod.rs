//! The ERP, read-only, behind one interface with two sources: Microsoft SQL Server (through
//! tiberius) and the bundled demo ERP (a generated SQLite file of the same shape).

pub mod cells;
pub mod commands;
pub mod demo;

/// One month of one part's sales to a customer (`month` is `YYYY-MM`).
#[derive(Debug, Clone, PartialEq)]
pub struct SalesRow {
    pub part: String,
    pub description: String,
    pub month: String,
    pub quantity: f64,
}

/// Rows per chunk handed from the ERP reader to the cache writer.
pub const CHUNK_ROWS: usize = 2000;
pub mod mssql;

use crate::paths::AppPaths;
use portdesk_types::Secret;
use portdesk_types::api::ErpCustomer;
use portdesk_types::inventory::InventoryRow;
use portdesk_types::settings::ErpSettings;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ErpError {
    #[error("The ERP server {server} cannot be reached: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("The ERP server {server} did not answer within {secs} s while {stage}.")]
    Timeout {
        server: String,
        secs: u64,
        stage: &'static str,
    },
    #[error("The ERP refused the sign-in of user \"{user}\": {message}")]
    Login { user: String, message: String },
    #[error(
        "The ERP denied access: {message} (SQL Server error {code}). Ask the ERP administrator to grant this user read access."
    )]
    Permission { code: u32, message: String },
    #[error("The ERP query failed: {message} (SQL Server error {code}).")]
    Server { code: u32, message: String },
    #[error("The secure connection to the ERP failed: {0}")]
    Tls(String),
    #[error("The ERP returned data Portdesk cannot read: {0}")]
    Data(String),
    #[error("The ERP settings cannot be used: {0}")]
    Settings(String),
    #[error("The demo ERP file {path} cannot be used: {reason}")]
    Demo { path: PathBuf, reason: String },
}

impl ErpError {
    /// The ERP cannot be reached now (as opposed to refusing what was asked).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            ErpError::Unreachable { .. }
                | ErpError::Timeout { .. }
                | ErpError::Tls(_)
                | ErpError::Demo { .. }
        )
    }
}

// One per process, behind an Arc: the size of the larger variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Erp {
    Demo(demo::DemoErp),
    SqlServer(mssql::MssqlErp),
}

impl Erp {
    /// Opens the configured source. The demo ERP is generated on first use (default size).
    pub async fn open(
        settings: &ErpSettings,
        paths: &AppPaths,
        password: Option<Secret>,
        trust: &crate::tls::Trust,
    ) -> Result<Erp, ErpError> {
        match settings {
            ErpSettings::Demo { path } => {
                let path = path
                    .as_deref()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| paths.default_demo_erp_file());
                Ok(Erp::Demo(demo::DemoErp::open_or_generate(&path).await?))
            }
            ErpSettings::SqlServer(s) => Ok(Erp::SqlServer(mssql::MssqlErp::new(
                s.clone(),
                password,
                trust.clone(),
            ))),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Erp::Demo(d) => format!("Demo ERP ({})", d.path().display()),
            Erp::SqlServer(m) => format!("SQL Server {}", m.server()),
        }
    }

    /// Customers whose name or code contains `search` (case-insensitive), by name.
    pub async fn customers(&self, search: Option<&str>) -> Result<Vec<ErpCustomer>, ErpError> {
        match self {
            Erp::Demo(d) => d.customers(search).await,
            Erp::SqlServer(m) => m.customers(search).await,
        }
    }

    /// The customer with exactly this code, if the ERP has one.
    pub async fn customer(&self, code: &str) -> Result<Option<ErpCustomer>, ErpError> {
        let code = code.trim();
        if code.is_empty() {
            return Ok(None);
        }
        match self {
            Erp::Demo(d) => d.customer(code).await,
            Erp::SqlServer(m) => m.customer(code).await,
        }
    }

    /// Every customer whose name is exactly `name` (ignoring case and surrounding spaces):
    /// names are not unique, so this can be several.
    pub async fn customers_named(&self, name: &str) -> Result<Vec<ErpCustomer>, ErpError> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .customers(Some(name))
            .await?
            .into_iter()
            .filter(|c| c.name.trim().to_lowercase() == name.to_lowercase())
            .collect())
    }

    /// The stock the warehouse holds for one ERP customer, by its code.
    /// Monthly sales of one customer by part, oldest month first per part.
    pub async fn sales_history(&self, code: &str) -> Result<Vec<SalesRow>, ErpError> {
        match self {
            Erp::Demo(d) => d.sales_history(code).await,
            Erp::SqlServer(m) => m.sales_history(code).await,
        }
    }

    pub async fn inventory(&self, code: &str) -> Result<Vec<InventoryRow>, ErpError> {
        match self {
            Erp::Demo(d) => d.inventory(code).await,
            Erp::SqlServer(m) => m.inventory(code).await,
        }
    }

    /// As [`Erp::inventory`], handed over in chunks as they are read, so the cache can write
    /// while the ERP is still being read. Returns the row count; a closed `sink` stops early.
    pub async fn inventory_chunks(
        &self,
        code: &str,
        sink: &tokio::sync::mpsc::Sender<Vec<InventoryRow>>,
    ) -> Result<u64, ErpError> {
        match self {
            Erp::Demo(d) => d.inventory_chunks(code, sink).await,
            // tiberius hands over the whole result; its rows then go out in chunks.
            Erp::SqlServer(m) => {
                let rows = m.inventory(code).await?;
                let n = rows.len() as u64;
                let mut rows = rows.into_iter();
                loop {
                    let chunk: Vec<_> = rows.by_ref().take(CHUNK_ROWS).collect();
                    if chunk.is_empty() || sink.send(chunk).await.is_err() {
                        break;
                    }
                }
                Ok(n)
            }
        }
    }

    /// Connects, signs in and reads the customer list: a "Test connection" for Settings.
    pub async fn test(&self) -> Result<String, ErpError> {
        let n = self.customers(None).await?.len();
        Ok(format!(
            "Connected to {}: {n} customer(s) visible.",
            self.describe()
        ))
    }
}
