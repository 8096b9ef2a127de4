//! A listing's picture in the editor: the one stored, and a new one chosen with the native
//! dialog or typed as a path (not at a kiosk).

use crate::common::data::{use_action, use_job};
use crate::common::ipc::open_image_dialog;
use crate::common::widgets::error_line;
use crate::modules::shop::catalogue::{ListingPicture, forget_picture};
use portdesk_types::api::SetListingPicture;
use portdesk_types::shop::{Listing, SetPicture};
use portdesk_types::{ApiError, ErrorKind};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct PictureProps {
    /// `None`: a new listing, not saved yet.
    pub listing_id: Option<i64>,
    pub kiosk: bool,
    pub on_saved: Callback<Listing>,
}

#[function_component(PictureEditor)]
pub(super) fn picture_editor(p: &PictureProps) -> Html {
    let path = use_state(String::new);
    let dialog = use_job();
    let set = use_action::<SetListingPicture>();
    // Whether the dialog was opened after the last "Set picture": its failure is then the
    // error shown.
    let dialog_last = use_state(|| false);
    // Bumped after a new picture: the preview is fetched again.
    let pic_version = use_state(|| 0u32);
    let Some(id) = p.listing_id else {
        return html! { <p class="muted">{ "Save the listing first, then choose its picture." }</p> };
    };
    let choose = {
        let (dialog, dialog_last, path) = (dialog.clone(), dialog_last.clone(), path.clone());
        Callback::from(move |_: MouseEvent| {
            dialog_last.set(true);
            let path = path.clone();
            dialog.run(async move {
                if let Some(p) = open_image_dialog().await? {
                    path.set(p);
                }
                Ok(())
            });
        })
    };
    let set_picture = {
        let (set, dialog_last, path, pic_version, on_saved) = (
            set.clone(),
            dialog_last.clone(),
            path.clone(),
            pic_version.clone(),
            p.on_saved.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            dialog_last.set(false);
            let req = SetPicture {
                listing_id: id,
                path: path.trim().to_string(),
            };
            let (pic_version, on_saved) = (pic_version.clone(), on_saved.clone());
            set.run(req, move |l| {
                forget_picture(id);
                pic_version.set(*pic_version + 1);
                on_saved.emit(l);
            });
        })
    };
    let error = match (*dialog_last, dialog.error()) {
        (true, Some(m)) => Some(ApiError::new(
            ErrorKind::Internal,
            format!("The file dialog cannot open ({m}): type the file's path instead."),
        )),
        _ => set.error().clone(),
    };
    html! {
        <>
            <div class="shop-detail-pic"><ListingPicture key={format!("{id}-{}", *pic_version)} listing_id={id} /></div>
            if p.kiosk {
                <p class="muted">{ "Pictures are set from a staff desktop." }</p>
            } else {
                <div class="grid2">
                    <div>
                        <label for="listing-picture-path">{ "Picture file (PNG, JPEG, GIF or WebP, up to 10 MB)" }</label>
                        <input id="listing-picture-path" type="text" value={(*path).clone()}
                            oninput={{ let path = path.clone(); Callback::from(move |ev: InputEvent| path.set(ev.target_unchecked_into::<web_sys::HtmlInputElement>().value())) }} />
                    </div>
                    <div class="actions" style="align-items:end">
                        <button type="button" class="secondary" id="listing-picture-choose" onclick={choose}>{ "Choose…" }</button>
                        <button type="button" id="listing-picture-set" onclick={set_picture} disabled={path.trim().is_empty()}>{ "Set picture" }</button>
                    </div>
                </div>
                { error_line("listing-picture-error", &error) }
            }
        </>
    }
}
