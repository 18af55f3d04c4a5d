//! Versions of the SLA (G3) through both doors: the API (`/api/v1/policies…`) and the pages
//! (`/policies…`): the history, each version with what it changed, publishing (admins) and
//! notices of termination (customers).

use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use sladesk_core::policy::KeyChange;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Body, Params};
use super::schema::rfc3339;
use super::visitor::{Access, Visitor};
use crate::desk::{DeskError, NewPolicyVersion, Thing};
use crate::domain::policies::{PolicyVersion, TerminationNotice};

type Result<T> = std::result::Result<T, ApiError>;

/// A version of the vendor's SLA.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersionResponse {
    pub version: String,
    pub summary_en: String,
    pub summary_nl: String,
    pub effective_at: String,
    pub material: bool,
    pub published_by: Option<i64>,
    pub published_at: String,
    /// Whether it is the version in force now.
    pub in_force: bool,
    /// For a material change: until when customers may terminate because of it.
    pub termination_until: Option<String>,
    /// The whole policy, TOML (only when one version is asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

async fn response(
    state: &AppState,
    version: PolicyVersion,
    in_force: &str,
    with_policy: bool,
) -> Result<PolicyVersionResponse> {
    let closes_at = state.desk.termination_closes_at(&version).await?;
    Ok(PolicyVersionResponse {
        in_force: version.version == in_force,
        termination_until: closes_at.map(rfc3339),
        effective_at: rfc3339(version.effective_at),
        published_at: rfc3339(version.published_at),
        policy: with_policy.then(|| version.policy.clone()),
        version: version.version,
        summary_en: version.summary_en,
        summary_nl: version.summary_nl,
        material: version.material,
        published_by: version.published_by,
    })
}

