//! Delivery slots (admin): the upcoming ones with their bookings, one created at a time or the
//! same slot as a weekly pattern; a slot nobody booked may be deleted.

use super::{checked_of, field_error, form_error};
use crate::common::data::use_ended;
use crate::common::data::{use_action, use_command};
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::shop::*;
use yew::prelude::*;

/// A labelled text input bound to a field of a form state, with the core's error by it.
fn text_input<T: Clone + 'static>(
    state: &UseStateHandle<T>,
    err: &Option<ApiError>,
    (id, label, name, kind): (&'static str, &'static str, &'static str, &'static str),
    value: String,
    f: fn(&mut T, String),
) -> Html {
    let oninput = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*state).clone();
            f(
                &mut next,
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            );
            state.set(next);
        })
    };
    let bad = super::about(err, &[name]);
    html! {
        <div>
            <label for={id}>{ label }</label>
            <input id={id} type={kind} {value} {oninput} class={bad.then_some("invalid")} aria-invalid={bad.then_some("true")} />
            { field_error(err, id, &[name]) }
        </div>
    }
}

const SLOT_FIELDS: [&str; 9] = [
    "date",
    "from",
    "to",
    "zones",
    "capacity",
    "charge",
    "free_from",
    "weekdays",
    "weeks",
];

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Clone, PartialEq, Default)]
struct SlotForm {
    slot: SlotEdit,
    capacity: String,
    weekdays: Vec<u8>,
    weeks: String,
}

impl SlotForm {
    fn edit(&self) -> SlotEdit {
        SlotEdit {
            // Text that is no count goes as -1: the core refuses it by name.
            capacity: self.capacity.trim().parse().unwrap_or(-1),
            ..self.slot.clone()
        }
    }
}

/// The slot command that ran last: its refusal is the one shown.
#[derive(Clone, Copy, PartialEq)]
enum Ran {
    Create,
    Pattern,
    Delete,
}

