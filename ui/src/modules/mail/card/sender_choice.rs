//! Which desktop sends the site's mail on a shared store: every desktop in turn, or this one
//! alone (the others then only queue and wake it).

use crate::common::data::{use_action, use_command};
use crate::common::widgets::error_line;
use portdesk_types::api::{GetMailSender, NameMailSender};
use portdesk_types::mail::{MailSenderView, NameMailSenderRequest};
use yew::prelude::*;

#[function_component(SenderChoice)]
pub fn sender_choice() -> Html {
    let view = use_command::<GetMailSender>(());
    let name = use_action::<NameMailSender>();
    let choose = |this_desktop: bool| {
        let (view, name) = (view.clone(), name.clone());
        Callback::from(move |_: MouseEvent| {
            let view = view.clone();
            name.run(NameMailSenderRequest { this_desktop }, move |v| {
                view.replace(v)
            });
        })
    };
    let line = |v: &MailSenderView| match (v.named, v.this_desktop) {
        (false, _) => "Every desktop sends the site's mail in turn.",
        (true, true) => {
            "This desktop sends the site's mail; the others only queue it and wake this one."
        }
        (true, false) => {
            "Another desktop sends the site's mail; this one only queues it and wakes that one."
        }
    };
    html! {
        <div id="mail-sender-choice">
            if let Some(v) = view.data() {
                <p class="muted" id="mail-sender-line">{ line(v) }</p>
                <div class="actions">
                    if !v.this_desktop {
                        <button type="button" class="secondary" id="mail-sender-here" onclick={choose(true)} disabled={name.busy()}>{ "Send from this desktop only" }</button>
                    }
                    if v.named {
                        <button type="button" class="secondary" id="mail-sender-any" onclick={choose(false)} disabled={name.busy()}>{ "Send from every desktop" }</button>
                    }
                </div>
            }
            { error_line("mail-sender-error", name.error()) }
        </div>
    }
}
