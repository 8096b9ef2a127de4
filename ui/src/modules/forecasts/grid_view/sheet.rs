//! The grid as the core holds it, and what the grid sends back: cells saved (each save a step
//! of the undo history), undo, submit and the journal's choices.
//!
//! Written with the data layer's `send` rather than its hooks, which fit neither side:
//! reads overlap and only the newest may be shown (`use_command` shows whichever answers
//! last); saves must never wait for one another (`use_action` ignores a run while one is on
//! its way, and a cell left meanwhile would be lost); and whatever the outcome of a save,
//! undo, submit or choice, the grid is read again and a refusal goes to the card's one error
//! line (`use_action` keeps its own and calls back only on success).

use super::Drafts;
use crate::common::data::send;
use crate::modules::forecasts::history::{UndoStep, changes_of, patched, undo_edits};
use portdesk_types::api::{
    GetGrid, ResolveForecastCell, SaveForecastCells, SubmitForecast, TakeBackForecast,
};
use portdesk_types::forecasts::*;
use portdesk_types::{ApiError, Command};
use std::rc::Rc;
use yew::prelude::*;

/// The grid as last read (or as patched by a save until it is read again).
pub(super) type Shown = UseStateHandle<Option<Result<Rc<Grid>, ApiError>>>;

/// The grid's state and what the user does to it.
#[derive(Clone)]
pub(super) struct Sheet {
    cycle_id: i64,
    pub(super) grid: Shown,
    pub(super) error: UseStateHandle<Option<ApiError>>,
    tick: UseStateHandle<u32>,
    pub(super) drafts: UseStateHandle<Drafts>,
    /// Newest last; a new cycle or rep starts afresh.
    pub(super) history: UseStateHandle<Rc<Vec<UndoStep>>>,
    pub(super) undone: UseStateHandle<Option<String>>,
}

/// The grid of `rep_id` (the signed-in rep's own when `None`) in the cycle, read again when
/// the window's `reload` changes.
#[hook]
pub(super) fn use_sheet(cycle_id: i64, rep_id: Option<i64>, reload: u32) -> Sheet {
    let grid = use_state(|| None::<Result<Rc<Grid>, ApiError>>);
    let drafts = use_state(Drafts::new);
    let error = use_state(|| None::<ApiError>);
    let tick = use_state(|| 0u32);
    let history = use_state(|| Rc::new(Vec::<UndoStep>::new()));
    let undone = use_state(|| None::<String>);
    {
        let (history, undone) = (history.clone(), undone.clone());
        use_effect_with((cycle_id, rep_id), move |_| {
            history.set(Rc::new(Vec::new()));
            undone.set(None);
        });
    }
    // Reads overlap when edits come quickly: only the newest read is shown, so an older one
    // answering late never puts back values from before the last save.
    let reads = use_mut_ref(|| 0u64);
    {
        let (grid, reads) = (grid.clone(), reads.clone());
        let req = GridRequest { cycle_id, rep_id };
        use_effect_with((req, reload, *tick), move |(req, _, _)| {
            *reads.borrow_mut() += 1;
            let mine = *reads.borrow();
            let req = req.clone();
            send::<GetGrid>(req, move |read| {
                if *reads.borrow() == mine {
                    grid.set(Some(read.map(Rc::new)));
                }
            });
        });
    }
    // While edits wait in the journal, look again every 10 s: they go when the store answers.
    {
        let tick = tick.clone();
        let waiting =
            matches!(&*grid, Some(Ok(g)) if g.sync.pending > 0 || g.sync.offline_as_of.is_some());
        use_effect_with((waiting, *tick), move |(waiting, _)| {
            let timer = waiting
                .then(|| gloo_timers::callback::Timeout::new(10_000, move || tick.set(*tick + 1)));
            move || drop(timer)
        });
    }
    Sheet {
        cycle_id,
        grid,
        error,
        tick,
        drafts,
        history,
        undone,
    }
}

impl Sheet {
    /// The grid as shown by the render this sheet comes from.
    fn shown(&self) -> Option<Rc<Grid>> {
        match &*self.grid {
            Some(Ok(g)) => Some(g.clone()),
            _ => None,
        }
    }

    /// Reads the grid again (the journal may have synced meanwhile).
    pub(super) fn read_again(&self) {
        self.tick.set(*self.tick + 1);
    }

