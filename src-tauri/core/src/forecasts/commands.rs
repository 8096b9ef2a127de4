//! Forecasts commands. A rep reaches only their own
//! grid: the rep id a request names is replaced by the caller's own unless they are an admin.

use crate::accounts::User;
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, route};
use crate::error::{CoreError, Result};
use crate::forecasts::offline::{self, Replayed, Replayer};
use crate::forecasts::reminders;
use crate::store::StoreError;
use portdesk_types::Role;
use portdesk_types::accounts::{ExportReply, ExportRequest};
use portdesk_types::forecasts::commands::*;
use portdesk_types::forecasts::*;
use portdesk_types::modules::ModuleId;

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "forecasts",
        window: Some(ModuleId::Forecasts),
        // The deadline reminder: queues its e-mails where this desktop's sender runs.
        tasks: vec![|app| Box::pin(super::reminders::watch(app))],
        events: Vec::new(),
        owners: Vec::new(),
        routes: vec![
            route!(roles offline; ListCycles => Portdesk::list_cycles),
            route!(roles CreateCycle => Portdesk::create_cycle),
            route!(roles OpenCycle => Portdesk::open_cycle),
            route!(roles CloseCycle => Portdesk::close_cycle),
            route!(roles ReopenCycleCmd => Portdesk::reopen_cycle),
            route!(roles AssignCustomer => Portdesk::assign_customer),
            route!(roles SetMatrix => Portdesk::set_matrix),
            route!(roles offline; GetGrid => Portdesk::get_grid),
            route!(roles offline; SaveForecastCells => Portdesk::save_forecast_cells),
            route!(roles offline; ResolveForecastCell => Portdesk::resolve_forecast_cell),
            route!(roles SubmitForecast => Portdesk::submit_forecast),
            route!(roles TakeBackForecast => Portdesk::take_back_forecast),
            route!(roles ForecastStatus => Portdesk::forecast_status),
            route!(roles DeriveMatrix => Portdesk::derive_matrix),
            route!(roles ForecastReport => Portdesk::forecast_report),
            route!(roles GetForecastSummary => Portdesk::forecast_summary),
            route!(roles GetForecastSettings => Portdesk::get_forecast_settings),
            route!(roles SaveForecastSettings => Portdesk::save_forecast_settings),
            route!(roles ExportForecast => Portdesk::export_forecast),
            route!(roles ImportForecast => Portdesk::import_forecast),
            route!(roles ExportForecastMasters => Portdesk::export_forecast_masters),
            route!(roles ImportForecastMasters => Portdesk::import_forecast_masters),
        ],
    }
}

/// The module's state in the service: one journal replay at a time on this desktop.
#[derive(Default)]
pub(crate) struct State {
    replay: tokio::sync::Mutex<()>,
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
    pub async fn list_cycles(&self, user: User, _: ()) -> Result<Vec<Cycle>> {
        let local = self.local_store().await?;
        let read = async { crate::forecasts::list_cycles(&self.store().await?).await };
        match read.await {
            Ok(list) => {
                offline::keep_cycles(local, user.id, &list).await?;
                Ok(list)
            }
            Err(e) if self.store_silent(&e) => offline::kept_cycles(local, user.id).await?.ok_or(e),
            Err(e) => Err(e),
        }
    }

    /// Replays the user's journal when the store answers (one replay at a time here).
    async fn sync_journal(&self, user: &User, store: &crate::store::Store) -> Result<Replayed> {
        let _turn = self.forecasts.replay.lock().await;
        let who = Replayer {
            user_id: user.id,
            actor: user.actor(),
            admin: user.role == Role::Admin,
        };
        let done = offline::replay(self.local_store().await?, store, &who).await?;
        if done.remaining > 0 {
            // The store stopped answering mid-replay: the next commands use the copy at once.
            self.pause_store();
        }
        Ok(done)
    }

    pub async fn create_cycle(&self, user: User, c: NewCycle) -> Result<Cycle> {
        crate::forecasts::create_cycle(&self.store().await?, &user.actor(), &c).await
    }

