//! Settings → Store: move this desktop's embedded store to a PostgreSQL server, with a
//! progress bar. The core checks the server, copies every table in one transaction, verifies
//! the counts and switches the desktop over; the SQLite file stays as the backup.

use crate::common::data::{use_action, use_event};
use crate::common::widgets::{checked_of, error_line, input_value};
use portdesk_types::Secret;
use portdesk_types::api::MoveStore;
use portdesk_types::events::StoreMoveEvent;
use portdesk_types::settings::{MoveStoreRequest, PostgresSettings, StoreMoveProgress};
use yew::prelude::*;

#[function_component(StoreMoveCard)]
pub fn store_move_card() -> Html {
    let pg = use_state(PostgresSettings::default);
    let password = use_state(String::new);
    let progress = use_state(|| None::<StoreMoveProgress>);
    let move_store = use_action::<MoveStore>();
    {
        let progress = progress.clone();
        use_event::<StoreMoveEvent>(Callback::from(move |p| progress.set(Some(p))));
    }
    let field = |set: fn(&mut PostgresSettings, String)| {
        let pg = pg.clone();
        Callback::from(move |e: InputEvent| {
            let mut v = (*pg).clone();
            set(&mut v, input_value(&e));
            pg.set(v);
        })
    };
    let on_host = field(|p, v| p.host = v);
    let on_port = field(|p, v| p.port = v.trim().parse().unwrap_or(0));
    let on_db = field(|p, v| p.database = v);
    let on_user = field(|p, v| p.user = v);
    let on_tls = {
        let pg = pg.clone();
        Callback::from(move |e: Event| {
            let mut v = (*pg).clone();
            v.allow_unencrypted = checked_of(&e);
            pg.set(v);
        })
    };
    let on_password = {
        let password = password.clone();
        Callback::from(move |e: InputEvent| password.set(input_value(&e)))
    };
    let start = {
        let (pg, password, move_store, progress) = (
            pg.clone(),
            password.clone(),
            move_store.clone(),
            progress.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if move_store.busy() {
                return;
            }
            let req = MoveStoreRequest {
                postgres: (*pg).clone(),
                password: (!password.is_empty()).then(|| Secret::new((*password).clone())),
            };
            // A new move: the last one's progress and outcome go.
            progress.set(None);
            move_store.clear();
            move_store.run(req, |_| ());
        })
    };
    let busy = move_store.busy();
    let p = &*pg;
    let bar = progress.as_ref().map(|p| {
        let pct = (p.rows_done * 100).checked_div(p.rows_total).unwrap_or(100);
        html! {
            <div id="move-progress">
                <progress max="100" value={pct.to_string()}></progress>
                <span class="muted">{ format!(" {pct}% · {} of {} rows · {}", p.rows_done, p.rows_total, p.table) }</span>
            </div>
        }
    });
    html! {
        <section class="card" id="store-move">
            <h2>{ "Move this desktop's data to a PostgreSQL server" }</h2>
            <p class="muted">{ "For a site growing beyond one desktop: every table is copied to an empty database in one transaction and checked; then this desktop works on the server and other desktops and kiosks can join it. The SQLite file stays as the backup." }</p>
            <form onsubmit={start}>
                <div class="grid2">
                    <label>{ "Server" }<input id="move-host" value={p.host.clone()} oninput={on_host} /></label>
                    <label>{ "Port" }<input id="move-port" value={p.port.to_string()} oninput={on_port} /></label>
                    <label>{ "Database" }<input id="move-database" value={p.database.clone()} oninput={on_db} /></label>
                    <label>{ "User" }<input id="move-user" value={p.user.clone()} oninput={on_user} /></label>
                    <label>{ "Password" }<input id="move-password" type="password" value={(*password).clone()} oninput={on_password} /></label>
                    <label class="check"><input id="move-allow-unencrypted" type="checkbox" checked={p.allow_unencrypted} onchange={on_tls} />{ " Allow an unencrypted connection (test servers only; audited)" }</label>
                </div>
                <div class="actions">
                    <button type="submit" id="move-start" disabled={busy}>{ if busy { "Moving…" } else { "Move the data" } }</button>
                </div>
            </form>
            { bar.unwrap_or_default() }
            if let Some(r) = move_store.done() {
                <p class="banner ok" id="move-done">{ format!("Moved {} rows in {} tables to {}. The SQLite file stays at {} as the backup. This desktop works on the server now.", r.rows, r.tables, r.store, r.backup) }</p>
            }
            { error_line("move-error", move_store.error()) }
        </section>
    }
}
