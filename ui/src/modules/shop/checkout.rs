//! Checkout in one view: (1) the delivery address (choose, add, edit, delete), (2) a delivery
//! slot that serves it, (3) the review the customer confirms, then the confirmation on screen
//! (no printer needed). A conflict at placing (a price moved, the slot filled, stock ran short)
//! is shown and the slots and review are asked again, so the customer sees the change.

mod form_text;
use form_text::{charge_text, edit_of};

use super::{checked_of, field_error, form_error, value_of};
use crate::common::ipc::call;
use crate::common::widgets::error_line;
use portdesk_types::api::*;
use portdesk_types::orders::OrderDetail;
use portdesk_types::procurement::money;
use portdesk_types::shop::*;
use portdesk_types::{ApiError, ErrorKind};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CheckoutProps {
    pub on_cart: Callback<Cart>,
    pub on_back: Callback<()>,
    pub on_orders: Callback<()>,
    pub on_browse: Callback<()>,
}

/// The address fields the core may name, and the input each shows by.
const ADDRESS_FIELDS: [(&str, &str); 9] = [
    ("kind", "addr-kind"),
    ("name", "addr-name"),
    ("line1", "addr-line1"),
    ("line2", "addr-line2"),
    ("city", "addr-city"),
    ("postcode", "addr-postcode"),
    ("country", "addr-country"),
    ("phone", "addr-phone"),
    ("is_default", "addr-default"),
];