    pub async fn open_cycle(&self, user: User, r: CycleRef) -> Result<Cycle> {
        let c = crate::forecasts::open_cycle(&self.store().await?, &user.actor(), r.id).await?;
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

    /// The grid from the store (after replaying this desktop's journal), kept locally; when
    /// the store does not answer, the local copy. Either way with the journal's edits on it.
    pub async fn get_grid(&self, user: User, r: GridRequest) -> Result<Grid> {
        let rep = whose(&user, r.rep_id)?;
        let local = self.local_store().await?;
        let read = async {
            let store = self.store().await?;
            self.sync_journal(&user, &store).await?;
            crate::forecasts::grid(&store, r.cycle_id, rep).await
        };
        let mut g = match read.await {
            Ok(g) => {
                if rep == user.id {
                    offline::keep_grid(local, user.id, &g).await?;
                }
                g
            }
            // The shared store did not answer (the laptop's case): the local copy serves.
            Err(e) if self.store_silent(&e) => {
                match offline::kept_grid(local, user.id, r.cycle_id).await? {
                    Some(g) if g.rep_id == rep => g,
                    _ => {
                        return Err(CoreError::Store(StoreError::Unavailable(
                            "the shared store does not answer, and this forecast was never opened on this desktop"
                                .into(),
                        )));
                    }
                }
            }
            Err(e) => return Err(e),
        };
        offline::overlay(local, user.id, &mut g).await?;
        Ok(g)
    }

    /// Edits go into this desktop's journal first, then to the store if it answers. A save the
    /// store refuses at once (a bad cell) leaves the journal and comes back as the error, as
    /// one bad cell refuses the whole save; offline, the store's verdict comes at replay.
    pub async fn save_forecast_cells(&self, user: User, r: SaveCells) -> Result<SaveReply> {
        let local = self.local_store().await?;
        let save = offline::record(local, &user.actor(), user.id, r.cycle_id, &r.edits).await?;
        let mut reply = SaveReply {
            applied: 0,
            versions: Vec::new(),
            conflicts: Vec::new(),
        };
        match self.store().await {
            Ok(store) => {
                let done = self.sync_journal(&user, &store).await?;
                if let Some((_, e)) = done.refusals.into_iter().find(|(id, _)| *id == save) {
                    offline::forget_save(local, &save).await?;
                    return Err(e);
                }
                reply.applied = done.applied;
                // The save stands even if this copy cannot be brought along; the next read of
                // the grid brings it.
                if done.applied > 0
                    && let Err(e) = keep_saved(&store, local, user.id, &r).await
                {
                    tracing::warn!(error = %e, "the desktop's copy of the grid was not updated");
                }
            }
            Err(e) if self.store_silent(&e) => {}
            Err(e) => return Err(e),
        }
        reply.conflicts = offline::conflicts(local, user.id, r.cycle_id).await?;
        Ok(reply)
    }

    /// The rep's choice on a conflict or a refused edit: "keep mine" saves their value on the
    /// store's version; otherwise the store's value stays. Either way it leaves the journal.
    pub async fn resolve_forecast_cell(&self, user: User, r: ResolveCell) -> Result<SaveReply> {
        let local = self.local_store().await?;
        offline::settle_cell(
            local,
            user.id,
            r.cycle_id,
            (&r.edit.customer_code, &r.edit.part, &r.edit.month),
        )
        .await?;
        if r.keep_mine {
            return self
                .save_forecast_cells(
                    user,
                    SaveCells {
                        cycle_id: r.cycle_id,
                        edits: vec![r.edit],
                    },
                )
                .await;
        }
        Ok(SaveReply {
            applied: 0,
            versions: Vec::new(),
            conflicts: offline::conflicts(local, user.id, r.cycle_id).await?,
        })
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

    pub async fn forecast_summary(&self, _: User, r: CycleRef) -> Result<ForecastSummary> {
        crate::forecasts::report::summary(&self.store().await?, r.id).await
    }

    pub async fn forecast_report(
        &self,
        user: User,
        req: ExportRequest<CycleRef>,
    ) -> Result<ExportReply> {
        let path = self.export_path(&req.path, "forecast-report")?;
        let store = self.store().await?;
        let rows = crate::forecasts::report::write(&store, req.query.id, &path).await?;
        crate::audit::record_on(
            &store,
            &user.actor(),
            "forecast.report",
            Some(("forecast_cycle", req.query.id.to_string())),
            Some(&format!("{rows} lines to {}", path.display())),
        )
        .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows,
        })
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

    pub async fn get_forecast_settings(&self, _: User, _: ()) -> Result<ForecastSettings> {
        let store = self.store().await?;
        Ok(ForecastSettings {
            reminder_days: reminders::reminder_days(&store).await?,
            version: Some(crate::settings::card_version(&store, "forecasts").await?),
        })
    }

    pub async fn save_forecast_settings(
        &self,
        user: User,
        req: ForecastSettings,
    ) -> Result<ForecastSettings> {
        let store = self.store().await?;
        if !(0..=reminders::MAX_REMINDER_DAYS).contains(&req.reminder_days) {
            // Checked before the card's version moves (set_reminder_days says why).
            reminders::set_reminder_days(&store, req.reminder_days).await?;
        }
        crate::settings::guard_card(&store, "forecasts", "forecast", req.version).await?;
        reminders::set_reminder_days(&store, req.reminder_days).await?;
        crate::audit::record_on(
            &store,
            &user.actor(),
            "settings.forecasts",
            None,
            Some(&format!(
                "reminder {} day(s) before the deadline",
                req.reminder_days
            )),
        )
        .await?;
        self.get_forecast_settings(user, ()).await
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
        let report = crate::forecasts::xlsx::import(
            &self.store().await?,
            &user.actor(),
            rep,
            user.role == Role::Admin,
            req.cycle_id,
            &path,
            req.mode,
        )
        .await?;
        if !report.conflicts.is_empty() {
            let local = self.local_store().await?;
            offline::keep_conflicts(local, &user.actor(), rep, req.cycle_id, &report.conflicts)
                .await?;
        }
        Ok(report)
    }
}

/// The cells of `r` as the store now holds them, into this desktop's copy of the grid.
async fn keep_saved(
    store: &crate::store::Store,
    local: &crate::local::LocalStore,
    user_id: i64,
    r: &SaveCells,
) -> Result<()> {
    let saved = crate::forecasts::stored_cells(
        store,
        r.cycle_id,
        r.edits
            .iter()
            .map(|e| (e.customer_code.as_str(), e.part.as_str(), e.month.as_str())),
    )
    .await?;
    offline::keep_saved_cells(local, user_id, r.cycle_id, &saved).await
}
