//! Fair use in the API (F1, F2): the platform's agents send use (JSON, one day of many
//! tenants, or a CSV file), anyone reads the charts of the tenants they may see, and the SaaS
//! team reads the findings, opens cases and decides them.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Body, Id, Params};
use crate::desk::{CaseDecision, FairUseOverview, Intake, NewCase, UsageChart, UsageDay};
use crate::domain::fairuse::FairUseCase;

type Result<T> = std::result::Result<T, ApiError>;

#[utoipa::path(operation_id = "record_usage", post, path = "/api/v1/usage", tag = "fair use",
    request_body = UsageDay,
    responses((status = 200, body = Intake), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn record(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(day): Body<UsageDay>,
) -> Result<Json<Intake>> {
    Ok(Json(state.desk.record_usage(&actor, day).await?))
}

/// A CSV file as the body, UTF-8: sent as `application/octet-stream` (what the OpenAPI
/// document says, since generated clients send files that way) or as `text/csv` (what curl
/// users write); anything else is a 415, a body that is not UTF-8 a 400.
pub struct Csv(pub String);

impl<S: Send + Sync> FromRequest<S> for Csv {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> std::result::Result<Self, ApiError> {
        let is_csv = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim_start().to_ascii_lowercase())
            .is_some_and(|v| {
                v.starts_with("text/csv") || v.starts_with("application/octet-stream")
            });
        let refused = |status, detail: &str| {
            ApiError::new(
                status,
                crate::catalogue::Message::new("api_bad_body").given("detail", detail),
            )
        };
        if !is_csv {
            return Err(refused(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the file as application/octet-stream or text/csv",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| refused(r.status(), &r.body_text()))?;
        String::from_utf8(bytes.to_vec())
            .map(Csv)
            .map_err(|_| refused(StatusCode::BAD_REQUEST, "the file is not UTF-8 text"))
    }
}

#[utoipa::path(operation_id = "import_usage", post, path = "/api/v1/usage/import", tag = "fair use",
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "a CSV file of `day,component_id,measure,value` lines (a header line is allowed), UTF-8; all of it is recorded or, at the first line in error, none. `text/csv` is accepted too."),
    responses((status = 200, body = Intake), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Csv(file): Csv,
) -> Result<Json<Intake>> {
    Ok(Json(state.desk.import_usage(&actor, &file).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChartParams {
    /// One of the policy's measures.
    #[param(min_length = 1, max_length = 40)]
    pub measure: String,
    /// How many days up to yesterday (default 90).
    #[param(minimum = 1, maximum = 400)]
    pub days: Option<i64>,
}

#[utoipa::path(operation_id = "usage_chart", get, path = "/api/v1/usage/{id}", tag = "fair use",
    params(("id" = i64, Path, minimum = 1, description = "the customer instance (component)"), ChartParams),
    responses((status = 200, body = UsageChart), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn chart(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Params(p): Params<ChartParams>,
) -> Result<Json<UsageChart>> {
    Ok(Json(
        state
            .desk
            .usage_chart(&actor, id, &p.measure, p.days.unwrap_or(90))
            .await?,
    ))
}

#[utoipa::path(operation_id = "fair_use_overview", get, path = "/api/v1/fair-use", tag = "fair use",
    responses((status = 200, body = FairUseOverview), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn overview(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<FairUseOverview>> {
    Ok(Json(state.desk.fair_use_overview(&actor).await?))
}

#[utoipa::path(operation_id = "rerun_fair_use", post, path = "/api/v1/fair-use/run", tag = "fair use",
    responses((status = 200, body = FairUseOverview), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn rerun(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<FairUseOverview>> {
    Ok(Json(state.desk.rerun_fair_use(&actor).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseParams {
    /// One customer instance's cases.
    #[param(minimum = 1)]
    pub component_id: Option<i64>,
}

#[utoipa::path(operation_id = "list_fair_use_cases", get, path = "/api/v1/fair-use/cases", tag = "fair use",
    params(CaseParams),
    responses((status = 200, body = [FairUseCase]),
        (status = 404, body = Problem, description = "the instance asked for does not exist, or is not yours")),
    security(("bearer" = [])))]
pub async fn cases(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<CaseParams>,
) -> Result<Json<Vec<FairUseCase>>> {
    Ok(Json(
        state.desk.fair_use_cases(&actor, p.component_id).await?,
    ))
}

#[utoipa::path(operation_id = "open_fair_use_case", post, path = "/api/v1/fair-use/cases", tag = "fair use",
    request_body = NewCase,
    responses((status = 201, body = FairUseCase), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn open(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(new): Body<NewCase>,
) -> Result<impl IntoResponse> {
    let case = state.desk.open_fair_use_case(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(case)))
}

#[utoipa::path(operation_id = "get_fair_use_case", get, path = "/api/v1/fair-use/cases/{id}", tag = "fair use",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = FairUseCase), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn case(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<FairUseCase>> {
    Ok(Json(state.desk.fair_use_case(&actor, id).await?))
}

#[utoipa::path(operation_id = "decide_fair_use_case", post, path = "/api/v1/fair-use/cases/{id}/decision", tag = "fair use",
    params(("id" = i64, Path, minimum = 1)), request_body = CaseDecision,
    responses((status = 200, body = FairUseCase), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(d): Body<CaseDecision>,
) -> Result<Json<FairUseCase>> {
    Ok(Json(state.desk.decide_fair_use_case(&actor, id, d).await?))
}
