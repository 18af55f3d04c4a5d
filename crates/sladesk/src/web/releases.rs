//! Releases, rings and rollouts (R1-R3, G4) in the API: the SaaS team enters releases, assigns
//! rings, previews, starts, pauses and follows a rollout; a customer reads the releases and
//! its own instances' update windows.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use sladesk_core::releases::Ring;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Body, Id, Params};
use crate::desk::{NewRelease, PlanView, ReleaseView};
use crate::domain::releases::{BatchState, Release, Tenant, UpdateWindow};

type Result<T> = std::result::Result<T, ApiError>;

#[utoipa::path(operation_id = "list_releases", get, path = "/api/v1/releases", tag = "releases",
    responses((status = 200, body = [Release])), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, Auth(actor): Auth) -> Result<Json<Vec<Release>>> {
    Ok(Json(state.desk.releases(&actor).await?))
}

#[utoipa::path(operation_id = "create_release", post, path = "/api/v1/releases", tag = "releases",
    request_body = NewRelease,
    responses((status = 201, body = Release), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(new): Body<NewRelease>,
) -> Result<impl IntoResponse> {
    let release = state.desk.create_release(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(release)))
}

#[utoipa::path(operation_id = "get_release", get, path = "/api/v1/releases/{id}", tag = "releases",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = ReleaseView), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<ReleaseView>> {
    Ok(Json(state.desk.release(&actor, id).await?))
}

#[utoipa::path(operation_id = "release_plan", get, path = "/api/v1/releases/{id}/plan", tag = "releases",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = PlanView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn plan(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<PlanView>> {
    Ok(Json(state.desk.rollout_plan(&actor, id).await?))
}

/// A new start for a planned release, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Postponement {
    /// Like `2026-04-14`, a day from 1900 to 2398.
    #[schema(format = Date, pattern = r"^(19[0-9]{2}|2[0-2][0-9]{2}|23[0-8][0-9]|239[0-8])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub planned_start: String,
    /// Why, for the customers who planned around the old day.
    #[schema(min_length = 1, max_length = 5000, pattern = r"\S")]
    pub reason: String,
}

#[utoipa::path(operation_id = "postpone_release", post, path = "/api/v1/releases/{id}/postpone", tag = "releases",
    params(("id" = i64, Path, minimum = 1)), request_body = Postponement,
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn postpone(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(p): Body<Postponement>,
) -> Result<Json<Release>> {
    Ok(Json(
        state
            .desk
            .postpone_release(&actor, id, &p.planned_start, &p.reason)
            .await?,
    ))
}

#[utoipa::path(operation_id = "start_rollout", post, path = "/api/v1/releases/{id}/start", tag = "releases",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, description = "started, or already started (a second start changes nothing)", body = ReleaseView),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<ReleaseView>> {
    Ok(Json(state.desk.start_rollout(&actor, id).await?))
}

#[utoipa::path(operation_id = "pause_rollout", post, path = "/api/v1/releases/{id}/pause", tag = "releases",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = ReleaseView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn pause(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<ReleaseView>> {
    Ok(Json(state.desk.pause_rollout(&actor, id, true).await?))
}

#[utoipa::path(operation_id = "resume_rollout", post, path = "/api/v1/releases/{id}/resume", tag = "releases",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = ReleaseView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn resume(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<ReleaseView>> {
    Ok(Json(state.desk.pause_rollout(&actor, id, false).await?))
}

/// How a batch went.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchOutcome {
    pub outcome: Finished,
}

/// A batch's end.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Finished {
    Done,
    Failed,
}

