//! The Mail card of the Settings window: the transport, its secret, the sender's status, and
//! "Send test message".

use super::*;

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

fn transport_kind(t: &MailTransport) -> &'static str {
    match t {
        MailTransport::NotConfigured => "not_configured",
        MailTransport::Smtp(_) => "smtp",
        MailTransport::Graph(_) => "graph",
        MailTransport::Webhook(_) => "webhook",
        MailTransport::PickupFolder { .. } => "pickup_folder",
    }
}

/// The mail transport, sender and branding (Settings window).
#[function_component(MailCard)]
pub fn mail_card() -> Html {
    let loaded = use_state(|| None::<Result<MailSettingsView, ApiError>>);
    let settings = use_state(MailSettings::default);
    let secret = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    let test_to = use_state(String::new);
    let test = use_state(|| None::<ConnectionTest>);
    let busy = use_state(|| None::<&'static str>);
    {
        let (loaded, settings) = (loaded.clone(), settings.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let r = call::<GetMailSettings>(&()).await;
                if let Ok(v) = &r {
                    settings.set(v.settings.clone());
                }
                loaded.set(Some(r));
            });
        });
    }
    let view = match &*loaded {
        None => {
            return html! { <div class="card" id="mail-settings"><p class="muted">{ "Loading mail settings…" }</p></div> };
        }
        Some(Err(e)) => {
            return html! {
                <div class="card" id="mail-settings">
                    <h2>{ "Mail" }</h2>
                    <p class="error" id="mail-load-error" role="alert">{ e.message.clone() }</p>
                </div>
            };
        }
        Some(Ok(v)) => v.clone(),
    };

    // Where the last error goes: next to its field when that field is on screen.
    let shown = shown_inputs(&settings.transport);
    let err_input = error
        .as_ref()
        .and_then(|e| e.field.as_deref())
        .and_then(field_input)
        .filter(|(id, _)| shown.contains(id));
    let bad = |id: &str| err_input.is_some_and(|(i, _)| i == id);
    let err_at = |id: &str| match (&*error, err_input) {
        (Some(e), Some((i, _))) if i == id => html! {
            <p class="error" id="mail-error" role="alert" data-field={e.field.clone()}>{ e.message.clone() }</p>
        },
        _ => html! {},
    };

    let on_transport = {
        let (settings, secret, saved_transport) = (
            settings.clone(),
            secret.clone(),
            view.settings.transport.clone(),
        );
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            let mut next = (*settings).clone();
            if v == transport_kind(&next.transport) {
                return;
            }
            next.transport = if v == transport_kind(&saved_transport) {
                saved_transport.clone()
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
            };
            settings.set(next);
            secret.set(String::new());
        })
    };
    let on_security = {
        let settings = settings.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            let mut next = (*settings).clone();
            if let MailTransport::Smtp(s) = &mut next.transport {
                s.security = match v.as_str() {
                    "tls" => SmtpSecurity::Tls,
                    "none" => SmtpSecurity::None,
                    _ => SmtpSecurity::StartTls,
                };
                settings.set(next);
            }
        })
    };
    let smtp = |f: fn(&mut SmtpSettings, String)| {
        edit(&settings, move |m, v| {
            if let MailTransport::Smtp(s) = &mut m.transport {
                f(s, v)
            }
        })
    };
    let graph = |f: fn(&mut GraphSettings, String)| {
        edit(&settings, move |m, v| {
            if let MailTransport::Graph(g) = &mut m.transport {
                f(g, v)
            }
        })
    };
    let webhook = |f: fn(&mut WebhookSettings, String)| {
        edit(&settings, move |m, v| {
            if let MailTransport::Webhook(w) = &mut m.transport {
                f(w, v)
            }
        })
    };
    let common = |f: fn(&mut MailSettings, String)| edit(&settings, f);
    let set_secret = {
        let secret = secret.clone();
        Callback::from(move |v: String| secret.set(v))
    };
    let set_to = {
        let test_to = test_to.clone();
        Callback::from(move |v: String| test_to.set(v))
    };

    let transport_fields = match &settings.transport {
        MailTransport::NotConfigured => html! {
            <p class="muted">{ "No transport: messages wait in the outbox until one is set up." }</p>
        },
        MailTransport::Smtp(s) => html! {
            <div class="grid2">
                <div><Field id="mail-smtp-host" label="SMTP server" value={s.host.clone()} oninput={smtp(|s, v| s.host = v)} invalid={bad("mail-smtp-host")} />{ err_at("mail-smtp-host") }</div>
                <div><Field id="mail-smtp-port" label="Port" value={s.port.to_string()} oninput={smtp(|s, v| s.port = num(&v))} invalid={bad("mail-smtp-port")} hint="587 with STARTTLS, 465 with TLS." />{ err_at("mail-smtp-port") }</div>
                <div>
                    <label for="mail-smtp-security">{ "Encryption" }</label>
                    <select id="mail-smtp-security" onchange={on_security} class={bad("mail-smtp-security").then_some("invalid")}>
                        <option value="start_tls" selected={s.security == SmtpSecurity::StartTls}>{ "STARTTLS" }</option>
                        <option value="tls" selected={s.security == SmtpSecurity::Tls}>{ "TLS" }</option>
                        <option value="none" selected={s.security == SmtpSecurity::None}>{ "None (local relay only)" }</option>
                    </select>
                    { err_at("mail-smtp-security") }
                </div>
                <div><Field id="mail-smtp-username" label="User name" value={s.username.clone()} oninput={smtp(|s, v| s.username = v)} invalid={bad("mail-smtp-username")} hint="Empty: no authentication." autocomplete="off" />{ err_at("mail-smtp-username") }</div>
                <div><Field id="mail-smtp-timeout" label="Timeout (s)" value={s.timeout_secs.to_string()} oninput={smtp(|s, v| s.timeout_secs = num(&v))} invalid={bad("mail-smtp-timeout")} />{ err_at("mail-smtp-timeout") }</div>
            </div>
        },
        MailTransport::Graph(g) => html! {
            <div class="grid2">
                <div><Field id="mail-graph-tenant" label="Tenant id" value={g.tenant_id.clone()} oninput={graph(|g, v| g.tenant_id = v)} invalid={bad("mail-graph-tenant")} />{ err_at("mail-graph-tenant") }</div>
                <div><Field id="mail-graph-client" label="Client id" value={g.client_id.clone()} oninput={graph(|g, v| g.client_id = v)} invalid={bad("mail-graph-client")} />{ err_at("mail-graph-client") }</div>
                <div><Field id="mail-graph-sender" label="Sending mailbox" value={g.sender.clone()} oninput={graph(|g, v| g.sender = v)} invalid={bad("mail-graph-sender")} hint="User id or address of the mailbox that sends." />{ err_at("mail-graph-sender") }</div>
                <div><Field id="mail-graph-timeout" label="Timeout (s)" value={g.timeout_secs.to_string()} oninput={graph(|g, v| g.timeout_secs = num(&v))} invalid={bad("mail-graph-timeout")} />{ err_at("mail-graph-timeout") }</div>
                <div><Field id="mail-graph-authority" label="Authority URL" value={g.authority_url.clone()} oninput={graph(|g, v| g.authority_url = v)} invalid={bad("mail-graph-authority")} />{ err_at("mail-graph-authority") }</div>
                <div><Field id="mail-graph-url" label="Graph URL" value={g.graph_url.clone()} oninput={graph(|g, v| g.graph_url = v)} invalid={bad("mail-graph-url")} />{ err_at("mail-graph-url") }</div>
            </div>
        },
        MailTransport::Webhook(w) => html! {
            <div class="grid2">
                <div><Field id="mail-webhook-url" label="Webhook URL" value={w.url.clone()} oninput={webhook(|w, v| w.url = v)} invalid={bad("mail-webhook-url")} hint="One JSON POST per message." />{ err_at("mail-webhook-url") }</div>
                <div><Field id="mail-webhook-timeout" label="Timeout (s)" value={w.timeout_secs.to_string()} oninput={webhook(|w, v| w.timeout_secs = num(&v))} invalid={bad("mail-webhook-timeout")} />{ err_at("mail-webhook-timeout") }</div>
            </div>
        },
        MailTransport::PickupFolder { path } => html! {
            <div>
                <Field id="mail-pickup-path" label="Pickup folder" value={path.clone()} invalid={bad("mail-pickup-path")}
                    oninput={edit(&settings, |m, v| if let MailTransport::PickupFolder { path } = &mut m.transport { *path = v })}
                    hint="Each message is written there as an .eml file." />
                { err_at("mail-pickup-path") }
            </div>
        },
    };
    // The saved secret belongs to the saved transport.
    let secret_saved = view.secret_saved
        && transport_kind(&view.settings.transport) == transport_kind(&settings.transport);
    // The core uses a saved secret only with the settings it was saved for (server and user,
    // tenant and app, or address), so after any of them changes it must be typed again.
    let secret_moved = secret_saved
        && view.settings.transport.secret_server() != settings.transport.secret_server();
    let secret_field = match settings.transport.secret_label() {
        Some(label) => html! {
            <div>
                <Field id="mail-secret" {label} kind="password" value={(*secret).clone()} oninput={set_secret} autocomplete="new-password"
                    placeholder={secret_saved.then_some("saved")} invalid={bad("mail-secret")}
                    hint={AttrValue::from(if secret_moved { settings.transport.retype_secret_message() } else if secret_saved { "Saved in this computer's keyring; leave empty to keep it.".to_owned() } else { "Stored in this computer's keyring, never in a file.".to_owned() })} />
                { err_at("mail-secret") }
            </div>
        },
        None => html! {},
    };
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

    let save = {
        let (settings, loaded, error, saved, busy, secret, typed_secret) = (
            settings.clone(),
            loaded.clone(),
            error.clone(),
            saved.clone(),
            busy.clone(),
            secret.clone(),
            typed_secret.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let req = SaveMailSettingsRequest {
                settings: (*settings).clone(),
                secret: typed_secret(),
                // The card's version as last read or saved.
                version: match &*loaded {
                    Some(Ok(v)) => v.version,
                    _ => None,
                },
            };
            let (settings, loaded, error, saved, busy, secret) = (
                settings.clone(),
                loaded.clone(),
                error.clone(),
                saved.clone(),
                busy.clone(),
                secret.clone(),
            );
            busy.set(Some("Saving the mail settings…"));
            saved.set(false);
            spawn_local(async move {
                match call::<SaveMailSettings>(&req).await {
                    Ok(v) => {
                        settings.set(v.settings.clone());
                        loaded.set(Some(Ok(v)));
                        secret.set(String::new());
                        error.set(None);
                        saved.set(true);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(None);
            });
        })
    };
    let send_test = {
        let (settings, test_to, test, error, busy) = (
            settings.clone(),
            test_to.clone(),
            test.clone(),
            error.clone(),
            busy.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let req = TestMailRequest {
                settings: (*settings).clone(),
                secret: typed_secret(),
                to: test_to.trim().to_owned(),
            };
            let (test, error, busy) = (test.clone(), error.clone(), busy.clone());
            busy.set(Some("Sending a test message…"));
            test.set(None);
            spawn_local(async move {
                let r = call::<SendTestMail>(&req).await;
                match r {
                    Ok(t) => {
                        error.set(None);
                        test.set(Some(t));
                    }
                    Err(e) => {
                        test.set(Some(ConnectionTest {
                            ok: false,
                            message: e.message.clone(),
                            elapsed_ms: 0,
                        }));
                        // A message about one field also shows next to it.
                        error.set(e.field.is_some().then_some(e));
                    }
                }
                busy.set(None);
            });
        })
    };
    let test_line = match &*test {
        Some(t) => test_result(
            "mail-test-result",
            &Some(t.clone()),
            if t.ok {
                "Test message sent: "
            } else {
                "Test failed: "
            },
        ),
        None => html! {},
    };
    let general_error = match (&*error, err_input) {
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
    };
    let kind = transport_kind(&settings.transport);
    html! {
        <div class="card" id="mail-settings">
            <h2>{ "Mail" }</h2>
            <p class="muted" id="mail-sender-status">{ view.sender_status.clone() }</p>
            <label for="mail-transport">{ "Transport" }</label>
            <select id="mail-transport" onchange={on_transport} class={bad("mail-transport").then_some("invalid")}>
                <option value="not_configured" selected={kind == "not_configured"}>{ "Not configured" }</option>
                <option value="smtp" selected={kind == "smtp"}>{ "SMTP" }</option>
                <option value="graph" selected={kind == "graph"}>{ "Microsoft Graph" }</option>
                <option value="webhook" selected={kind == "webhook"}>{ "JSON webhook" }</option>
                <option value="pickup_folder" selected={kind == "pickup_folder"}>{ "Pickup folder" }</option>
            </select>
            { err_at("mail-transport") }
            { transport_fields }
            { secret_field }
            <div class="grid2">
                <div><Field id="mail-from-address" label="From address" kind="email" value={settings.from_address.clone()} oninput={common(|m, v| m.from_address = v)} invalid={bad("mail-from-address")} />{ err_at("mail-from-address") }</div>
                <div><Field id="mail-from-name" label="From name" value={settings.from_name.clone()} oninput={common(|m, v| m.from_name = v)} invalid={bad("mail-from-name")} />{ err_at("mail-from-name") }</div>
                <div><Field id="mail-company" label="Company name" value={settings.company_name.clone()} oninput={common(|m, v| m.company_name = v)} invalid={bad("mail-company")} hint="Shown in every message's header and signature." />{ err_at("mail-company") }</div>
                <div><Field id="mail-logo" label="Logo (optional)" value={settings.logo_path.clone()} oninput={common(|m, v| m.logo_path = v)} invalid={bad("mail-logo")} hint="Path of a .png or .jpg shown at the top of messages." />{ err_at("mail-logo") }</div>
            </div>
            if let Some(b) = *busy { <div class="banner info" id="mail-busy" style="margin-top:1rem">{ b }</div> }
            <div class="actions">
                <button id="mail-save" onclick={save} disabled={busy.is_some()}>{ "Save" }</button>
                if *saved { <span class="ok" id="mail-saved">{ "Saved. Applies to every desktop using this store." }</span> }
            </div>
            { general_error }
            <div class="grid2" style="margin-top:.6rem">
                <div><Field id="mail-test-to" label="Send a test message to" kind="email" value={(*test_to).clone()} oninput={set_to} invalid={bad("mail-test-to")} hint="Uses the settings as typed, saved or not." />{ err_at("mail-test-to") }</div>
                <div class="actions" style="align-items:end"><button id="mail-test-send" class="secondary" onclick={send_test} disabled={busy.is_some()}>{ "Send test message" }</button></div>
            </div>
            { test_line }
        </div>
    }
}
