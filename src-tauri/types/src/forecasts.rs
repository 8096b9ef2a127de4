//! S&OP forecasts: planning cycles and the forecast grid of each sales rep (customers ×
//! products × months), every cell versioned so an edit made elsewhere is never overwritten.

use crate::accounts::{ExportReply, ExportRequest};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleStatus {
    Draft,
    Open,
    Closed,
}

impl CycleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CycleStatus::Draft => "draft",
            CycleStatus::Open => "open",
            CycleStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<CycleStatus> {
        [CycleStatus::Draft, CycleStatus::Open, CycleStatus::Closed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    pub id: i64,
    pub name: String,
    /// `YYYY-MM`.
    pub first_month: String,
    /// Months, 12 to 18.
    pub horizon: u32,
    /// Submission deadline (ms).
    pub deadline: i64,
    pub status: CycleStatus,
    /// The cycle's months, `YYYY-MM`, in order.
    pub months: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCycle {
    pub name: String,
    pub first_month: String,
    pub horizon: u32,
    pub deadline: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleRef {
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReopenCycle {
    pub id: i64,
    pub reason: String,
}

/// One cell as the grid holds it: `version` 0 for a cell never saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub month: String,
    pub quantity: Option<i64>,
    pub version: i64,
    /// The value shown is an edit in this desktop's journal, not yet in the shared store.
    #[serde(default)]
    pub pending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridRow {
    pub customer_code: String,
    pub customer: String,
    pub part: String,
    pub description: String,
    /// One per cycle month, in order.
    pub cells: Vec<Cell>,
    pub total: i64,
    /// Sales in the 12 months before the cycle's first month (from the ERP's history).
    pub last_12_months: i64,
    /// Sales in each cycle month's counterpart a year earlier, in the cycle's order.
    pub history: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    Draft,
    Submitted,
}

impl SubmissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Draft => "draft",
            SubmissionStatus::Submitted => "submitted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    pub cycle: Cycle,
    pub rep_id: i64,
    pub status: SubmissionStatus,
    pub rows: Vec<GridRow>,
    /// Per month, in order.
    pub month_totals: Vec<i64>,
    /// Per month, the rows' sales a year earlier (see [`GridRow::history`]).
    pub history_totals: Vec<i64>,
    /// What this desktop's journal still holds for the grid.
    #[serde(default)]
    pub sync: SyncState,
}

/// The offline journal's state for one grid: edits not yet in the shared store, edits the
/// store refused, and conflicts waiting for the rep's choice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// Edits kept on this desktop, not yet synced.
    pub pending: u32,
    pub conflicts: Vec<CellConflict>,
    pub refused: Vec<RefusedEdit>,
    /// Set when the shared store did not answer and this is the local copy: when it was read.
    pub offline_as_of: Option<i64>,
}

/// An edit from the journal the shared store would not take (the cycle closed, the customer
/// went to another rep, …): shown, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedEdit {
    pub customer_code: String,
    pub part: String,
    pub month: String,
    pub quantity: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridRequest {
    pub cycle_id: i64,
    /// Admin: whose grid; a rep always gets their own.
    pub rep_id: Option<i64>,
}

/// One edited cell. `base_version` is the version the editor saw (0: the cell was empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellEdit {
    pub customer_code: String,
    pub part: String,
    pub month: String,
    /// As typed: text, negative, fractional or absurd values are refused by name.
    pub quantity: f64,
    pub base_version: i64,
    /// Set by the offline journal: an edit with a key seen before is not applied again.
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveCells {
    pub cycle_id: i64,
    pub edits: Vec<CellEdit>,
}

/// A cell changed elsewhere since the editor's base version: both values, for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellConflict {
    pub customer_code: String,
    pub part: String,
    pub month: String,
    pub yours: i64,
    pub theirs: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveReply {
    /// Cells applied (or already applied under their key).
    pub applied: u32,
    /// The new version of each applied cell, in the order sent (conflicts excluded).
    pub versions: Vec<i64>,
    pub conflicts: Vec<CellConflict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepStatus {
    pub rep_id: i64,
    pub name: String,
    pub customers: u32,
    pub cells: u32,
    pub status: SubmissionStatus,
    pub submitted_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub customer_code: String,
    pub customer: String,
    pub rep_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixEntry {
    pub customer_code: String,
    pub part: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeriveReply {
    pub customers: u32,
    pub history_rows: u32,
    pub matrix_added: u32,
}

/// "Keep mine" (`keep_mine`: the edit is saved on the store's version, `edit.base_version`)
/// or "keep the saved one" for a conflict or a refused edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolveCell {
    pub cycle_id: i64,
    pub edit: CellEdit,
    pub keep_mine: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastSettings {
    /// The card's version when read; a save names it, and a save from a stale card is
    /// refused (`None`: a caller that did not read it, such as a test or a script).
    #[serde(default)]
    pub version: Option<i64>,
    /// Days before a cycle's deadline that reps who have not submitted are e-mailed; 0: never.
    pub reminder_days: i64,
}

/// One line of the cycle report: a rep, a customer or a product, its forecast over the cycle
/// and the same months a year earlier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// Rep id, customer code or part.
    pub key: String,
    pub label: String,
    /// A rep's submission status; a customer's rep.
    pub detail: String,
    pub forecast: i64,
    pub year_before: i64,
}

/// The cycle report in the window (the .xlsx holds the same and more).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastSummary {
    pub by_rep: Vec<SummaryRow>,
    pub by_customer: Vec<SummaryRow>,
    pub by_product: Vec<SummaryRow>,
}

/// A forecast sheet to import: the rep's own grid, or (admin) the chosen rep's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastImport {
    pub cycle_id: i64,
    /// Admin: whose grid; a rep always imports into their own.
    pub rep_id: Option<i64>,
    /// The .xlsx to read (as exported: a row per customer × part, a column per month).
    pub path: String,
    pub mode: crate::accounts::ImportMode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastImportReport {
    /// Data rows read.
    pub rows: u32,
    /// Rows without a problem.
    pub valid: u32,
    /// Every problem: row (1 = the header), column (its header) and reason.
    pub issues: Vec<crate::accounts::ImportIssue>,
    /// Cells whose value differs from the stored one (empty cells mean "no change").
    pub changed: u32,
    /// Cells written (none in `Check` mode, none in `AllOrNothing` with issues).
    pub applied: u32,
    /// Cells changed elsewhere since the sheet's base version: both values, nothing overwritten.
    pub conflicts: Vec<CellConflict>,
    /// Every cell written, with the value it had: the import as one step the grid can undo.
    #[serde(default)]
    pub changes: Vec<CellChange>,
}

/// One cell written: from `before` (`None`: it was empty) to `after`. A step of the grid's
/// undo history is a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellChange {
    pub customer_code: String,
    pub part: String,
    pub month: String,
    pub before: Option<i64>,
    pub after: i64,
}

/// The forecasts module's commands (re-exported by [`crate::api`]).
pub mod commands {
    use super::*;

    crate::api::declare_commands! {
        FORECASTS_COMMANDS;
        ListCycles = "list_cycles": () => Vec<Cycle>, crate::api::Access::Roles(crate::modules::ModuleId::Forecasts.allowed_roles());
        CreateCycle = "create_cycle": NewCycle => Cycle, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// Opens a draft cycle: every rep with customers is e-mailed.
        OpenCycle = "open_cycle": CycleRef => Cycle, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// Locks every forecast of the cycle.
        CloseCycle = "close_cycle": CycleRef => Cycle, crate::api::Access::Roles(&[crate::Role::Admin]);
        ReopenCycleCmd = "reopen_cycle": ReopenCycle => Cycle, crate::api::Access::Roles(&[crate::Role::Admin]);
        AssignCustomer = "assign_customer": Assignment => Assignment, crate::api::Access::Roles(&[crate::Role::Admin]);
        SetMatrix = "set_matrix": MatrixEntry => MatrixEntry, crate::api::Access::Roles(&[crate::Role::Admin]);
        GetGrid = "get_grid": GridRequest => Grid, crate::api::Access::Roles(crate::modules::ModuleId::Forecasts.allowed_roles());
        /// Saves edited cells: validation refuses the whole batch; a cell changed elsewhere
        /// comes back as a conflict with both values.
        SaveForecastCells = "save_forecast_cells": SaveCells => SaveReply, crate::api::Access::Roles(crate::modules::ModuleId::Forecasts.allowed_roles());
        /// The rep's choice on a conflict or refused edit kept in the journal.
        ResolveForecastCell = "resolve_forecast_cell": ResolveCell => SaveReply, crate::api::Access::Roles(crate::modules::ModuleId::Forecasts.allowed_roles());
        SubmitForecast = "submit_forecast": CycleRef => Grid, crate::api::Access::Roles(crate::modules::ModuleId::Forecasts.allowed_roles());
        /// Takes a submission back to draft while the cycle is open.
        TakeBackForecast = "take_back_forecast": CycleRef => Grid, crate::api::Access::Roles(crate::modules::ModuleId::Forecasts.allowed_roles());
        ForecastStatus = "forecast_status": CycleRef => Vec<RepStatus>, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// Reads every assigned customer's sales history from the ERP, keeps it for the grid
        /// and adds each part sold to the matrix (entries made by hand stay).
        DeriveMatrix = "derive_matrix": () => DeriveReply, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// The cycle report (.xlsx): each rep's status and totals, every line, and the forecast
        /// beside the same months a year earlier with a chart.
        ForecastReport = "forecast_report": ExportRequest<CycleRef> => ExportReply, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// The same report in the window: by rep, by customer, by product.
        GetForecastSummary = "get_forecast_summary": CycleRef => ForecastSummary, crate::api::Access::Roles(&[crate::Role::Admin]);
        GetForecastSettings = "get_forecast_settings": () => ForecastSettings, crate::api::Access::Roles(crate::modules::ModuleId::Forecasts.allowed_roles());
        SaveForecastSettings = "save_forecast_settings": ForecastSettings => ForecastSettings, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// The grid (a rep's own; an admin's chosen rep's) to .xlsx, with each cell's version
        /// on a hidden second sheet.
        ExportForecast = "export_forecast": crate::accounts::ExportRequest<GridRequest> => crate::accounts::ExportReply, crate::api::Access::Roles(crate::modules::ModuleId::Forecasts.allowed_roles());
        /// A forecast sheet back: every bad cell reported; nothing applied unless the sheet is
        /// valid or "valid rows only" is chosen; stale cells come back as conflicts.
        ImportForecast = "import_forecast": ForecastImport => ForecastImportReport, crate::api::Access::Roles(crate::modules::ModuleId::Forecasts.allowed_roles());
        /// The planning masters (admin) to one .xlsx: an "Assignments" sheet (customer code,
        /// customer, rep e-mail, active) and a "Matrix" sheet (customer code, part,
        /// description, active).
        ExportForecastMasters = "export_forecast_masters": crate::accounts::ExportRequest<()> => crate::accounts::ExportReply, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// The "Assignments" and / or "Matrix" sheet of a masters workbook back (admin): every
        /// bad cell reported; applied in one transaction per the mode, or not at all.
        ImportForecastMasters = "import_forecast_masters": MastersImport => MastersImportReport, crate::api::Access::Roles(&[crate::Role::Admin]);
    }
}

/// A masters workbook to import (admin): its "Assignments" and / or "Matrix" sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MastersImport {
    pub path: String,
    pub mode: crate::accounts::ImportMode,
}

/// What one sheet of a masters import held and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MastersCounts {
    /// The sheet was in the workbook.
    pub found: bool,
    /// Data rows read.
    pub rows: u32,
    /// Rows without a problem.
    pub valid: u32,
    /// Valid rows that are new (a customer or customer × part not stored yet).
    pub added: u32,
    /// Valid rows that differ from what is stored (rep, name, description or active).
    pub changed: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MastersImportReport {
    pub assignments: MastersCounts,
    pub matrix: MastersCounts,
    /// Every problem: row (1 = the header), column as "Sheet: Column", and reason.
    pub issues: Vec<crate::accounts::ImportIssue>,
    /// The added and changed rows were written (never in `Check` mode, never in
    /// `AllOrNothing` with problems).
    pub applied: bool,
}
