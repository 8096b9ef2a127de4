//! Settings → Portal store: SQLite on this computer or a PostgreSQL server (always TLS unless
//! explicitly allowed otherwise), and its connection test.

use crate::common::widgets::{Field, checked_of, num, test_result};
use portdesk_types::api::ConnectionTest;
use portdesk_types::settings::{PostgresSettings, StoreSettings};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct StoreProps {
    pub(super) store: StoreSettings,
    pub(super) on_change: Callback<StoreSettings>,
    /// Where the embedded SQLite file lives.
    pub(super) data_dir: AttrValue,
    pub(super) password: AttrValue,
    pub(super) on_password: Callback<String>,
    pub(super) password_hint: &'static str,
    /// A connection test is running (this one or the ERP's).
    pub(super) testing: bool,
    pub(super) on_test: Callback<()>,
    pub(super) result: Option<ConnectionTest>,
}

#[function_component(StoreCard)]
pub(super) fn store_card(p: &StoreProps) -> Html {
    let on_backend = p.on_change.reform(|e: Event| {
        if e.target_unchecked_into::<HtmlSelectElement>().value() == "postgres" {
            StoreSettings::Postgres(PostgresSettings::default())
        } else {
            StoreSettings::Sqlite { path: None }
        }
    });
    let is_pg = matches!(p.store, StoreSettings::Postgres(_));
    let fields = match &p.store {
        StoreSettings::Sqlite { .. } => {
            html! { <p class="muted">{ format!("Embedded SQLite file in {}", p.data_dir) }</p> }
        }
        StoreSettings::Postgres(pg) => postgres_fields(p, pg),
    };
    html! {
        <div class="card">
            <h2>{ "Portal store" }</h2>
            <label for="store-backend">{ "Store" }</label>
            <select id="store-backend" onchange={on_backend}>
                <option value="sqlite" selected={!is_pg}>{ "SQLite on this computer" }</option>
                <option value="postgres" selected={is_pg}>{ "PostgreSQL server (shared by a team)" }</option>
            </select>
            { fields }
            <div class="actions"><button id="store-test" class="secondary" onclick={p.on_test.reform(|_| ())} disabled={p.testing}>{ "Test connection" }</button></div>
            { test_result("store-test-result", &p.result, "") }
        </div>
    }
}

fn postgres_fields(p: &StoreProps, pg: &PostgresSettings) -> Html {
    let edit = |f: fn(&mut PostgresSettings, String)| {
        let (store, on_change) = (p.store.clone(), p.on_change.clone());
        Callback::from(move |v: String| {
            let mut store = store.clone();
            if let StoreSettings::Postgres(pg) = &mut store {
                f(pg, v);
            }
            on_change.emit(store);
        })
    };
    let on_allow_unencrypted = {
        let (store, on_change) = (p.store.clone(), p.on_change.clone());
        Callback::from(move |e: Event| {
            if let StoreSettings::Postgres(mut pg) = store.clone() {
                pg.allow_unencrypted = checked_of(&e);
                on_change.emit(StoreSettings::Postgres(pg));
            }
        })
    };
    html! {
        <div class="grid2">
            <div><Field id="store-host" label="Server" value={pg.host.clone()} oninput={edit(|pg, v| pg.host = v)} /></div>
            <div><Field id="store-port" label="Port" value={pg.port.to_string()} oninput={edit(|pg, v| pg.port = num(&v))} /></div>
            <div><Field id="store-database" label="Database" value={pg.database.clone()} oninput={edit(|pg, v| pg.database = v)} /></div>
            <div><Field id="store-user" label="User" value={pg.user.clone()} oninput={edit(|pg, v| pg.user = v)} /></div>
            <div><Field id="store-standbys" label="Standbys (host:port, comma-separated)" value={pg.standbys.join(", ")}
                oninput={edit(|pg, v| pg.standbys = v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())}
                hint="Used when the server above is down or no longer the primary; Portdesk only writes to the primary." /></div>
            <div><Field id="store-password" label="Password" kind="password" value={p.password.clone()} oninput={p.on_password.clone()}
                hint={p.password_hint} /></div>
            <div>
                <p class="muted">{ "Always encrypted (TLS): the server's certificate and name are verified, and a server without TLS gets no password." }</p>
                <label class="check"><input type="checkbox" id="store-allow-unencrypted" checked={pg.allow_unencrypted} onchange={on_allow_unencrypted} />
                    { " Allow an unencrypted connection (test servers only: the password and the data cross the network readable; audited, and every window warns)" }</label>
            </div>
        </div>
    }
}