#[function_component(CheckoutView)]
pub fn checkout_view(p: &CheckoutProps) -> Html {
    let addresses = use_state(|| None::<Result<Vec<Address>, ApiError>>);
    let address = use_state(|| None::<i64>);
    let editing = use_state(|| None::<AddressEdit>);
    let addr_error = use_state(|| None::<ApiError>);
    let default_country = use_state(String::new);
    let slots = use_state(|| None::<Result<Vec<Slot>, ApiError>>);
    let slot = use_state(|| None::<i64>);
    let review = use_state(|| None::<Result<CheckoutReview, ApiError>>);
    let error = use_state(|| None::<ApiError>);
    let placed = use_state(|| None::<(OrderDetail, CheckoutReview)>);
    let busy = use_state(|| false);
    // Bumped after a conflict: slots and review are asked again.
    let again = use_state(|| 0u32);

    // Keeps the chosen address when it still exists, else the default (or the first).
    let take_addresses = {
        let (addresses, address) = (addresses.clone(), address.clone());
        Callback::from(move |list: Result<Vec<Address>, ApiError>| {
            if let Ok(l) = &list {
                let keep = (*address).filter(|id| l.iter().any(|a| a.id == *id));
                let pick = keep
                    .or(l.iter().find(|a| a.is_default).map(|a| a.id))
                    .or(l.first().map(|a| a.id));
                address.set(pick);
            }
            addresses.set(Some(list));
        })
    };
    {
        let (take, default_country) = (take_addresses.clone(), default_country.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                take.emit(call::<ListAddresses>(&()).await);
                // A new address starts in the shop's country; a customer who may not read
                // the settings types it.
                if let Ok(s) = call::<GetShopSettings>(&()).await {
                    default_country.set(s.default_country);
                }
            });
        });
    }
    {
        let (slots, slot) = (slots.clone(), slot.clone());
        let seq = use_mut_ref(|| 0u32);
        use_effect_with((*address, *again), move |(address, _)| {
            slots.set(None);
            // Only the reply for the address chosen last is shown.
            *seq.borrow_mut() += 1;
            let mine = *seq.borrow();
            if let Some(address_id) = *address {
                let slot = slot.clone();
                spawn_local(async move {
                    let r = call::<AvailableSlots>(&SlotsFor { address_id }).await;
                    if *seq.borrow() != mine {
                        return;
                    }
                    // A slot no longer offered (full, or not serving this address) is unchosen.
                    let keep = match &r {
                        Ok(l) => (*slot).filter(|id| l.iter().any(|s| s.id == *id)),
                        Err(_) => None,
                    };
                    slot.set(keep);
                    slots.set(Some(r));
                });
            } else {
                slot.set(None);
            }
        });
    }
    {
        // Reviewed only once the chosen slot is among those offered for the chosen address
        // (right after the address changes, the old slot is not).
        let offered =
            matches!((&*slots, *slot), (Some(Ok(l)), Some(id)) if l.iter().any(|s| s.id == id));
        let review = review.clone();
        let seq = use_mut_ref(|| 0u32);
        use_effect_with(
            (*address, *slot, *again, offered),
            move |(address, slot, _, offered)| {
                review.set(None);
                *seq.borrow_mut() += 1;
                let mine = *seq.borrow();
                if let (Some(address_id), Some(slot_id), true) = (*address, *slot, *offered) {
                    spawn_local(async move {
                        let r = call::<ReviewCheckout>(&CheckoutChoice {
                            address_id,
                            slot_id,
                        })
                        .await;
                        if *seq.borrow() == mine {
                            review.set(Some(r));
                        }
                    });
                }
            },
        );
    }

    if let Some((order, rv)) = &*placed {
        let orders = {
            let go = p.on_orders.clone();
            Callback::from(move |_: MouseEvent| go.emit(()))
        };
        let browse = {
            let go = p.on_browse.clone();
            Callback::from(move |_: MouseEvent| go.emit(()))
        };
        return html! {
            <div class="card" id="order-confirmation" role="status">
                <h2>{ "Thank you: your order is placed" }</h2>
                <p class="confirm-number-line">{ "Order number " }<strong id="confirm-number">{ order.order.number.clone() }</strong></p>
                <table class="mail-meta"><tbody>
                    <tr><th>{ "Delivery" }</th><td id="confirm-slot">{ rv.slot.label.clone() }</td></tr>
                    <tr><th>{ "Address" }</th><td id="confirm-address">{ rv.address.one_line() }</td></tr>
                    <tr><th>{ "Items" }</th><td>{ format!("{} line(s)", order.lines.len()) }</td></tr>
                    <tr><th>{ "Total" }</th><td id="confirm-total">{ money(rv.total) }</td></tr>
                </tbody></table>
                <p class="muted">{ "A confirmation is on its way by e-mail. You can follow the order under My orders." }</p>
                <div class="actions">
                    <button type="button" id="confirm-orders" onclick={orders}>{ "My orders" }</button>
                    <button type="button" class="secondary" id="confirm-continue" onclick={browse}>{ "Continue shopping" }</button>
                </div>
            </div>
        };
    }

    // (1) Addresses.
    let choose_address = |id: i64| {
        let address = address.clone();
        Callback::from(move |_: Event| address.set(Some(id)))
    };
    let open_edit = |a: Option<&Address>| {
        let (editing, addr_error) = (editing.clone(), addr_error.clone());
        let e = match a {
            Some(a) => edit_of(a),
            None => AddressEdit {
                country: (*default_country).clone(),
                ..Default::default()
            },
        };
        Callback::from(move |_: MouseEvent| {
            addr_error.set(None);
            editing.set(Some(e.clone()));
        })
    };
    let delete = |id: i64| {
        let (take, addr_error) = (take_addresses.clone(), addr_error.clone());
        Callback::from(move |_: MouseEvent| {
            let (take, addr_error) = (take.clone(), addr_error.clone());
            spawn_local(async move {
                match call::<DeleteAddress>(&AddressRef { id }).await {
                    Ok(l) => {
                        addr_error.set(None);
                        take.emit(Ok(l));
                    }
                    Err(e) => addr_error.set(Some(e)),
                }
            });
        })
    };
    let address_list = match &*addresses {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(l)) if l.is_empty() => {
            html! { <p class="muted" id="no-addresses">{ "No address yet: add one to see the delivery slots." }</p> }
        }
        Some(Ok(l)) => html! {
            <div class="choices" id="addresses">{ for l.iter().map(|a| html! {
                <div class="choice-row">
                    <label class="choice">
                        <input type="radio" name="address" class="address-choice" data-address-id={a.id.to_string()}
                            checked={*address == Some(a.id)} onchange={choose_address(a.id)} />
                        <span><strong>{ a.kind.label() }</strong>{ if a.is_default { " (default)" } else { "" } }{ " · " }{ a.one_line() }</span>
                    </label>
                    <button type="button" class="secondary addr-edit" data-address-id={a.id.to_string()} onclick={open_edit(Some(a))}>{ "Edit" }</button>
                    <button type="button" class="secondary addr-delete" data-address-id={a.id.to_string()} onclick={delete(a.id)}>{ "Delete" }</button>
                </div>
            }) }</div>
        },
    };
    let address_form = editing.as_ref().map(|e| {
        let set = |f: fn(&mut AddressEdit, String)| {
            let editing = editing.clone();
            Callback::from(move |ev: InputEvent| {
                if let Some(mut a) = (*editing).clone() {
                    f(&mut a, ev.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                    editing.set(Some(a));
                }
            })
        };
        let on_kind = {
            let editing = editing.clone();
            Callback::from(move |ev: Event| {
                if let Some(mut a) = (*editing).clone() {
                    a.kind = AddressKind::parse(&value_of(&ev)).unwrap_or_default();
                    editing.set(Some(a));
                }
            })
        };
        let on_default = {
            let editing = editing.clone();
            Callback::from(move |ev: Event| {
                if let Some(mut a) = (*editing).clone() {
                    a.is_default = checked_of(&ev);
                    editing.set(Some(a));
                }
            })
        };
        let save = {
            let (editing, addr_error, take, address) = (
                editing.clone(),
                addr_error.clone(),
                take_addresses.clone(),
                address.clone(),
            );
            Callback::from(move |ev: SubmitEvent| {
                ev.prevent_default();
                let Some(a) = (*editing).clone() else { return };
                let (editing, addr_error, take, address) = (
                    editing.clone(),
                    addr_error.clone(),
                    take.clone(),
                    address.clone(),
                );
                spawn_local(async move {
                    match call::<SaveAddress>(&a).await {
                        Ok(l) => {
                            // A new address is the one the customer means to use now.
                            let new_id = match a.id {
                                Some(id) => Some(id),
                                None => l.iter().map(|x| x.id).max(),
                            };
                            addr_error.set(None);
                            editing.set(None);
                            take.emit(Ok(l));
                            if new_id.is_some() {
                                address.set(new_id);
                            }
                        }
                        Err(err) => addr_error.set(Some(err)),
                    }
                });
            })
        };
        let cancel = {
            let (editing, addr_error) = (editing.clone(), addr_error.clone());
            Callback::from(move |_: MouseEvent| {
                addr_error.set(None);
                editing.set(None);
            })
        };
        let input = |id: &'static str, label: &'static str, name: &'static str, value: &str, f: fn(&mut AddressEdit, String), auto: &'static str| {
            let bad = super::about(&addr_error, &[name]);
            html! {
                <div>
                    <label for={id}>{ label }</label>
                    <input id={id} type="text" value={value.to_string()} oninput={set(f)} autocomplete={auto}
                        class={bad.then_some("invalid")} aria-invalid={bad.then_some("true")} />
                    { field_error(&addr_error, id, &[name]) }
                </div>
            }
        };
        let names: Vec<&str> = ADDRESS_FIELDS.iter().map(|(n, _)| *n).collect();
        html! {
            <form id="address-form" class="card inset" onsubmit={save}>
                <h3>{ if e.id.is_some() { "Edit address" } else { "New address" } }</h3>
                <div class="grid2">
                    <div>
                        <label for="addr-kind">{ "Kind" }</label>
                        <select id="addr-kind" onchange={on_kind}>
                            { for AddressKind::ALL.iter().map(|k| html! { <option value={k.as_str()} selected={e.kind == *k}>{ k.label() }</option> }) }
                        </select>
                        { field_error(&addr_error, "addr-kind", &["kind"]) }
                    </div>
                    { input("addr-name", "Name", "name", &e.name, |a, v| a.name = v, "name") }
                    { input("addr-line1", "Address line 1", "line1", &e.line1, |a, v| a.line1 = v, "address-line1") }
                    { input("addr-line2", "Address line 2 (optional)", "line2", &e.line2, |a, v| a.line2 = v, "address-line2") }
                    { input("addr-city", "City", "city", &e.city, |a, v| a.city = v, "address-level2") }
                    { input("addr-postcode", "Postcode", "postcode", &e.postcode, |a, v| a.postcode = v, "postal-code") }
                    { input("addr-country", "Country (two letters, e.g. IN, GB)", "country", &e.country, |a, v| a.country = v, "country") }
                    { input("addr-phone", "Phone", "phone", &e.phone, |a, v| a.phone = v, "tel") }
                </div>
                <label class="check"><input type="checkbox" id="addr-default" checked={e.is_default} onchange={on_default} />{ " Default address" }</label>
                <div class="actions">
                    <button type="submit" id="addr-save">{ "Save address" }</button>
                    <button type="button" class="secondary" id="addr-cancel" onclick={cancel}>{ "Cancel" }</button>
                </div>
                { form_error("addr-error", &addr_error, &names) }
            </form>
        }
    });

    // (2) Slots.
    let choose_slot = |id: i64| {
        let (slot, error) = (slot.clone(), error.clone());
        Callback::from(move |_: Event| {
            error.set(None);
            slot.set(Some(id));
        })
    };
    let slot_list = match (&*address, &*slots) {
        (None, _) => html! { <p class="muted">{ "Choose an address first." }</p> },
        (Some(_), None) => html! { <p class="muted">{ "Loading…" }</p> },
        (Some(_), Some(Err(e))) => {
            html! { <p class="error" id="slots-error">{ e.message.clone() }</p> }
        }
        (Some(_), Some(Ok(l))) if l.is_empty() => html! {
            <p class="banner warn" id="no-slots">{ "No delivery slot serves this postcode in the coming weeks." }</p>
        },
        (Some(_), Some(Ok(l))) => html! {
            <div class="choices" id="slots">{ for l.iter().map(|s| html! {
                <label class="choice">
                    <input type="radio" name="slot" class="slot-choice" data-slot-id={s.id.to_string()}
                        checked={*slot == Some(s.id)} onchange={choose_slot(s.id)} />
                    <span>
                        <strong class="slot-label">{ s.label.clone() }</strong>
                        <span class="slot-room">{ format!(" · {} place{} left", s.room(), if s.room() == 1 { "" } else { "s" }) }</span>
                        <span class="slot-charge muted">{ format!(" · {}", charge_text(s)) }</span>
                    </span>
                </label>
            }) }</div>
        },
    };

    // (3) Review and place.
    let place = {
        let (review, error, busy, placed, again, on_cart) = (
            review.clone(),
            error.clone(),
            busy.clone(),
            placed.clone(),
            again.clone(),
            p.on_cart.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(Ok(rv)) = (*review).clone() else {
                return;
            };
            let req = Checkout {
                address_id: rv.address.id,
                slot_id: rv.slot.id,
                expected_total: rv.total,
                key: Some(rv.key.clone()),
            };
            let (error, busy, placed, again, on_cart) = (
                error.clone(),
                busy.clone(),
                placed.clone(),
                again.clone(),
                on_cart.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match call::<PlaceShopOrder>(&req).await {
                    Ok(order) => {
                        error.set(None);
                        // The core emptied the cart; ask for it so the header agrees.
                        on_cart.emit(call::<GetCart>(&()).await.unwrap_or_default());
                        placed.set(Some((order, rv)));
                    }
                    Err(e) => {
                        // Something moved (a price, the slot's room, the stock): nothing was
                        // ordered, and the slots and review are asked again to show it.
                        if e.kind != ErrorKind::Unauthenticated {
                            again.set(*again + 1);
                        }
                        error.set(Some(e));
                    }
                }
                busy.set(false);
            });
        })
    };
    let review_html = match &*review {
        None if slot.is_some() => html! { <p class="muted">{ "Loading…" }</p> },
        None => html! { <p class="muted">{ "Choose a delivery slot to see the total." }</p> },
        Some(Err(e)) => html! { <p class="error" id="review-error">{ e.message.clone() }</p> },
        Some(Ok(rv)) => {
            let subtotal = rv.cart.total;
            let blocked =
                rv.cart.lines.is_empty() || rv.cart.lines.iter().any(|l| l.problem.is_some());
            html! {
                <div id="review">
                    <table id="review-lines">
                        <thead><tr><th>{ "Product" }</th><th class="num">{ "Qty" }</th><th class="num">{ "Price" }</th><th class="num">{ "Total" }</th></tr></thead>
                        <tbody>{ for rv.cart.lines.iter().map(|l| html! {
                            <tr class="review-line" data-product-id={l.product_id.to_string()}>
                                <td>{ format!("{} · {}", l.name, l.variant) }
                                    if let Some(pr) = &l.problem { <div class="error">{ pr.clone() }</div> }</td>
                                <td class="num">{ l.quantity }</td>
                                <td class="num">{ money(l.unit_price) }
                                    if l.price_when_added != l.unit_price { <div class="muted cart-was">{ format!("was {}", money(l.price_when_added)) }</div> }</td>
                                <td class="num">{ money(l.line_total) }</td>
                            </tr>
                        }) }</tbody>
                        <tfoot>
                            <tr><th colspan="3">{ "Items" }</th><td class="num" id="review-subtotal">{ money(subtotal) }</td></tr>
                            <tr><th colspan="3">{ "Delivery" }</th><td class="num" id="review-delivery">{ if rv.delivery_charge == 0 { "Free".to_string() } else { money(rv.delivery_charge) } }</td></tr>
                            <tr><th colspan="3">{ "Total" }</th><td class="num" id="review-total"><strong>{ money(rv.total) }</strong></td></tr>
                        </tfoot>
                    </table>
                    <p class="muted">{ format!("Delivered {} to {}", rv.slot.label, rv.address.one_line()) }</p>
                    <div class="actions">
                        <button type="button" id="checkout-place" onclick={place} disabled={*busy || blocked}>{ if *busy { "Placing…" } else { "Place order" } }</button>
                    </div>
                </div>
            }
        }
    };
    let back = {
        let go = p.on_back.clone();
        Callback::from(move |_: MouseEvent| go.emit(()))
    };
    html! {
        <div class="card" id="checkout">
            <div class="actions" style="margin:0">
                <h2 style="flex:1;margin:0">{ "Checkout" }</h2>
                <button type="button" class="secondary" id="checkout-back" onclick={back}>{ "Back to the cart" }</button>
            </div>
            <section class="checkout-step" id="checkout-address">
                <h3>{ "1. Delivery address" }</h3>
                { address_list }
                if editing.is_none() {
                    <div class="actions"><button type="button" class="secondary" id="addr-add" onclick={open_edit(None)}>{ "Add address" }</button></div>
                }
                { address_form.unwrap_or_default() }
                if editing.is_none() { { error_line("addr-error", &addr_error) } }
            </section>
            <section class="checkout-step" id="checkout-slot">
                <h3>{ "2. Delivery slot" }</h3>
                { slot_list }
            </section>
            <section class="checkout-step" id="checkout-review">
                <h3>{ "3. Review and place the order" }</h3>
                { error_line("checkout-error", &error) }
                { review_html }
            </section>
        </div>
    }
}
