//! Settings → ERP source: the bundled demo ERP or a SQL Server, and its connection test.

use crate::common::widgets::{Field, num, test_result};
use portdesk_types::api::ConnectionTest;
use portdesk_types::settings::{ErpSettings, SqlServerSettings, TlsMode};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ErpProps {
    pub(super) erp: ErpSettings,
    pub(super) on_change: Callback<ErpSettings>,
    pub(super) password: AttrValue,
    pub(super) on_password: Callback<String>,
    pub(super) password_hint: &'static str,
    /// A connection test is running (this one or the store's).
    pub(super) testing: bool,
    pub(super) on_test: Callback<()>,
    pub(super) result: Option<ConnectionTest>,
}

#[function_component(ErpCard)]
pub(super) fn erp_card(p: &ErpProps) -> Html {
    let on_source = p.on_change.reform(|e: Event| {
        if e.target_unchecked_into::<HtmlSelectElement>().value() == "sql_server" {
            ErpSettings::SqlServer(SqlServerSettings::default())
        } else {
            ErpSettings::Demo { path: None }
        }
    });
    let is_sql = matches!(p.erp, ErpSettings::SqlServer(_));
    let fields = match &p.erp {
        ErpSettings::Demo { .. } => {
            html! { <p class="muted">{ "The bundled demo ERP: generated sample customers, parts and stock. No server needed." }</p> }
        }
        ErpSettings::SqlServer(s) => sql_server_fields(p, s),
    };
    html! {
        <div class="card">
            <h2>{ "ERP source" }</h2>
            <label for="erp-source">{ "Source" }</label>
            <select id="erp-source" onchange={on_source}>
                <option value="demo" selected={!is_sql}>{ "Demo ERP (bundled)" }</option>
                <option value="sql_server" selected={is_sql}>{ "Microsoft SQL Server" }</option>
            </select>
            { fields }
            <div class="actions"><button id="erp-test" class="secondary" onclick={p.on_test.reform(|_| ())} disabled={p.testing}>{ "Test connection" }</button></div>
            { test_result("erp-test-result", &p.result, "") }
        </div>
    }
}

fn sql_server_fields(p: &ErpProps, s: &SqlServerSettings) -> Html {
    let sql = |f: fn(&mut SqlServerSettings, String)| {
        let (erp, on_change) = (p.erp.clone(), p.on_change.clone());
        Callback::from(move |v: String| {
            let mut erp = erp.clone();
            if let ErpSettings::SqlServer(s) = &mut erp {
                f(s, v);
            }
            on_change.emit(erp);
        })
    };
    let on_tls = sql(|s, v| {
        s.tls = match v.as_str() {
            "login_only" => TlsMode::LoginOnly,
            "disabled" => TlsMode::Disabled,
            _ => TlsMode::Required,
        }
    })
    .reform(|e: Event| e.target_unchecked_into::<HtmlSelectElement>().value());
    html! {
        <>
            <div class="grid2">
                <div><Field id="erp-host" label="Server" value={s.host.clone()} oninput={sql(|s, v| s.host = v)} /></div>
                <div><Field id="erp-port" label="Port" value={s.port.to_string()} oninput={sql(|s, v| s.port = num(&v))} /></div>
                <div><Field id="erp-instance" label="Instance (optional)" value={s.instance.clone()} oninput={sql(|s, v| s.instance = v)} /></div>
                <div><Field id="erp-database" label="Database" value={s.database.clone()} oninput={sql(|s, v| s.database = v)} /></div>
                <div><Field id="erp-user" label="User" value={s.user.clone()} oninput={sql(|s, v| s.user = v)} /></div>
                <div><Field id="erp-password" label="Password" kind="password" value={p.password.clone()} oninput={p.on_password.clone()}
                    hint={p.password_hint} /></div>
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
    }
}
