//! Handlers for components, monitors, maintenance windows, exclusions and the monthly
//! availability report.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use sladesk_core::availability::{ExclusionCategory, MonthReport};
use utoipa::IntoParams;

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Body, Id, Params};
use super::schema::rfc3339;
use crate::desk::{NewComponent, NewExclusion, NewMonitor, NewWindow};
use crate::store::accounts::parse_word;
use crate::store::availability::{Component, ExclusionRow, MaintenanceWindow, Monitor};

type Result<T> = std::result::Result<T, ApiError>;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MonitorResponse {
    pub id: i64,
    pub component_id: i64,
    pub kind: String,
    pub target: String,
    pub method: String,
    pub expected_status: i64,
    pub body_contains: Option<String>,
    pub timeout_ms: i64,
    pub interval_seconds: i64,
    /// Confirmed failing (enough failed checks in a row).
    pub failing: bool,
    pub consecutive_failures: i64,
    #[schema(format = DateTime)]
    pub last_checked_at: Option<String>,
    pub last_error: Option<String>,
}

impl From<Monitor> for MonitorResponse {
    fn from(m: Monitor) -> Self {
        MonitorResponse {
            id: m.id,
            component_id: m.component_id,
            kind: m.kind,
            target: m.target,
            method: m.method,
            expected_status: m.expected_status,
            body_contains: m.body_contains,
            timeout_ms: m.timeout_ms,
            interval_seconds: m.interval_seconds,
            failing: m.failing,
            consecutive_failures: m.consecutive_failures,
            last_checked_at: m.last_checked_at.map(rfc3339),
            last_error: m.last_error,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ComponentResponse {
    pub id: i64,
    pub name: String,
    pub production: bool,
    pub organization_id: Option<i64>,
    pub state: crate::domain::availability::ComponentState,
    pub monitors: Vec<MonitorResponse>,
}

fn component_response(c: Component, monitors: Vec<Monitor>) -> ComponentResponse {
    ComponentResponse {
        id: c.id,
        name: c.name,
        production: c.production,
        organization_id: c.organization_id,
        state: c.state,
        monitors: monitors.into_iter().map(MonitorResponse::from).collect(),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WindowResponse {
    pub id: i64,
    pub component_id: i64,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub emergency: bool,
    pub work: String,
    pub impact: String,
    /// Things the announcement must address (e.g. a start before 18:00).
    pub warnings: Vec<String>,
}

fn window_response(w: MaintenanceWindow, warnings: Vec<String>) -> WindowResponse {
    WindowResponse {
        id: w.id,
        component_id: w.component_id,
        starts_at: rfc3339(w.starts_at),
        ends_at: rfc3339(w.ends_at),
        emergency: w.emergency,
        work: w.work,
        impact: w.impact,
        warnings,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExclusionResponse {
    pub id: i64,
    pub component_id: i64,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub category: ExclusionCategory,
    pub reason: String,
    pub created_by: Option<i64>,
}

impl TryFrom<ExclusionRow> for ExclusionResponse {
    type Error = ApiError;
    fn try_from(e: ExclusionRow) -> Result<Self> {
        Ok(ExclusionResponse {
            id: e.id,
            component_id: e.component_id,
            starts_at: rfc3339(e.starts_at),
            ends_at: rfc3339(e.ends_at),
            category: parse_word(&e.category)
                .map_err(|e| ApiError::from(crate::desk::DeskError::from(e)))?,
            reason: e.reason,
            created_by: e.created_by,
        })
    }
}

#[utoipa::path(post, path = "/api/v1/components", tag = "availability", request_body = NewComponent,
    responses((status = 201, body = ComponentResponse), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_component(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(new): Body<NewComponent>,
) -> Result<impl IntoResponse> {
    let component = state.desk.create_component(&actor, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(component_response(component, vec![])),
    ))
}

#[utoipa::path(get, path = "/api/v1/components", tag = "availability",
    responses((status = 200, body = Vec<ComponentResponse>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn list_components(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<Vec<ComponentResponse>>> {
    let components = state.desk.components(&actor).await?;
    Ok(Json(
        components
            .into_iter()
            .map(|(c, m)| component_response(c, m))
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/components/{id}/monitors", tag = "availability", params(("id" = i64, Path)), request_body = NewMonitor,
    responses((status = 201, body = MonitorResponse), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_monitor(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(new): Body<NewMonitor>,
) -> Result<impl IntoResponse> {
    let monitor = state.desk.add_monitor(&actor, id, new).await?;
    Ok((StatusCode::CREATED, Json(MonitorResponse::from(monitor))))
}

#[utoipa::path(post, path = "/api/v1/maintenance-windows", tag = "availability", request_body = NewWindow,
    responses((status = 201, body = WindowResponse), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn schedule_maintenance(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(new): Body<NewWindow>,
) -> Result<impl IntoResponse> {
    let (window, warnings) = state.desk.schedule_maintenance(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(window_response(window, warnings))))
}

#[utoipa::path(post, path = "/api/v1/availability/exclusions", tag = "availability", request_body = NewExclusion,
    responses((status = 201, body = ExclusionResponse), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn record_exclusion(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(new): Body<NewExclusion>,
) -> Result<impl IntoResponse> {
    let row = state.desk.record_exclusion(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(ExclusionResponse::try_from(row)?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    #[param(minimum = 1)]
    pub component: i64,
    /// A calendar month like `2026-03` (Dutch time).
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
}

#[utoipa::path(get, path = "/api/v1/availability", tag = "availability", params(ReportParams),
    responses((status = 200, body = MonthReport), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn report(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<ReportParams>,
) -> Result<Json<MonthReport>> {
    let (year, month) = super::error::month_param(&p.month)?;
    Ok(Json(
        state
            .desk
            .availability(&actor, p.component, year, month)
            .await?,
    ))
}

/// H1: an outside agent (e.g. a customer's integration agent) reports that it is alive.
#[utoipa::path(post, path = "/api/v1/heartbeats/{token}", tag = "availability", params(("token" = String, Path)),
    responses((status = 204, description = "recorded"), (status = 404, body = Problem)))]
pub async fn heartbeat(
    State(state): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Result<StatusCode> {
    state.desk.heartbeat(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadingsResponse {
    /// The readings at or over their threshold (the SaaS team is warned when one crosses it).
    pub warnings: Vec<String>,
}

/// A4: resource readings pushed by an agent.
#[utoipa::path(post, path = "/api/v1/components/{id}/readings", tag = "availability", params(("id" = i64, Path)), request_body = crate::desk::Readings,
    responses((status = 200, body = ReadingsResponse), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn readings(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(r): Body<crate::desk::Readings>,
) -> Result<Json<ReadingsResponse>> {
    Ok(Json(ReadingsResponse {
        warnings: state.desk.record_readings(&actor, id, r).await?,
    }))
}
