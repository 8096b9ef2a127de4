//! The mail card's transport: the choice, the SMTP, Graph, webhook or pickup-folder settings
//! of the one chosen, and its secret.

use super::Refusal;
use crate::common::widgets::{Field, num};
use portdesk_types::mail::{
    GraphSettings, MailTransport, SmtpSecurity, SmtpSettings, WebhookSettings,
};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

fn transport_kind(t: &MailTransport) -> &'static str {
    match t {
        MailTransport::NotConfigured => "not_configured",
        MailTransport::Smtp(_) => "smtp",
        MailTransport::Graph(_) => "graph",
        MailTransport::Webhook(_) => "webhook",
        MailTransport::PickupFolder { .. } => "pickup_folder",
    }
}

/// A callback that hands on `value` with one field edited by `f`.
fn edited<T: Clone + 'static>(
    value: &T,
    on_change: &Callback<T>,
    f: fn(&mut T, String),
) -> Callback<String> {
    let (value, on_change) = (value.clone(), on_change.clone());
    Callback::from(move |v: String| {
        let mut next = value.clone();
        f(&mut next, v);
        on_change.emit(next);
    })
}

#[derive(Properties, PartialEq)]
pub(super) struct TransportProps {
    /// The transport as on screen, and as saved.
    pub(super) transport: MailTransport,
    pub(super) saved: MailTransport,
    /// The saved transport's secret is in this desktop's keyring.
    pub(super) secret_saved: bool,
    /// The secret as typed.
    pub(super) secret: String,
    pub(super) on_change: Callback<MailTransport>,
    pub(super) on_secret: Callback<String>,
    pub(super) refusal: Refusal,
}

