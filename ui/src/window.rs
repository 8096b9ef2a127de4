//! A module's own native window: the frame (title, who is signed in) around the module's view,
//! chosen by the module's id.

use crate::common::data::{use_command_live, use_event};
use portdesk_types::ModuleId;
use portdesk_types::api::*;
use portdesk_types::events::{SessionChangedEvent, SessionEndedEvent};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ModuleProps {
    pub module: ModuleId,
}

#[function_component(ModuleWindow)]
pub fn module_window(p: &ModuleProps) -> Html {
    let status = use_command_live::<AppStatus, SessionChangedEvent>(());
    {
        // The shell closes this window when a session ends; until it is gone it shows
        // nothing of the user (the module's view and its data are dropped at once).
        let (status, reload) = (status.clone(), status.reload());
        use_event::<SessionEndedEvent>(Callback::from(move |_| {
            status.replace(signed_out_status());
            reload.emit(());
        }));
    }
    let me = status.data().and_then(|s| s.session.clone());
    // At a kiosk, customers export only where the kiosk's settings allow it.
    let kiosk_export = status.data().is_some_and(|s| {
        s.kiosk.as_ref().is_none_or(|k| k.allow_export)
            || s.session.as_ref().is_some_and(|m| m.role.is_staff())
    });
    let kiosk_on = status
        .data()
        .is_some_and(|s| s.kiosk.is_some() && s.session.is_some());
    use_effect_with(kiosk_on, move |on| {
        let guard = on.then(|| crate::common::kiosk::install(false, || ()));
        move || drop(guard)
    });
    let body = match (status.data(), status.error(), &me) {
        (None, None, _) => html! { <p class="muted">{ "Loading…" }</p> },
        (None, Some(e), _) => html! { <div class="banner err">{ e.message.clone() }</div> },
        (Some(_), _, None) => {
            html! { <div class="banner warn" id="signed-out">{ "Signed out. Sign in again from the main Portdesk window." }</div> }
        }
        (Some(_), _, Some(me)) => match p.module {
            ModuleId::Settings => {
                html! { <><crate::modules::settings::SettingsPage /><crate::modules::settings::StoreMoveCard /><crate::modules::settings::BackupsCard /><crate::modules::settings::SecurityCard /><crate::modules::mail::MailCard /><crate::modules::inventory::InventorySettingsCard /><crate::modules::procurement::ProcurementSettingsCard /></> }
            }
            ModuleId::Mail => html! { <crate::modules::mail::MailWindow /> },
            ModuleId::Forecasts => {
                html! { <crate::modules::forecasts::ForecastsWindow me={me.clone()} /> }
            }
            ModuleId::Orders => html! { <crate::modules::orders::OrdersWindow me={me.clone()} /> },
            ModuleId::Procurement => html! { <crate::modules::procurement::ProcurementWindow /> },
            ModuleId::Customers => html! { <crate::modules::accounts::CustomersPage /> },
            ModuleId::Inventory => {
                html! { <crate::modules::inventory::InventoryWindow me={me.clone()} allow_export={kiosk_export} kiosk={kiosk_on} /> }
            }
            ModuleId::Shop => {
                html! { <crate::modules::shop::ShopWindow me={me.clone()} kiosk={kiosk_on} /> }
            }
            ModuleId::Support => {
                html! { <crate::modules::support::SupportWindow me={me.clone()} kiosk={kiosk_on} /> }
            }
        },
    };
    html! {
        <>
            <header class="bar">
                <h1 id="module-title">{ p.module.title() }</h1>
                if let Some(me) = &me { <span class="who">{ format!("{} · {}", me.name, me.role.label()) }</span> }
            </header>
            if let Some(StatusReply { security_warning: Some(w), .. }) = status.data() { <div class="banner warn" id="security-warning" role="status">{ w.clone() }</div> }
            if let Some(StatusReply { backup_warning: Some(w), .. }) = status.data() { <div class="banner warn" id="backup-warning" role="status">{ w.clone() }</div> }
            if let Some(StatusReply { store_busy: true, .. }) = status.data() { <div class="banner warn" id="store-busy" role="status">{ STORE_BUSY_LINE }</div> }
            <main>{ body }</main>
        </>
    }
}

/// The status line while the shared store is busy.
pub const STORE_BUSY_LINE: &str = "The shared store is busy: Portdesk waits and tries again; what you did was either saved or not sent.";

/// A status with nobody signed in, shown between a session's end and the next status.
fn signed_out_status() -> StatusReply {
    StatusReply {
        version: String::new(),
        first_run: false,
        session: None,
        store: String::new(),
        store_error: None,
        erp: String::new(),
        config_warning: None,
        kiosk: None,
        security_warning: None,
        backup_warning: None,
        store_busy: false,
    }
}
