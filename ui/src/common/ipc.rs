//! The typed bridge to the core: `call::<C>(&req)` for any command `C` of `portdesk_types::api`.

use portdesk_types::{ApiError, Command, ErrorKind, Event};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::js_sys;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    fn listen_js(event: &str, handler: &Closure<dyn FnMut(JsValue)>) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "dialog"], js_name = save, catch)]
    async fn save_dialog_js(options: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "dialog"], js_name = open, catch)]
    async fn open_dialog_js(options: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "opener"], js_name = revealItemInDir, catch)]
    async fn reveal_js(path: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "opener"], js_name = openUrl, catch)]
    async fn open_url_js(url: &str) -> Result<JsValue, JsValue>;
}

/// An http(s) or mailto address in the system's browser or mail program (the capability
/// allows no other scheme; a kiosk has no opener at all).
pub async fn open_url(url: &str) -> Result<(), String> {
    open_url_js(url).await.map(|_| ()).map_err(|e| {
        e.as_string()
            .unwrap_or_else(|| "The address could not be opened.".into())
    })
}

/// The native "Save as" dialog for an .xlsx file; `None` when the user cancels.
pub async fn save_xlsx_dialog(default_name: &str) -> Result<Option<String>, String> {
    #[derive(Serialize)]
    struct Filter<'a> {
        name: &'a str,
        extensions: [&'a str; 1],
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Options<'a> {
        default_path: &'a str,
        filters: [Filter<'a>; 1],
    }
    let opts = Options {
        default_path: default_name,
        filters: [Filter {
            name: "Excel workbook",
            extensions: ["xlsx"],
        }],
    };
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let v = save_dialog_js(opts.serialize(&ser).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| {
            e.as_string()
                .unwrap_or_else(|| "the save dialog failed".into())
        })?;
    Ok(v.as_string())
}

/// The native "Open" dialog: one file or several, optionally filtered by extension. Returns
/// what the dialog returned (a path, an array of paths, or null when cancelled).
async fn open_dialog(multiple: bool, filter: Option<(&str, &[&str])>) -> Result<JsValue, String> {
    #[derive(Serialize)]
    struct Filter<'a> {
        name: &'a str,
        extensions: &'a [&'a str],
    }
    #[derive(Serialize)]
    struct Options<'a> {
        multiple: bool,
        directory: bool,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        filters: Vec<Filter<'a>>,
    }
    let opts = Options {
        multiple,
        directory: false,
        filters: filter
            .map(|(name, extensions)| Filter { name, extensions })
            .into_iter()
            .collect(),
    };
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    open_dialog_js(opts.serialize(&ser).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| {
            e.as_string()
                .unwrap_or_else(|| "the open dialog failed".into())
        })
}

/// The native "Open" dialog for one file of a kind (`name`, its extensions); `None` when the
/// user cancels.
pub async fn open_one_dialog(name: &str, extensions: &[&str]) -> Result<Option<String>, String> {
    Ok(open_dialog(false, Some((name, extensions)))
        .await?
        .as_string())
}

/// The native "Open" dialog for one image file; `None` when the user cancels.
pub async fn open_image_dialog() -> Result<Option<String>, String> {
    open_one_dialog("Picture", &["png", "jpg", "jpeg", "gif", "webp"]).await
}

/// The native "Open" dialog for any files, several at once; empty when the user cancels. What
/// a file may be is checked by the core (by its content), so no filter here.
pub async fn open_files_dialog() -> Result<Vec<String>, String> {
    let v = open_dialog(true, None).await?;
    // An array of paths, or null when cancelled (a single string on older shells).
    if let Some(one) = v.as_string() {
        return Ok(vec![one]);
    }
    Ok(serde_wasm_bindgen::from_value::<Option<Vec<String>>>(v)
        .ok()
        .flatten()
        .unwrap_or_default())
}

/// Shows a file in the system's file manager ("Show in folder").
pub async fn reveal_in_folder(path: &str) -> Result<(), String> {
    reveal_js(path).await.map(|_| ()).map_err(|e| {
        e.as_string()
            .unwrap_or_else(|| "cannot open the folder".into())
    })
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

/// A listener that stops when dropped: for components that come and go.
pub struct Subscription {
    /// The promise of the shell's unlisten function, and the handler.
    inner: Option<(JsValue, Handler)>,
}

type Handler = Closure<dyn FnMut(JsValue)>;

impl Drop for Subscription {
    fn drop(&mut self) {
        let Some((promise, closure)) = self.inner.take() else {
            return;
        };
        // The shell's `listen` resolves to the function that unregisters the handler; the
        // closure is kept until that has run.
        wasm_bindgen_futures::spawn_local(async move {
            if let Ok(p) = promise.dyn_into::<js_sys::Promise>()
                && let Ok(unlisten) = wasm_bindgen_futures::JsFuture::from(p).await
                && let Some(f) = unlisten.dyn_ref::<js_sys::Function>()
            {
                let _ = f.call0(&JsValue::NULL);
            }
            drop(closure);
        });
    }
}

/// Runs `f` with each payload of event `E` the shell emits (payloads that do not decode are
/// skipped), until the returned subscription is dropped.
pub fn subscribe<E: Event + 'static>(mut f: impl FnMut(E::Payload) + 'static) -> Subscription {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        // A Tauri event arrives as `{ event, id, payload }`.
        let payload = js_sys::Reflect::get(&e, &JsValue::from_str("payload"));
        if let Some(v) = payload
            .ok()
            .and_then(|p| serde_wasm_bindgen::from_value::<E::Payload>(p).ok())
        {
            f(v)
        }
    });
    Subscription {
        inner: listen_js(E::NAME, &closure).ok().map(|p| (p, closure)),
    }
}
