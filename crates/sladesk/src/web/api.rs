//! The REST handlers under `/api/v1`. Each one reads the request, calls the desk, and shapes
//! the answer; permission rules live in the desk, not here.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use sladesk_core::tickets::{Priority, Status};
use utoipa::IntoParams;

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Body, Id, Params};
use super::schema::{
    EventResponse, OrganizationResponse, Page, TicketResponse, TokenResponse, UserResponse,
    Visibility,
};
use crate::desk::{NewOrganization, NewTicket, NewUser, OrganizationPatch, TicketPatch};
use crate::domain::sso::{OrganizationSso, SsoSetting, SsoSettings};
use crate::store::tickets::TicketFilter;

type Result<T> = std::result::Result<T, ApiError>;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Where the previous page ended (its `next_cursor`).
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

fn limit(value: Option<i64>) -> Result<i64> {
    match value.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(n),
        n => Err(ApiError::bad_request(
            crate::catalogue::Message::new("api_limit")
                .number("max", MAX_LIMIT)
                .number("given", n),
        )),
    }
}

fn cursor(value: Option<&str>) -> Result<Option<i64>> {
    value
        .map(|c| {
            c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ApiError::bad_request(
                    crate::catalogue::Message::new("api_cursor").given("given", c),
                )
            })
        })
        .transpose()
}

fn page<T, U: From<T>>(items: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Page<U> {
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last().map(|i| id(i).to_string()))
        .flatten();
    Page {
        items: items.into_iter().map(U::from).collect(),
        next_cursor,
    }
}

#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", request_body = NewOrganization,
    responses((status = 201, body = OrganizationResponse), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_organization(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(new): Body<NewOrganization>,
) -> Result<impl IntoResponse> {
    let org = state.desk.create_organization(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(OrganizationResponse::from(org))))
}

#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", params(PageParams),
    responses((status = 200, body = Page<OrganizationResponse>)), security(("bearer" = [])))]