#[function_component(Slots)]
pub fn slots() -> Html {
    let list = use_command::<ListSlots>(());
    let form = use_state(|| SlotForm {
        capacity: "10".into(),
        weeks: "4".into(),
        ..Default::default()
    });
    let create = use_action::<CreateSlot>();
    let pattern = use_action::<CreateSlotPattern>();
    let delete = use_action::<DeleteSlot>();
    let ran = use_state(|| None::<Ran>);
    // What the last creation made; a refused one clears it.
    let done = use_state(|| None::<String>);
    // Deleted or refused, the table shows the slots as they are now.
    use_ended(delete.busy(), list.reload());
    let error = match *ran {
        Some(Ran::Create) => create.error(),
        Some(Ran::Pattern) => pattern.error(),
        Some(Ran::Delete) => delete.error(),
        None => &None,
    };
    let on_create = {
        let (create, form, ran, done, reload) = (
            create.clone(),
            form.clone(),
            ran.clone(),
            done.clone(),
            list.reload(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            ran.set(Some(Ran::Create));
            done.set(None);
            let (done, reload) = (done.clone(), reload.clone());
            create.run(form.edit(), move |s| {
                done.set(Some(format!("Slot created: {}", s.label)));
                reload.emit(());
            });
        })
    };
    let on_pattern = {
        let (pattern, form, ran, done, reload) = (
            pattern.clone(),
            form.clone(),
            ran.clone(),
            done.clone(),
            list.reload(),
        );
        Callback::from(move |_: MouseEvent| {
            let req = SlotPattern {
                slot: form.edit(),
                weekdays: form.weekdays.clone(),
                weeks: form.weeks.trim().parse().unwrap_or(0),
            };
            ran.set(Some(Ran::Pattern));
            done.set(None);
            let (done, reload) = (done.clone(), reload.clone());
            pattern.run(req, move |s| {
                done.set(Some(format!("{} slot(s) created.", s.len())));
                reload.emit(());
            });
        })
    };
    let on_delete = |id: i64| {
        let (delete, ran) = (delete.clone(), ran.clone());
        Callback::from(move |_: MouseEvent| {
            ran.set(Some(Ran::Delete));
            delete.run(SlotRef { id }, |()| ());
        })
    };
    let weekday = |n: u8| {
        let form = form.clone();
        let on = form.weekdays.contains(&n);
        let toggle = Callback::from(move |e: Event| {
            let mut f = (*form).clone();
            f.weekdays.retain(|d| *d != n);
            if checked_of(&e) {
                f.weekdays.push(n);
                f.weekdays.sort_unstable();
            }
            form.set(f);
        });
        html! {
            <label class="check inline"><input type="checkbox" class="slot-weekday" value={n.to_string()} checked={on} onchange={toggle} />
                { format!(" {}", WEEKDAYS[usize::from(n - 1)]) }</label>
        }
    };
    let table = match list.answer() {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(l)) if l.is_empty() => {
            html! { <p class="muted" id="slots-empty">{ "No upcoming slots." }</p> }
        }
        Some(Ok(l)) => html! {
            <table id="slots-table">
                <thead><tr><th>{ "Slot" }</th><th>{ "Zones" }</th><th class="num">{ "Booked" }</th><th class="num">{ "Charge" }</th><th class="num">{ "Free from" }</th><th></th></tr></thead>
                <tbody>{ for l.iter().map(|s| html! {
                    <tr class="slot-row" data-slot-id={s.id.to_string()}>
                        <td>{ s.label.clone() }</td>
                        <td>{ if s.zones.is_empty() { "Everywhere".to_string() } else { s.zones.join(", ") } }</td>
                        <td class="num slot-booked">{ format!("{} / {}", s.booked, s.capacity) }</td>
                        <td class="num">{ money(s.charge) }</td>
                        <td class="num">{ s.free_from.map(money).unwrap_or_else(|| "never".into()) }</td>
                        <td><button type="button" class="secondary slot-delete" data-slot-id={s.id.to_string()} onclick={on_delete(s.id)}
                            disabled={s.booked > 0} title={(s.booked > 0).then_some("Booked slots cannot be deleted")}>{ "Delete" }</button></td>
                    </tr>
                }) }</tbody>
            </table>
        },
    };
    let f = &*form;
    html! {
        <>
            <div class="card" id="shop-slots">
                <h2>{ "Delivery slots" }</h2>
                { table }
            </div>
            <form class="card" id="slot-form" onsubmit={on_create}>
                <h3>{ "New slot" }</h3>
                <div class="grid3">
                    { text_input(&form, error, ("slot-date", "Date", "date", "date"), f.slot.date.clone(), |f, v| f.slot.date = v) }
                    { text_input(&form, error, ("slot-from", "From (UTC)", "from", "time"), f.slot.from.clone(), |f, v| f.slot.from = v) }
                    { text_input(&form, error, ("slot-to", "To (UTC)", "to", "time"), f.slot.to.clone(), |f, v| f.slot.to = v) }
                    { text_input(&form, error, ("slot-zones", "Postcodes or zones (prefixes; empty: everywhere)", "zones", "text"), f.slot.zones.clone(), |f, v| f.slot.zones = v) }
                    { text_input(&form, error, ("slot-capacity", "Capacity (orders)", "capacity", "number"), f.capacity.clone(), |f, v| f.capacity = v) }
                    { text_input(&form, error, ("slot-charge", "Delivery charge", "charge", "text"), f.slot.charge.clone(), |f, v| f.slot.charge = v) }
                    { text_input(&form, error, ("slot-free-from", "Free from order value (empty: never)", "free_from", "text"), f.slot.free_from.clone(), |f, v| f.slot.free_from = v) }
                </div>
                <div class="actions"><button type="submit" id="slot-create">{ "Create slot" }</button></div>
                <h3>{ "Weekly pattern" }</h3>
                <p class="muted">{ "The slot above on these weekdays, from its date on." }</p>
                <div class="chips" role="group" aria-label="Weekdays">{ for (1..=7u8).map(weekday) }</div>
                { field_error(error, "slot-weekdays", &["weekdays"]) }
                <div class="grid3">
                    { text_input(&form, error, ("slot-weeks", "Weeks", "weeks", "number"), f.weeks.clone(), |f, v| f.weeks = v) }
                </div>
                <div class="actions"><button type="button" id="slot-create-pattern" onclick={on_pattern}>{ "Create the pattern" }</button></div>
                { form_error("slot-error", error, &SLOT_FIELDS) }
                if let Some(d) = &*done { <p class="ok" id="slot-done">{ d.clone() }</p> }
            </form>
        </>
    }
}
