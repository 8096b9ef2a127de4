//! The Settings window: connections to the ERP and the portal store, and sign-in protection.
//! Other modules' settings cards sit beside these in the window (see `window.rs`).

mod store_move;
pub use store_move::StoreMoveCard;

use crate::common::ipc::{call, open_one_dialog};
use crate::common::widgets::{Field, checked_of, edit, error_line, num, test_result};
use portdesk_types::api::*;
use portdesk_types::settings::{
    ErpSettings, PostgresSettings, SqlServerSettings, StoreSettings, TlsMode, TlsSettings,
};
use portdesk_types::{ApiError, Secret};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The hint under a password field. A saved password is used only with the server and user
/// it was saved for (the core refuses otherwise), so after either changes it must be typed.
fn password_hint(saved: bool, server_changed: bool) -> &'static str {
    match (saved, server_changed) {
        (true, true) => portdesk_types::settings::RETYPE_PASSWORD,
        (true, false) => "Saved in the OS keyring; leave empty to keep it.",
        (false, _) => "Stored in the OS keyring, never in a file.",
    }
}

#[function_component(SettingsPage)]
pub fn settings_view() -> Html {
    let loaded = use_state(|| None::<Result<SettingsView, ApiError>>);
    let erp = use_state(ErpSettings::default);
    let store = use_state(StoreSettings::default);
    let erp_password = use_state(|| None::<String>);
    let store_password = use_state(|| None::<String>);
    let erp_test = use_state(|| None::<ConnectionTest>);
    let store_test = use_state(|| None::<ConnectionTest>);
    let busy = use_state(|| None::<&'static str>);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    let trusted = use_state(String::new);
    {
        let (loaded, erp, store, trusted) =
            (loaded.clone(), erp.clone(), store.clone(), trusted.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let r = call::<GetSettings>(&()).await;
                if let Ok(v) = &r {
                    erp.set(v.erp.clone());
                    store.set(v.store.clone());
                    trusted.set(v.tls.trusted_certificates.clone().unwrap_or_default());
                }
                loaded.set(Some(r));
            });
        });
    }
    let view = match &*loaded {
        None => return html! { <p class="muted">{ "Loading settings…" }</p> },
        Some(Err(e)) => return html! { <div class="banner err">{ e.message.clone() }</div> },
        Some(Ok(v)) => v.clone(),
    };

    let on_erp_source = {
        let erp = erp.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            erp.set(if v == "sql_server" {
                ErpSettings::SqlServer(SqlServerSettings::default())
            } else {
                ErpSettings::Demo { path: None }
            });
        })
    };
    let on_store_backend = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            store.set(if v == "postgres" {
                StoreSettings::Postgres(PostgresSettings::default())
            } else {
                StoreSettings::Sqlite { path: None }
            });
        })
    };
    let on_tls = {
        let erp = erp.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let ErpSettings::SqlServer(mut s) = (*erp).clone() {
                s.tls = match v.as_str() {
                    "login_only" => TlsMode::LoginOnly,
                    "disabled" => TlsMode::Disabled,
                    _ => TlsMode::Required,
                };
                erp.set(ErpSettings::SqlServer(s));
            }
        })
    };
    let sql = |f: fn(&mut SqlServerSettings, String)| {
        edit(&erp, move |e, v| {
            if let ErpSettings::SqlServer(s) = e {
                f(s, v)
            }
        })
    };
    let pg = |f: fn(&mut PostgresSettings, String)| {
        edit(&store, move |st, v| {
            if let StoreSettings::Postgres(p) = st {
                f(p, v)
            }
        })
    };
    let on_pg_tls = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            if let StoreSettings::Postgres(mut p) = (*store).clone() {
                p.allow_unencrypted = checked_of(&e);
                store.set(StoreSettings::Postgres(p));
            }
        })
    };
    let browse_trusted = {
        let (trusted, error) = (trusted.clone(), error.clone());
        Callback::from(move |_| {
            let (trusted, error) = (trusted.clone(), error.clone());
            spawn_local(async move {
                match open_one_dialog("Certificates (PEM)", &["pem", "crt", "cer"]).await {
                    Ok(Some(path)) => trusted.set(path),
                    Ok(None) => {}
                    Err(e) => {
                        error.set(Some(ApiError::new(portdesk_types::ErrorKind::Internal, e)))
                    }
                }
            });
        })
    };
    let pw = |s: &UseStateHandle<Option<String>>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(Some(v)))
    };

    let erp_fields = match &*erp {
        ErpSettings::Demo { .. } => {
            html! { <p class="muted">{ "The bundled demo ERP: generated sample customers, parts and stock. No server needed." }</p> }
        }
        ErpSettings::SqlServer(s) => html! {
            <>
                <div class="grid2">
                    <div><Field id="erp-host" label="Server" value={s.host.clone()} oninput={sql(|s, v| s.host = v)} /></div>
                    <div><Field id="erp-port" label="Port" value={s.port.to_string()} oninput={sql(|s, v| s.port = num(&v))} /></div>
                    <div><Field id="erp-instance" label="Instance (optional)" value={s.instance.clone()} oninput={sql(|s, v| s.instance = v)} /></div>
                    <div><Field id="erp-database" label="Database" value={s.database.clone()} oninput={sql(|s, v| s.database = v)} /></div>
                    <div><Field id="erp-user" label="User" value={s.user.clone()} oninput={sql(|s, v| s.user = v)} /></div>
                    <div><Field id="erp-password" label="Password" kind="password" value={(*erp_password).clone().unwrap_or_default()} oninput={pw(&erp_password)}
                        hint={password_hint(view.erp_password_saved, view.erp.secret_server() != erp.secret_server())} /></div>
                    <div>
                        <label for="erp-tls">{ "Encryption" }</label>
                        <select id="erp-tls" onchange={on_tls}>
                            <option value="required" selected={s.tls == TlsMode::Required}>{ "TLS required" }</option>
                            <option value="login_only" selected={s.tls == TlsMode::LoginOnly}>{ "Sign-in only" }</option>
                            <option value="disabled" selected={s.tls == TlsMode::Disabled}>{ "None (test servers only)" }</option>
                        </select>
                    </div>
                    <div><Field id="erp-timeout" label="Connect timeout (s)" value={s.connect_timeout_secs.to_string()} oninput={sql(|s, v| s.connect_timeout_secs = num(&v))} /></div>
                </div>
            </>
        },
    };
    let store_fields = match &*store {
        StoreSettings::Sqlite { .. } => {
            html! { <p class="muted">{ format!("Embedded SQLite file in {}", view.data_dir) }</p> }
        }
        StoreSettings::Postgres(p) => html! {
            <div class="grid2">
                <div><Field id="store-host" label="Server" value={p.host.clone()} oninput={pg(|p, v| p.host = v)} /></div>
                <div><Field id="store-port" label="Port" value={p.port.to_string()} oninput={pg(|p, v| p.port = num(&v))} /></div>
                <div><Field id="store-database" label="Database" value={p.database.clone()} oninput={pg(|p, v| p.database = v)} /></div>
                <div><Field id="store-user" label="User" value={p.user.clone()} oninput={pg(|p, v| p.user = v)} /></div>
                <div><Field id="store-password" label="Password" kind="password" value={(*store_password).clone().unwrap_or_default()} oninput={pw(&store_password)}
                    hint={password_hint(view.store_password_saved, view.store.secret_server() != store.secret_server())} /></div>
                <div>
                    <p class="muted">{ "Always encrypted (TLS): the server's certificate and name are verified, and a server without TLS gets no password." }</p>
                    <label class="check"><input type="checkbox" id="store-allow-unencrypted" checked={p.allow_unencrypted} onchange={on_pg_tls} />
                        { " Allow an unencrypted connection (test servers only: the password and the data cross the network readable; audited, and every window warns)" }</label>
                </div>
            </div>
        },
    };

    let test_erp = {
        let (erp, erp_password, erp_test, busy) = (
            erp.clone(),
            erp_password.clone(),
            erp_test.clone(),
            busy.clone(),
        );
        Callback::from(move |_| {
            let req = TestErpRequest {
                erp: (*erp).clone(),
                password: (*erp_password)
                    .clone()
                    .filter(|p| !p.is_empty())
                    .map(Secret::new),
            };
            let (erp_test, busy) = (erp_test.clone(), busy.clone());
            busy.set(Some("Testing the ERP connection…"));
            spawn_local(async move {
                erp_test.set(Some(call::<TestErpConnection>(&req).await.unwrap_or_else(
                    |e| ConnectionTest {
                        ok: false,
                        message: e.message,
                        elapsed_ms: 0,
                    },
                )));
                busy.set(None);
            });
        })
    };
    let test_store = {
        let (store, store_password, store_test, busy) = (
            store.clone(),
            store_password.clone(),
            store_test.clone(),
            busy.clone(),
        );
        Callback::from(move |_| {
            let req = TestStoreRequest {
                store: (*store).clone(),
                password: (*store_password)
                    .clone()
                    .filter(|p| !p.is_empty())
                    .map(Secret::new),
            };
            let (store_test, busy) = (store_test.clone(), busy.clone());
            busy.set(Some("Testing the store connection…"));
            spawn_local(async move {
                store_test.set(Some(
                    call::<TestStoreConnection>(&req)
                        .await
                        .unwrap_or_else(|e| ConnectionTest {
                            ok: false,
                            message: e.message,
                            elapsed_ms: 0,
                        }),
                ));
                busy.set(None);
            });
        })
    };
    let save = {
        let (erp, store, trusted, ep, sp, loaded, error, saved) = (
            erp.clone(),
            store.clone(),
            trusted.clone(),
            erp_password.clone(),
            store_password.clone(),
            loaded.clone(),
            error.clone(),
            saved.clone(),
        );
        Callback::from(move |_| {
            let req = SaveSettingsRequest {
                erp: (*erp).clone(),
                store: (*store).clone(),
                erp_password: (*ep).clone().filter(|p| !p.is_empty()).map(Secret::new),
                store_password: (*sp).clone().filter(|p| !p.is_empty()).map(Secret::new),
                tls: TlsSettings {
                    trusted_certificates: Some(trusted.trim().to_owned()).filter(|p| !p.is_empty()),
                },
            };
            let (loaded, error, saved, ep, sp) = (
                loaded.clone(),
                error.clone(),
                saved.clone(),
                ep.clone(),
                sp.clone(),
            );
            spawn_local(async move {
                match call::<SaveSettings>(&req).await {
                    Ok(v) => {
                        loaded.set(Some(Ok(v)));
                        error.set(None);
                        saved.set(true);
                        ep.set(None);
                        sp.set(None);
                    }
                    Err(e) => {
                        saved.set(false);
                        error.set(Some(e));
                    }
                }
            });
        })
    };
    let result = |id: &'static str, t: &Option<ConnectionTest>| test_result(id, t, "");
    let is_sql = matches!(*erp, ErpSettings::SqlServer(_));
    let is_pg = matches!(*store, StoreSettings::Postgres(_));
    html! {
        <>
            if let Some(b) = *busy { <div class="banner info" id="busy">{ b }</div> }
            <div class="card">
                <h2>{ "ERP source" }</h2>
                <label for="erp-source">{ "Source" }</label>
                <select id="erp-source" onchange={on_erp_source}>
                    <option value="demo" selected={!is_sql}>{ "Demo ERP (bundled)" }</option>
                    <option value="sql_server" selected={is_sql}>{ "Microsoft SQL Server" }</option>
                </select>
                { erp_fields }
                <div class="actions"><button id="erp-test" class="secondary" onclick={test_erp} disabled={busy.is_some()}>{ "Test connection" }</button></div>
                { result("erp-test-result", &erp_test) }
            </div>
            <div class="card">
                <h2>{ "Portal store" }</h2>
                <label for="store-backend">{ "Store" }</label>
                <select id="store-backend" onchange={on_store_backend}>
                    <option value="sqlite" selected={!is_pg}>{ "SQLite on this computer" }</option>
                    <option value="postgres" selected={is_pg}>{ "PostgreSQL server (shared by a team)" }</option>
                </select>
                { store_fields }
                <div class="actions"><button id="store-test" class="secondary" onclick={test_store} disabled={busy.is_some()}>{ "Test connection" }</button></div>
                { result("store-test-result", &store_test) }
            </div>
            <div class="card">
                <h2>{ "Trusted certificates" }</h2>
                <p class="muted">{ "The site's own certificate authority, for mail, SQL Server and PostgreSQL servers whose certificates it issued. Trusted beside this computer's certificate store; leave empty for none." }</p>
                <Field id="tls-trusted-certificates" label="PEM file" value={(*trusted).clone()}
                    oninput={{ let t = trusted.clone(); Callback::from(move |v: String| t.set(v)) }}
                    placeholder={r"C:\ProgramData\Portdesk\site-ca.pem"} />
                <div class="actions"><button id="tls-browse" class="secondary" onclick={browse_trusted}>{ "Browse…" }</button></div>
                if let Some(p) = &view.trusted_certificates_problem {
                    <div class="banner err" id="tls-problem">{ p.clone() }</div>
                }
                if !view.trusted_certificates.is_empty() {
                    <ul id="tls-certificates">
                        { for view.trusted_certificates.iter().map(|c| html! {
                            <li>{ format!("{}{} — valid until {}", c.subject, if c.is_ca { "" } else { " (a server's own certificate, not a CA)" }, c.valid_until) }</li>
                        }) }
                    </ul>
                }
            </div>
            <div class="card">
                <div class="actions" style="margin-top:0">
                    <button id="settings-save" onclick={save}>{ "Save settings" }</button>
                    if *saved { <span class="ok" id="settings-saved">{ "Saved." }</span> }
                </div>
                { error_line("settings-error", &error) }
                if view.restart_required { <div class="banner warn" style="margin-top:1rem">{ "The store change applies when Portdesk is started again." }</div> }
                <p class="muted">{ format!("Config: {} · Data: {} · Logs: {}", view.config_path, view.data_dir, view.log_dir) }</p>
            </div>
        </>
    }
}

