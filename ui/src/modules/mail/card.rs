//! The Mail card of the Settings window: the transport, its secret, the sender's status, and
//! "Send test message".

mod sender_choice;
mod transport;

use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, edit, setter, test_result};
use portdesk_types::api::{ConnectionTest, GetMailSettings, SaveMailSettings, SendTestMail};
use portdesk_types::mail::{
    MailSettings, MailSettingsView, MailTransport, SaveMailSettingsRequest, TestMailRequest,
};
use portdesk_types::{ApiError, Secret};
use transport::TransportFields;
use yew::prelude::*;

/// The form field (input id and label) a core error names, e.g. "mail.smtp.host".
fn field_input(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "mail.transport" => ("mail-transport", "Transport"),
        "mail.smtp.host" => ("mail-smtp-host", "SMTP server"),
        "mail.smtp.port" => ("mail-smtp-port", "Port"),
        "mail.smtp.security" => ("mail-smtp-security", "Encryption"),
        "mail.smtp.username" => ("mail-smtp-username", "User name"),
        "mail.smtp.timeout_secs" => ("mail-smtp-timeout", "Timeout"),
        "mail.graph.tenant_id" => ("mail-graph-tenant", "Tenant id"),
        "mail.graph.client_id" => ("mail-graph-client", "Client id"),
        "mail.graph.sender" => ("mail-graph-sender", "Sending mailbox"),
        "mail.graph.authority_url" => ("mail-graph-authority", "Authority URL"),
        "mail.graph.graph_url" => ("mail-graph-url", "Graph URL"),
        "mail.graph.timeout_secs" => ("mail-graph-timeout", "Timeout"),
        "mail.webhook.url" => ("mail-webhook-url", "Webhook URL"),
        "mail.webhook.timeout_secs" => ("mail-webhook-timeout", "Timeout"),
        "mail.pickup.path" | "mail.pickup_folder.path" => ("mail-pickup-path", "Pickup folder"),
        "mail.from_address" => ("mail-from-address", "From address"),
        "mail.from_name" => ("mail-from-name", "From name"),
        "mail.company_name" => ("mail-company", "Company name"),
        "mail.logo_path" => ("mail-logo", "Logo"),
        "to" | "mail.test.to" | "test.to" => ("mail-test-to", "Send a test message to"),
        f if f.ends_with("secret") || f.ends_with("password") || f.ends_with("token") => {
            ("mail-secret", "Secret")
        }
        _ => return None,
    })
}

/// The input ids the card shows for this transport.
fn shown_inputs(t: &MailTransport) -> Vec<&'static str> {
    let mut ids = vec![
        "mail-transport",
        "mail-from-address",
        "mail-from-name",
        "mail-company",
        "mail-logo",
        "mail-test-to",
    ];
    ids.extend_from_slice(match t {
        MailTransport::NotConfigured => &[],
        MailTransport::Smtp(_) => &[
            "mail-smtp-host",
            "mail-smtp-port",
            "mail-smtp-security",
            "mail-smtp-username",
            "mail-smtp-timeout",
        ],
        MailTransport::Graph(_) => &[
            "mail-graph-tenant",
            "mail-graph-client",
            "mail-graph-sender",
            "mail-graph-authority",
            "mail-graph-url",
            "mail-graph-timeout",
        ],
        MailTransport::Webhook(_) => &["mail-webhook-url", "mail-webhook-timeout"],
        MailTransport::PickupFolder { .. } => &["mail-pickup-path"],
    });
    if t.secret_label().is_some() {
        ids.push("mail-secret");
    }
    ids
}

/// The refusal on screen, and the input it is about when that input is on screen.
#[derive(Clone, PartialEq)]
struct Refusal {
    error: Option<ApiError>,
    input: Option<&'static str>,
}

impl Refusal {
    /// Where `error` goes: next to its field when that field is on screen for `transport`.
    fn new(error: Option<ApiError>, transport: &MailTransport) -> Self {
        let shown = shown_inputs(transport);
        let input = error
            .as_ref()
            .and_then(|e| e.field.as_deref())
            .and_then(field_input)
            .map(|(id, _)| id)
            .filter(|id| shown.contains(id));
        Refusal { error, input }
    }

