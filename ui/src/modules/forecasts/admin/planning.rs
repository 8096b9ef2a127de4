//! Planning (admin): who forecasts which customer, and a product of theirs to forecast; or
//! every product from the ERP's sales history.

use crate::common::widgets::{Field, setter};
use portdesk_types::forecasts::{Assignment, DeriveReply, MatrixEntry};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct PlanningProps {
    /// The customer's rep, and the product (its `part` empty when none was named).
    pub(super) on_plan: Callback<(Assignment, MatrixEntry)>,
    pub(super) on_derive: Callback<()>,
    /// What the last derivation from the sales history added.
    pub(super) derived: Option<DeriveReply>,
}

#[function_component(PlanningForm)]
pub(super) fn planning_form(p: &PlanningProps) -> Html {
    let (code, cust, part, rep_for) = (
        use_state(String::new),
        use_state(String::new),
        use_state(String::new),
        use_state(String::new),
    );
    let plan = {
        let (code, cust, part, rep_for) =
            (code.clone(), cust.clone(), part.clone(), rep_for.clone());
        let on_plan = p.on_plan.clone();
        Callback::from(move |_: MouseEvent| {
            let a = Assignment {
                customer_code: (*code).clone(),
                customer: (*cust).clone(),
                rep_id: rep_for.trim().parse().ok(),
            };
            let m = MatrixEntry {
                customer_code: (*code).clone(),
                part: (*part).clone(),
                description: String::new(),
            };
            on_plan.emit((a, m));
        })
    };
    html! {
        <>
            <h3>{ "Planning: who forecasts which customer and product" }</h3>
            <div class="grid2">
                <div><Field id="fc-code" label="ERP customer code" value={(*code).clone()} oninput={setter(&code)} /></div>
                <div><Field id="fc-customer" label="Customer name" value={(*cust).clone()} oninput={setter(&cust)} /></div>
                <div><Field id="fc-rep" label="Sales rep (# from the table)" value={(*rep_for).clone()} oninput={setter(&rep_for)} /></div>
                <div><Field id="fc-part" label="Product (ERP part), optional" value={(*part).clone()} oninput={setter(&part)} /></div>
            </div>
            <div class="actions"><button id="fc-plan" onclick={plan}>{ "Save" }</button>
                <button class="secondary" id="fc-derive" onclick={p.on_derive.reform(|_: MouseEvent| ())}>{ "Products from the ERP's sales history" }</button>
                if let Some(d) = &p.derived { <span class="ok" id="fc-derived">{ format!("{} customer(s), {} month row(s), {} product(s) added", d.customers, d.history_rows, d.matrix_added) }</span> }
            </div>
        </>
    }
}
