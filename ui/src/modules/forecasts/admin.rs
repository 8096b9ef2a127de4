//! The cycle administration beside the grid (admin): create, open, close and reopen a cycle,
//! each rep's status, who plans which customer and product, and the deadline reminder. The
//! forms (`new_cycle.rs`, `planning.rs`) hand their requests to this card, which runs them so
//! that its one error line tells how the last one went.

mod new_cycle;
mod planning;
mod reminder;
mod reps;

use super::masters::MastersExcel;
use super::report::{CycleReport, ReportFile};
use crate::common::data::{Action, use_action};
use crate::common::widgets::{Field, error_line, setter};
use new_cycle::NewCycleForm;
use planning::PlanningForm;
use portdesk_types::Command;
use portdesk_types::api::*;
use portdesk_types::forecasts::*;
use reminder::Reminder;
use reps::RepsTable;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct AdminProps {
    pub(super) cycle: Option<Cycle>,
    pub(super) on_changed: Callback<()>,
    pub(super) on_rep: Callback<i64>,
}

/// The card's actions; its error line is about the one asked last.
#[derive(Clone, Copy, PartialEq)]
enum Asked {
    Create,
    Open,
    Close,
    Reopen,
    Plan,
    Derive,
}

/// Runs the card's actions: notes which was asked last, and tells the window once one
/// succeeded (the cycles, the grid and the status table are read again).
#[derive(Clone)]
struct Runner {
    asked: UseStateHandle<Asked>,
    changed: Callback<()>,
}

impl Runner {
    fn run<C>(&self, which: Asked, action: &Action<C>, req: C::Request)
    where
        C: Command + 'static,
        C::Reply: Clone + 'static,
    {
        self.asked.set(which);
        let changed = self.changed.clone();
        action.run(req, move |_| changed.emit(()));
    }
}

#[function_component(CyclesAdmin)]
pub(super) fn cycles_admin(p: &AdminProps) -> Html {
    let create = use_action::<CreateCycle>();
    let open = use_action::<OpenCycle>();
    let close = use_action::<CloseCycle>();
    let reopen = use_action::<ReopenCycleCmd>();
    let assign = use_action::<AssignCustomer>();
    let matrix = use_action::<SetMatrix>();
    let derive = use_action::<DeriveMatrix>();
    let runner = Runner {
        asked: use_state(|| Asked::Create),
        changed: p.on_changed.clone(),
    };
    let reason = use_state(String::new);
    let on_create = {
        let (r, create) = (runner.clone(), create.clone());
        Callback::from(move |req| r.run(Asked::Create, &create, req))
    };
    // Opens, closes or reopens the chosen cycle.
    let id = p.cycle.as_ref().map(|c| c.id);
    let on_state = |which: Asked| {
        let (r, open, close) = (runner.clone(), open.clone(), close.clone());
        let (reopen, reason) = (reopen.clone(), reason.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(id) = id else { return };
            match which {
                Asked::Open => r.run(which, &open, CycleRef { id }),
                Asked::Close => r.run(which, &close, CycleRef { id }),
                _ => r.run(
                    which,
                    &reopen,
                    ReopenCycle {
                        id,
                        reason: (*reason).clone(),
                    },
                ),
            }
        })
    };
    // The customer's rep, then the product when one is named: the window hears of it once
    // both are stored.
    let on_plan = {
        let (r, assign, matrix) = (runner.clone(), assign.clone(), matrix.clone());
        Callback::from(move |(a, m): (Assignment, MatrixEntry)| {
            r.asked.set(Asked::Plan);
            matrix.clear();
            let (matrix, changed) = (matrix.clone(), r.changed.clone());
            assign.run(a, move |_| {
                if m.part.trim().is_empty() {
                    changed.emit(());
                } else {
                    matrix.run(m, move |_| changed.emit(()));
                }
            });
        })
    };
    let on_derive = {
        let (r, derive) = (runner.clone(), derive.clone());
        Callback::from(move |_| r.run(Asked::Derive, &derive, ()))
    };
    let error = match *runner.asked {
        Asked::Create => create.error(),
        Asked::Open => open.error(),
        Asked::Close => close.error(),
        Asked::Reopen => reopen.error(),
        Asked::Plan if assign.error().is_some() => assign.error(),
        Asked::Plan => matrix.error(),
        Asked::Derive => derive.error(),
    };
    html! {
        <>
            <div class="card" id="fc-admin">
                <NewCycleForm {on_create} />
                if let Some(c) = &p.cycle {
                    <h3>{ format!("{} ({})", c.name, c.status.as_str()) }</h3>
                    <div class="actions">
                        if c.status == CycleStatus::Draft { <button id="fc-open" onclick={on_state(Asked::Open)}>{ "Open (e-mails the reps)" }</button> }
                        if c.status == CycleStatus::Open { <button id="fc-close" onclick={on_state(Asked::Close)}>{ "Close (locks every forecast)" }</button> }
                    </div>
                    if c.status == CycleStatus::Closed {
                        <Field id="fc-reason" label="Reason to reopen" value={(*reason).clone()} oninput={setter(&reason)} />
                        <div class="actions"><button id="fc-reopen" onclick={on_state(Asked::Reopen)}>{ "Reopen" }</button></div>
                    }
                    <ReportFile cycle_id={c.id} />
                    <RepsTable cycle={c.clone()} on_rep={p.on_rep.clone()} />
                }
                <PlanningForm {on_plan} {on_derive} derived={derive.done().cloned()} />
                { error_line("fc-admin-error", error) }
                <MastersExcel on_imported={p.on_changed.clone()} />
                if let Some(c) = &p.cycle { <CycleReport cycle_id={c.id} /> }
                <Reminder />
            </div>
        </>
    }
}
