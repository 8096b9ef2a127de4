//! The tickets list (a customer's own with filters and counts; the staff queues with their
//! counts and breaches) and the new-ticket form, which suggests knowledge-base articles while
//! the title is typed.

use super::{field_error, form_error, input_value, value_of};
use crate::common::ipc::call;
use crate::common::widgets::date_time;
use gloo_timers::callback::Timeout;
use portdesk_types::api::*;
use portdesk_types::support::*;
use portdesk_types::{ApiError, ErrorKind};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ListProps {
    pub staff: bool,
    pub customer: bool,
    /// Bumped by a live event or a change made here: the list is read again.
    pub tick: u32,
    pub open: Option<i64>,
    pub on_open: Callback<i64>,
    pub on_new: Callback<()>,
}

#[function_component(TicketsList)]
pub fn tickets_list(p: &ListProps) -> Html {
    let queue = use_state(|| Queue::All);
    let status = use_state(|| None::<TicketStatus>);
    let priority = use_state(|| None::<Priority>);
    let list = use_state(|| None::<Result<TicketList, ApiError>>);
    let seq = use_mut_ref(|| 0u32);
    {
        let (list, seq) = (list.clone(), seq.clone());
        use_effect_with(
            (*queue, *status, *priority, p.tick),
            move |(queue, status, priority, _)| {
                let q = TicketQuery {
                    queue: *queue,
                    status: *status,
                    priority: *priority,
                    open_only: false,
                };
                // Replies may come back out of order: only the latest query's is shown.
                *seq.borrow_mut() += 1;
                let mine = *seq.borrow();
                spawn_local(async move {
                    let r = call::<ListTickets>(&q).await;
                    // A failed refresh keeps the rows already shown.
                    if *seq.borrow() == mine && (r.is_ok() || !matches!(*list, Some(Ok(_)))) {
                        list.set(Some(r));
                    }
                });
            },
        );
    }
    let counts = match &*list {
        Some(Ok(l)) => l.counts.clone(),
        _ => TicketCounts::default(),
    };
    let queue_button = |q: Queue, id: &'static str, label: &'static str, n: u32| {
        let lit = *queue == q;
        let queue = queue.clone();
        html! {
            <button type="button" id={id} role="tab" aria-selected={lit.to_string()} class={classes!("queue-tab", (!lit).then_some("secondary"))}
                onclick={Callback::from(move |_: MouseEvent| queue.set(q))}>
                { label }{ " " }<span class="badge queue-count">{ n }</span>
            </button>
        }
    };
    let on_status = {
        let status = status.clone();
        Callback::from(move |e: Event| status.set(TicketStatus::parse(&value_of(&e))))
    };
    let on_priority = {
        let priority = priority.clone();
        Callback::from(move |e: Event| priority.set(Priority::parse(&value_of(&e))))
    };
    let row = |t: &Ticket| {
        let sel = p.open == Some(t.id);
        let click = {
            let (on_open, id) = (p.on_open.clone(), t.id);
            Callback::from(move |_: MouseEvent| on_open.emit(id))
        };
        let key = {
            let (on_open, id) = (p.on_open.clone(), t.id);
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    on_open.emit(id);
                }
            })
        };
        let class = classes!(
            "ticket-row",
            format!("st-{}", t.status.as_str()),
            t.breach.is_some().then_some("breach"),
            sel.then_some("sel")
        );
        html! {
            <tr {class} tabindex="0" data-ticket-id={t.id.to_string()} data-status={t.status.as_str()} aria-selected={sel.to_string()}
                onclick={click} onkeydown={key}>
                <td class="ticket-number">{ t.number.clone() }</td>
                <td class="ticket-title">
                    { t.title.clone() }
                    if let Some(b) = &t.breach { <span class="breach-text">{ b.clone() }</span> }
                </td>
                if p.staff {
                    <td class="ticket-customer">{ t.customer_name.clone() }</td>
                    <td class="ticket-assignee">{ t.assignee_name.clone().unwrap_or_else(|| "Nobody".into()) }</td>
                }
                <td class="ticket-status">{ t.status.label() }</td>
                <td class={classes!("ticket-priority", format!("pr-{}", t.priority.as_str()))}>{ t.priority.label() }</td>
                <td class="ticket-updated">{ date_time(t.updated_at) }</td>
                <td class="ticket-messages num">{ t.messages }</td>
            </tr>
        }
    };
    let table = match &*list {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error" id="tickets-error">{ e.message.clone() }</p> },
        Some(Ok(l)) if l.rows.is_empty() => {
            html! { <p class="muted" id="tickets-empty">{ "No tickets here." }</p> }
        }
        Some(Ok(l)) => html! {
            <table id="tickets">
                <thead><tr>
                    <th>{ "Number" }</th><th>{ "Title" }</th>
                    if p.staff { <th>{ "Customer" }</th><th>{ "Assignee" }</th> }
                    <th>{ "Status" }</th><th>{ "Priority" }</th><th>{ "Updated" }</th><th class="num">{ "Messages" }</th>
                </tr></thead>
                <tbody>{ for l.rows.iter().map(row) }</tbody>
            </table>
        },
    };
    let new_ticket = {
        let on_new = p.on_new.clone();
        Callback::from(move |_: MouseEvent| on_new.emit(()))
    };
    html! {
        <div class="card support-list">
            if p.staff {
                <div class="queue-tabs" role="tablist" aria-label="Queues">
                    { queue_button(Queue::Unassigned, "queue-unassigned", "Unassigned", counts.unassigned) }
                    { queue_button(Queue::Mine, "queue-mine", "Mine", counts.mine) }
                    { queue_button(Queue::All, "queue-all", "All", counts.open) }
                    if counts.breached > 0 {
                        <span class="breach-count" id="count-breached">{ format!("{} past target", counts.breached) }</span>
                    }
                </div>
            } else {
                <div class="ticket-counts">
                    <span>{ "Open: " }<strong id="count-open">{ counts.open }</strong></span>
                    <span>{ "Resolved: " }<strong id="count-resolved">{ counts.resolved }</strong></span>
                    if p.customer {
                        <button type="button" id="ticket-new" onclick={new_ticket}>{ "New ticket" }</button>
                    }
                </div>
            }
            <div class="support-filters">
                <div>
                    <label for="ticket-status">{ "Status" }</label>
                    <select id="ticket-status" onchange={on_status}>
                        <option value="" selected={status.is_none()}>{ "Any status" }</option>
                        { for TicketStatus::ALL.iter().map(|s| html! {
                            <option value={s.as_str()} selected={*status == Some(*s)}>{ s.label() }</option>
                        }) }
                    </select>
                </div>
                <div>
                    <label for="ticket-priority">{ "Priority" }</label>
                    <select id="ticket-priority" onchange={on_priority}>
                        <option value="" selected={priority.is_none()}>{ "Any priority" }</option>
                        { for priorities().into_iter().map(|x| html! {
                            <option value={x.as_str()} selected={*priority == Some(x)}>{ x.label() }</option>
                        }) }
                    </select>
                </div>
            </div>
            { table }
        </div>
    }
}