    /// Whether it is about input `id` (which is marked invalid).
    fn about(&self, id: &str) -> bool {
        self.input == Some(id)
    }

    /// The message under input `id`, when it is about it.
    fn under(&self, id: &str) -> Html {
        match &self.error {
            Some(e) if self.about(id) => html! {
                <p class="error" id="mail-error" role="alert" data-field={e.field.clone()}>{ e.message.clone() }</p>
            },
            _ => html! {},
        }
    }

    /// The message under the form, when no input on screen is about it (it names the field).
    fn general(&self) -> Html {
        match (&self.error, self.input) {
            (Some(e), None) => {
                let text = match e.field.as_deref() {
                    Some(f) => {
                        let name = field_input(f).map_or(f, |(_, label)| label);
                        format!("{} ({name})", e.message)
                    }
                    None => e.message.clone(),
                };
                html! { <p class="error" id="mail-error" role="alert" data-field={e.field.clone()}>{ text }</p> }
            }
            _ => html! {},
        }
    }
}

/// The mail transport, sender and branding (Settings window).
#[function_component(MailCard)]
pub fn mail_card() -> Html {
    let loaded = use_command::<GetMailSettings>(());
    match (loaded.data(), loaded.error()) {
        (Some(view), _) => {
            let on_saved = {
                let loaded = loaded.clone();
                Callback::from(move |v| loaded.replace(v))
            };
            html! { <MailForm view={view.clone()} {on_saved} /> }
        }
        (None, Some(e)) => html! {
            <div class="card" id="mail-settings">
                <h2>{ "Mail" }</h2>
                <p class="error" id="mail-load-error" role="alert">{ e.message.clone() }</p>
            </div>
        },
        (None, None) => {
            html! { <div class="card" id="mail-settings"><p class="muted">{ "Loading mail settings…" }</p></div> }
        }
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    /// The settings as last read or saved.
    view: MailSettingsView,
    on_saved: Callback<MailSettingsView>,
}

/// The card's two actions, for which refusal is on screen.
#[derive(Clone, Copy, PartialEq)]
enum Asked {
    Save,
    Test,
}

/// The form, from the settings as read: what the user changes stays here until saved.
#[function_component(MailForm)]
fn mail_form(p: &FormProps) -> Html {
    let view = &p.view;
    let settings = use_state(|| view.settings.clone());
    let secret = use_state(String::new);
    let test_to = use_state(String::new);
    let save = use_action::<SaveMailSettings>();
    let test = use_action::<SendTestMail>();
    // The refusal on screen is the one of the action that answered last: the one asked for
    // last, or while it runs, the one asked for before it.
    let asked = use_state(|| [None::<Asked>; 2]);
    let busy = if save.busy() {
        Some("Saving the mail settings…")
    } else if test.busy() {
        Some("Sending a test message…")
    } else {
        None
    };
    let answered = if busy.is_some() { asked[0] } else { asked[1] };
    let error = match answered {
        Some(Asked::Save) => save.error().clone(),
        // A failed test's message about one field also shows next to it.
        Some(Asked::Test) => test.error().clone().filter(|e| e.field.is_some()),
        None => None,
    };
    let refusal = Refusal::new(error, &settings.transport);

    let on_transport = {
        let settings = settings.clone();
        Callback::from(move |t: MailTransport| {
            let mut next = (*settings).clone();
            next.transport = t;
            settings.set(next);
        })
    };
    let common = |f: fn(&mut MailSettings, String)| edit(&settings, f);
    // Empty keeps the saved secret; a transport without one sends none.
    let typed_secret = {
        let secret = secret.clone();
        let takes_secret = settings.transport.secret_label().is_some();
        move || {
            Some((*secret).clone())
                .filter(|s| takes_secret && !s.is_empty())
                .map(Secret::new)
        }
    };

    let on_save = {
        let (save, settings, secret, asked, on_saved, typed_secret) = (
            save.clone(),
            settings.clone(),
            secret.clone(),
            asked.clone(),
            p.on_saved.clone(),
            typed_secret.clone(),
        );
        // The card's version as last read or saved.
        let version = view.version;
        Callback::from(move |_: MouseEvent| {
            asked.set([asked[1], Some(Asked::Save)]);
            let req = SaveMailSettingsRequest {
                settings: (*settings).clone(),
                secret: typed_secret(),
                version,
            };
            let (settings, secret, on_saved) = (settings.clone(), secret.clone(), on_saved.clone());
            save.run(req, move |v| {
                settings.set(v.settings.clone());
                secret.set(String::new());
                on_saved.emit(v);
            });
        })
    };
    let on_test = {
        let (test, settings, test_to, asked) = (
            test.clone(),
            settings.clone(),
            test_to.clone(),
            asked.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            asked.set([asked[1], Some(Asked::Test)]);
            let req = TestMailRequest {
                settings: (*settings).clone(),
                secret: typed_secret(),
                to: test_to.trim().to_owned(),
            };
            test.run(req, |_| ());
        })
    };
    let saved = save.done().is_some() && save.error().is_none() && !save.busy();
    // The last test's answer; a refusal is a failed test.
    let tested = test
        .error()
        .as_ref()
        .map(|e| ConnectionTest {
            ok: false,
            message: e.message.clone(),
            elapsed_ms: 0,
        })
        .or_else(|| test.done().cloned())
        .filter(|_| !test.busy());
    let test_line = test_result(
        "mail-test-result",
        &tested,
        if tested.as_ref().is_some_and(|t| t.ok) {
            "Test message sent: "
        } else {
            "Test failed: "
        },
    );
    html! {
        <div class="card" id="mail-settings">
            <h2>{ "Mail" }</h2>
            <p class="muted" id="mail-sender-status">{ view.sender_status.clone() }</p>
            <sender_choice::SenderChoice />
            <TransportFields transport={settings.transport.clone()} saved={view.settings.transport.clone()}
                secret_saved={view.secret_saved} secret={(*secret).clone()} on_change={on_transport}
                on_secret={setter(&secret)} refusal={refusal.clone()} />
            <div class="grid2">
                <div><Field id="mail-from-address" label="From address" kind="email" value={settings.from_address.clone()} oninput={common(|m, v| m.from_address = v)} invalid={refusal.about("mail-from-address")} />{ refusal.under("mail-from-address") }</div>
                <div><Field id="mail-from-name" label="From name" value={settings.from_name.clone()} oninput={common(|m, v| m.from_name = v)} invalid={refusal.about("mail-from-name")} />{ refusal.under("mail-from-name") }</div>
                <div><Field id="mail-company" label="Company name" value={settings.company_name.clone()} oninput={common(|m, v| m.company_name = v)} invalid={refusal.about("mail-company")} hint="Shown in every message's header and signature." />{ refusal.under("mail-company") }</div>
                <div><Field id="mail-logo" label="Logo (optional)" value={settings.logo_path.clone()} oninput={common(|m, v| m.logo_path = v)} invalid={refusal.about("mail-logo")} hint="Path of a .png or .jpg shown at the top of messages." />{ refusal.under("mail-logo") }</div>
            </div>
            if let Some(b) = busy { <div class="banner info" id="mail-busy" style="margin-top:1rem">{ b }</div> }
            <div class="actions">
                <button id="mail-save" onclick={on_save} disabled={busy.is_some()}>{ "Save" }</button>
                if saved { <span class="ok" id="mail-saved">{ "Saved. Applies to every desktop using this store." }</span> }
            </div>
            { refusal.general() }
            <div class="grid2" style="margin-top:.6rem">
                <div><Field id="mail-test-to" label="Send a test message to" kind="email" value={(*test_to).clone()} oninput={setter(&test_to)} invalid={refusal.about("mail-test-to")} hint="Uses the settings as typed, saved or not." />{ refusal.under("mail-test-to") }</div>
                <div class="actions" style="align-items:end"><button id="mail-test-send" class="secondary" onclick={on_test} disabled={busy.is_some()}>{ "Send test message" }</button></div>
            </div>
            { test_line }
        </div>
    }
}
