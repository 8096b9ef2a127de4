//! Settings → Trusted certificates: the site's own certificate authority, with what the file
//! holds or why it is not used.

use crate::common::widgets::Field;
use portdesk_types::settings::CertificateInfo;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct TrustedProps {
    /// The PEM file's path as typed or picked.
    pub(super) path: AttrValue,
    pub(super) on_path: Callback<String>,
    /// Opens the native "Open" dialog for the file.
    pub(super) on_browse: Callback<()>,
    /// The saved file's certificates, or why the file is not used.
    pub(super) certificates: Vec<CertificateInfo>,
    pub(super) problem: Option<String>,
}

#[function_component(TrustedCard)]
pub(super) fn trusted_card(p: &TrustedProps) -> Html {
    html! {
        <div class="card">
            <h2>{ "Trusted certificates" }</h2>
            <p class="muted">{ "The site's own certificate authority, for mail, SQL Server and PostgreSQL servers whose certificates it issued. Trusted beside this computer's certificate store; leave empty for none." }</p>
            <Field id="tls-trusted-certificates" label="PEM file" value={p.path.clone()} oninput={p.on_path.clone()}
                placeholder={r"C:\ProgramData\Portdesk\site-ca.pem"} />
            <div class="actions"><button id="tls-browse" class="secondary" onclick={p.on_browse.reform(|_| ())}>{ "Browse…" }</button></div>
            if let Some(problem) = &p.problem {
                <div class="banner err" id="tls-problem">{ problem.clone() }</div>
            }
            if !p.certificates.is_empty() {
                <ul id="tls-certificates">
                    { for p.certificates.iter().map(|c| html! {
                        <li>{ format!("{}{} — valid until {}", c.subject, if c.is_ca { "" } else { " (a server's own certificate, not a CA)" }, c.valid_until) }</li>
                    }) }
                </ul>
            }
        </div>
    }
}