/// The priorities from low to urgent (the enum lists Normal first, as the default).
pub(super) fn priorities() -> Vec<Priority> {
    let mut all = Priority::ALL.to_vec();
    all.sort_by_key(|x| x.index());
    all
}

#[derive(Properties, PartialEq)]
pub struct NewTicketProps {
    /// With the new ticket's id: its detail opens.
    pub on_created: Callback<i64>,
    pub on_cancel: Callback<()>,
    /// At a kiosk no file is picked from the kiosk's disk.
    pub kiosk: bool,
}

/// The fields the core may name, and the input each shows by.
const FIELDS: [(&str, &str); 4] = [
    ("title", "t-title"),
    ("description", "t-description"),
    ("category", "t-category"),
    ("priority", "t-priority"),
];

#[function_component(NewTicketForm)]
pub fn new_ticket_form(p: &NewTicketProps) -> Html {
    let form = use_state(NewTicket::default);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let hits = use_state(Vec::<ArticleHit>::new);
    let article = use_state(|| None::<i64>);
    let timer = use_mut_ref(|| None::<Timeout>);
    let seq = use_mut_ref(|| 0u32);
    let typed = use_state(String::new);
    let add_paths = {
        let form = form.clone();
        move |more: Vec<String>| {
            let mut next = (*form).clone();
            for m in more {
                let m = m.trim().to_owned();
                if !m.is_empty() && !next.paths.contains(&m) {
                    next.paths.push(m);
                }
            }
            form.set(next);
        }
    };
    let pick = {
        let (add_paths, error) = (add_paths.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (add_paths, error) = (add_paths.clone(), error.clone());
            spawn_local(async move {
                match crate::common::ipc::open_files_dialog().await {
                    Ok(chosen) => add_paths(chosen),
                    Err(e) => error.set(Some(ApiError::new(ErrorKind::Internal, e))),
                }
            });
        })
    };
    let add_typed = {
        let (add_paths, typed) = (add_paths.clone(), typed.clone());
        Callback::from(move |_: MouseEvent| {
            add_paths(vec![(*typed).clone()]);
            typed.set(String::new());
        })
    };
    let remove_path = |path: String| {
        let form = form.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*form).clone();
            next.paths.retain(|x| *x != path);
            form.set(next);
        })
    };
    let on_title = {
        let (form, hits, timer, seq) = (form.clone(), hits.clone(), timer.clone(), seq.clone());
        Callback::from(move |e: InputEvent| {
            let v = input_value(&e);
            let mut f = (*form).clone();
            f.title = v.clone();
            form.set(f);
            // Suggestions once typing pauses; a newer search makes an older reply stale.
            let (hits, seq) = (hits.clone(), seq.clone());
            *seq.borrow_mut() += 1;
            let mine = *seq.borrow();
            *timer.borrow_mut() = Some(Timeout::new(300, move || {
                if v.trim().chars().count() < 3 {
                    hits.set(Vec::new());
                    return;
                }
                spawn_local(async move {
                    let q = KbQuery {
                        search: v.trim().to_string(),
                        include_drafts: false,
                    };
                    // Suggestions are a help: a failed search shows none.
                    let r = call::<SearchKb>(&q).await.unwrap_or_default();
                    if *seq.borrow() == mine {
                        hits.set(r.into_iter().take(5).collect());
                    }
                });
            }));
        })
    };
    let set = |f: fn(&mut NewTicket, String)| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut next = (*form).clone();
            f(&mut next, value_of(&e));
            form.set(next);
        })
    };
    let on_description = {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*form).clone();
            next.description = input_value(&e);
            form.set(next);
        })
    };
    let submit = {
        let (form, error, busy, on_created) = (
            form.clone(),
            error.clone(),
            busy.clone(),
            p.on_created.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let req = (*form).clone();
            if req.category.is_empty() {
                let mut err = ApiError::new(ErrorKind::Validation, "Choose a category.");
                err.field = Some("category".into());
                error.set(Some(err));
                return;
            }
            let (error, busy, on_created) = (error.clone(), busy.clone(), on_created.clone());
            busy.set(true);
            spawn_local(async move {
                let r = call::<CreateTicket>(&req).await;
                busy.set(false);
                match r {
                    Ok(d) => on_created.emit(d.ticket.id),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let cancel = {
        let on_cancel = p.on_cancel.clone();
        Callback::from(move |_: MouseEvent| on_cancel.emit(()))
    };
    let invalid = |names: &[&str]| super::about(&error, names).then_some("invalid");
    let suggestion = |h: &ArticleHit| {
        let (article, id) = (article.clone(), h.id);
        html! {
            <li>
                <button type="button" class="kb-suggestion link" data-article-id={h.id.to_string()}
                    onclick={Callback::from(move |_: MouseEvent| article.set(Some(id)))}>{ h.title.clone() }</button>
            </li>
        }
    };
    let mut names: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
    names.push("paths");
    html! {
        <>
            <form class="card" id="ticket-form" onsubmit={submit}>
                <h2>{ "New ticket" }</h2>
                <label for="t-title">{ "Title" }</label>
                <input id="t-title" type="text" value={form.title.clone()} oninput={on_title} autocomplete="off"
                    class={invalid(&["title"])} placeholder="What is the problem, in a few words?" />
                { field_error(&error, "t-title", &["title"]) }
                if !hits.is_empty() {
                    <div class="kb-suggestions" id="kb-suggestions" role="status">
                        <p class="muted">{ "These articles may answer it:" }</p>
                        <ul>{ for hits.iter().map(suggestion) }</ul>
                    </div>
                }
                <label for="t-description">{ "Description" }</label>
                <textarea id="t-description" rows="6" value={form.description.clone()} oninput={on_description}
                    class={invalid(&["description"])} />
                { field_error(&error, "t-description", &["description"]) }
                <div class="grid2">
                    <div>
                        <label for="t-category">{ "Category" }</label>
                        <select id="t-category" onchange={set(|f, v| f.category = v)} class={invalid(&["category"])}>
                            <option value="" selected={form.category.is_empty()}>{ "Choose…" }</option>
                            { for CATEGORIES.iter().map(|c| html! {
                                <option value={*c} selected={form.category == *c}>{ *c }</option>
                            }) }
                        </select>
                        { field_error(&error, "t-category", &["category"]) }
                    </div>
                    <div>
                        <label for="t-priority">{ "Priority" }</label>
                        <select id="t-priority" onchange={set(|f, v| f.priority = Priority::parse(&v).unwrap_or_default())}
                            class={invalid(&["priority"])}>
                            { for priorities().into_iter().map(|x| html! {
                                <option value={x.as_str()} selected={form.priority == x}>{ x.label() }</option>
                            }) }
                        </select>
                        { field_error(&error, "t-priority", &["priority"]) }
                    </div>
                </div>
                if !p.kiosk {
                    <div class="actions">
                        <button type="button" class="secondary" id="t-attach" onclick={pick}>{ "Attach files…" }</button>
                        <input type="text" id="t-attach-path" placeholder="or a file's path" aria-label="File path to attach"
                            value={(*typed).clone()}
                            oninput={{ let typed = typed.clone(); Callback::from(move |e: InputEvent| typed.set(input_value(&e))) }} />
                        <button type="button" class="secondary" id="t-attach-add" onclick={add_typed}>{ "Add" }</button>
                    </div>
                    if !form.paths.is_empty() {
                        <ul class="reply-files" id="t-files">{ for form.paths.iter().map(|path| {
                            let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_owned();
                            html! {
                                <li class="reply-file t-file" data-path={path.clone()}>
                                    <span>{ name.clone() }</span>
                                    <button type="button" class="secondary reply-file-remove" aria-label={format!("Remove {name}")}
                                        onclick={remove_path(path.clone())}>{ "Remove" }</button>
                                </li>
                            }
                        }) }</ul>
                    }
                    { field_error(&error, "t-attach", &["paths"]) }
                }
                { form_error("t-error", &error, &names) }
                <div class="actions">
                    <button type="submit" id="t-submit" disabled={*busy}>{ if *busy { "Sending…" } else { "Open the ticket" } }</button>
                    <button type="button" class="secondary" id="t-cancel" onclick={cancel}>{ "Cancel" }</button>
                </div>
            </form>
            if let Some(id) = *article {
                <super::kb::ArticleView key={id} id={id} staff={false}
                    on_close={{ let article = article.clone(); Callback::from(move |_: ()| article.set(None)) }} />
            }
        </>
    }
}
