//! The knowledge base: search as you type (ranked by the core), an article's view, and for
//! staff drafts in the results and an editor (Markdown; the core renders and sanitises it).

use super::{about, field_error, form_error, input_value, value_of};
use crate::common::data::{use_action, use_command, use_job};
use crate::common::ipc::open_url;
use gloo_timers::callback::Timeout;
use portdesk_types::api::*;
use portdesk_types::support::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct KbProps {
    pub staff: bool,
}

#[function_component(KbView)]
pub fn kb_view(p: &KbProps) -> Html {
    let typed = use_state(String::new);
    let search = use_state(String::new);
    let open = use_state(|| None::<i64>);
    let editing = use_state(|| None::<ArticleEdit>);
    let saved = use_state(|| false);
    // Bumped after a save: the article's view, keyed by it, reads the article again.
    let version = use_state(|| 0u32);
    let timer = use_mut_ref(|| None::<Timeout>);
    let hits = use_command::<SearchKb>(KbQuery {
        search: search.trim().to_string(),
        include_drafts: p.staff,
    });
    let on_search = {
        let (typed, search, timer) = (typed.clone(), search.clone(), timer.clone());
        Callback::from(move |e: InputEvent| {
            let v = input_value(&e);
            typed.set(v.clone());
            let search = search.clone();
            // Replacing the timeout cancels the previous one.
            *timer.borrow_mut() = Some(Timeout::new(250, move || search.set(v)));
        })
    };
    let new_article = {
        let (editing, saved) = (editing.clone(), saved.clone());
        Callback::from(move |_: MouseEvent| {
            saved.set(false);
            editing.set(Some(ArticleEdit::default()));
        })
    };
    let hit = |h: &ArticleHit| {
        let sel = *open == Some(h.id);
        let (open, editing, saved, id) = (open.clone(), editing.clone(), saved.clone(), h.id);
        let click = Callback::from(move |_: MouseEvent| {
            editing.set(None);
            saved.set(false);
            open.set(Some(id));
        });
        html! {
            <li>
                <button type="button" class={classes!("kb-hit", sel.then_some("sel"))} data-article-id={h.id.to_string()} onclick={click}>
                    <span class="kb-hit-title">{ h.title.clone() }</span>
                    <span class="kb-hit-category muted">{ h.category.clone() }</span>
                    if h.status == ArticleStatus::Draft { <span class="kb-draft">{ "Draft" }</span> }
                    <span class="kb-hit-snippet">{ h.snippet.clone() }</span>
                </button>
            </li>
        }
    };
    let results = match (hits.data(), hits.error()) {
        (Some(l), _) if l.is_empty() => {
            html! { <p class="muted" id="kb-empty">{ "No article matches." }</p> }
        }
        (Some(l), _) => html! { <ul class="kb-hits" id="kb-hits">{ for l.iter().map(hit) }</ul> },
        (None, Some(e)) => html! { <p class="error" id="kb-error">{ e.message.clone() }</p> },
        (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
    };
    let on_saved = {
        let (open, editing, saved, version, reload) = (
            open.clone(),
            editing.clone(),
            saved.clone(),
            version.clone(),
            hits.reload(),
        );
        Callback::from(move |a: Article| {
            editing.set(None);
            saved.set(true);
            version.set(version.wrapping_add(1));
            reload.emit(());
            open.set(Some(a.id));
        })
    };
    let on_edit = {
        let (editing, saved) = (editing.clone(), saved.clone());
        Callback::from(move |a: Article| {
            saved.set(false);
            editing.set(Some(ArticleEdit {
                id: Some(a.id),
                version: Some(a.version),
                title: a.title,
                category: a.category,
                status: a.status,
                body: a.body,
            }));
        })
    };
    let side = if let Some(e) = &*editing {
        let cancel = {
            let editing = editing.clone();
            Callback::from(move |_: ()| editing.set(None))
        };
        html! { <ArticleEditor key={e.id.unwrap_or(0)} edit={e.clone()} on_saved={on_saved} on_cancel={cancel} /> }
    } else if let Some(id) = *open {
        let close = {
            let open = open.clone();
            Callback::from(move |_: ()| open.set(None))
        };
        html! {
            <>
                if *saved { <p class="ok" id="kb-saved" role="status">{ "Article saved." }</p> }
                <ArticleView key={format!("{id}-{}", *version)} id={id} staff={p.staff} on_close={close}
                    on_edit={p.staff.then(|| on_edit.clone())} />
            </>
        }
    } else {
        html! {}
    };
    html! {
        <div class={classes!("kb", (open.is_some() || editing.is_some()).then_some("open"))}>
            <div class="card kb-list">
                <div class="kb-search-line">
                    <div class="kb-search-box">
                        <label for="kb-search">{ "Search the knowledge base" }</label>
                        <input id="kb-search" type="search" value={(*typed).clone()} oninput={on_search} autocomplete="off"
                            placeholder="Words from the title or the text" />
                    </div>
                    if p.staff { <button type="button" id="kb-new" onclick={new_article}>{ "New article" }</button> }
                </div>
                { results }
            </div>
            { side }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ArticleProps {
    pub id: i64,
    pub staff: bool,
    pub on_close: Callback<()>,
    /// Staff: open the editor on this article.
    #[prop_or_default]
    pub on_edit: Option<Callback<Article>>,
}

/// A click on a link in an article: never followed in the window (the shell refuses it
/// anyway); on a desktop the system browser opens it after the user says yes, so the address
/// comes back only then. A kiosk's articles have no links (the core renders them as text).
fn link_to_follow(e: &MouseEvent) -> Option<String> {
    use wasm_bindgen::JsCast;
    let link = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("a[href]").ok().flatten())?;
    e.prevent_default();
    let href = link.get_attribute("href")?;
    let ask = format!("Open this address outside Portdesk?\n\n{href}");
    web_sys::window()
        .and_then(|w| w.confirm_with_message(&ask).ok())
        .unwrap_or(false)
        .then_some(href)
}

#[function_component(ArticleView)]
pub fn article_view(p: &ArticleProps) -> Html {
    let article = use_command::<GetArticle>(ArticleRef { id: p.id });
    let opener = use_job();
    let node = use_node_ref();
    {
        // Once the article (or its error) came, it is scrolled into view.
        let node = node.clone();
        let came = article.data().is_some() || article.error().is_some();
        use_effect_with(came, move |came| {
            if let (true, Some(el)) = (*came, node.cast::<web_sys::Element>()) {
                el.scroll_into_view();
            }
        });
    }
    let follow = Callback::from(move |e: MouseEvent| {
        if let Some(href) = link_to_follow(&e) {
            opener.run(async move { open_url(&href).await });
        }
    });
    let close = {
        let on_close = p.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let body = match (article.data(), article.error()) {
        (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
        (None, Some(e)) => {
            html! { <p class="error" id="kb-article-error">{ e.message.clone() }</p> }
        }
        (Some(a), _) => {
            let edit = p.on_edit.clone().map(|cb| {
                let a = a.clone();
                Callback::from(move |_: MouseEvent| cb.emit(a.clone()))
            });
            html! {
                <>
                    <h2 id="kb-article-title">{ a.title.clone() }</h2>
                    <p class="muted">
                        { a.category.clone() }
                        if p.staff && a.status == ArticleStatus::Draft { <span class="kb-draft">{ "Draft" }</span> }
                    </p>
                    // The core rendered the Markdown and sanitised the HTML.
                    <div class="kb-body" id="kb-article-body" onclick={follow}>{ Html::from_html_unchecked(AttrValue::from(a.html.clone())) }</div>
                    if let Some(edit) = edit {
                        <div class="actions"><button type="button" class="secondary" id="kb-article-edit" onclick={edit}>{ "Edit" }</button></div>
                    }
                </>
            }
        }
    };
    html! {
        <article class="card kb-article" id="kb-article" ref={node} data-article-id={p.id.to_string()}>
            <div class="actions" style="margin:0;justify-content:flex-end">
                <button type="button" class="secondary" id="kb-article-close" onclick={close}>{ "Close" }</button>
            </div>
            { body }
        </article>
    }
}

#[derive(Properties, PartialEq)]
struct EditorProps {
    edit: ArticleEdit,
    on_saved: Callback<Article>,
    on_cancel: Callback<()>,
}

#[function_component(ArticleEditor)]
fn article_editor(p: &EditorProps) -> Html {
    let edit = use_state(|| p.edit.clone());
    let save = use_action::<SaveArticle>();
    let set = |f: fn(&mut ArticleEdit, String)| {
        let edit = edit.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*edit).clone();
            f(&mut next, input_value(&e));
            edit.set(next);
        })
    };
    let on_status = {
        let edit = edit.clone();
        Callback::from(move |e: Event| {
            let mut next = (*edit).clone();
            next.status = if value_of(&e) == "published" {
                ArticleStatus::Published
            } else {
                ArticleStatus::Draft
            };
            edit.set(next);
        })
    };
    let submit = {
        let (edit, save, on_saved) = (edit.clone(), save.clone(), p.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let on_saved = on_saved.clone();
            save.run((*edit).clone(), move |a| on_saved.emit(a));
        })
    };
    let cancel = {
        let on_cancel = p.on_cancel.clone();
        Callback::from(move |_: MouseEvent| on_cancel.emit(()))
    };
    let error = save.error();
    let invalid = |n: &str| about(error, &[n]).then_some("invalid");
    let e = &*edit;
    html! {
        <form class="card kb-edit" id="kb-edit" onsubmit={submit}>
            <h2>{ if e.id.is_some() { "Edit article" } else { "New article" } }</h2>
            <label for="kb-title">{ "Title" }</label>
            <input id="kb-title" type="text" value={e.title.clone()} oninput={set(|a, v| a.title = v)} class={invalid("title")} />
            { field_error(error, "kb-title", &["title"]) }
            <div class="grid2">
                <div>
                    <label for="kb-category">{ "Category" }</label>
                    <input id="kb-category" type="text" list="kb-categories" value={e.category.clone()}
                        oninput={set(|a, v| a.category = v)} class={invalid("category")} />
                    <datalist id="kb-categories">{ for CATEGORIES.iter().map(|c| html! { <option value={*c} /> }) }</datalist>
                    { field_error(error, "kb-category", &["category"]) }
                </div>
                <div>
                    <label for="kb-status">{ "Status" }</label>
                    <select id="kb-status" onchange={on_status}>
                        <option value="draft" selected={e.status == ArticleStatus::Draft}>{ "Draft" }</option>
                        <option value="published" selected={e.status == ArticleStatus::Published}>{ "Published" }</option>
                    </select>
                </div>
            </div>
            <label for="kb-body">{ "Text (Markdown)" }</label>
            <textarea id="kb-body" rows="14" value={e.body.clone()} oninput={set(|a, v| a.body = v)} class={invalid("body")} />
            { field_error(error, "kb-body", &["body"]) }
            { form_error("kb-edit-error", error, &["title", "category", "body"]) }
            <div class="actions">
                <button type="submit" id="kb-save" disabled={save.busy()}>{ "Save" }</button>
                <button type="button" class="secondary" id="kb-cancel" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}
