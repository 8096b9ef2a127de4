//! The Customers window's "Account requests" tab: requests made at the sign-in screen, pending
//! first; approve (a customer account linked to the ERP customer picked here, its temporary
//! password shown once) or reject with a reason.

use super::erp::{ErpInput, pick_erp};
use super::temporary;
use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, date_time, error_line, setter};
use portdesk_types::accounts::{
    AccountRequestQuery, AccountRequestRow, AccountRequestStatus, ApproveRequest, RejectRequest,
};
use portdesk_types::api::{
    ApproveAccountRequest, ErpCustomer, ListAccountRequests, RejectAccountRequest,
};
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Decision {
    Approve,
    Reject,
}

#[function_component(AccountRequests)]
pub(super) fn account_requests() -> Html {
    let include_decided = use_state(|| false);
    let list = use_command::<ListAccountRequests>(AccountRequestQuery {
        include_decided: *include_decided,
    });
    let open = use_state(|| None::<(AccountRequestRow, Decision)>);
    let notice = use_state(|| None::<Html>);
    let on_done = {
        let (open, notice, reload) = (open.clone(), notice.clone(), list.reload());
        Callback::from(move |n: Html| {
            open.set(None);
            notice.set(Some(n));
            reload.emit(());
        })
    };
    let on_cancel = {
        let open = open.clone();
        Callback::from(move |_: ()| open.set(None))
    };
    let table = match (list.data(), list.error()) {
        (Some(rows), _) if rows.is_empty() => {
            html! { <p class="muted" id="requests-empty">{ "No account requests are waiting." }</p> }
        }
        (Some(rows), _) => html! {
            <table id="requests-table">
                <thead><tr>
                    <th>{ "Received" }</th><th>{ "Name" }</th><th>{ "E-mail" }</th><th>{ "Phone" }</th>
                    <th>{ "Company" }</th><th>{ "Message" }</th><th>{ "Status" }</th><th></th>
                </tr></thead>
                <tbody>{ for rows.iter().map(|r| row(r, &open, &notice)) }</tbody>
            </table>
        },
        (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
    };
    html! {
        <>
            <div class="actions" style="margin-top:0">
                <label>
                    <input type="checkbox" id="requests-include-decided" checked={*include_decided}
                        onchange={{ let d = include_decided.clone(); move |_| d.set(!*d) }} />
                    { " Show approved and rejected requests too" }
                </label>
            </div>
            if let Some(n) = &*notice { { n.clone() } }
            if let Some((r, d)) = &*open {
                <Decide key={r.id} request={r.clone()} decision={*d} on_done={on_done.clone()} on_cancel={on_cancel.clone()} />
            }
            <div class="card">{ table }</div>
        </>
    }
}

fn row(
    r: &AccountRequestRow,
    open: &UseStateHandle<Option<(AccountRequestRow, Decision)>>,
    notice: &UseStateHandle<Option<Html>>,
) -> Html {
    let decide = |d: Decision| {
        let (open, notice, r) = (open.clone(), notice.clone(), r.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            open.set(Some((r.clone(), d)));
        })
    };
    let status = match r.status {
        AccountRequestStatus::Pending => "pending".to_owned(),
        AccountRequestStatus::Approved => format!(
            "approved by {} on {}",
            r.decided_by.clone().unwrap_or_default(),
            r.decided_at.map(date_time).unwrap_or_default()
        ),
        AccountRequestStatus::Rejected => format!(
            "rejected by {} on {}: {}",
            r.decided_by.clone().unwrap_or_default(),
            r.decided_at.map(date_time).unwrap_or_default(),
            r.reason.clone().unwrap_or_default()
        ),
    };
    html! {
        <tr id={format!("request-{}", r.id)}>
            <td>{ date_time(r.created_at) }</td>
            <td>{ r.name.clone() }</td>
            <td>
                { r.email.clone() }
                if r.has_account && r.status == AccountRequestStatus::Pending {
                    <div class="error">{ "An account with this e-mail exists already." }</div>
                }
            </td>
            <td>{ r.phone.clone().unwrap_or_default() }</td>
            <td>{ r.company.clone() }</td>
            <td>{ r.message.clone().unwrap_or_default() }</td>
            <td class="request-status">{ status }</td>
            <td>
                if r.status == AccountRequestStatus::Pending {
                    <button id={format!("approve-{}", r.id)} onclick={decide(Decision::Approve)}>{ "Approve" }</button>
                    { " " }
                    <button id={format!("reject-{}", r.id)} class="secondary" onclick={decide(Decision::Reject)}>{ "Reject" }</button>
                }
            </td>
        </tr>
    }
}

