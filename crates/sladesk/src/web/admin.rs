//! Administration in the browser: organisations and their contracts, people, registration
//! requests (any staff member may handle those), and API tokens. Each form calls the same desk
//! operation as the API, so the permission checks and the audit trail are the API's.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use sladesk_core::text::Language;

use super::AppState;
use super::visitor::{Access, Visitor};
use crate::desk::{DeskError, Field, NewOrganization, NewUser, OrganizationPatch, Refusal};
use crate::domain::accounts::{Role, Tier};
use crate::domain::sso::SsoSettings;

async fn admin_page(
    state: &AppState,
    visitor: &Visitor,
    notice: Option<String>,
    token: Option<String>,
    status: StatusCode,
) -> Response {
    let actor = &visitor.actor;
    let registrations = match state.desk.registrations(actor, "pending").await {
        Ok(list) => list,
        Err(e) => return visitor.error(e),
    };
    let admin = visitor.user.role == Role::Admin;
    let organizations = match state.desk.organizations(actor, 0, 500).await {
        Ok(list) => list,
        Err(e) => return visitor.error(e),
    };
    let (users, tokens) = if admin {
        let users = match state.desk.users(actor, None, 0, 500).await {
            Ok(list) => list,
            Err(e) => return visitor.error(e),
        };
        let tokens = match state.desk.tokens(actor, 200).await {
            Ok(list) => list,
            Err(e) => return visitor.error(e),
        };
        (users, tokens)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut mfa = Vec::new();
    let mut sso = Vec::new();
    if admin {
        for org in &organizations {
            match state.desk.mfa_required(actor, org.id).await {
                Ok(required) => mfa.push(required),
                Err(e) => return visitor.error(e),
            }
            match state.desk.organization_sso(actor, org.id).await {
                Ok(setting) => sso.push(setting.provider),
                Err(e) => return visitor.error(e),
            }
        }
    }
    let when = |second: i64| visitor.time(second);
    let registrations: Vec<_> = registrations
        .iter()
        .map(|r| {
            context! { id => r.id, email => &r.email, name => &r.name,
            organization => &r.organization_name, message => &r.message, at => when(r.created_at) }
        })
        .collect();
    let org_name = |id: Option<i64>| {
        id.and_then(|id| organizations.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
    };
    let organization_rows: Vec<_> = organizations
        .iter()
        .enumerate()
        .map(|(i, o)| {
            context! { id => o.id, name => &o.name, tier => crate::store::accounts::word(&o.tier),
            products => o.products.join(", "), from => o.valid_from.map(|d| d.to_string()),
            until => o.valid_until.map(|d| d.to_string()), policy => &o.policy,
            size_class => &o.size_class,
            mfa => mfa.get(i).copied().unwrap_or(false),
            sso => minijinja::Value::from(minijinja::value::Serde(sso.get(i).cloned().flatten())) }
        })
        .collect();
    let token_rows: Vec<_> = tokens
        .iter()
        .map(|t| context! { id => t.id, email => &t.email, label => &t.label, created => when(t.created_at),
            revoked => t.revoked_at.map(when) })
        .collect();
    let user_rows: Vec<_> = users
        .iter()
        .map(|u| context! { id => u.id, email => &u.email, name => &u.name,
            role => crate::store::accounts::word(&u.role), organization => org_name(u.organization_id),
            active => u.disabled_at.is_none(), me => u.id == visitor.user.id })
        .collect();
    let roles = [
        "customer",
        "first_line",
        "second_line",
        "third_line",
        "saas_team",
        "admin",
    ];
    visitor.render(
        "admin.html",
        status,
        &visitor.text("admin"),
        context! {
            admin => admin, registrations => registrations, organizations => organization_rows,
            users => user_rows, roles => roles, notice => notice, token => token, tokens => token_rows,
            public_url => &state.desk.public_url, sso_redirect => state.desk.sso_redirect_url(),
        },
    )
}

pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    admin_page(&state, &visitor, None, None, StatusCode::OK).await
}

/// Shows the admin page again after a form: redirect on success, the reason on refusal.
async fn after(state: &AppState, visitor: &Visitor, result: Result<(), DeskError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/admin").into_response(),
        Err(e @ (DeskError::Refused(_) | DeskError::NotFound(_) | DeskError::Store(_)))
            if super::error::status_of(&e).is_some() =>
        {
            let message = e.text(visitor.language);
            let status = super::error::status_of(&e).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            admin_page(state, visitor, Some(message), None, status).await
        }
        Err(e) => visitor.error(e),
    }
}

