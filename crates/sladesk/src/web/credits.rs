//! Service credits of a contract for a month (G2, S5), as JSON or CSV.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sladesk_core::credits::{CreditStatement, Guarantee};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Id, Params};
use super::visitor::Visitor;
use crate::domain::ticket_number;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CreditParams {
    /// A calendar month like `2026-04` (Dutch time).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<CreditFormat>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreditFormat {
    Json,
    Csv,
}

/// The credits a contract is owed for a month, each with the guarantee and the ticket or
/// figure behind it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditsResponse {
    pub organization_id: i64,
    pub month: String,
    pub statement: CreditStatement,
    /// The guarantees the lines refer to (`guarantee` is the position in this list).
    pub guarantees: Vec<Guarantee>,
}

#[utoipa::path(operation_id = "contract_credits", get, path = "/api/v1/organizations/{id}/credits", tag = "organizations",
    params(("id" = i64, Path), CreditParams),
    responses((status = 200, description = "the credits, as JSON or (`format=csv`) as CSV",
            content((CreditsResponse = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn credits(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Params(p): Params<CreditParams>,
) -> Result<Response, ApiError> {
    let (year, month) = super::error::month_param(&p.month)?;
    let (org, statement) = state.desk.credits(&actor, id, year, month).await?;
    let body = CreditsResponse {
        organization_id: org.id,
        month: p.month,
        guarantees: org.terms.map(|t| t.guarantees).unwrap_or_default(),
        statement,
    };
    Ok(match p.format.unwrap_or(CreditFormat::Json) {
        CreditFormat::Json => Json(body).into_response(),
        CreditFormat::Csv => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            csv(&body),
        )
            .into_response(),
    })
}

/// One line per credit, then the totals: what an invoice run imports.
fn csv(body: &CreditsResponse) -> String {
    let s = &body.statement;
    let mut out = String::from("organization_id,month,guarantee,ticket_id,figure,cents,currency\n");
    for line in &s.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            body.organization_id,
            body.month,
            line.guarantee,
            line.ticket_id.map(|t| t.to_string()).unwrap_or_default(),
            line.figure.map(|f| format!("{f:.4}")).unwrap_or_default(),
            line.cents,
            s.currency
        ));
    }
    out.push_str(&format!(
        "{},{},owed,,,{},{}\n{},{},credited,,,{},{}\n",
        body.organization_id,
        body.month,
        s.owed_cents,
        s.currency,
        body.organization_id,
        body.month,
        s.credited_cents,
        s.currency
    ));
    out
}

// The page: `/credits?month=2026-04` (customers: their own organisation; staff choose one).

#[derive(Debug, Deserialize)]
pub struct CreditQuery {
    pub month: Option<String>,
    pub organization: Option<i64>,
}

/// A guarantee in words, from the catalogue.
fn guarantee_words(guarantee: &Guarantee, language: sladesk_core::text::Language) -> String {
    use crate::catalogue::{Label, text_with};
    match guarantee {
        Guarantee::PerTicket {
            priority, clock, ..
        } => {
            let clock = match clock {
                sladesk_core::credits::GuaranteedClock::Reaction => "reaction",
                sladesk_core::credits::GuaranteedClock::Resolution => "resolution",
            };
            text_with(
                language,
                "credits_per_ticket",
                &[
                    ("priority", priority.label(language).into()),
                    ("clock", crate::catalogue::text(language, clock).into()),
                ],
            )
        }
        Guarantee::ResolvedWithin {
            priority,
            within_seconds,
            min_percent,
            ..
        } => text_with(
            language,
            "credits_resolved_within",
            &[
                ("priority", priority.label(language).into()),
                ("hours", (within_seconds / 3600).into()),
                ("percent", format!("{min_percent}").into()),
            ],
        ),
        Guarantee::Availability { min_percent, .. } => text_with(
            language,
            "credits_availability",
            &[("percent", format!("{min_percent}").into())],
        ),
    }
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CreditQuery>,
) -> Response {
    let visitor = match Visitor::from(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let language = visitor.language;
    let staff = visitor.user.role.is_staff();
    let organizations = match visitor.organization_choices(&state).await {
        Ok(choices) => choices,
        Err(response) => return response,
    };
    let organization = if staff {
        q.organization
    } else {
        visitor.user.organization_id
    };
    let month = q.month.clone().unwrap_or_else(|| {
        let now = state
            .desk
            .clock
            .now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC);
        format!("{:04}-{:02}", now.year(), now.month())
    });
    let title = visitor.text("credits_title");
    let mut values = minijinja::context! { organizations => organizations, month => &month,
    organization => organization };
    let (Some(organization), Some(_)) = (organization, q.month.as_ref()) else {
        return visitor.render("credits.html", StatusCode::OK, &title, values);
    };
    let (year, number) = match super::error::month_param(&month) {
        Ok(found) => found,
        Err(refused) => {
            values = minijinja::context! { error => refused.message.text(language), ..values };
            return visitor.render("credits.html", refused.status, &title, values);
        }
    };
    match state
        .desk
        .credits(&visitor.actor, organization, year, number)
        .await
    {
        Ok((org, statement)) => {
            let guarantees = org.terms.map(|t| t.guarantees).unwrap_or_default();
            let lines: Vec<_> = statement
                .lines
                .iter()
                .map(|l| {
                    minijinja::context! {
                        guarantee => guarantees.get(l.guarantee).map(|g| guarantee_words(g, language)),
                        ticket => l.ticket_id, ticket_number => l.ticket_id.map(ticket_number),
                        figure => l.figure.map(|f| format!("{f:.2}")),
                        amount => crate::catalogue::money(l.cents, &statement.currency, language),
                    }
                })
                .collect();
            let values = minijinja::context! {
                statement => minijinja::value::Serde(&statement), lines => lines,
                organization_name => org.name,
                owed => crate::catalogue::money(statement.owed_cents, &statement.currency, language),
                credited => crate::catalogue::money(statement.credited_cents, &statement.currency, language),
                ..values
            };
            visitor.render("credits.html", StatusCode::OK, &title, values)
        }
        Err(e) => visitor.error(e),
    }
}