#[derive(Properties, PartialEq)]
struct DecideProps {
    request: AccountRequestRow,
    decision: Decision,
    on_done: Callback<Html>,
    on_cancel: Callback<()>,
}

/// Approve (pick the ERP customer, optionally type the temporary password) or reject (a reason).
#[function_component(Decide)]
fn decide(p: &DecideProps) -> Html {
    let approving = p.decision == Decision::Approve;
    let erp = use_state(|| p.request.company.clone());
    let erp_list = use_state(Vec::<ErpCustomer>::new);
    let temp = use_state(String::new);
    let reason = use_state(String::new);
    let approve = use_action::<ApproveAccountRequest>();
    let reject = use_action::<RejectAccountRequest>();
    let onsubmit = {
        let (erp, erp_list, temp, reason) =
            (erp.clone(), erp_list.clone(), temp.clone(), reason.clone());
        let (approve, reject, done, id) = (
            approve.clone(),
            reject.clone(),
            p.on_done.clone(),
            p.request.id,
        );
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            let done = done.clone();
            if approving {
                let (erp_customer_code, erp_customer) = pick_erp(&erp, &erp_list, None);
                let req = ApproveRequest {
                    id,
                    erp_customer_code,
                    erp_customer,
                    temporary_password: temporary(&temp),
                };
                approve.run(req, move |a| {
                    done.emit(html! {
                        <div class="banner info" id="temp-password-box">
                            { format!("Request approved: account {} created. Temporary password (shown once; to be changed at the first sign-in): ", a.created.account.email) }
                            <strong id="temp-password">{ a.created.temporary_password.expose().to_owned() }</strong>
                            if let Some(w) = a.created.erp_warning { <p class="error">{ w }</p> }
                        </div>
                    })
                });
            } else {
                let req = RejectRequest {
                    id,
                    reason: (*reason).clone(),
                };
                reject.run(req, move |r| {
                    done.emit(html! {
                        <div class="banner info" id="request-rejected">{ format!("The request of {} was rejected.", r.email) }</div>
                    })
                });
            }
        })
    };
    let (busy, error) = if approving {
        (approve.busy(), approve.error())
    } else {
        (reject.busy(), reject.error())
    };
    let on_list = {
        let erp_list = erp_list.clone();
        Callback::from(move |list| erp_list.set(list))
    };
    let r = &p.request;
    let cancel = p.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <form class="card" id="request-decision" {onsubmit}>
            if approving {
                <h2>{ format!("Approve the request of {} ({})", r.name, r.email) }</h2>
                <p class="muted">{ format!("A customer account is created for {}, company \"{}\". Link it to the ERP customer whose data it may see.", r.email, r.company) }</p>
                <div class="grid2">
                    <div>
                        <ErpInput id="ar-erp" list_id="ar-erp-options" value={(*erp).clone()} oninput={setter(&erp)} list={(*erp_list).clone()} {on_list} />
                        <div class="hint">{ "Pick from the list (name and code)." }</div>
                    </div>
                    <div><Field id="ar-temp" label="Temporary password (optional)" kind="password" value={(*temp).clone()} oninput={setter(&temp)} hint="Leave empty to generate one." /></div>
                </div>
            } else {
                <h2>{ format!("Reject the request of {} ({})", r.name, r.email) }</h2>
                <Field id="ar-reason" label="Reason (kept with the request)" value={(*reason).clone()} oninput={setter(&reason)} />
            }
            { error_line("request-error", error) }
            <div class="actions">
                if approving {
                    <button id="ar-approve" type="submit" disabled={busy}>{ "Create account" }</button>
                } else {
                    <button id="ar-reject" type="submit" disabled={busy}>{ "Reject request" }</button>
                }
                <button type="button" class="secondary" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}
