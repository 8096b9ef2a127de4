//! Step 2, the delivery slots that serve the chosen address, and the frame of step 3 (its
//! review is asked once a slot offered here is chosen).

use super::form_text::charge_text;
use super::review::ReviewStep;
use crate::common::data::use_command;
use crate::common::widgets::error_line;
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::shop::*;
use yew::prelude::*;

/// Step 2's frame around `body`.
pub(super) fn slot_section(body: Html) -> Html {
    html! {
        <section class="checkout-step" id="checkout-slot">
            <h3>{ "2. Delivery slot" }</h3>
            { body }
        </section>
    }
}

/// Step 3's frame: the last refusal to place the order, then `body`.
pub(super) fn review_section(error: &Option<ApiError>, body: Html) -> Html {
    html! {
        <section class="checkout-step" id="checkout-review">
            <h3>{ "3. Review and place the order" }</h3>
            { error_line("checkout-error", error) }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct DeliveryProps {
    pub address_id: i64,
    /// The slot the customer chose (perhaps for another address, or before a conflict).
    pub slot: Option<i64>,
    pub on_slot: Callback<i64>,
    /// The chosen slot is not offered here (full, or not serving this address).
    pub on_unoffered: Callback<()>,
    pub error: Option<ApiError>,
    /// An order is being placed.
    pub busy: bool,
    pub on_place: Callback<CheckoutReview>,
}

/// Keyed by address (and conflict) in the parent: a reply for an address no longer chosen
/// is never shown.
#[function_component(Delivery)]
pub(super) fn delivery(p: &DeliveryProps) -> Html {
    let slots = use_command::<AvailableSlots>(SlotsFor {
        address_id: p.address_id,
    });
    let answered = slots.answer().is_some();
    // The chosen slot, once it is among those offered for this address.
    let offered = slots
        .data()
        .and_then(|l| p.slot.filter(|id| l.iter().any(|s| s.id == *id)));
    {
        // A slot no longer offered is unchosen.
        let unoffered = answered && p.slot.is_some() && offered.is_none();
        let on_unoffered = p.on_unoffered.clone();
        use_effect_with(unoffered, move |unoffered| {
            if *unoffered {
                on_unoffered.emit(());
            }
        });
    }
    let choose = |id: i64| {
        let on_slot = p.on_slot.clone();
        Callback::from(move |_: Event| on_slot.emit(id))
    };
    let list = match slots.answer() {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error" id="slots-error">{ e.message.clone() }</p> },
        Some(Ok(l)) if l.is_empty() => html! {
            <p class="banner warn" id="no-slots">{ "No delivery slot serves this postcode in the coming weeks." }</p>
        },
        Some(Ok(l)) => html! {
            <div class="choices" id="slots">{ for l.iter().map(|s| html! {
                <label class="choice">
                    <input type="radio" name="slot" class="slot-choice" data-slot-id={s.id.to_string()}
                        checked={offered == Some(s.id)} onchange={choose(s.id)} />
                    <span>
                        <strong class="slot-label">{ s.label.clone() }</strong>
                        <span class="slot-room">{ format!(" · {} place{} left", s.room(), if s.room() == 1 { "" } else { "s" }) }</span>
                        <span class="slot-charge muted">{ format!(" · {}", charge_text(s)) }</span>
                    </span>
                </label>
            }) }</div>
        },
    };
    let review = match offered {
        // Keyed by slot: a review for a slot no longer chosen is never shown.
        Some(slot_id) => html! {
            <ReviewStep key={slot_id} address_id={p.address_id} {slot_id} busy={p.busy} on_place={p.on_place.clone()} />
        },
        None if p.slot.is_some() && !answered => html! { <p class="muted">{ "Loading…" }</p> },
        None => html! { <p class="muted">{ "Choose a delivery slot to see the total." }</p> },
    };
    html! {
        <>
            { slot_section(list) }
            { review_section(&p.error, review) }
        </>
    }
}
