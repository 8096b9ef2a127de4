//! Forecasts commands. A rep reaches only their own
//! grid: the rep id a request names is replaced by the caller's own unless they are an admin.

use crate::accounts::User;
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, route};
use crate::error::{CoreError, Result};
use portdesk_types::Role;
use portdesk_types::accounts::{ExportReply, ExportRequest};
use portdesk_types::forecasts::commands::*;
use portdesk_types::forecasts::*;
use portdesk_types::modules::ModuleId;

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    const ROLES: &[Role] = ModuleId::Forecasts.allowed_roles();
    const ADMIN: &[Role] = &[Role::Admin];
    ModuleCommands {
        module: "forecasts",
        window: Some(ModuleId::Forecasts),
        routes: vec![
            route!(roles ROLES; ListCycles => Portdesk::list_cycles),
            route!(roles ADMIN; CreateCycle => Portdesk::create_cycle),
            route!(roles ADMIN; OpenCycle => Portdesk::open_cycle),
            route!(roles ADMIN; CloseCycle => Portdesk::close_cycle),
            route!(roles ADMIN; ReopenCycleCmd => Portdesk::reopen_cycle),
            route!(roles ADMIN; AssignCustomer => Portdesk::assign_customer),
            route!(roles ADMIN; SetMatrix => Portdesk::set_matrix),
            route!(roles ROLES; GetGrid => Portdesk::get_grid),
            route!(roles ROLES; SaveForecastCells => Portdesk::save_forecast_cells),
            route!(roles ROLES; SubmitForecast => Portdesk::submit_forecast),
            route!(roles ROLES; TakeBackForecast => Portdesk::take_back_forecast),
            route!(roles ADMIN; ForecastStatus => Portdesk::forecast_status),
            route!(roles ADMIN; DeriveMatrix => Portdesk::derive_matrix),
            route!(roles ROLES; ExportForecast => Portdesk::export_forecast),
            route!(roles ROLES; ImportForecast => Portdesk::import_forecast),
        ],
    }
}

/// Whose grid a request may touch: a rep's own, always; an admin's choice.
fn whose(user: &User, asked: Option<i64>) -> Result<i64> {
    match (user.role, asked) {
        (Role::Admin, Some(rep)) => Ok(rep),
        (Role::Admin, None) => Err(CoreError::validation("rep_id", "Choose the sales rep.")),
        (_, Some(rep)) if rep != user.id => {
            tracing::warn!(user_id = user.id, "a rep asked for another rep's forecast");
            Err(CoreError::Forbidden)
        }
        _ => Ok(user.id),
    }
}

impl Portdesk {
    pub async fn list_cycles(&self, _: User, _: ()) -> Result<Vec<Cycle>> {
        crate::forecasts::list_cycles(&self.store().await?).await
    }

    pub async fn create_cycle(&self, user: User, c: NewCycle) -> Result<Cycle> {
        crate::forecasts::create_cycle(&self.store().await?, &user.actor(), &c).await
    }

    pub async fn open_cycle(&self, user: User, r: CycleRef) -> Result<Cycle> {
        let c = crate::forecasts::open_cycle(&self.store().await?, &user.actor(), r.id).await?;
        self.wake_mail();
        Ok(c)
    }

    pub async fn close_cycle(&self, user: User, r: CycleRef) -> Result<Cycle> {
        crate::forecasts::close_cycle(&self.store().await?, &user.actor(), r.id).await
    }

    pub async fn reopen_cycle(&self, user: User, r: ReopenCycle) -> Result<Cycle> {
        crate::forecasts::reopen_cycle(&self.store().await?, &user.actor(), r.id, &r.reason).await
    }

    pub async fn assign_customer(&self, user: User, a: Assignment) -> Result<Assignment> {
        crate::forecasts::assign(&self.store().await?, &user.actor(), &a).await
    }

    pub async fn set_matrix(&self, _: User, m: MatrixEntry) -> Result<MatrixEntry> {
        crate::forecasts::set_matrix(&self.store().await?, &m).await
    }

    pub async fn get_grid(&self, user: User, r: GridRequest) -> Result<Grid> {
        let rep = whose(&user, r.rep_id)?;
        crate::forecasts::grid(&self.store().await?, r.cycle_id, rep).await
    }

    pub async fn save_forecast_cells(&self, user: User, r: SaveCells) -> Result<SaveReply> {
        let admin = user.role == Role::Admin;
        crate::forecasts::save_cells(&self.store().await?, &user.actor(), user.id, admin, &r).await
    }

    pub async fn submit_forecast(&self, user: User, r: CycleRef) -> Result<Grid> {
        crate::forecasts::set_submitted(&self.store().await?, &user.actor(), r.id, user.id, true)
            .await
    }

    pub async fn take_back_forecast(&self, user: User, r: CycleRef) -> Result<Grid> {
        crate::forecasts::set_submitted(&self.store().await?, &user.actor(), r.id, user.id, false)
            .await
    }

    pub async fn forecast_status(&self, _: User, r: CycleRef) -> Result<Vec<RepStatus>> {
        crate::forecasts::status(&self.store().await?, r.id).await
    }

    pub async fn derive_matrix(&self, user: User, _: ()) -> Result<DeriveReply> {
        let erp = self.erp().await?;
        crate::forecasts::derive_matrix(&self.store().await?, &erp, &user.actor()).await
    }

    /// The grid a rep sees (an admin: the chosen rep's) to .xlsx.
    pub async fn export_forecast(
        &self,
        user: User,
        req: ExportRequest<GridRequest>,
    ) -> Result<ExportReply> {
        let rep = whose(&user, req.query.rep_id)?;
        let path = self.export_path(&req.path, "forecast")?;
        let store = self.store().await?;
        let rows = crate::forecasts::xlsx::export(&store, req.query.cycle_id, rep, &path).await?;
        crate::audit::record_on(
            &store,
            &user.actor(),
            "forecast.export",
            Some(("forecast_cycle", req.query.cycle_id.to_string())),
            Some(&format!("rep {rep}: {rows} rows to {}", path.display())),
        )
        .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows,
        })
    }

    /// A forecast sheet into the rep's own grid (an admin: the chosen rep's).
    pub async fn import_forecast(
        &self,
        user: User,
        req: ForecastImport,
    ) -> Result<ForecastImportReport> {
        let rep = whose(&user, req.rep_id)?;
        if req.path.trim().is_empty() {
            return Err(CoreError::validation(
                "path",
                "Choose the .xlsx file to import.",
            ));
        }
        let path = std::path::PathBuf::from(req.path.trim());
        crate::forecasts::xlsx::import(
            &self.store().await?,
            &user.actor(),
            rep,
            user.role == Role::Admin,
            req.cycle_id,
            &path,
            req.mode,
        )
        .await
    }
}
