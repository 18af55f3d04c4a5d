//! Consultancy and out-of-scope work on the pages (C1-C3): the proposals and time of a ticket
//! (a section of the ticket page, with its forms), and `/billing`, the month's lines for staff
//! and for a customer (its own), with the CSV and, for admins, the month's closing. Every
//! button makes the same desk call as the API.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use sladesk_core::billing::WorkKind;

use super::AppState;
use super::portal::act;
use super::visitor::{Access, Visitor};
use crate::catalogue::{hours, money};
use crate::desk::{DeskError, NewBooking, NewProposal, Refusal, TicketBilling};
use crate::domain::billing::{Basis, LineKind, ProposalState, work_kind_word};

/// "4.5", "4,5" or "4" hours as whole minutes (at most two decimals); `None` otherwise.
fn minutes_of(given: &str) -> Option<i64> {
    let given = given.trim().replace(',', ".");
    let (whole, part) = given.split_once('.').unwrap_or((&given, ""));
    if whole.is_empty() && part.is_empty()
        || part.len() > 2
        || !whole
            .chars()
            .chain(part.chars())
            .all(|c| c.is_ascii_digit())
        || whole.len() > 6
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let hundredths: i64 = format!("{part:0<2}").parse().ok()?;
    Some(whole * 60 + (hundredths * 60 + 50) / 100)
}

fn hours_refused(given: &str) -> DeskError {
    DeskError::Refused(Refusal::NotAValue {
        given: given.to_string(),
    })
}

/// The proposals and time of a ticket, for its page: each proposal's words in the reader's
/// language, what they may do with it, and (staff) the forms to propose and book.
pub(super) fn ticket_section(
    visitor: &Visitor,
    billing: &TicketBilling,
    people: &HashMap<i64, String>,
) -> minijinja::Value {
    let language = visitor.language;
    let staff = visitor.user.role.is_staff();
    let name = |id: Option<i64>| {
        id.map(|id| people.get(&id).cloned().unwrap_or_else(|| format!("#{id}")))
            .unwrap_or_else(|| visitor.text("system"))
    };
    let proposals: Vec<_> = billing
        .proposals
        .iter()
        .map(|view| {
            let p = &view.proposal;
            let state =
                crate::catalogue::text(language, &format!("proposal_state_{}", p.state.as_str()));
            let decided = p.decided_at.map(|at| {
                crate::catalogue::text_with(
                    language,
                    "billing_decided",
                    &[
                        ("when", visitor.time(at).into()),
                        ("who", name(p.decided_by).into()),
                    ],
                )
            });
            context! {
                id => p.id, revision => p.revision, state => state, decided => decided,
                lines => view.text.lines().map(str::to_string).collect::<Vec<_>>(),
                can_decide => !staff && p.state == ProposalState::Proposed,
                can_withdraw => staff && p.state == ProposalState::Proposed,
            }
        })
        .collect();
    let in_force: Vec<_> = billing
        .proposals
        .iter()
        .filter(|v| v.proposal.state.in_force())
        .map(|v| context! { id => v.proposal.id, label => format!("{} {}", visitor.text("billing_proposal"), v.proposal.id) })
        .collect();
    let entries: Vec<_> = billing
        .time_entries
        .iter()
        .map(|e| {
            let billed = match e.proposal_id {
                Some(id) => {
                    crate::catalogue::text_with(language, "billing_billed_on", &[("id", id.into())])
                }
                None => visitor.text("billing_not_billed"),
            };
            let withdrawn = e.withdrawn_reason.as_ref().map(|reason| {
                crate::catalogue::text_with(
                    language,
                    "billing_withdrawn",
                    &[("reason", reason.clone().into())],
                )
            });
            context! {
                id => e.id, date => &e.work_date, hours => hours(e.seconds, language),
                billed => billed, note => &e.note, who => name(e.booked_by),
                withdrawn => withdrawn,
            }
        })
        .collect();
    let bases: Vec<_> = Basis::ALL
        .iter()
        .map(|b| context! { key => b.as_str(), label => crate::catalogue::text(language, &format!("basis_{}", b.as_str())) })
        .collect();
    let kinds: Vec<_> = [WorkKind::AdHoc, WorkKind::NonPlatform]
        .into_iter()
        .map(|k| {
            let key = work_kind_word(k);
            context! { key => key, label => crate::catalogue::text(language, &format!("work_kind_{key}")) }
        })
        .collect();
    context! {
        show => staff || !proposals.is_empty(), proposals => proposals, in_force => in_force,
        entries => entries, bases => bases, kinds => kinds, outside_sla => billing.outside_sla,
    }
}