fn tier(value: &str) -> Result<Tier, DeskError> {
    serde_json::from_value(serde_json::Value::String(value.to_string())).map_err(|_| {
        DeskError::Refused(Refusal::NotATier {
            given: value.to_string(),
        })
    })
}

/// "Qixium, Portal" → the contract's products.
fn products(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

fn date(field: Field, value: &str) -> Result<Option<jiff::civil::Date>, DeskError> {
    match value.trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|_| {
            DeskError::Refused(Refusal::NotADate {
                field,
                given: v.to_string(),
            })
        }),
    }
}

#[derive(Debug, Deserialize)]
pub struct OrganizationForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub products: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_until: String,
    pub mfa_required: Option<String>,
}

pub async fn create_organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<OrganizationForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Admin, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let result = async {
        let tier = tier(&form.tier)?;
        let new = NewOrganization {
            name: form.name.clone(),
            tier,
            products: products(&form.products),
            valid_from: date(Field::ValidFrom, &form.valid_from)?,
            valid_until: date(Field::ValidUntil, &form.valid_until)?,
            policy: None,
            policy_version: None,
            terms: None,
            size_class: None,
        };
        let org = state.desk.create_organization(&visitor.actor, new).await?;
        if form.mfa_required.is_some() {
            state.desk.require_mfa(&visitor.actor, org.id, true).await?;
        }
        Ok(())
    }
    .await;
    after(&state, &visitor, result).await
}

#[derive(Debug, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub organization_id: String,
    #[serde(default)]
    pub language: String,
}

fn user_fields(form: &UserForm) -> Result<(Role, Option<i64>, Language), DeskError> {
    let role: Role =
        serde_json::from_value(serde_json::Value::String(form.role.clone())).map_err(|_| {
            DeskError::Refused(Refusal::NotARole {
                given: form.role.clone(),
            })
        })?;
    let organization_id = match form.organization_id.trim() {
        "" => None,
        v => Some(v.parse().map_err(|_| {
            DeskError::Refused(Refusal::NotAnOrganization {
                given: v.to_string(),
            })
        })?),
    };
    let language = match form.language.as_str() {
        "en" => Language::En,
        _ => Language::Nl,
    };
    Ok((role, organization_id, language))
}

pub async fn create_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<UserForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Admin, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let result = async {
        let (role, organization_id, language) = user_fields(&form)?;
        state
            .desk
            .create_user(
                &visitor.actor,
                NewUser {
                    email: form.email.clone(),
                    name: form.name.clone(),
                    role,
                    organization_id,
                    language,
                },
            )
            .await
            .map(drop)
    }
    .await;
    after(&state, &visitor, result).await
}

/// A new API token for a person (created if new); the token is shown once.
pub async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<UserForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Admin, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let issued = match user_fields(&form) {
        Ok((role, organization_id, language)) => {
            crate::desk::issue_token(&state.desk, &form.email, role, organization_id, language)
                .await
        }
        Err(e) => Err(e),
    };
    match issued {
        Ok(token) => admin_page(&state, &visitor, None, Some(token), StatusCode::OK).await,
        Err(e) => after(&state, &visitor, Err(e)).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub organization_id: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Staff, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let result = match form.organization_id.trim().parse::<i64>() {
        Ok(org) => state
            .desk
            .approve_registration(&visitor.actor, id, org)
            .await
            .map(drop),
        Err(_) => Err(DeskError::Refused(Refusal::ChooseOrganization)),
    };
    after(&state, &visitor, result).await
}

