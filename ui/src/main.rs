//! Portdesk's UI: one Yew app, one view per native window. The main window signs in and
//! lists modules; each module window shows its module (`window.__PORTDESK_MODULE__`).

mod common;
mod modules;
mod window;

use portdesk_types::ModuleId;
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// Which module this window shows, set by the shell before the page loads.
fn window_module() -> Option<ModuleId> {
    let w = web_sys::window()?;
    let v = js_get(&w, "__PORTDESK_MODULE__")?;
    ModuleId::parse(&v.as_string()?)
}

fn js_get(obj: &JsValue, key: &str) -> Option<JsValue> {
    let v = js_reflect_get(obj, &JsValue::from_str(key)).ok()?;
    (!v.is_undefined() && !v.is_null()).then_some(v)
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Reflect, js_name = get, catch)]
    fn js_reflect_get(target: &JsValue, key: &JsValue) -> Result<JsValue, JsValue>;
}

#[function_component(App)]
fn app() -> Html {
    match window_module() {
        Some(m) => html! { <window::ModuleWindow module={m} /> },
        None => html! { <modules::session::MainWindow /> },
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
