//! The typed bridge to the core: `call::<C>(&req)` for any command `C` of `portdesk_types::api`.

use portdesk_types::{ApiError, Command, ErrorKind};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    fn listen_js(event: &str, handler: &Closure<dyn FnMut(JsValue)>) -> Result<JsValue, JsValue>;
}

#[derive(Serialize)]
struct Args<'a, T> {
    req: &'a T,
}

pub async fn call<C: Command>(req: &C::Request) -> Result<C::Reply, ApiError> {
    // json_compatible: maps become plain objects, as serde_json expects on the other side.
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let args = Args { req }
        .serialize(&ser)
        .map_err(|e| internal(format!("cannot encode the request: {e}")))?;
    match invoke(C::NAME, args).await {
        Ok(v) => serde_wasm_bindgen::from_value(v)
            .map_err(|e| internal(format!("cannot read the reply of {}: {e}", C::NAME))),
        Err(e) => Err(
            serde_wasm_bindgen::from_value::<ApiError>(e.clone()).unwrap_or_else(|_| {
                internal(
                    e.as_string()
                        .unwrap_or_else(|| format!("{} failed", C::NAME)),
                )
            }),
        ),
    }
}

fn internal(message: String) -> ApiError {
    ApiError::new(ErrorKind::Internal, message)
}

/// Runs `f` whenever the shell emits `event` (e.g. "session-changed"). Lives for the page.
pub fn listen(event: &str, f: impl FnMut(JsValue) + 'static) {
    let closure = Closure::<dyn FnMut(JsValue)>::new(f);
    let _ = listen_js(event, &closure);
    closure.forget();
}