pub async fn reject(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Staff, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let result = state
        .desk
        .reject_registration(&visitor.actor, id, &form.reason)
        .await
        .map(drop);
    after(&state, &visitor, result).await
}

#[derive(Debug, Deserialize)]
pub struct ContractForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub products: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_until: String,
    /// F1: the size class of the contract; empty for none.
    #[serde(default)]
    pub size_class: String,
    /// The contract's own SLA policy (TOML over the default); empty for the default.
    #[serde(default)]
    pub policy: String,
    pub mfa_required: Option<String>,
}

/// Changes an organisation's contract: products, validity, tier, its own SLA policy, and
/// whether its people must sign in with a second step.
pub async fn update_organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ContractForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Admin, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let result = async {
        let tier = tier(&form.tier)?;
        let policy = form.policy.trim();
        let patch = OrganizationPatch {
            name: Some(form.name.clone()),
            tier: Some(tier),
            products: Some(products(&form.products)),
            valid_from: Some(date(Field::ValidFrom, &form.valid_from)?),
            valid_until: Some(date(Field::ValidUntil, &form.valid_until)?),
            policy: Some((!policy.is_empty()).then(|| policy.to_string())),
            // The version a contract holds to is set through the API (and kept here).
            policy_version: None,
            // So are the contract's fee and guarantees.
            terms: None,
            size_class: Some(Some(form.size_class.trim().to_string()).filter(|s| !s.is_empty())),
        };
        state
            .desk
            .update_organization(&visitor.actor, id, patch)
            .await?;
        state
            .desk
            .require_mfa(&visitor.actor, id, form.mfa_required.is_some())
            .await
    }
    .await;
    after(&state, &visitor, result).await
}

#[derive(Deserialize)]
pub struct SsoForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub client_id: String,
    /// Empty keeps the saved secret.
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub domains: String,
    #[serde(default)]
    pub mfa_values: String,
    pub provisioning: Option<String>,
    pub sso_only: Option<String>,
    pub verified_email_claim: Option<String>,
}

/// X2: sets an organisation's OpenID provider (admins), as `PUT …/sso` does.
pub async fn set_sso(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<SsoForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Admin, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let settings = SsoSettings {
        issuer: form.issuer,
        client_id: form.client_id,
        client_secret: Some(form.client_secret).filter(|s| !s.trim().is_empty()),
        domains: products(&form.domains),
        provisioning: form.provisioning.is_some(),
        sso_only: form.sso_only.is_some(),
        mfa_values: Some(products(&form.mfa_values)),
        verified_email_claim: form.verified_email_claim.is_some(),
    };
    let result = state
        .desk
        .set_organization_sso(&visitor.actor, id, settings)
        .await
        .map(drop);
    after(&state, &visitor, result).await
}

/// X2: removes an organisation's provider (admins).
pub async fn remove_sso(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Admin, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let result = state.desk.remove_organization_sso(&visitor.actor, id).await;
    after(&state, &visitor, result).await
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    pub csrf: String,
    /// "yes" lets the person in again; anything else deactivates them.
    #[serde(default)]
    pub active: String,
}

/// Deactivates someone who left (their tickets and history stay), or lets them back in.
pub async fn set_user_active(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Admin, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let result = state
        .desk
        .set_user_active(&visitor.actor, id, form.active == "yes")
        .await
        .map(drop);
    after(&state, &visitor, result).await
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    pub csrf: String,
}

/// Revokes an API token; every replica refuses it within 10 seconds.
pub async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Admin, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let result = state.desk.revoke_token(&visitor.actor, id).await;
    after(&state, &visitor, result).await
}
