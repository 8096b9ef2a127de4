//! A ticket's detail: header, the thread with its attachments, the reply box (files and, for
//! staff, internal notes), the staff controls (status, priority, assignee), and for the
//! customer call requests and feedback. It is read again whenever a live event is about it,
//! so a reply from another desktop appears by itself.

mod reply;
use reply::ReplyBox;

mod staff_controls;
use staff_controls::StaffControls;

use super::{about, checked_of, field_error, form_error, input_value, size_text, value_of};
use crate::common::ipc::{call, open_files_dialog};
use crate::common::widgets::date_time;
use portdesk_types::api::*;
use portdesk_types::support::*;
use portdesk_types::{ApiError, ErrorKind};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DetailProps {
    pub id: i64,
    pub staff: bool,
    pub kiosk: bool,
    pub my_id: i64,
    /// Bumped by a live event about this ticket: it is read again.
    pub tick: u32,
    /// A change made here: the list shows it too.
    pub on_changed: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(TicketDetailView)]
pub fn ticket_detail(p: &DetailProps) -> Html {
    let detail = use_state(|| None::<Result<TicketDetail, ApiError>>);
    let seq = use_mut_ref(|| 0u32);
    // Bumped here after a call request (its reply is the call, not the ticket).
    let again = use_state(|| 0u32);
    let opened = use_state(|| None::<OpenedAttachment>);
    let open_error = use_state(|| None::<ApiError>);
    {
        let (detail, seq) = (detail.clone(), seq.clone());
        use_effect_with((p.id, p.tick, *again), move |(id, _, _)| {
            let id = *id;
            *seq.borrow_mut() += 1;
            let mine = *seq.borrow();
            spawn_local(async move {
                let r = call::<GetTicket>(&TicketRef { id }).await;
                // Stale replies are dropped; a failed refresh keeps the thread shown.
                if *seq.borrow() == mine && (r.is_ok() || !matches!(*detail, Some(Ok(_)))) {
                    detail.set(Some(r));
                }
            });
        });
    }
    // A command's reply is the ticket as it is now: shown at once, and any older read dropped.
    let on_detail = {
        let (detail, seq, changed) = (detail.clone(), seq.clone(), p.on_changed.clone());
        Callback::from(move |d: TicketDetail| {
            *seq.borrow_mut() += 1;
            detail.set(Some(Ok(d)));
            changed.emit(());
        })
    };
    let reload = {
        let (again, changed) = (again.clone(), p.on_changed.clone());
        Callback::from(move |_: ()| {
            again.set(again.wrapping_add(1));
            changed.emit(());
        })
    };
    let open_attachment = {
        let (opened, open_error) = (opened.clone(), open_error.clone());
        Callback::from(move |id: i64| {
            let (opened, open_error) = (opened.clone(), open_error.clone());
            spawn_local(async move {
                match call::<OpenAttachment>(&AttachmentRef { id }).await {
                    Ok(o) => {
                        open_error.set(None);
                        opened.set(Some(o));
                    }
                    Err(e) => {
                        opened.set(None);
                        open_error.set(Some(e));
                    }
                }
            });
        })
    };
    let close = {
        let on_close = p.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let d = match &*detail {
        None => return shell(p.id, html! { <p class="muted">{ "Loading…" }</p> }, close),
        Some(Err(e)) => {
            return shell(
                p.id,
                html! { <p class="error" id="detail-error">{ e.message.clone() }</p> },
                close,
            );
        }
        Some(Ok(d)) => d,
    };
    let t = &d.ticket;
    let customer = !p.staff;
    let body = html! {
        <>
            <h2><span id="detail-number">{ t.number.clone() }</span>{ " · " }<span id="detail-title">{ t.title.clone() }</span></h2>
            <div class="ticket-facts">
                <span>{ "Status: " }<strong id="detail-status" data-status={t.status.as_str()}>{ t.status.label() }</strong></span>
                <span>{ "Priority: " }<strong id="detail-priority">{ t.priority.label() }</strong></span>
                <span>{ "Assignee: " }<strong id="detail-assignee">{ t.assignee_name.clone().unwrap_or_else(|| "Nobody yet".into()) }</strong></span>
                <span>{ "Category: " }<strong id="detail-category">{ t.category.clone() }</strong></span>
                if p.staff { <span>{ "Customer: " }<strong id="detail-customer">{ t.customer_name.clone() }</strong></span> }
                <span class="muted">{ format!("Opened {}", date_time(t.created_at)) }</span>
            </div>
            if let Some(b) = &t.breach { <p class="breach-text" id="detail-breach">{ b.clone() }</p> }
            if !t.description.is_empty() { <p class="ticket-description" id="detail-description">{ t.description.clone() }</p> }
            if p.staff {
                <StaffControls ticket={t.clone()} my_id={p.my_id} on_detail={on_detail.clone()} />
            }
            <h3>{ "Messages" }</h3>
            <ol id="thread" class="thread">{ for d.messages.iter().map(|m| message(m, &open_attachment)) }</ol>
            if d.messages.is_empty() { <p class="muted" id="thread-empty">{ "No messages yet." }</p> }
            { attachment_result(&opened, &open_error) }
            <ReplyBox ticket_id={t.id} staff={p.staff} kiosk={p.kiosk} resolved={t.status == TicketStatus::Resolved} on_detail={on_detail.clone()} />
            { calls(&d.calls) }
            if customer { <super::customer::CallForm ticket_id={t.id} on_done={reload} /> }
            if let Some(f) = &d.feedback {
                <div id="feedback-given" class="card inset" data-rating={f.rating.to_string()}>
                    <strong>{ "Feedback: " }</strong><span class="stars" aria-label={format!("{} of 5", f.rating)}>{ stars(f.rating) }</span>
                    if !f.comment.is_empty() { <p class="feedback-comment">{ f.comment.clone() }</p> }
                </div>
            } else if customer && d.can_rate {
                <super::customer::FeedbackForm ticket_id={t.id} on_detail={on_detail.clone()} />
            }
        </>
    };
    shell(p.id, body, close)
}

fn shell(id: i64, body: Html, close: Callback<MouseEvent>) -> Html {
    html! {
        <section class="card ticket-detail" id="ticket-detail" data-ticket-id={id.to_string()} aria-label="Ticket">
            <div class="actions" style="margin:0;justify-content:flex-end">
                <button type="button" class="secondary" id="ticket-close" onclick={close}>{ "Close" }</button>
            </div>
            { body }
        </section>
    }
}

fn stars(n: u8) -> String {
    (1..=5).map(|i| if i <= n { '★' } else { '☆' }).collect()
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
fn attachment_result(
    opened: &UseStateHandle<Option<OpenedAttachment>>,
    error: &UseStateHandle<Option<ApiError>>,
) -> Html {
    if let Some(e) = &**error {
        return html! { <p class="error" id="attachment-error" role="alert">{ e.message.clone() }</p> };
    }
    match &**opened {
        Some(OpenedAttachment::Picture { mime, data }) => {
            let hide = {
                let opened = opened.clone();
                Callback::from(move |_: ()| opened.set(None))
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

fn calls(list: &[CallRequest]) -> Html {
    if list.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h3>{ "Call requests" }</h3>
            <ul id="ticket-calls" class="ticket-calls">{ for list.iter().map(|c| html! {
                <li class="ticket-call" data-call-id={c.id.to_string()} data-status={call_status(c.status)}>
                    { c.at.map(date_time).unwrap_or_else(|| "As soon as possible".into()) }
                    { format!(" · {} · ", c.phone) }
                    <strong>{ if c.status == CallStatus::Done { "Done" } else { "Pending" } }</strong>
                    if !c.outcome.is_empty() { <span class="call-outcome-text">{ format!(" · {}", c.outcome) }</span> }
                </li>
            }) }</ul>
        </>
    }
}

pub(super) fn call_status(s: CallStatus) -> &'static str {
    match s {
        CallStatus::Pending => "pending",
        CallStatus::Done => "done",
    }
}