#[derive(Debug, Deserialize)]
pub struct ProposalForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub work_kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub estimate_hours: String,
    #[serde(default)]
    pub urgent_reason: String,
}

pub async fn propose(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ProposalForm>,
) -> Response {
    let csrf = form.csrf.clone();
    act(state, headers, id, &csrf, |state, visitor| async move {
        let new = (|| -> Result<NewProposal, DeskError> {
            Ok(NewProposal {
                basis: Basis::parse(&form.basis).ok_or_else(|| {
                    DeskError::Refused(Refusal::NotAValue {
                        given: form.basis.clone(),
                    })
                })?,
                work_kind: crate::domain::billing::parse_work_kind(&form.work_kind).ok_or_else(
                    || {
                        DeskError::Refused(Refusal::NotAValue {
                            given: form.work_kind.clone(),
                        })
                    },
                )?,
                description: form.description.clone(),
                estimate_minutes: minutes_of(&form.estimate_hours)
                    .ok_or_else(|| hours_refused(&form.estimate_hours))?,
                urgent_reason: Some(form.urgent_reason.clone()),
            })
        })();
        let result = match new {
            Ok(new) => state.desk.propose(&visitor.actor, id, new).await.map(drop),
            Err(e) => Err(e),
        };
        (visitor, result)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub revision: i64,
}

/// Approve, decline (the customer) or withdraw (staff) a proposal of the ticket.
pub async fn proposal_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, proposal, action)): Path<(i64, i64, String)>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let csrf = form.csrf.clone();
    act(state, headers, id, &csrf, |state, visitor| async move {
        let desk = &state.desk;
        let actor = &visitor.actor;
        let result = match action.as_str() {
            "approve" => {
                desk.decide_proposal(actor, proposal, true, form.revision)
                    .await
            }
            "decline" => {
                desk.decide_proposal(actor, proposal, false, form.revision)
                    .await
            }
            "withdraw" => desk.withdraw_proposal(actor, proposal).await,
            _ => Err(DeskError::NotFound(crate::desk::Thing::Proposal)),
        }
        .and_then(|p| match p.ticket_id == id {
            true => Ok(()),
            false => Err(DeskError::NotFound(crate::desk::Thing::Proposal)),
        });
        (visitor, result)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct BookingForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub work_date: String,
    #[serde(default)]
    pub hours: String,
    /// A checkbox: present when ticked.
    pub billable: Option<String>,
    #[serde(default)]
    pub proposal: String,
    #[serde(default)]
    pub note: String,
}

pub async fn book(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<BookingForm>,
) -> Response {
    let csrf = form.csrf.clone();
    act(state, headers, id, &csrf, |state, visitor| async move {
        let new = (|| -> Result<NewBooking, DeskError> {
            let proposal_id = match form.proposal.trim() {
                "" => None,
                given => Some(given.parse().map_err(|_| hours_refused(given))?),
            };
            Ok(NewBooking {
                work_date: form.work_date.clone(),
                minutes: minutes_of(&form.hours).ok_or_else(|| hours_refused(&form.hours))?,
                billable: form.billable.is_some(),
                proposal_id,
                note: form.note.clone(),
            })
        })();
        let result = match new {
            Ok(new) => state
                .desk
                .book_time(&visitor.actor, id, new)
                .await
                .map(drop),
            Err(e) => Err(e),
        };
        (visitor, result)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn withdraw_time(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, entry)): Path<(i64, i64)>,
    Form(form): Form<WithdrawForm>,
) -> Response {
    let csrf = form.csrf.clone();
    act(state, headers, id, &csrf, |state, visitor| async move {
        let result = state
            .desk
            .withdraw_time(&visitor.actor, entry, &form.reason)
            .await
            .and_then(|e| match e.ticket_id == id {
                true => Ok(()),
                false => Err(DeskError::NotFound(crate::desk::Thing::TimeEntry)),
            });
        (visitor, result)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct BillingQuery {
    pub month: Option<String>,
    pub organization: Option<String>,
    pub format: Option<String>,
}

fn this_month(state: &AppState) -> String {
    let tz = state.desk.policies.base().availability.time_zone.clone();
    let now = state.desk.clock.now().to_zoned_datetime(tz);
    format!("{:04}-{:02}", now.year(), now.month())
}

/// `/billing?month=2026-12`: the month's lines (a customer's own; staff all or one
/// organisation's), the total, the CSV, and for admins the closing.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<BillingQuery>,
) -> Response {
    let visitor = match Visitor::from(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    render(&state, &visitor, q, None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    visitor: &Visitor,
    q: BillingQuery,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let language = visitor.language;
    let organizations = match visitor.organization_choices(state).await {
        Ok(choices) => choices,
        Err(response) => return response,
    };
    let organization = q
        .organization
        .as_deref()
        .and_then(|o| o.trim().parse::<i64>().ok());
    let month = q.month.clone().unwrap_or_else(|| this_month(state));
    let title = visitor.text("billing_title");
    let (year, number) = match super::error::month_param(&month) {
        Ok(found) => found,
        Err(refused) => {
            let values = context! { organizations => organizations, month => &month,
            error => refused.message.text(language) };
            return visitor.render("billing.html", refused.status, &title, values);
        }
    };
    let billing = match state
        .desk
        .billing_month(&visitor.actor, year, number, organization)
        .await
    {
        Ok(found) => found,
        Err(e) => return visitor.error(e),
    };
    if q.format.as_deref() == Some("csv") {
        return super::billing::csv_response(&billing);
    }
    let lines: Vec<_> = billing
        .lines
        .iter()
        .map(|l| {
            context! {
                organization => &l.organization, ticket => l.ticket_id,
                ticket_number => &l.ticket_number, proposal => l.proposal_id,
                kind => visitor.text(match l.kind {
                    LineKind::Work => "billing_line_work",
                    LineKind::Correction => "billing_line_correction",
                }),
                booked => hours(l.booked_seconds, language),
                billed => hours(l.billed_seconds, language),
                rate => money(l.cents_per_hour, "EUR", language),
                amount => money(l.amount_cents, "EUR", language),
            }
        })
        .collect();
    let csv = match organization {
        Some(o) => format!("/billing?month={month}&organization={o}&format=csv"),
        None => format!("/billing?month={month}&format=csv"),
    };
    let values = context! {
        organizations => organizations, organization => organization, month => &month,
        lines => lines, closed => billing.closed, csv => csv, notice => notice,
        total => money(billing.total_cents, "EUR", language),
        can_close => visitor.actor.is_admin() && !billing.closed && month < this_month(state),
    };
    visitor.render("billing.html", status, &title, values)
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub month: String,
}

/// An admin closes a month; a refusal is told on the page.
pub async fn close(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CloseForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Staff, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let query = || BillingQuery {
        month: Some(form.month.clone()),
        organization: None,
        format: None,
    };
    let (year, number) = match super::error::month_param(&form.month) {
        Ok(found) => found,
        Err(refused) => {
            let notice = refused.message.text(visitor.language);
            return render(&state, &visitor, query(), Some(notice), refused.status).await;
        }
    };
    match state
        .desk
        .close_billing_month(&visitor.actor, year, number)
        .await
    {
        Ok(_) => Redirect::to(&format!("/billing?month={}", form.month)).into_response(),
        Err(e) => match super::error::refused(&e, visitor.language) {
            Some((message, status)) => {
                render(&state, &visitor, query(), Some(message), status).await
            }
            None => visitor.error(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_read_in_either_language() {
        assert_eq!(minutes_of("4.5"), Some(270));
        assert_eq!(minutes_of("4,5"), Some(270));
        assert_eq!(minutes_of("6"), Some(360));
        assert_eq!(minutes_of("0.25"), Some(15));
        assert_eq!(minutes_of(",5"), Some(30));
        assert_eq!(minutes_of("1.999"), None);
        assert_eq!(minutes_of("-1"), None);
        assert_eq!(minutes_of(""), None);
        assert_eq!(minutes_of("1e3"), None);
    }
}
