//! The Orders window. Staff place an order on a customer's behalf (customer, products,
//! quantities) and move orders from placed to delivered, or cancel before shipping; a customer
//! sees their own orders and their status. The stock shown is the catalogue's, now.
//!
//! Files: `place.rs` (the new order, with the stock), `list.rs` (the orders and one's detail).

mod list;
mod place;

use list::OrderList;
use place::PlaceOrderCard;
use portdesk_types::Role;
use portdesk_types::api::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OrdersProps {
    pub me: SessionInfo,
}

#[function_component(OrdersWindow)]
pub fn orders_window(p: &OrdersProps) -> Html {
    // A view choice (procurement looks at the staff view without ordering); what each role
    // may do is the commands' own declaration, the one the core enforces.
    let staff = p.me.role != Role::Customer;
    let can_move = may::<AdvanceOrderStatus>(p.me.role);
    let can_place = may::<OrderCustomers>(p.me.role);
    // Bumped by an order placed or moved: both cards read again (the stock changed).
    let reload = use_state(|| 0u32);
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_: ()| reload.set(*reload + 1))
    };
    html! {
        <>
            if staff { <PlaceOrderCard can_place={can_place} on_placed={bump.clone()} reload={*reload} /> }
            <OrderList staff={staff} can_move={can_move} reload={*reload} on_changed={bump} />
        </>
    }
}
