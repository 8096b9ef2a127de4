//! A listing's picture, fetched once per window.

use crate::common::data::use_command;
use portdesk_types::api::GetPicture;
use portdesk_types::shop::{ListingRef, Picture};
use std::cell::RefCell;
use std::collections::HashMap;
use yew::prelude::*;

thread_local! {
    /// Pictures already fetched in this window, by listing (`None`: it has none). A card and
    /// the detail show the same picture without asking twice.
    static PICTURES: RefCell<HashMap<i64, Option<Picture>>> = RefCell::new(HashMap::new());
}

/// Forgets a listing's picture after an admin set a new one.
pub(crate) fn forget_picture(listing_id: i64) {
    PICTURES.with(|p| p.borrow_mut().remove(&listing_id));
}

#[derive(Properties, PartialEq)]
pub struct PictureProps {
    pub listing_id: i64,
}

/// A listing's picture, fetched when it is first shown.
#[function_component(ListingPicture)]
pub fn listing_picture(p: &PictureProps) -> Html {
    match PICTURES.with(|c| c.borrow().get(&p.listing_id).cloned()) {
        Some(known) => picture(known.as_ref()),
        // Keyed: another listing's picture is never taken for this one's.
        None => html! { <FetchPicture key={p.listing_id} listing_id={p.listing_id} /> },
    }
}

#[function_component(FetchPicture)]
fn fetch_picture(p: &PictureProps) -> Html {
    let got = use_command::<GetPicture>(ListingRef { id: p.listing_id });
    // A picture that cannot be fetched is simply not shown.
    let known = match (got.data(), got.error()) {
        (Some(pic), _) => Some(pic.clone()),
        (None, Some(_)) => Some(None),
        (None, None) => None,
    };
    if let Some(k) = &known {
        PICTURES.with(|c| c.borrow_mut().insert(p.listing_id, k.clone()));
    }
    picture(known.flatten().as_ref())
}

fn picture(pic: Option<&Picture>) -> Html {
    match pic {
        Some(pc) => html! {
            <img class="shop-img" alt="" width={pc.width.to_string()} height={pc.height.to_string()}
                src={format!("data:{};base64,{}", pc.mime, pc.data)} />
        },
        None => html! { <span class="shop-img placeholder"></span> },
    }
}