pub async fn list_organizations(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<PageParams>,
) -> Result<Json<Page<OrganizationResponse>>> {
    let limit = limit(p.limit)?;
    let after = cursor(p.cursor.as_deref())?.unwrap_or(0);
    let orgs = state.desk.organizations(&actor, after, limit).await?;
    Ok(Json(page(orgs, limit, |o| o.id)))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", params(("id" = i64, Path)),
    responses((status = 200, body = OrganizationResponse), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_organization(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<OrganizationResponse>> {
    Ok(Json(state.desk.organization(&actor, id).await?.into()))
}

#[utoipa::path(patch, path = "/api/v1/organizations/{id}", tag = "organizations", params(("id" = i64, Path)), request_body = OrganizationPatch,
    responses((status = 200, body = OrganizationResponse), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_organization(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(patch): Body<OrganizationPatch>,
) -> Result<Json<OrganizationResponse>> {
    if !actor.sees_organization(id) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            crate::desk::Thing::Organization.not_found(),
        ));
    }
    Ok(Json(
        state
            .desk
            .update_organization(&actor, id, patch)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserResponse), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(new): Body<NewUser>,
) -> Result<impl IntoResponse> {
    let user = state.desk.create_user(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(UserResponse::from(user))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserParams {
    #[param(minimum = 1)]
    pub organization: Option<i64>,
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserParams),
    responses((status = 200, body = Page<UserResponse>)), security(("bearer" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<UserParams>,
) -> Result<Json<Page<UserResponse>>> {
    let limit = limit(p.limit)?;
    let after = cursor(p.cursor.as_deref())?.unwrap_or(0);
    if p.organization.is_some_and(|id| id < 1) {
        return Err(ApiError::bad_request(crate::catalogue::Message::new(
            "api_ids_positive",
        )));
    }
    let users = state
        .desk
        .users(&actor, p.organization, after, limit)
        .await?;
    Ok(Json(page(users, limit, |u| u.id)))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserResponse), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<UserResponse>> {
    Ok(Json(state.desk.user(&actor, id).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserActive {
    /// `false` deactivates the person (their sessions end, their tokens stop working);
    /// `true` lets them back in.
    pub active: bool,
}

#[utoipa::path(put, path = "/api/v1/users/{id}/active", tag = "users", params(("id" = i64, Path)), request_body = UserActive,
    responses((status = 200, body = UserResponse), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "you cannot deactivate yourself", body = Problem)),
    security(("bearer" = [])))]
pub async fn set_user_active(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(body): Body<UserActive>,
) -> Result<Json<UserResponse>> {
    Ok(Json(
        state
            .desk
            .set_user_active(&actor, id, body.active)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "users",
    responses((status = 200, body = Vec<TokenResponse>, description = "the newest 500 tokens"), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<Vec<TokenResponse>>> {
    let tokens = state.desk.tokens(&actor, 500).await?;
    Ok(Json(tokens.into_iter().map(TokenResponse::from).collect()))
}

/// Revokes a token; every replica refuses it within 10 seconds.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 204, description = "revoked"), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<StatusCode> {
    state.desk.revoke_token(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = NewTicket,
    responses((status = 201, body = TicketResponse), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_ticket(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(new): Body<NewTicket>,
) -> Result<impl IntoResponse> {
    let view = state.desk.create_ticket(&actor, new).await?;
    state.metrics.tickets_created.inc();
    Ok((StatusCode::CREATED, Json(TicketResponse::from(view))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TicketParams {
    pub status: Option<Status>,
    #[param(minimum = 1)]
    pub organization: Option<i64>,
    pub priority: Option<Priority>,
    /// Support line 1, 2 or 3.
    #[param(minimum = 1, maximum = 3)]
    pub line: Option<i64>,
    /// An assignee's user id.
    #[param(minimum = 1)]
    pub assignee: Option<i64>,
    /// Only tickets whose reaction or resolution clock is (true) or is not (false) breached now.
    pub breached: Option<bool>,
    /// Only tickets waiting for the customer or development (true), or not (false).
    pub waiting: Option<bool>,
    /// Full-text search over subject and description (words; no control characters).
    #[param(max_length = 500)]
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketParams),
    responses((status = 200, body = Page<TicketResponse>), (status = 400, body = Problem)), security(("bearer" = [])))]
pub async fn list_tickets(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<TicketParams>,
) -> Result<Json<Page<TicketResponse>>> {
    let limit = limit(p.limit)?;
    if p.q.as_ref().is_some_and(|q| q.chars().count() > 500) {
        return Err(ApiError::bad_request(crate::catalogue::Message::new(
            "api_q_too_long",
        )));
    }
    if p.line.is_some_and(|line| !(1..=3).contains(&line)) {
        return Err(ApiError::bad_request(
            crate::desk::Refusal::LineOutOfRange.message(),
        ));
    }
    if p.organization.is_some_and(|id| id < 1) || p.assignee.is_some_and(|id| id < 1) {
        return Err(ApiError::bad_request(crate::catalogue::Message::new(
            "api_ids_positive",
        )));
    }
    let filter = TicketFilter {
        organization_id: p.organization,
        status: p.status,
        priority: p.priority,
        line: p.line,
        assignee_id: p.assignee,
        breached: p.breached,
        waiting: p.waiting,
        text: p.q,
        before_id: cursor(p.cursor.as_deref())?,
        limit,
        ..TicketFilter::default()
    };
    let views = state.desk.tickets(&actor, filter).await?;
    Ok(Json(page(views, limit, |v| v.ticket.id)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TicketGetParams {
    /// Add, per clock, the stretches of the history that counted or paused, and why.
    pub explain: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path), TicketGetParams),
    responses((status = 200, body = TicketResponse), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_ticket(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Params(p): Params<TicketGetParams>,
) -> Result<Json<TicketResponse>> {
    Ok(Json(
        state
            .desk
            .ticket(&actor, id, p.explain.unwrap_or(false))
            .await?
            .into(),
    ))
}

#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path)), request_body = TicketPatch,
    responses((status = 200, body = TicketResponse), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_ticket(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(patch): Body<TicketPatch>,
) -> Result<Json<TicketResponse>> {
    Ok(Json(
        state.desk.update_ticket(&actor, id, patch).await?.into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    pub body: String,
    /// `public` (a reply; by staff, the ticket's reaction) or `internal` (staff only).
    pub visibility: Visibility,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/comments", tag = "tickets", params(("id" = i64, Path)), request_body = NewComment,
    responses((status = 201, body = TicketResponse), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn comment(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(c): Body<NewComment>,
) -> Result<impl IntoResponse> {
    let view = state
        .desk
        .comment(&actor, id, &c.body, c.visibility == Visibility::Public)
        .await?;
    Ok((StatusCode::CREATED, Json(TicketResponse::from(view))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransition {
    pub status: Status,
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/transitions", tag = "tickets", params(("id" = i64, Path)), request_body = NewTransition,
    responses((status = 200, body = TicketResponse), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "not an allowed move; the message names the allowed ones", body = Problem)),
    security(("bearer" = [])))]
pub async fn transition(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(t): Body<NewTransition>,
) -> Result<Json<TicketResponse>> {
    Ok(Json(
        state
            .desk
            .transition(&actor, id, t.status, t.reason.as_deref())
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/disputes", tag = "tickets", params(("id" = i64, Path)), request_body = Reason,
    responses((status = 201, body = TicketResponse), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn dispute(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(r): Body<Reason>,
) -> Result<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(TicketResponse::from(
            state.desk.dispute_priority(&actor, id, &r.reason).await?,
        )),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionalReason {
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/escalations", tag = "tickets", params(("id" = i64, Path)), request_body = OptionalReason,
    responses((status = 201, body = TicketResponse), (status = 403, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn escalate(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(r): Body<OptionalReason>,
) -> Result<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(TicketResponse::from(
            state.desk.escalate(&actor, id, r.reason.as_deref()).await?,
        )),
    ))
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/exclusions", tag = "tickets", params(("id" = i64, Path)),
    request_body = crate::desk::NewTicketExclusion,
    responses((status = 201, body = TicketResponse), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn exclude(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(new): Body<crate::desk::NewTicketExclusion>,
) -> Result<impl IntoResponse> {
    let view = state.desk.exclude_stretch(&actor, id, new).await?;
    Ok((StatusCode::CREATED, Json(TicketResponse::from(view))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneCall {
    pub summary: String,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/phone-calls", tag = "tickets", params(("id" = i64, Path)), request_body = PhoneCall,
    responses((status = 201, body = TicketResponse), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn phone_call(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(c): Body<PhoneCall>,
) -> Result<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(TicketResponse::from(
            state.desk.phone_call(&actor, id, &c.summary).await?,
        )),
    ))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}/events", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<EventResponse>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<Vec<EventResponse>>> {
    let events = state.desk.events(&actor, id).await?;
    Ok(Json(events.into_iter().map(EventResponse::from).collect()))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditResponse {
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    pub actor_id: Option<i64>,
    pub token_id: Option<i64>,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "operations", params(PageParams),
    responses((status = 200, body = Page<AuditResponse>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<PageParams>,
) -> Result<Json<Page<AuditResponse>>> {
    let limit = limit(p.limit)?;
    let before = cursor(p.cursor.as_deref())?.unwrap_or(i64::MAX);
    let entries = state.desk.audit(&actor, before, limit).await?;
    let items: Vec<AuditResponse> = entries
        .into_iter()
        .map(|e| AuditResponse {
            id: e.id,
            at: super::schema::rfc3339(e.at),
            actor_id: e.actor_id,
            token_id: e.token_id,
            action: e.action,
            subject: e.subject,
            detail: e.detail,
        })
        .collect();
    Ok(Json(page(items, limit, |a| a.id)))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RegistrationResponse {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// The organisation the person named (free text); approval links them to a real one.
    pub organization_name: String,
    pub message: String,
    pub language: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub user_id: Option<i64>,
}

impl From<crate::store::registrations::Registration> for RegistrationResponse {
    fn from(r: crate::store::registrations::Registration) -> Self {
        RegistrationResponse {
            id: r.id,
            email: r.email,
            name: r.name,
            organization_name: r.organization_name,
            message: r.message,
            language: r.language,
            status: r.status,
            created_at: super::schema::rfc3339(r.created_at),
            user_id: r.user_id,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RegistrationParams {
    /// `pending` (default), `approved` or `rejected`.
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/registrations", tag = "users", params(RegistrationParams),
    responses((status = 200, body = Vec<RegistrationResponse>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn registrations(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<RegistrationParams>,
) -> Result<Json<Vec<RegistrationResponse>>> {
    let list = state
        .desk
        .registrations(&actor, p.status.as_deref().unwrap_or("pending"))
        .await?;
    Ok(Json(
        list.into_iter().map(RegistrationResponse::from).collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub organization_id: i64,
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/approve", tag = "users", params(("id" = i64, Path)), request_body = Approval,
    responses((status = 200, body = RegistrationResponse), (status = 403, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn approve_registration(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(a): Body<Approval>,
) -> Result<Json<RegistrationResponse>> {
    Ok(Json(
        state
            .desk
            .approve_registration(&actor, id, a.organization_id)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/reject", tag = "users", params(("id" = i64, Path)), request_body = Reason,
    responses((status = 200, body = RegistrationResponse), (status = 403, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn reject_registration(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(r): Body<Reason>,
) -> Result<Json<RegistrationResponse>> {
    Ok(Json(
        state
            .desk
            .reject_registration(&actor, id, &r.reason)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaPolicy {
    /// Whether the organisation's people must sign in with a second step.
    pub required: bool,
}

/// X2: an organisation makes the second sign-in step mandatory for its people.
#[utoipa::path(put, path = "/api/v1/organizations/{id}/mfa", tag = "organizations", params(("id" = i64, Path)), request_body = MfaPolicy,
    responses((status = 204, description = "set"), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn organization_mfa(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(p): Body<MfaPolicy>,
) -> Result<StatusCode> {
    if !actor.sees_organization(id) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            crate::desk::Thing::Organization.not_found(),
        ));
    }
    state.desk.require_mfa(&actor, id, p.required).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// X2: an organisation's OpenID provider (admins); the client secret is never shown.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/sso", tag = "organizations", params(("id" = i64, Path)),
    responses((status = 200, body = SsoSetting), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn organization_sso(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<SsoSetting>> {
    Ok(Json(state.desk.organization_sso(&actor, id).await?))
}

/// X2: sets an organisation's OpenID provider (admins). The provider's discovery document is
/// read before saving; the client secret may be left out to keep the saved one.
#[utoipa::path(put, path = "/api/v1/organizations/{id}/sso", tag = "organizations", params(("id" = i64, Path)), request_body = SsoSettings,
    responses((status = 200, body = OrganizationSso), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn set_organization_sso(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(settings): Body<SsoSettings>,
) -> Result<Json<OrganizationSso>> {
    Ok(Json(
        state
            .desk
            .set_organization_sso(&actor, id, settings)
            .await?,
    ))
}

/// X2: removes an organisation's OpenID provider (admins); done also when it had none.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/sso", tag = "organizations", params(("id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn remove_organization_sso(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<StatusCode> {
    state.desk.remove_organization_sso(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