/// The outcome of a connection test: its message and how long it took, green or red.
#[function_component(SecurityCard)]
pub fn security_card() -> Html {
    use portdesk_types::settings::SecuritySettings;
    let max = use_state(String::new);
    let minutes = use_state(String::new);
    // The card's version as read: a save from a card someone else saved since is refused.
    let version = use_state(|| None::<i64>);
    let result = use_state(|| None::<Result<(), ApiError>>);
    {
        let (max, minutes, version) = (max.clone(), minutes.clone(), version.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(s) = call::<GetSecuritySettings>(&()).await {
                    max.set(s.max_failed_logins.to_string());
                    minutes.set(s.lockout_minutes.to_string());
                    version.set(s.version);
                }
            });
        });
    }
    let save = {
        let (max, minutes, result, version) = (
            max.clone(),
            minutes.clone(),
            result.clone(),
            version.clone(),
        );
        Callback::from(move |_| {
            let req = SecuritySettings {
                max_failed_logins: num(&max),
                lockout_minutes: num(&minutes),
                version: *version,
            };
            let (result, version) = (result.clone(), version.clone());
            spawn_local(async move {
                let r = call::<SaveSecuritySettings>(&req).await;
                if let Ok(s) = &r {
                    version.set(s.version);
                }
                result.set(Some(r.map(|_| ())))
            });
        })
    };
    let set = |st: &UseStateHandle<String>| {
        let st = st.clone();
        Callback::from(move |v: String| st.set(v))
    };
    html! {
        <div class="card">
            <h2>{ "Sign-in protection" }</h2>
            <div class="grid2">
                <div><Field id="sec-max" label="Failed sign-ins before a lockout" value={(*max).clone()} oninput={set(&max)} /></div>
                <div><Field id="sec-minutes" label="Lockout (minutes)" value={(*minutes).clone()} oninput={set(&minutes)} /></div>
            </div>
            <div class="actions"><button id="sec-save" onclick={save}>{ "Save" }</button></div>
            { match &*result {
                Some(Ok(())) => html! { <p class="ok" id="sec-result">{ "Saved. Applies to every desktop using this store." }</p> },
                Some(Err(e)) => html! { <p class="error" id="sec-result">{ e.message.clone() }</p> },
                None => html! {},
            } }
        </div>
    }
}
