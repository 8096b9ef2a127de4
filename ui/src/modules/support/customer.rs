//! The customer's part of a ticket's detail: requesting a call (now, or at a local date and
//! time the core checks against business hours) and rating a resolved ticket once.

use super::{about, field_error, form_error, input_value};
use crate::common::data::use_action;
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::support::*;
use wasm_bindgen::JsValue;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct CallProps {
    pub ticket_id: i64,
    /// A call was requested: the ticket (and its calls) is read again.
    pub on_done: Callback<()>,
}

/// "Request a call": now, or at a time within business hours (the core checks the hours).
#[function_component(CallForm)]
pub(super) fn call_form(p: &CallProps) -> Html {
    let shown = use_state(|| false);
    let phone = use_state(String::new);
    let later = use_state(|| false);
    let at = use_state(String::new);
    let note = use_state(String::new);
    let request = use_action::<RequestCall>();
    // The time checked here; sending again clears it.
    let local = use_state(|| None::<ApiError>);
    let error = (*local).clone().or_else(|| request.error().clone());
    let done = use_state(|| false);
    let toggle = {
        let (shown, done) = (shown.clone(), done.clone());
        Callback::from(move |_: MouseEvent| {
            done.set(false);
            shown.set(!*shown)
        })
    };
    let submit = {
        let (shown, phone, later, at, note, local, done, request, on_done) = (
            shown.clone(),
            phone.clone(),
            later.clone(),
            at.clone(),
            note.clone(),
            local.clone(),
            done.clone(),
            request.clone(),
            p.on_done.clone(),
        );
        let ticket_id = p.ticket_id;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if request.busy() {
                return;
            }
            let when = if *later {
                match local_ms(&at) {
                    Some(ms) => Some(ms),
                    None => {
                        local.set(Some(ApiError::validation("at", "Choose a date and time.")));
                        return;
                    }
                }
            } else {
                None
            };
            let req = NewCall {
                ticket_id: Some(ticket_id),
                phone: (*phone).clone(),
                at: when,
                note: (*note).clone(),
            };
            local.set(None);
            let (shown, done, on_done) = (shown.clone(), done.clone(), on_done.clone());
            request.run(req, move |_| {
                shown.set(false);
                done.set(true);
                on_done.emit(());
            });
        })
    };
    let set_later = |v: bool| {
        let later = later.clone();
        Callback::from(move |_: Event| later.set(v))
    };
    let text = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: InputEvent| s.set(input_value(&e)))
    };
    html! {
        <div class="call-box">
            <div class="actions">
                <button type="button" id="call-request" class="secondary" aria-expanded={shown.to_string()} onclick={toggle}>{ "Request a call" }</button>
                if *done { <span class="ok" id="call-requested" role="status">{ "Call requested: the support team will phone you." }</span> }
            </div>
            if *shown {
                <form class="card inset" id="call-form" onsubmit={submit}>
                    <label for="call-phone">{ "Phone number" }</label>
                    <input id="call-phone" type="tel" autocomplete="tel" value={(*phone).clone()} oninput={text(&phone)}
                        class={about(&error, &["phone"]).then_some("invalid")} />
                    { field_error(&error, "call-phone", &["phone"]) }
                    <fieldset class="call-when">
                        <legend>{ "When" }</legend>
                        <label class="check inline"><input type="radio" name="call-when" id="call-now" checked={!*later} onchange={set_later(false)} />{ " As soon as possible" }</label>
                        <label class="check inline"><input type="radio" name="call-when" id="call-later" checked={*later} onchange={set_later(true)} />{ " At a time" }</label>
                    </fieldset>
                    if *later {
                        <label for="call-at">{ "Date and time" }</label>
                        <input id="call-at" type="datetime-local" value={(*at).clone()} oninput={text(&at)}
                            class={about(&error, &["at"]).then_some("invalid")} />
                        { field_error(&error, "call-at", &["at"]) }
                    }
                    <label for="call-note">{ "Note (optional)" }</label>
                    <input id="call-note" type="text" value={(*note).clone()} oninput={text(&note)} />
                    { form_error("call-error", &error, &["phone", "at"]) }
                    <div class="actions"><button type="submit" id="call-submit" disabled={request.busy()}>{ "Request the call" }</button></div>
                </form>
            }
        </div>
    }
}

/// A `datetime-local` value ("2026-12-07T10:30") as Unix ms in the computer's time zone
/// (JavaScript reads a date-time without an offset as local time).
fn local_ms(v: &str) -> Option<i64> {
    if v.trim().is_empty() {
        return None;
    }
    let ms = web_sys::js_sys::Date::new(&JsValue::from_str(v.trim())).get_time();
    (!ms.is_nan()).then_some(ms as i64)
}

#[derive(Properties, PartialEq)]
pub(super) struct FeedbackProps {
    pub ticket_id: i64,
    pub on_detail: Callback<TicketDetail>,
}

#[function_component(FeedbackForm)]
pub(super) fn feedback_form(p: &FeedbackProps) -> Html {
    let rating = use_state(|| 0u8);
    let comment = use_state(String::new);
    let give = use_action::<GiveFeedback>();
    let submit = {
        let (rating, comment, give, on_detail) = (
            rating.clone(),
            comment.clone(),
            give.clone(),
            p.on_detail.clone(),
        );
        let ticket_id = p.ticket_id;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *rating == 0 {
                return;
            }
            let req = NewFeedback {
                ticket_id,
                rating: *rating,
                comment: (*comment).clone(),
            };
            let on_detail = on_detail.clone();
            give.run(req, move |d| on_detail.emit(d));
        })
    };
    let star = |n: u8| {
        let on = *rating >= n;
        let rating = rating.clone();
        html! {
            <button type="button" class={classes!("rating-star", on.then_some("on"))} data-rating={n.to_string()}
                aria-pressed={(*rating == n).to_string()} aria-label={format!("{n} of 5")}
                onclick={Callback::from(move |_: MouseEvent| rating.set(n))}>{ if on { "★" } else { "☆" } }</button>
        }
    };
    html! {
        <form class="card inset" id="feedback" onsubmit={submit}>
            <h3>{ "How did we do?" }</h3>
            <div class="rating" role="group" aria-label="Rating">{ for (1..=5).map(star) }</div>
            { field_error(give.error(), "feedback-rating", &["rating"]) }
            <label for="feedback-comment">{ "Comment (optional)" }</label>
            <textarea id="feedback-comment" rows="3" value={(*comment).clone()}
                oninput={{ let comment = comment.clone(); Callback::from(move |e: InputEvent| comment.set(input_value(&e))) }} />
            { field_error(give.error(), "feedback-comment", &["comment"]) }
            { form_error("feedback-error", give.error(), &["rating", "comment"]) }
            <div class="actions"><button type="submit" id="feedback-submit" disabled={give.busy() || *rating == 0}>{ "Send feedback" }</button></div>
        </form>
    }
}