    /// Sends `C`; `done` gets its reply, a refusal goes to the error line; either way the
    /// grid is read again.
    fn send<C>(&self, req: C::Request, done: impl FnOnce(C::Reply) + 'static)
    where
        C: Command + 'static,
        C::Request: 'static,
    {
        let (error, tick) = (self.error.clone(), self.tick.clone());
        send::<C>(req, move |answer| {
            match answer {
                Ok(r) => done(r),
                Err(e) => error.set(Some(e)),
            }
            tick.set(*tick + 1);
        });
    }

    /// Saves edits (into the journal, then the store); the grid is re-read with the outcome.
    /// What was applied becomes a step of the undo history (`what` names it).
    pub(super) fn save(&self, what: &'static str, edits: Vec<CellEdit>) {
        let Some(g) = self.shown() else { return };
        let mut changes = changes_of(&g, &edits);
        let (error, drafts, shown) = (self.error.clone(), self.drafts.clone(), self.grid.clone());
        let (history, undone) = (self.history.clone(), self.undone.clone());
        let req = SaveCells {
            cycle_id: self.cycle_id,
            edits,
        };
        self.send::<SaveForecastCells>(req, move |reply| {
            error.set(None);
            drafts.set(Drafts::new());
            // A conflict was not applied: nothing of it to undo.
            changes.retain(|c| {
                !reply.conflicts.iter().any(|x| {
                    x.customer_code == c.customer_code && x.part == c.part && x.month == c.month
                })
            });
            if !changes.is_empty() {
                // Shown at once; the grid read again after this brings the store's word.
                let applied = reply.applied as usize >= changes.len();
                shown.set(Some(Ok(Rc::new(patched(&g, &changes, applied)))));
                let mut h = (**history).clone();
                h.push(UndoStep { what, changes });
                history.set(Rc::new(h));
                undone.set(None);
            }
        });
    }

    /// Takes the newest step back (saved like any edit, on the versions shown now).
    pub(super) fn undo(&self) {
        let (Some(g), Some(step)) = (self.shown(), self.history.last().cloned()) else {
            return;
        };
        let (edits, moved_on) = undo_edits(&g, &step);
        let mut h = (**self.history).clone();
        h.pop();
        self.history.set(Rc::new(h));
        let (error, undone) = (self.error.clone(), self.undone.clone());
        let n = edits.len();
        let req = SaveCells {
            cycle_id: self.cycle_id,
            edits,
        };
        let done = move || {
            error.set(None);
            let mut said = format!("Undone: {} ({n} cell(s) put back).", step.what);
            if moved_on > 0 {
                said.push_str(&format!(
                    " {moved_on} cell(s) changed again since were left as they are."
                ));
            }
            undone.set(Some(said));
        };
        if req.edits.is_empty() {
            // Every cell changed again since: nothing to send, the grid is read again.
            done();
            self.read_again();
        } else {
            self.send::<SaveForecastCells>(req, move |_| done());
        }
    }

    /// Submits the forecast, or takes it back to edit.
    pub(super) fn submit(&self, take_back: bool) {
        let req = CycleRef { id: self.cycle_id };
        if take_back {
            self.send::<TakeBackForecast>(req, |_| ());
        } else {
            self.send::<SubmitForecast>(req, |_| ());
        }
    }

    /// A conflict or refused edit kept in the journal: keep mine (saved on the store's
    /// version) or the saved one.
    pub(super) fn resolve(&self, c: &CellConflict, keep_mine: bool) {
        let req = ResolveCell {
            cycle_id: self.cycle_id,
            keep_mine,
            edit: CellEdit {
                customer_code: c.customer_code.clone(),
                part: c.part.clone(),
                month: c.month.clone(),
                quantity: c.yours as f64,
                base_version: c.version,
                key: None,
            },
        };
        self.send::<ResolveForecastCell>(req, |_| ());
    }

    /// An import is one step of the history; its conflicts are kept in the journal and shown
    /// in the banner above the grid.
    pub(super) fn imported(&self, changes: Vec<CellChange>) {
        if !changes.is_empty() {
            let mut h = (**self.history).clone();
            h.push(UndoStep {
                what: "the import",
                changes,
            });
            self.history.set(Rc::new(h));
            self.undone.set(None);
        }
        self.read_again();
    }
}
