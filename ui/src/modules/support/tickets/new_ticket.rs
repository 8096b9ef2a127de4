//! The new-ticket form: title (knowledge-base articles that may answer it are suggested while
//! it is typed), description, category, priority and, away from a kiosk, files to attach.

use super::super::kb::ArticleView;
use super::super::{about, field_error, form_error, input_value, value_of};
use super::priorities;
use crate::common::data::{use_action, use_command, use_job};
use crate::common::ipc::open_files_dialog;
use gloo_timers::callback::Timeout;
use portdesk_types::api::*;
use portdesk_types::support::*;
use portdesk_types::{ApiError, ErrorKind};
use yew::prelude::*;

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
    let create = use_action::<CreateTicket>();
    // A check made here or the file dialog's failure; sending again clears it.
    let local = use_state(|| None::<ApiError>);
    // The title once typing paused: what articles are suggested for.
    let search = use_state(String::new);
    let timer = use_mut_ref(|| None::<Timeout>);
    let article = use_state(|| None::<i64>);
    let error = (*local).clone().or_else(|| create.error().clone());
    let on_title = {
        let (form, search, timer) = (form.clone(), search.clone(), timer.clone());
        Callback::from(move |e: InputEvent| {
            let v = input_value(&e);
            let mut f = (*form).clone();
            f.title = v.clone();
            form.set(f);
            // Replacing the timeout cancels the previous one.
            let search = search.clone();
            *timer.borrow_mut() = Some(Timeout::new(300, move || search.set(v.trim().to_owned())));
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
    let on_paths = {
        let form = form.clone();
        Callback::from(move |paths: Vec<String>| {
            let mut next = (*form).clone();
            next.paths = paths;
            form.set(next);
        })
    };
    let on_error = {
        let local = local.clone();
        Callback::from(move |e: ApiError| local.set(Some(e)))
    };
    let submit = {
        let (form, local, create, on_created) = (
            form.clone(),
            local.clone(),
            create.clone(),
            p.on_created.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if create.busy() {
                return;
            }
            if form.category.is_empty() {
                local.set(Some(ApiError::validation("category", "Choose a category.")));
                return;
            }
            local.set(None);
            let on_created = on_created.clone();
            create.run((*form).clone(), move |d| on_created.emit(d.ticket.id));
        })
    };
    let cancel = {
        let on_cancel = p.on_cancel.clone();
        Callback::from(move |_: MouseEvent| on_cancel.emit(()))
    };
    let invalid = |names: &[&str]| about(&error, names).then_some("invalid");
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
                // A title of fewer than three letters suggests nothing.
                if search.chars().count() >= 3 {
                    <Suggestions search={(*search).clone()}
                        on_pick={{ let article = article.clone(); Callback::from(move |id| article.set(Some(id))) }} />
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
                    <TicketFiles paths={form.paths.clone()} on_change={on_paths} error={error.clone()} on_error={on_error} />
                }
                { form_error("t-error", &error, &names) }
                <div class="actions">
                    <button type="submit" id="t-submit" disabled={create.busy()}>{ if create.busy() { "Sending…" } else { "Open the ticket" } }</button>
                    <button type="button" class="secondary" id="t-cancel" onclick={cancel}>{ "Cancel" }</button>
                </div>
            </form>
            if let Some(id) = *article {
                <ArticleView key={id} id={id} staff={false}
                    on_close={{ let article = article.clone(); Callback::from(move |_: ()| article.set(None)) }} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct SuggestionsProps {
    /// The title as typed, trimmed.
    search: String,
    on_pick: Callback<i64>,
}

/// Up to five articles that may answer the ticket, each opening on a click.
#[function_component(Suggestions)]
fn suggestions(p: &SuggestionsProps) -> Html {
    let hits = use_command::<SearchKb>(KbQuery {
        search: p.search.clone(),
        include_drafts: false,
    });
    // Suggestions are a help: a failed search shows none.
    let hits = hits.data().map_or(&[][..], |h| &h[..h.len().min(5)]);
    if hits.is_empty() {
        return html! {};
    }
    let suggestion = |h: &ArticleHit| {
        let (on_pick, id) = (p.on_pick.clone(), h.id);
        html! {
            <li>
                <button type="button" class="kb-suggestion link" data-article-id={h.id.to_string()}
                    onclick={Callback::from(move |_: MouseEvent| on_pick.emit(id))}>{ h.title.clone() }</button>
            </li>
        }
    };
    html! {
        <div class="kb-suggestions" id="kb-suggestions" role="status">
            <p class="muted">{ "These articles may answer it:" }</p>
            <ul>{ for hits.iter().map(suggestion) }</ul>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct FilesProps {
    paths: Vec<String>,
    on_change: Callback<Vec<String>>,
    /// The form's error: the line under the files shows it when it is about them.
    error: Option<ApiError>,
    /// The file dialog failed.
    on_error: Callback<ApiError>,
}

/// The files sent with the ticket: picked in the system's dialog or typed as a path.
#[function_component(TicketFiles)]
fn ticket_files(p: &FilesProps) -> Html {
    let typed = use_state(String::new);
    let dialog = use_job();
    // Each path once, trimmed, after those already there.
    let add = {
        let (paths, on_change) = (p.paths.clone(), p.on_change.clone());
        move |more: Vec<String>| {
            let mut next = paths.clone();
            for m in more {
                let m = m.trim().to_owned();
                if !m.is_empty() && !next.contains(&m) {
                    next.push(m);
                }
            }
            on_change.emit(next);
        }
    };
    let pick = {
        let (add, on_error) = (add.clone(), p.on_error.clone());
        Callback::from(move |_: MouseEvent| {
            let (add, on_error) = (add.clone(), on_error.clone());
            // The form shows the dialog's failure among its own errors.
            dialog.run(async move {
                match open_files_dialog().await {
                    Ok(chosen) => add(chosen),
                    Err(e) => on_error.emit(ApiError::new(ErrorKind::Internal, e)),
                }
                Ok(())
            });
        })
    };
    let add_typed = {
        let typed = typed.clone();
        Callback::from(move |_: MouseEvent| {
            add(vec![(*typed).clone()]);
            typed.set(String::new());
        })
    };
    let remove = |path: String| {
        let (paths, on_change) = (p.paths.clone(), p.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            on_change.emit(paths.iter().filter(|x| **x != path).cloned().collect())
        })
    };
    html! {
        <>
            <div class="actions">
                <button type="button" class="secondary" id="t-attach" onclick={pick}>{ "Attach files…" }</button>
                <input type="text" id="t-attach-path" placeholder="or a file's path" aria-label="File path to attach"
                    value={(*typed).clone()}
                    oninput={{ let typed = typed.clone(); Callback::from(move |e: InputEvent| typed.set(input_value(&e))) }} />
                <button type="button" class="secondary" id="t-attach-add" onclick={add_typed}>{ "Add" }</button>
            </div>
            if !p.paths.is_empty() {
                <ul class="reply-files" id="t-files">{ for p.paths.iter().map(|path| {
                    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_owned();
                    html! {
                        <li class="reply-file t-file" data-path={path.clone()}>
                            <span>{ name.clone() }</span>
                            <button type="button" class="secondary reply-file-remove" aria-label={format!("Remove {name}")}
                                onclick={remove(path.clone())}>{ "Remove" }</button>
                        </li>
                    }
                }) }</ul>
            }
            { field_error(&p.error, "t-attach", &["paths"]) }
        </>
    }
}
