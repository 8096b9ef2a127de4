//! The home page: the user's modules as tiles, the password change, and "My profile".

use super::profile::ProfileCard;
use super::{ChangePasswordForm, use_sign_out};
use crate::common::data::{use_action, use_command};
use crate::common::widgets::error_line;
use portdesk_types::api::{ListModules, OpenModule, SessionInfo, StatusReply};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HomeProps {
    pub me: SessionInfo,
    pub status: StatusReply,
    pub on_logout: Callback<()>,
}

#[function_component(Home)]
pub(super) fn home(p: &HomeProps) -> Html {
    let modules = use_command::<ListModules>(());
    let open = use_action::<OpenModule>();
    let changing = use_state(|| false);
    let changed = use_state(|| false);
    let logout = use_sign_out(p.on_logout.clone());
    let tiles = match (modules.data(), modules.error()) {
        (Some(list), _) => html! {
            <div class="tiles" id="module-list">
                { for list.iter().map(|m| {
                    let id = m.id;
                    let open = open.clone();
                    let onclick = Callback::from(move |_| open.run(id, |()| ()));
                    html! {
                        <button class="tile" id={format!("open-{}", m.id.as_str())} {onclick}>
                            <h3>{ m.title.clone() }</h3>
                            <div class="muted">{ m.description.clone() }</div>
                            if !m.built { <span class="tag">{ "not built yet" }</span> }
                        </button>
                    }
                }) }
            </div>
        },
        (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        (None, None) => html! { <p class="muted">{ "Loading modules…" }</p> },
    };
    html! {
        <>
            <div class="card">
                <div class="actions" style="margin-top:0">
                    <h2 id="home-title" style="flex:1;margin:0">{ format!("Welcome, {}", p.me.name) }</h2>
                    <span class="muted" id="home-role">{ p.me.role.label() }</span>
                    <button id="change-password" class="secondary" onclick={{ let c = changing.clone(); move |_| c.set(true) }}>{ "Change password" }</button>
                    <button id="logout" class="secondary" onclick={logout}>{ "Sign out" }</button>
                </div>
                <p class="muted" id="home-sources">{ format!("ERP: {} · Store: {}", p.status.erp, p.status.store) }</p>
            </div>
            if p.me.offline {
                <div class="banner warn" id="home-offline">{ "Signed in without the shared store, on this desktop's record of your last sign-in: only Forecasts opens, and your edits wait here until the store answers. Then the store checks your account again." }</div>
            }
            if *changed { <div class="banner info" id="password-changed">{ "Your password was changed." }</div> }
            if *changing {
                <ChangePasswordForm on_cancel={{ let c = changing.clone(); Callback::from(move |_| c.set(false)) }} on_done={{ let (c, d) = (changing.clone(), changed.clone()); Callback::from(move |_| { c.set(false); d.set(true); }) }} />
            }
            { error_line("open-error", open.error()) }
            { tiles }
            if !p.me.offline {
                <ProfileCard on_saved={p.on_logout.clone()}
                    on_change_password={{ let c = changing.clone(); Callback::from(move |_| c.set(true)) }} />
            }
        </>
    }
}
