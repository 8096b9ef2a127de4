//! Settings → Store → Backups: where and how often this desktop backs up its embedded store,
//! "Back up now", the backups kept (each restorable), "Restore from a backup…" and "Check the
//! store". The core verifies a backup before it replaces anything.

use crate::common::data::{use_action, use_command, use_job};
use crate::common::ipc::open_one_dialog;
use crate::common::widgets::{checked_of, date_time, error_line, input_value, num};
use portdesk_types::api::{BackUpNow, CheckStore, GetBackups, RestoreBackup, SaveBackupSettings};
use portdesk_types::settings::{BackupSettings, BackupStatus, RestoreRequest};
use yew::prelude::*;

#[function_component(BackupsCard)]
pub fn backups_card() -> Html {
    let status = use_command::<GetBackups>(());
    let on_status = {
        let status = status.clone();
        Callback::from(move |s: BackupStatus| status.replace(s))
    };
    let body = match status.answer() {
        None => html! { <p class="muted">{ "Loading backups…" }</p> },
        Some(Err(e)) => {
            html! { <p class="error" id="backup-load-error" role="alert">{ e.message.clone() }</p> }
        }
        Some(Ok(s)) if !s.embedded => html! {
            <>
                <p class="muted" id="backup-server">{ "This desktop's store is on a PostgreSQL server: it is backed up on the server (pg_dump on a schedule, or continuous archiving; see the README). The check below works there too. Here, Portdesk backs up this desktop's own file: a laptop's edits made away from the server, until they are synced." }</p>
                if let Some(w) = &s.warning { <p class="banner warn" id="backup-card-warning" role="status">{ w.clone() }</p> }
                <ScheduleForm settings={s.settings.clone()} folder={s.folder.clone()} on_status={on_status.clone()} />
                <p class="muted" id="backup-laptop-count">{ format!("{} backups of this desktop's own file in {}/local", s.laptop.len(), s.folder) }</p>
            </>
        },
        Some(Ok(s)) => html! {
            <>
                if let Some(w) = &s.warning { <p class="banner warn" id="backup-card-warning" role="status">{ w.clone() }</p> }
                <ScheduleForm settings={s.settings.clone()} folder={s.folder.clone()} on_status={on_status.clone()} />
                <RestorePane status={s.clone()} on_restored={status.reload()} />
            </>
        },
    };
    html! {
        <section class="card" id="backups">
            <h2>{ "Backups" }</h2>
            { body }
            <CheckPane />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ScheduleProps {
    settings: BackupSettings,
    folder: String,
    on_status: Callback<BackupStatus>,
}

#[function_component(ScheduleForm)]
fn schedule_form(p: &ScheduleProps) -> Html {
    let form = use_state(|| p.settings.clone());
    let save = use_action::<SaveBackupSettings>();
    let now = use_action::<BackUpNow>();
    let edit = |f: fn(&mut BackupSettings, String)| {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            let mut v = (*form).clone();
            f(&mut v, input_value(&e));
            form.set(v);
        })
    };
    let on_exit = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut v = (*form).clone();
            v.at_exit = checked_of(&e);
            form.set(v);
        })
    };
    let on_save = {
        let (form, save, done) = (form.clone(), save.clone(), p.on_status.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let done = done.clone();
            save.run((*form).clone(), move |s| done.emit(s));
        })
    };
    let on_now = {
        let (now, done) = (now.clone(), p.on_status.clone());
        Callback::from(move |_| {
            let done = done.clone();
            now.run((), move |s| done.emit(s));
        })
    };
    let f = &*form;
    html! {
        <form onsubmit={on_save}>
            <div class="grid2">
                <label>{ "Folder (a network share is best)" }<input id="backup-folder" value={f.folder.clone().unwrap_or_default()} placeholder={p.folder.clone()} oninput={edit(|s, v| s.folder = Some(v))} /></label>
                <label>{ "Every (hours; 0 = only when asked)" }<input id="backup-every" value={f.every_hours.to_string()} oninput={edit(|s, v| s.every_hours = num(&v))} /></label>
                <label>{ "Backups kept" }<input id="backup-keep" value={f.keep.to_string()} oninput={edit(|s, v| s.keep = num(&v))} /></label>
                <label class="check"><input id="backup-at-exit" type="checkbox" checked={f.at_exit} onchange={on_exit} />{ " Also when Portdesk closes" }</label>
            </div>
            <div class="actions">
                <button type="submit" id="backup-save" disabled={save.busy()}>{ "Save" }</button>
                <button type="button" id="backup-now" onclick={on_now} disabled={now.busy()}>{ if now.busy() { "Backing up…" } else { "Back up now" } }</button>
            </div>
            { error_line("backup-settings-error", save.error()) }
            { error_line("backup-error", now.error()) }
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct RestoreProps {
    status: BackupStatus,
    on_restored: Callback<()>,
}

/// The backups kept, and a restore from one of them or from a file; the store is replaced
/// only after the user confirms the file named.
#[function_component(RestorePane)]
fn restore_pane(p: &RestoreProps) -> Html {
    let file = use_state(String::new);
    let asked = use_state(|| false);
    let restore = use_action::<RestoreBackup>();
    let browse = use_job();
    let pick = |path: String| {
        let (file, asked, restore) = (file.clone(), asked.clone(), restore.clone());
        Callback::from(move |_| {
            file.set(path.clone());
            asked.set(true);
            restore.clear();
        })
    };
    let on_browse = {
        let (browse, file, asked) = (browse.clone(), file.clone(), asked.clone());
        Callback::from(move |_| {
            let (file, asked) = (file.clone(), asked.clone());
            browse.run(async move {
                if let Some(path) = open_one_dialog("Portdesk backup", &["sqlite"]).await? {
                    file.set(path);
                    asked.set(true);
                }
                Ok(())
            })
        })
    };
    let run = |other_site: bool| {
        let (restore, file, asked, done) = (
            restore.clone(),
            file.clone(),
            asked.clone(),
            p.on_restored.clone(),
        );
        Callback::from(move |_| {
            let (asked, done) = (asked.clone(), done.clone());
            let req = RestoreRequest {
                file: (*file).clone(),
                other_site,
            };
            restore.run(req, move |_| {
                asked.set(false);
                done.emit(());
            });
        })
    };
    let other_site = restore.error_for(&["other_site"]).is_some();
    let rows = p.status.backups.iter().enumerate().map(|(i, b)| html! {
        <tr id={format!("backup-row-{i}")}>
            <td>{ date_time(b.taken_at) }</td>
            <td class="num">{ format!("{:.1} MB", b.bytes as f64 / 1_048_576.0) }</td>
            <td>{ b.app_version.clone() }</td>
            <td><button id={format!("backup-restore-{i}")} onclick={pick(b.file.clone())}>{ "Restore…" }</button></td>
        </tr>
    });
    html! {
        <div id="backup-restore">
            <p class="muted" id="backup-count">{ format!("{} backups in {}", p.status.backups.len(), p.status.folder) }</p>
            <table class="grid"><tbody>{ for rows }</tbody></table>
            <div class="actions">
                <button type="button" id="restore-browse" onclick={on_browse} disabled={browse.busy()}>{ "Restore from a backup file…" }</button>
            </div>
            if let Some(e) = browse.error() { <p class="error" role="alert">{ e.to_owned() }</p> }
            if *asked {
                <div class="banner warn" id="restore-ask" role="alertdialog">
                    <p>{ format!("Replace this desktop's store with {}? It is checked first; the store as it is now is kept beside it.", *file) }</p>
                    if other_site {
                        <button id="restore-other-site" onclick={run(true)} disabled={restore.busy()}>{ "It is from another site: restore it anyway" }</button>
                    } else {
                        <button id="restore-confirm" onclick={run(false)} disabled={restore.busy()}>{ if restore.busy() { "Restoring…" } else { "Restore" } }</button>
                    }
                </div>
            }
            if let Some(r) = restore.done() {
                <p class="banner ok" id="restore-done">{ format!("Restored the backup of {} from {}. The store as it was is kept at {}.", date_time(r.taken_at), r.restored_from, r.kept_aside) }</p>
            }
            { error_line("restore-error", restore.error()) }
        </div>
    }
}

#[function_component(CheckPane)]
fn check_pane() -> Html {
    let check = use_action::<CheckStore>();
    let on_check = {
        let check = check.clone();
        Callback::from(move |_| check.run((), |_| ()))
    };
    html! {
        <div id="store-check">
            <button type="button" id="check-store" onclick={on_check} disabled={check.busy()}>{ if check.busy() { "Checking…" } else { "Check the store" } }</button>
            if let Some(c) = check.done() {
                <ul id="check-findings" class={if c.ok { "ok" } else { "error" }}>
                    { for c.findings.iter().map(|f| html! { <li>{ f.clone() }</li> }) }
                </ul>
            }
            { error_line("check-error", check.error()) }
        </div>
    }
}
