//! A ticket's thread: its messages with their attachments, and what opening one gave.

use super::super::size_text;
use crate::common::data::{Action, use_action};
use crate::common::widgets::date_time;
use portdesk_types::api::OpenAttachment;
use portdesk_types::support::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ThreadProps {
    pub(super) messages: Vec<Message>,
}

#[function_component(Thread)]
pub(super) fn thread(p: &ThreadProps) -> Html {
    let open = use_action::<OpenAttachment>();
    let on_open = {
        let open = open.clone();
        Callback::from(move |id: i64| open.run(AttachmentRef { id }, |_| ()))
    };
    html! {
        <>
            <h3>{ "Messages" }</h3>
            <ol id="thread" class="thread">{ for p.messages.iter().map(|m| message(m, &on_open)) }</ol>
            if p.messages.is_empty() { <p class="muted" id="thread-empty">{ "No messages yet." }</p> }
            { attachment_result(&open) }
        </>
    }
}

fn message(m: &Message, open: &Callback<i64>) -> Html {
    let class = classes!(
        "message",
        m.staff.then_some("staff"),
        m.internal.then_some("internal")
    );
    html! {
        <li {class} data-message-id={m.id.to_string()}>
            <div class="message-head">
                <span class="message-author">{ m.author.clone() }</span>
                if m.internal { <span class="internal-label">{ "Internal note" }</span> }
                <span class="message-time muted">{ date_time(m.created_at) }</span>
            </div>
            <div class="message-body">{ m.body.clone() }</div>
            if !m.attachments.is_empty() {
                <div class="attachments">{ for m.attachments.iter().map(|a| {
                    let (open, id) = (open.clone(), a.id);
                    html! {
                        <button type="button" class="attachment secondary" data-attachment-id={a.id.to_string()}
                            onclick={Callback::from(move |_: MouseEvent| open.emit(id))}>
                            <span class="attachment-name">{ a.name.clone() }</span>{ " " }
                            <span class="attachment-size muted">{ size_text(a.size) }</span>
                        </button>
                    }
                }) }</div>
            }
        </li>
    }
}

/// What opening an attachment gave: a picture in an overlay, or a line saying what happened.
fn attachment_result(open: &Action<OpenAttachment>) -> Html {
    if let Some(e) = open.error() {
        return html! { <p class="error" id="attachment-error" role="alert">{ e.message.clone() }</p> };
    }
    match open.done() {
        Some(OpenedAttachment::Picture { mime, data }) => {
            let hide = {
                let open = open.clone();
                Callback::from(move |_: ()| open.clear())
            };
            html! { <PictureOverlay src={format!("data:{mime};base64,{data}")} on_close={hide} /> }
        }
        Some(OpenedAttachment::OpenedWithViewer { name }) => {
            html! { <p class="ok" id="attachment-opened" role="status">{ format!("Opened {name}") }</p> }
        }
        Some(OpenedAttachment::NotAtKiosk { .. }) => html! {
            <p class="banner warn" id="attachment-kiosk" role="status">
                { "This file cannot be opened at the kiosk; open it from your own desktop." }
            </p>
        },
        None => html! {},
    }
}

#[derive(Properties, PartialEq)]
struct PictureProps {
    src: AttrValue,
    on_close: Callback<()>,
}

/// A picture attachment over the window. Focus moves to its Close button (a keyboard or kiosk
/// user is not left behind the overlay) and Escape closes it.
#[function_component(PictureOverlay)]
fn picture_overlay(p: &PictureProps) -> Html {
    let button = use_node_ref();
    {
        let button = button.clone();
        use_effect_with((), move |_| {
            if let Some(b) = button.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    let hide = p.on_close.reform(|_: MouseEvent| ());
    let key = {
        let on_close = p.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_close.emit(());
            }
        })
    };
    html! {
        <div class="overlay" id="attachment-view" role="dialog" aria-modal="true" aria-label="Attachment" onkeydown={key}>
            <div class="overlay-box">
                <img id="attachment-img" alt="Attachment" src={p.src.clone()} />
                <div class="actions">
                    <button type="button" id="attachment-close" ref={button} onclick={hide}>{ "Close" }</button>
                </div>
            </div>
        </div>
    }
}
