//! Consultancy and out-of-scope work in the API (C1-C3): proposals and their approval, time
//! booked on tickets, and the monthly billing export as JSON or CSV, with the month's closing.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::api::Reason;
use super::error::{ApiError, Problem, month_param};
use super::extract::{Auth, Body, Id, Params};
use crate::desk::{BillingMonth, NewBooking, NewProposal, ProposalChange, TicketBilling};
use crate::domain::billing::{Proposal, TimeEntry};

type Result<T> = std::result::Result<T, ApiError>;

#[utoipa::path(operation_id = "ticket_billing", get, path = "/api/v1/tickets/{id}/billing", tag = "billing",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = TicketBilling), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn ticket_billing(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<TicketBilling>> {
    Ok(Json(state.desk.ticket_billing(&actor, id).await?))
}

#[utoipa::path(operation_id = "create_proposal", post, path = "/api/v1/tickets/{id}/proposals", tag = "billing",
    params(("id" = i64, Path, minimum = 1)), request_body = NewProposal,
    responses((status = 201, body = Proposal), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn propose(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(new): Body<NewProposal>,
) -> Result<impl IntoResponse> {
    let proposal = state.desk.propose(&actor, id, new).await?;
    Ok((StatusCode::CREATED, Json(proposal)))
}

#[utoipa::path(operation_id = "revise_proposal", patch, path = "/api/v1/proposals/{id}", tag = "billing",
    params(("id" = i64, Path, minimum = 1)), request_body = ProposalChange,
    responses((status = 200, body = Proposal), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn revise(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(change): Body<ProposalChange>,
) -> Result<Json<Proposal>> {
    Ok(Json(state.desk.revise_proposal(&actor, id, change).await?))
}

/// The revision of the proposal the customer read and decides on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    #[schema(minimum = 1)]
    pub revision: i64,
}

#[utoipa::path(operation_id = "approve_proposal", post, path = "/api/v1/proposals/{id}/approve", tag = "billing",
    params(("id" = i64, Path, minimum = 1)), request_body = Decision,
    responses((status = 200, body = Proposal), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(d): Body<Decision>,
) -> Result<Json<Proposal>> {
    Ok(Json(
        state
            .desk
            .decide_proposal(&actor, id, true, d.revision)
            .await?,
    ))
}

#[utoipa::path(operation_id = "decline_proposal", post, path = "/api/v1/proposals/{id}/decline", tag = "billing",
    params(("id" = i64, Path, minimum = 1)), request_body = Decision,
    responses((status = 200, body = Proposal), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn decline(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(d): Body<Decision>,
) -> Result<Json<Proposal>> {
    Ok(Json(
        state
            .desk
            .decide_proposal(&actor, id, false, d.revision)
            .await?,
    ))
}

#[utoipa::path(operation_id = "withdraw_proposal", post, path = "/api/v1/proposals/{id}/withdraw", tag = "billing",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Proposal), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<Proposal>> {
    Ok(Json(state.desk.withdraw_proposal(&actor, id).await?))
}

#[utoipa::path(operation_id = "book_time", post, path = "/api/v1/tickets/{id}/time", tag = "billing",
    params(("id" = i64, Path, minimum = 1)), request_body = NewBooking,
    responses((status = 201, body = TimeEntry), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn book(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(new): Body<NewBooking>,
) -> Result<impl IntoResponse> {
    let entry = state.desk.book_time(&actor, id, new).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[utoipa::path(operation_id = "withdraw_time", post, path = "/api/v1/time-entries/{id}/withdraw", tag = "billing",
    params(("id" = i64, Path, minimum = 1)), request_body = Reason,
    responses((status = 200, body = TimeEntry), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn withdraw_time(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(r): Body<Reason>,
) -> Result<Json<TimeEntry>> {
    Ok(Json(state.desk.withdraw_time(&actor, id, &r.reason).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BillingParams {
    /// A calendar month like `2026-12` (Dutch time).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Staff: one organisation's lines (a customer always sees its own only).
    #[param(minimum = 1)]
    pub organization_id: Option<i64>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<super::credits::CreditFormat>,
}

#[utoipa::path(operation_id = "billing_month", get, path = "/api/v1/billing", tag = "billing",
    params(BillingParams),
    responses((status = 200, description = "the month's billing lines, as JSON or (`format=csv`) as CSV",
            content((BillingMonth = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem)),
    security(("bearer" = [])))]
pub async fn month(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<BillingParams>,
) -> Result<Response> {
    let (year, month) = month_param(&p.month)?;
    let billing = state
        .desk
        .billing_month(&actor, year, month, p.organization_id)
        .await?;
    Ok(match p.format {
        Some(super::credits::CreditFormat::Csv) => csv_response(&billing),
        _ => Json(billing).into_response(),
    })
}

pub(super) fn csv_response(billing: &BillingMonth) -> Response {
    let name = format!("attachment; filename=\"billing-{}.csv\"", billing.month);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        csv(billing),
    )
        .into_response()
}

/// The closing of a month.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Closing {
    /// Like `2026-11`: a month that has ended.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

#[utoipa::path(operation_id = "close_billing_month", post, path = "/api/v1/billing/close", tag = "billing",
    request_body = Closing,
    responses((status = 200, body = BillingMonth), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(c): Body<Closing>,
) -> Result<Json<BillingMonth>> {
    let (year, month) = month_param(&c.month)?;
    Ok(Json(
        state.desk.close_billing_month(&actor, year, month).await?,
    ))
}

/// Hours with two decimals, as accounting packages read them ("4.50").
fn decimal_hours(seconds: i64) -> String {
    let hundredths = (seconds.abs() * 100 + 1800) / 3600;
    let sign = if seconds < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Cents as euros with two decimals ("1200.00"), VAT exclusive.
fn decimal_euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// A CSV field, quoted when it holds a comma, a quote or a line break; a leading `=`, `+`,
/// `-` or `@` is prefixed with `'` so a spreadsheet never runs it as a formula.
fn field(value: &str) -> String {
    let value = match value.starts_with(['=', '+', '-', '@']) {
        true => format!("'{value}"),
        false => value.to_string(),
    };
    match value.contains([',', '"', '\n', '\r']) {
        true => format!("\"{}\"", value.replace('"', "\"\"")),
        false => value,
    }
}

/// One line per engagement and kind (work or correction), the way accounting packages import
/// invoice lines: quantities in hours, amounts in euros, VAT exclusive.
pub(super) fn csv(billing: &BillingMonth) -> String {
    let mut out = String::from(
        "month,organization_id,organization,ticket,proposal_id,basis,line,booked_hours,billed_hours,rate_eur,amount_eur\n",
    );
    for l in &billing.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}\n",
            l.month,
            l.organization_id,
            field(&l.organization),
            l.ticket_number,
            l.proposal_id,
            l.basis.as_str(),
            l.kind.as_str(),
            decimal_hours(l.booked_seconds),
            decimal_hours(l.billed_seconds),
            decimal_euros(l.cents_per_hour),
            decimal_euros(l.amount_cents),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_accounting_packages_import_them() {
        assert_eq!(decimal_hours(16_200), "4.50");
        assert_eq!(decimal_hours(-4 * 3600), "-4.00");
        assert_eq!(decimal_euros(120_000), "1200.00");
        assert_eq!(decimal_euros(-5), "-0.05");
        assert_eq!(field("Acme, Inc."), "\"Acme, Inc.\"");
        assert_eq!(field("=HYPERLINK()"), "'=HYPERLINK()");
    }
}
