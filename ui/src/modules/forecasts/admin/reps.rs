//! Each rep's status in the chosen cycle (admin), with a link to their grid.

use crate::common::data::use_command;
use crate::common::widgets::date_time;
use portdesk_types::api::ForecastStatus;
use portdesk_types::forecasts::{Cycle, CycleRef, SubmissionStatus};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct RepsProps {
    pub(super) cycle: Cycle,
    /// "Show grid": the rep whose grid the window shows.
    pub(super) on_rep: Callback<i64>,
}

#[function_component(RepsTable)]
pub(super) fn reps_table(p: &RepsProps) -> Html {
    let status = use_command::<ForecastStatus>(CycleRef { id: p.cycle.id });
    // Another cycle is read by `use_command`; the same one changed (opened, closed, reopened)
    // is read again here, since its reps' statuses may have changed with it.
    {
        let reload = status.reload();
        let last = use_mut_ref(|| p.cycle.clone());
        use_effect_with(p.cycle.clone(), move |c| {
            let was = last.replace(c.clone());
            if was.id == c.id && was != *c {
                reload.emit(());
            }
        });
    }
    match (status.data(), status.error()) {
        (Some(list), _) => html! {
            <table id="fc-reps"><thead><tr><th>{ "Rep" }</th><th class="num">{ "Customers" }</th><th class="num">{ "Cells" }</th><th>{ "Status" }</th><th></th></tr></thead>
            <tbody>{ for list.iter().map(|r| {
                let rep = r.rep_id;
                html! { <tr><td>{ format!("{} (#{})", r.name, r.rep_id) }</td><td class="num">{ r.customers }</td><td class="num">{ r.cells }</td>
                    <td>{ match r.status { SubmissionStatus::Draft => "draft".to_string(), SubmissionStatus::Submitted => format!("submitted {}", r.submitted_at.map(date_time).unwrap_or_default()) } }</td>
                    <td><button class="link" onclick={p.on_rep.reform(move |_: MouseEvent| rep)}>{ "Show grid" }</button></td></tr> }
            }) }</tbody></table>
        },
        (_, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        _ => html! {},
    }
}
