//! Service credits of a contract for a month (G2, S5), as JSON or CSV.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sladesk_core::credits::{CreditStatement, Guarantee};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Id, Params};

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
    responses((status = 200, body = CreditsResponse, content_type = "application/json"),
        (status = 200, description = "the same as CSV", content_type = "text/csv"),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn credits(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Params(p): Params<CreditParams>,
) -> Result<Response, ApiError> {
    let (year, month) = sladesk_core::availability::parse_month(&p.month).map_err(|_| {
        ApiError::bad_request(
            crate::catalogue::Message::new("api_bad_month").given("given", &p.month),
        )
    })?;
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