#[utoipa::path(operation_id = "list_policies", get, path = "/api/v1/policies", tag = "policies",
    responses((status = 200, body = [PolicyVersionResponse])), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<Vec<PolicyVersionResponse>>> {
    let versions = state.desk.policy_versions(&actor).await?;
    let in_force = state.desk.version_in_force_now().await?.version;
    let mut out = Vec::with_capacity(versions.len());
    for version in versions {
        out.push(response(&state, version, &in_force, false).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(operation_id = "get_policy", get, path = "/api/v1/policies/{version}", tag = "policies",
    params(("version" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,100}$")),
    responses((status = 200, body = PolicyVersionResponse), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<PolicyVersionResponse>> {
    let version = state.desk.policy_version(&actor, &id).await?;
    let in_force = state.desk.version_in_force_now().await?.version;
    Ok(Json(response(&state, version, &in_force, true).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffParams {
    /// The version to compare with; default: the one before.
    #[param(pattern = r"^[A-Za-z0-9._-]{1,100}$")]
    pub against: Option<String>,
}

/// What a version changed, key by key.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDiff {
    pub version: String,
    pub against: String,
    pub changes: Vec<KeyChange>,
}

#[utoipa::path(operation_id = "policy_diff", get, path = "/api/v1/policies/{version}/diff", tag = "policies",
    params(("version" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,100}$"), DiffParams),
    responses((status = 200, body = PolicyDiff), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn diff(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Params(p): Params<DiffParams>,
) -> Result<Json<PolicyDiff>> {
    let (against, changes) = state
        .desk
        .policy_diff(&actor, &id, p.against.as_deref())
        .await?;
    Ok(Json(PolicyDiff {
        version: id,
        against,
        changes,
    }))
}

#[utoipa::path(operation_id = "publish_policy", post, path = "/api/v1/policies", tag = "policies", request_body = NewPolicyVersion,
    responses((status = 201, body = PolicyVersionResponse), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Body(new): Body<NewPolicyVersion>,
) -> Result<impl IntoResponse> {
    let version = state.desk.publish_policy(&actor, new).await?;
    let in_force = state.desk.version_in_force_now().await?.version;
    let body = response(&state, version, &in_force, true).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// A customer's notice of termination because of a material change (G3).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTermination {
    /// Anything the customer wants the vendor to know.
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TerminationResponse {
    pub id: i64,
    pub organization_id: i64,
    pub version: String,
    pub user_id: i64,
    pub note: Option<String>,
    pub at: String,
}

impl From<TerminationNotice> for TerminationResponse {
    fn from(n: TerminationNotice) -> TerminationResponse {
        TerminationResponse {
            id: n.id,
            organization_id: n.organization_id,
            version: n.version,
            user_id: n.user_id,
            note: n.note,
            at: rfc3339(n.at),
        }
    }
}

#[utoipa::path(operation_id = "give_termination_notice", post, path = "/api/v1/policies/{version}/terminations", tag = "policies",
    params(("version" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,100}$")),
    request_body = NewTermination,
    responses((status = 201, body = TerminationResponse), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn terminate(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Body(new): Body<NewTermination>,
) -> Result<impl IntoResponse> {
    let notice = state
        .desk
        .give_termination_notice(&actor, &id, new.note.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(TerminationResponse::from(notice))))
}

#[utoipa::path(operation_id = "termination_notices", get, path = "/api/v1/policies/{version}/terminations", tag = "policies",
    params(("version" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,100}$")),
    responses((status = 200, body = [TerminationResponse]), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn terminations(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<TerminationResponse>>> {
    let notices = state.desk.termination_notices(&actor, &id).await?;
    Ok(Json(notices.into_iter().map(Into::into).collect()))
}

// The pages.

async fn list_page(
    state: &AppState,
    visitor: &Visitor,
    form: Option<&PublishForm>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (versions, in_force) = match tokio::try_join!(
        state.desk.policy_versions(&visitor.actor),
        state.desk.version_in_force_now()
    ) {
        Ok(found) => found,
        Err(e) => return visitor.error(e),
    };
    let rows: Vec<_> = versions
        .iter()
        .rev()
        .map(|v| {
            context! { version => &v.version, effective => visitor.time(v.effective_at),
            material => v.material, summary => v.summary(visitor.language),
            in_force => v.version == in_force.version }
        })
        .collect();
    let draft = form.map_or_else(
        || {
            state
                .desk
                .policies
                .for_version(&in_force, None)
                .map(|p| p.to_toml())
                .unwrap_or_default()
        },
        |f| f.policy.clone(),
    );
    let title = visitor.text("policies_title");
    visitor.render(
        "policies.html",
        status,
        &title,
        context! { versions => rows, error => error, draft => draft,
        form => form.map(|f| context! { summary_en => &f.summary_en, summary_nl => &f.summary_nl,
            effective => &f.effective, material => f.material.is_some() }) },
    )
}

pub async fn list_pages(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match Visitor::from(&state, &headers).await {
        Ok(visitor) => list_page(&state, &visitor, None, None, StatusCode::OK).await,
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub policy: String,
    #[serde(default)]
    pub summary_en: String,
    #[serde(default)]
    pub summary_nl: String,
    /// The day it takes effect, at 00:00 in the policy's time zone (Dutch time).
    #[serde(default)]
    pub effective: String,
    pub material: Option<String>,
}

pub async fn publish_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PublishForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Admin, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let tz = state.desk.policies.base().availability.time_zone.clone();
    let effective_at = form
        .effective
        .trim()
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned_datetime(tz).ok())
        .map(|z| z.timestamp());
    let Some(effective_at) = effective_at else {
        let refusal = crate::desk::Refusal::NotADate {
            field: crate::desk::Field::EffectiveFrom,
            given: form.effective.clone(),
        };
        let message = refusal.message().text(visitor.language);
        let status = super::error::refusal_status(&refusal);
        return list_page(&state, &visitor, Some(&form), Some(message), status).await;
    };
    let new = NewPolicyVersion {
        policy: form.policy.clone(),
        summary_en: form.summary_en.clone(),
        summary_nl: form.summary_nl.clone(),
        effective_at,
        material: form.material.is_some(),
    };
    match state.desk.publish_policy(&visitor.actor, new).await {
        Ok(version) => Redirect::to(&format!("/policies/{}", version.version)).into_response(),
        Err(e) => match super::error::refused(&e, visitor.language) {
            Some((message, status)) => {
                list_page(&state, &visitor, Some(&form), Some(message), status).await
            }
            None => visitor.error(e),
        },
    }
}

async fn version_page(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    against: Option<&str>,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let version = match state.desk.policy_version(&visitor.actor, id).await {
        Ok(v) => v,
        Err(DeskError::NotFound(_)) => {
            return visitor.refusal(StatusCode::NOT_FOUND, &Thing::PolicyVersion.not_found());
        }
        Err(e) => return visitor.error(e),
    };
    let found = tokio::try_join!(
        state.desk.policy_diff(&visitor.actor, id, against),
        state.desk.policy_versions(&visitor.actor),
        state.desk.termination_closes_at(&version),
        state.desk.termination_notices(&visitor.actor, id),
    );
    let ((against, changes), versions, closes_at, notices) = match found {
        Ok(found) => found,
        Err(e) => return visitor.error(e),
    };
    let others: Vec<String> = versions
        .into_iter()
        .map(|v| v.version)
        .filter(|v| v != id)
        .collect();
    let now = state.desk.clock.now().as_second();
    let customer = !visitor.user.role.is_staff();
    let may_terminate = customer && closes_at.is_some_and(|c| now <= c) && notices.is_empty();
    let organizations: Vec<i64> = notices.iter().map(|n| n.organization_id).collect();
    let people: Vec<i64> = notices.iter().map(|n| n.user_id).collect();
    let names = match state
        .desk
        .names_of(&visitor.actor, &organizations, &people)
        .await
    {
        Ok(names) => names,
        Err(e) => return visitor.error(e),
    };
    let notices: Vec<_> = notices
        .iter()
        .map(|n| {
            context! { organization => names.organizations.get(&n.organization_id).cloned()
            .unwrap_or_else(|| format!("#{}", n.organization_id)),
            person => names.people.get(&n.user_id).cloned().unwrap_or_default(),
            at => visitor.time(n.at), note => &n.note }
        })
        .collect();
    let changes: Vec<_> = changes
        .iter()
        .map(|c| context! { key => &c.key, old => &c.old, new => &c.new })
        .collect();
    let title = format!("{} {}", visitor.text("policy_version"), version.version);
    visitor.render(
        "policy.html",
        status,
        &title,
        context! { version_id => &version.version, summary => version.summary(visitor.language),
        effective => visitor.time(version.effective_at), material => version.material,
        published => visitor.time(version.published_at),
        closes => closes_at.map(|c| visitor.time(c)), may_terminate => may_terminate,
        against => against, changes => changes, notices => notices, notice => notice,
        others => others, policy => &version.policy },
    )
}

#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    /// The version to compare with; default: the one before.
    pub against: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<VersionQuery>,
) -> Response {
    let against = q.against.as_deref().filter(|a| !a.is_empty());
    match Visitor::from(&state, &headers).await {
        Ok(visitor) => version_page(&state, &visitor, &id, against, None, StatusCode::OK).await,
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
pub struct TerminateForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub note: String,
}

pub async fn terminate_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<TerminateForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Anyone, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let given = state
        .desk
        .give_termination_notice(&visitor.actor, &id, Some(&form.note))
        .await;
    match given {
        Ok(_) => {
            let done = visitor.text("termination_recorded");
            version_page(&state, &visitor, &id, None, Some(done), StatusCode::OK).await
        }
        Err(e) => match super::error::refused(&e, visitor.language) {
            Some((message, status)) if !matches!(e, DeskError::NotFound(_)) => {
                version_page(&state, &visitor, &id, None, Some(message), status).await
            }
            _ => visitor.error(e),
        },
    }
}