#[utoipa::path(operation_id = "finish_batch", post, path = "/api/v1/releases/{id}/batches/{number}", tag = "releases",
    params(("id" = i64, Path, minimum = 1), ("number" = i64, Path, minimum = 1)), request_body = BatchOutcome,
    responses((status = 200, description = "marked, or already marked (a second mark changes nothing)", body = ReleaseView),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn finish_batch(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((id, number)): Path<(String, String)>,
    Body(b): Body<BatchOutcome>,
) -> Result<Json<ReleaseView>> {
    let (id, number) = (positive(&id)?, positive(&number)?);
    Ok(Json(
        state
            .desk
            .finish_batch(
                &actor,
                id,
                number,
                match b.outcome {
                    Finished::Done => BatchState::Done,
                    Finished::Failed => BatchState::Failed,
                },
            )
            .await?,
    ))
}

#[utoipa::path(operation_id = "list_rings", get, path = "/api/v1/rings", tag = "releases",
    responses((status = 200, description = "every customer instance with its ring", body = [Tenant]),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn rings(State(state): State<AppState>, Auth(actor): Auth) -> Result<Json<Vec<Tenant>>> {
    Ok(Json(state.desk.tenants(&actor).await?))
}

/// The ring of an instance; `null` for none.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RingAssignment {
    pub ring: Option<Ring>,
}

#[utoipa::path(operation_id = "set_ring", put, path = "/api/v1/components/{id}/ring", tag = "releases",
    params(("id" = i64, Path, minimum = 1)), request_body = RingAssignment,
    responses((status = 200, body = Tenant), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "not a customer's instance, or a QaaS-only ring for a Support contract", body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_ring(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(a): Body<RingAssignment>,
) -> Result<Json<Tenant>> {
    Ok(Json(state.desk.set_ring(&actor, id, a.ring).await?))
}

/// Update moments a QaaS contract agreed in writing (R3).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMoments {
    /// Like `["wednesday 21:30"]`; empty: the instances go in their ring's batches.
    pub moments: Vec<String>,
}

#[utoipa::path(operation_id = "set_update_moments", put, path = "/api/v1/organizations/{id}/update-moments", tag = "releases",
    params(("id" = i64, Path, minimum = 1)), request_body = UpdateMoments,
    responses((status = 200, body = Vec<String>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_update_moments(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(m): Body<UpdateMoments>,
) -> Result<Json<Vec<String>>> {
    Ok(Json(
        state.desk.set_update_moments(&actor, id, m.moments).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WindowParams {
    /// Staff: one organisation's instances (all without). A customer sees its own only.
    #[param(minimum = 1)]
    pub organization: Option<i64>,
}

#[utoipa::path(operation_id = "update_windows", get, path = "/api/v1/update-windows", tag = "releases",
    params(WindowParams),
    responses((status = 200, description = "the update windows that have not ended, in time order", body = [UpdateWindow]),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn windows(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<WindowParams>,
) -> Result<Json<Vec<UpdateWindow>>> {
    if p.organization.is_some_and(|id| id < 1) {
        return Err(ApiError::bad_request(crate::catalogue::Message::new(
            "api_ids_positive",
        )));
    }
    Ok(Json(
        state.desk.update_windows(&actor, p.organization).await?,
    ))
}

/// A number in the path that names something: positive, else "not found" (as `Id` answers).
fn positive(segment: &str) -> Result<i64> {
    segment
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                crate::catalogue::Message::new("api_bad_id"),
            )
        })
}

/// A calendar address for an organisation's update windows.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct UpdateCalendarAddress {
    /// Secret: anyone with it reads the windows. Shown once; a new one ends it.
    pub url: String,
}

/// `public_url`'s address of the calendar with `token`, in `language`.
pub fn calendar_url(
    public_url: &str,
    token: &str,
    language: sladesk_core::text::Language,
) -> String {
    format!(
        "{}/calendars/updates/{token}.ics?lang={}",
        public_url.trim_end_matches('/'),
        super::pages::lang_code(language)
    )
}

#[utoipa::path(operation_id = "make_update_calendar", post, path = "/api/v1/organizations/{id}/update-calendar", tag = "releases",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 201, description = "a new secret calendar address (iCalendar) of the organisation's update windows; the one before stops working", body = UpdateCalendarAddress),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn make_calendar(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<impl IntoResponse> {
    let token = state.desk.make_update_calendar(&actor, id).await?;
    let language = actor
        .user
        .as_ref()
        .map_or(sladesk_core::text::Language::En, |u| u.language);
    let url = calendar_url(&state.desk.public_url, &token, language);
    Ok((StatusCode::CREATED, Json(UpdateCalendarAddress { url })))
}
