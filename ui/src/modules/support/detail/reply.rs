//! The reply box under a ticket's thread: a reply or an internal note, files, and "Reopen" for a customer on a resolved ticket.

use super::super::{about, checked_of, field_error, form_error, input_value};
use crate::common::data::{use_action, use_job};
use crate::common::ipc::open_files_dialog;
use portdesk_types::api::AddMessage;
use portdesk_types::support::*;
use portdesk_types::{ApiError, ErrorKind};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ReplyProps {
    pub(super) ticket_id: i64,
    pub(super) staff: bool,
    pub(super) kiosk: bool,
    /// Resolved: a customer's reply leaves it so unless they tick "Reopen".
    #[prop_or_default]
    pub(super) resolved: bool,
    pub(super) on_detail: Callback<TicketDetail>,
}

#[function_component(ReplyBox)]
pub(super) fn reply_box(p: &ReplyProps) -> Html {
    let body = use_state(String::new);
    let internal = use_state(|| false);
    let reopen = use_state(|| false);
    let paths = use_state(Vec::<String>::new);
    let typed = use_state(String::new);
    let send = use_action::<AddMessage>();
    let dialog = use_job();
    // The file dialog's failure; sending again clears it.
    let local = use_state(|| None::<ApiError>);
    let error = (*local).clone().or_else(|| send.error().clone());
    let attach = {
        let (paths, local) = (paths.clone(), local.clone());
        Callback::from(move |_: MouseEvent| {
            let (paths, local) = (paths.clone(), local.clone());
            dialog.run(async move {
                match open_files_dialog().await {
                    Ok(chosen) => {
                        let mut all = (*paths).clone();
                        all.extend(chosen.into_iter().filter(|c| !paths.contains(c)));
                        paths.set(all);
                    }
                    Err(e) => local.set(Some(ApiError::new(ErrorKind::Internal, e))),
                }
                Ok(())
            });
        })
    };
    let submit = {
        let (body, internal, reopen, paths, local, send, on_detail) = (
            body.clone(),
            internal.clone(),
            reopen.clone(),
            paths.clone(),
            local.clone(),
            send.clone(),
            p.on_detail.clone(),
        );
        let (ticket_id, staff) = (p.ticket_id, p.staff);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = NewMessage {
                ticket_id,
                body: (*body).clone(),
                internal: staff && *internal,
                paths: (*paths).clone(),
                reopen: !staff && *reopen,
            };
            local.set(None);
            let (body, internal, paths, on_detail) = (
                body.clone(),
                internal.clone(),
                paths.clone(),
                on_detail.clone(),
            );
            send.run(req, move |d| {
                body.set(String::new());
                paths.set(Vec::new());
                internal.set(false);
                on_detail.emit(d);
            });
        })
    };
    let file = |path: &String| {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_string();
        let remove = {
            let (paths, path) = (paths.clone(), path.clone());
            Callback::from(move |_: MouseEvent| {
                paths.set(paths.iter().filter(|x| **x != path).cloned().collect())
            })
        };
        html! {
            <li class="reply-file" data-path={path.clone()}>
                <span>{ name.clone() }</span>
                <button type="button" class="secondary reply-file-remove" aria-label={format!("Remove {name}")} onclick={remove}>{ "Remove" }</button>
            </li>
        }
    };
    let add_typed = {
        let (paths, typed) = (paths.clone(), typed.clone());
        Callback::from(move |_: MouseEvent| {
            let t = typed.trim().to_owned();
            if !t.is_empty() && !paths.contains(&t) {
                let mut v = (*paths).clone();
                v.push(t);
                paths.set(v);
            }
            typed.set(String::new());
        })
    };
    let bad_body = about(&error, &["body"]);
    html! {
        <form class="reply" id="reply" onsubmit={submit}>
            <label for="reply-body">{ if p.staff { "Reply or note" } else { "Your reply" } }</label>
            <textarea id="reply-body" rows="4" value={(*body).clone()} class={bad_body.then_some("invalid")}
                oninput={{ let body = body.clone(); Callback::from(move |e: InputEvent| body.set(input_value(&e))) }} />
            { field_error(&error, "reply-body", &["body"]) }
            if !paths.is_empty() { <ul class="reply-files" id="reply-files">{ for paths.iter().map(file) }</ul> }
            { field_error(&error, "reply-attach", &["paths", "path", "attachment", "file"]) }
            <div class="actions">
                if !p.kiosk {
                    <button type="button" class="secondary" id="reply-attach" onclick={attach}>{ "Attach files…" }</button>
                    // A path typed or pasted (a file on a share), as the other windows offer.
                    <input type="text" id="reply-attach-path" placeholder="or a file's path" aria-label="File path to attach"
                        value={(*typed).clone()}
                        oninput={{ let typed = typed.clone(); Callback::from(move |e: InputEvent| typed.set(input_value(&e))) }} />
                    <button type="button" class="secondary" id="reply-attach-add" onclick={add_typed}>{ "Add" }</button>
                }
                if !p.staff && p.resolved {
                    <label class="check inline">
                        <input type="checkbox" id="reply-reopen" checked={*reopen}
                            onchange={{ let reopen = reopen.clone(); Callback::from(move |e: Event| reopen.set(checked_of(&e))) }} />
                        { " Reopen this ticket (it is resolved)" }
                    </label>
                }
                if p.staff {
                    <label class="check inline">
                        <input type="checkbox" id="reply-internal" checked={*internal}
                            onchange={{ let internal = internal.clone(); Callback::from(move |e: Event| internal.set(checked_of(&e))) }} />
                        { " Internal note" }
                    </label>
                }
                <button type="submit" id="reply-send" disabled={send.busy()}>
                    { if p.staff && *internal { "Add note" } else { "Send" } }
                </button>
            </div>
            { form_error("reply-error", &error, &["body", "paths", "path", "attachment", "file"]) }
        </form>
    }
}