/// The transport chosen, its settings, and its secret.
#[function_component(TransportFields)]
pub(super) fn transport_fields(p: &TransportProps) -> Html {
    let on_select = {
        let (current, saved) = (p.transport.clone(), p.saved.clone());
        let (on_change, on_secret) = (p.on_change.clone(), p.on_secret.clone());
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if v == transport_kind(&current) {
                return;
            }
            // Back to the saved one: its settings as saved.
            on_change.emit(if v == transport_kind(&saved) {
                saved.clone()
            } else {
                match v.as_str() {
                    "smtp" => MailTransport::Smtp(SmtpSettings::default()),
                    "graph" => MailTransport::Graph(GraphSettings::default()),
                    "webhook" => MailTransport::Webhook(WebhookSettings::default()),
                    "pickup_folder" => MailTransport::PickupFolder {
                        path: String::new(),
                    },
                    _ => MailTransport::NotConfigured,
                }
            });
            // The secret typed was for the transport before.
            on_secret.emit(String::new());
        })
    };
    let refusal = &p.refusal;
    let fields = match &p.transport {
        MailTransport::NotConfigured => html! {
            <p class="muted">{ "No transport: messages wait in the outbox until one is set up." }</p>
        },
        MailTransport::Smtp(s) => html! {
            <SmtpFields smtp={s.clone()} on_change={p.on_change.reform(MailTransport::Smtp)} refusal={refusal.clone()} />
        },
        MailTransport::Graph(g) => html! {
            <GraphFields graph={g.clone()} on_change={p.on_change.reform(MailTransport::Graph)} refusal={refusal.clone()} />
        },
        MailTransport::Webhook(w) => html! {
            <WebhookFields webhook={w.clone()} on_change={p.on_change.reform(MailTransport::Webhook)} refusal={refusal.clone()} />
        },
        MailTransport::PickupFolder { path } => html! {
            <div>
                <Field id="mail-pickup-path" label="Pickup folder" value={path.clone()} invalid={refusal.about("mail-pickup-path")}
                    oninput={p.on_change.reform(|path| MailTransport::PickupFolder { path })}
                    hint="Each message is written there as an .eml file." />
                { refusal.under("mail-pickup-path") }
            </div>
        },
    };
    // The saved secret belongs to the saved transport.
    let secret_saved = p.secret_saved && transport_kind(&p.saved) == transport_kind(&p.transport);
    // The core uses a saved secret only with the settings it was saved for (server and user,
    // tenant and app, or address), so after any of them changes it must be typed again.
    let secret_moved = secret_saved && p.saved.secret_server() != p.transport.secret_server();
    let hint = if secret_moved {
        p.transport.retype_secret_message()
    } else if secret_saved {
        "Saved in this computer's keyring; leave empty to keep it.".to_owned()
    } else {
        "Stored in this computer's keyring, never in a file.".to_owned()
    };
    let kind = transport_kind(&p.transport);
    html! {
        <>
            <label for="mail-transport">{ "Transport" }</label>
            <select id="mail-transport" onchange={on_select} class={refusal.about("mail-transport").then_some("invalid")}>
                <option value="not_configured" selected={kind == "not_configured"}>{ "Not configured" }</option>
                <option value="smtp" selected={kind == "smtp"}>{ "SMTP" }</option>
                <option value="graph" selected={kind == "graph"}>{ "Microsoft Graph" }</option>
                <option value="webhook" selected={kind == "webhook"}>{ "JSON webhook" }</option>
                <option value="pickup_folder" selected={kind == "pickup_folder"}>{ "Pickup folder" }</option>
            </select>
            { refusal.under("mail-transport") }
            { fields }
            if let Some(label) = p.transport.secret_label() {
                <div>
                    <Field id="mail-secret" {label} kind="password" value={p.secret.clone()} oninput={p.on_secret.clone()} autocomplete="new-password"
                        placeholder={secret_saved.then_some("saved")} invalid={refusal.about("mail-secret")} {hint} />
                    { refusal.under("mail-secret") }
                </div>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct SmtpProps {
    smtp: SmtpSettings,
    on_change: Callback<SmtpSettings>,
    refusal: Refusal,
}

#[function_component(SmtpFields)]
fn smtp_fields(p: &SmtpProps) -> Html {
    let (s, r) = (&p.smtp, &p.refusal);
    let set = |f: fn(&mut SmtpSettings, String)| edited(s, &p.on_change, f);
    let on_security = set(|s, v| {
        s.security = match v.as_str() {
            "tls" => SmtpSecurity::Tls,
            "none" => SmtpSecurity::None,
            _ => SmtpSecurity::StartTls,
        }
    })
    .reform(|e: Event| e.target_unchecked_into::<HtmlSelectElement>().value());
    html! {
        <div class="grid2">
            <div><Field id="mail-smtp-host" label="SMTP server" value={s.host.clone()} oninput={set(|s, v| s.host = v)} invalid={r.about("mail-smtp-host")} />{ r.under("mail-smtp-host") }</div>
            <div><Field id="mail-smtp-port" label="Port" value={s.port.to_string()} oninput={set(|s, v| s.port = num(&v))} invalid={r.about("mail-smtp-port")} hint="587 with STARTTLS, 465 with TLS." />{ r.under("mail-smtp-port") }</div>
            <div>
                <label for="mail-smtp-security">{ "Encryption" }</label>
                <select id="mail-smtp-security" onchange={on_security} class={r.about("mail-smtp-security").then_some("invalid")}>
                    <option value="start_tls" selected={s.security == SmtpSecurity::StartTls}>{ "STARTTLS" }</option>
                    <option value="tls" selected={s.security == SmtpSecurity::Tls}>{ "TLS" }</option>
                    <option value="none" selected={s.security == SmtpSecurity::None}>{ "None (local relay only)" }</option>
                </select>
                { r.under("mail-smtp-security") }
            </div>
            <div><Field id="mail-smtp-username" label="User name" value={s.username.clone()} oninput={set(|s, v| s.username = v)} invalid={r.about("mail-smtp-username")} hint="Empty: no authentication." autocomplete="off" />{ r.under("mail-smtp-username") }</div>
            <div><Field id="mail-smtp-timeout" label="Timeout (s)" value={s.timeout_secs.to_string()} oninput={set(|s, v| s.timeout_secs = num(&v))} invalid={r.about("mail-smtp-timeout")} />{ r.under("mail-smtp-timeout") }</div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct GraphProps {
    graph: GraphSettings,
    on_change: Callback<GraphSettings>,
    refusal: Refusal,
}

#[function_component(GraphFields)]
fn graph_fields(p: &GraphProps) -> Html {
    let (g, r) = (&p.graph, &p.refusal);
    let set = |f: fn(&mut GraphSettings, String)| edited(g, &p.on_change, f);
    html! {
        <div class="grid2">
            <div><Field id="mail-graph-tenant" label="Tenant id" value={g.tenant_id.clone()} oninput={set(|g, v| g.tenant_id = v)} invalid={r.about("mail-graph-tenant")} />{ r.under("mail-graph-tenant") }</div>
            <div><Field id="mail-graph-client" label="Client id" value={g.client_id.clone()} oninput={set(|g, v| g.client_id = v)} invalid={r.about("mail-graph-client")} />{ r.under("mail-graph-client") }</div>
            <div><Field id="mail-graph-sender" label="Sending mailbox" value={g.sender.clone()} oninput={set(|g, v| g.sender = v)} invalid={r.about("mail-graph-sender")} hint="User id or address of the mailbox that sends." />{ r.under("mail-graph-sender") }</div>
            <div><Field id="mail-graph-timeout" label="Timeout (s)" value={g.timeout_secs.to_string()} oninput={set(|g, v| g.timeout_secs = num(&v))} invalid={r.about("mail-graph-timeout")} />{ r.under("mail-graph-timeout") }</div>
            <div><Field id="mail-graph-authority" label="Authority URL" value={g.authority_url.clone()} oninput={set(|g, v| g.authority_url = v)} invalid={r.about("mail-graph-authority")} />{ r.under("mail-graph-authority") }</div>
            <div><Field id="mail-graph-url" label="Graph URL" value={g.graph_url.clone()} oninput={set(|g, v| g.graph_url = v)} invalid={r.about("mail-graph-url")} />{ r.under("mail-graph-url") }</div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct WebhookProps {
    webhook: WebhookSettings,
    on_change: Callback<WebhookSettings>,
    refusal: Refusal,
}

#[function_component(WebhookFields)]
fn webhook_fields(p: &WebhookProps) -> Html {
    let (w, r) = (&p.webhook, &p.refusal);
    let set = |f: fn(&mut WebhookSettings, String)| edited(w, &p.on_change, f);
    html! {
        <div class="grid2">
            <div><Field id="mail-webhook-url" label="Webhook URL" value={w.url.clone()} oninput={set(|w, v| w.url = v)} invalid={r.about("mail-webhook-url")} hint="One JSON POST per message." />{ r.under("mail-webhook-url") }</div>
            <div><Field id="mail-webhook-timeout" label="Timeout (s)" value={w.timeout_secs.to_string()} oninput={set(|w, v| w.timeout_secs = num(&v))} invalid={r.about("mail-webhook-timeout")} />{ r.under("mail-webhook-timeout") }</div>
        </div>
    }
}
