//! Small form helpers shared by the views.

use portdesk_types::ApiError;
use portdesk_types::api::ConnectionTest;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    #[prop_or_default]
    pub kind: Option<AttrValue>,
    pub value: AttrValue,
    pub oninput: Callback<String>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    /// Marks the input as the one an error message is about.
    #[prop_or_default]
    pub invalid: bool,
}

/// A labelled input whose value lives in the parent's state.
#[function_component(Field)]
pub fn field(p: &FieldProps) -> Html {
    let oninput = {
        let cb = p.oninput.clone();
        Callback::from(move |e: InputEvent| {
            cb.emit(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    html! {
        <>
            <label for={p.id.clone()}>{ p.label.clone() }</label>
            <input id={p.id.clone()} type={p.kind.clone().unwrap_or("text".into())} value={p.value.clone()} {oninput}
                autocomplete={p.autocomplete.clone()} placeholder={p.placeholder.clone()}
                class={p.invalid.then_some("invalid")} aria-invalid={p.invalid.then_some("true")} />
            if let Some(h) = &p.hint { <div class="hint">{ h.clone() }</div> }
        </>
    }
}

/// The error line under a form; names the field when the core did.
pub fn error_line(id: &str, err: &Option<ApiError>) -> Html {
    match err {
        Some(e) => {
            html! { <p id={id.to_owned()} class="error" role="alert">{ e.message.clone() }</p> }
        }
        None => html! {},
    }
}

/// Sets `state` from an input callback.
pub fn setter(state: &UseStateHandle<String>) -> Callback<String> {
    let s = state.clone();
    Callback::from(move |v: String| s.set(v))
}

/// A Unix time in milliseconds as a local date and time.
pub fn date_time(ms: i64) -> String {
    let d = web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    String::from(d.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED))
}

/// A callback that edits a field of the state's value.
pub fn edit<T: Clone + 'static>(
    state: &UseStateHandle<T>,
    f: impl Fn(&mut T, String) + 'static,
) -> Callback<String> {
    let state = state.clone();
    Callback::from(move |v: String| {
        let mut next = (*state).clone();
        f(&mut next, v);
        state.set(next);
    })
}

pub fn num<N: std::str::FromStr + Default>(v: &str) -> N {
    v.trim().parse().unwrap_or_default()
}

pub fn test_result(id: &'static str, t: &Option<ConnectionTest>, prefix: &str) -> Html {
    match t {
        Some(t) => html! {
            <p id={id} class={if t.ok { "ok" } else { "error" }} data-ok={t.ok.to_string()}>
                { format!("{prefix}{} ({} ms)", t.message, t.elapsed_ms) }
            </p>
        },
        None => html! {},
    }
}

/// An import's problems, one row each: sheet, row and column as Excel shows them, and why.
pub fn import_issues(id: &'static str, issues: &[portdesk_types::accounts::ImportIssue]) -> Html {
    if issues.is_empty() {
        return html! {};
    }
    html! {
        <table {id} class="import-issues">
            <thead><tr><th>{ "Sheet" }</th><th>{ "Row" }</th><th>{ "Column" }</th><th>{ "Problem" }</th></tr></thead>
            <tbody>{ for issues.iter().map(|i| html! {
                <tr><td>{ i.sheet.clone() }</td><td>{ i.row }</td><td>{ i.column.clone() }</td><td>{ i.message.clone() }</td></tr>
            }) }</tbody>
        </table>
    }
}

/// Whether the core's error is about one of these request fields. The core may name a field
/// with its path ("address.postcode", "variants[1].product_id", "paths[1]"): its last part,
/// without an index, counts too.
pub fn about(err: &Option<ApiError>, names: &[&str]) -> bool {
    let Some(f) = err.as_ref().and_then(|e| e.field.as_deref()) else {
        return false;
    };
    // "paths[1]" is about "paths".
    let last = f.rsplit('.').next().unwrap_or(f);
    let last = last.split('[').next().unwrap_or(last);
    names.iter().any(|n| *n == f || *n == last)
}

/// The message under an input (`<input_id>-error`) when the error is about one of `names`.
pub fn field_error(err: &Option<ApiError>, input_id: &str, names: &[&str]) -> Html {
    match err {
        Some(e) if about(err, names) => html! {
            <p class="error field-error" id={format!("{input_id}-error")} role="alert" data-field={e.field.clone()}>{ e.message.clone() }</p>
        },
        _ => html! {},
    }
}

/// The form's own error line, for an error no input on screen is about.
pub fn form_error(id: &str, err: &Option<ApiError>, shown: &[&str]) -> Html {
    if about(err, shown) {
        return html! {};
    }
    error_line(id, err)
}

/// The value of the input, select or textarea an event came from.
pub fn value_of(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

/// The value of the input or textarea an input event came from.
pub fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

/// Whether the checkbox an event came from is ticked.
pub fn checked_of(e: &Event) -> bool {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .checked()
}
