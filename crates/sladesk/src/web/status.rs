//! The public status page (A5): HTML (no JavaScript, SVG bars) in Dutch or English, and the
//! same content as JSON. No login.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, context};
use serde::Deserialize;
use sladesk_core::text::Language;

use super::AppState;
use super::error::ApiError;
use super::extract::{Auth, Body, Id, Params};
use super::language::language;
use super::schema::rfc3339;
use crate::desk::StatusPage;
use crate::domain::availability::ComponentState;
use crate::notify::local_time;
use crate::store::notifications::MailingList;

#[derive(Debug, Deserialize)]
pub struct LangParam {
    pub lang: Option<String>,
}

/// The status page's texts: the catalogue's `status_…` keys, without the prefix.
fn texts(language: Language) -> serde_json::Value {
    serde_json::Value::Object(
        crate::catalogue::all(language)
            .into_iter()
            .filter_map(|(key, text)| Some((key.strip_prefix("status_")?.to_string(), text)))
            .collect(),
    )
}

/// The double-submit cookie of the subscription form.
const STATUS_CSRF_COOKIE: &str = "sladesk_status_csrf";

fn render(page: &StatusPage, language: Language, csrf: &str) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.add_template("status.html", include_str!("templates/status.html"))?;
    let t = texts(language);
    let word = |key: &str| t[key].as_str().unwrap_or_default().to_string();
    let components: Vec<_> = page
        .components
        .iter()
        .map(|c| {
            let state_text = match c.state {
                ComponentState::Down => word("down"),
                ComponentState::Maintenance => word("in_maintenance"),
                ComponentState::Up => word("up"),
            };
            let days: Vec<_> = c
                .days
                .iter()
                .map(|d| {
                    let (css, text) = match d.level.as_str() {
                        "none" => ("none", word("no_data")),
                        "down" => ("bar-down", format!("{:.3} %, {} {} s", d.availability_percent, word("downtime"), d.downtime_seconds)),
                        "degraded" => ("degraded", format!("{:.3} %, {}", d.availability_percent, word("not_counted"))),
                        _ => ("ok", format!("100 %, {}", word("no_downtime"))),
                    };
                    context! { date => d.date.clone(), css => css, text => text }
                })
                .collect();
            context! { name => c.name.clone(), state => c.state.key(), state_text => state_text, month => format!("{:.3}", c.month_availability_percent), target => c.target_percent, days => days }
        })
        .collect();
    let incidents: Vec<_> = page
        .incidents
        .iter()
        .map(|i| {
            let updates: Vec<_> = i.updates.iter().map(|u| context! { at => u.at.to_string(), local => local_time(u.at, language), message => u.message.clone() }).collect();
            context! {
                component => i.component.clone(), started_at => i.started_at.to_string(), started_local => local_time(i.started_at, language),
                ended_at => i.ended_at.map(|t| t.to_string()), ended_local => i.ended_at.map(|t| local_time(t, language)), updates => updates,
            }
        })
        .collect();
    let maintenance: Vec<_> = page
        .maintenance
        .iter()
        .map(|w| context! {
            component => w.component.clone(), emergency => w.emergency, ongoing => w.ongoing, work => w.work.clone(), impact => w.impact.clone(),
            starts_at => w.starts_at.to_string(), ends_at => w.ends_at.to_string(),
            starts_local => local_time(w.starts_at, language), ends_local => local_time(w.ends_at, language),
        })
        .collect();
    let rollouts: Vec<_> = page
        .rollouts
        .iter()
        .map(|r| context! {
            version => &r.version, start => &r.planned_start,
            instances_text => crate::catalogue::text_with(language, "status_rollout_instances", &[("count", r.instances.into())]),
            state => word(&format!("rollout_{}", r.state.as_str())),
            from => r.first_window_at.map(|t| t.to_string()), from_local => r.first_window_at.map(|t| local_time(t, language)),
            until => r.last_window_until.map(|t| t.to_string()), until_local => r.last_window_until.map(|t| local_time(t, language)),
        })
        .collect();
    let overall = if page
        .components
        .iter()
        .any(|c| c.state == ComponentState::Down)
    {
        word("some_down")
    } else {
        word("all_up")
    };
    env.get_template("status.html")?.render(context! {
        lang => match language { Language::En => "en", Language::Nl => "nl" },
        t => minijinja::Value::from(minijinja::value::Serde(&t)),
        overall => overall,
        components => components,
        incidents => incidents,
        maintenance => maintenance,
        rollouts => rollouts,
        generated_at => page.generated_at.to_string(),
        generated_local => local_time(page.generated_at, language),
        version => env!("CARGO_PKG_VERSION"),
        csrf => csrf,
    })
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<LangParam>,
) -> Result<Response, ApiError> {
    let status = state.desk.status_page().await?;
    let language = language(p.lang.as_deref(), &headers);
    // The subscription form's double-submit token: a cookie per visitor, so the page may be
    // kept by the visitor's browser only, never by a shared cache.
    let csrf = super::pages::random_token().map_err(crate::desk::DeskError::from)?;
    match render(&status, language, &csrf) {
        Ok(html) => {
            let mut response =
                ([(header::CACHE_CONTROL, "private, max-age=30")], Html(html)).into_response();
            super::pages::set_cookie(
                &mut response,
                &state,
                STATUS_CSRF_COOKIE,
                &csrf,
                3600,
                "/status",
            );
            Ok(response)
        }
        Err(e) => Err(ApiError::fault(&format!("status page template: {e}"))),
    }
}

/// The status page's content as JSON.
#[utoipa::path(get, path = "/status.json", tag = "status", responses((status = 200, body = StatusPage)))]
pub async fn json(State(state): State<AppState>) -> Result<Json<StatusPage>, ApiError> {
    Ok(Json(state.desk.status_page().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUpdate {
    pub message: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OutageResponse {
    pub id: i64,
    pub component_id: i64,
    #[schema(format = DateTime)]
    pub started_at: String,
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    pub ticket_id: Option<i64>,
    pub updates: Vec<UpdateResponse>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UpdateResponse {
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    pub message: String,
    pub author_id: Option<i64>,
}

fn update_response(u: crate::store::availability::OutageUpdate) -> UpdateResponse {
    UpdateResponse {
        id: u.id,
        at: rfc3339(u.at),
        message: u.message,
        author_id: u.author_id,
    }
}

#[utoipa::path(post, path = "/api/v1/outages/{id}/updates", tag = "availability", params(("id" = i64, Path)), request_body = NewUpdate,
    responses((status = 201, body = UpdateResponse), (status = 403, body = super::Problem), (status = 404, body = super::Problem)),
    security(("bearer" = [])))]
pub async fn post_update(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Body(u): Body<NewUpdate>,
) -> Result<impl IntoResponse, ApiError> {
    let update = state
        .desk
        .post_outage_update(&actor, id, &u.message)
        .await?;
    Ok((StatusCode::CREATED, Json(update_response(update))))
}

#[utoipa::path(get, path = "/api/v1/outages", tag = "availability",
    responses((status = 200, body = Vec<OutageResponse>), (status = 403, body = super::Problem)), security(("bearer" = [])))]
pub async fn list_outages(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<Vec<OutageResponse>>, ApiError> {
    let outages = state.desk.outages(&actor, 90).await?;
    Ok(Json(
        outages
            .into_iter()
            .map(|(o, updates)| OutageResponse {
                id: o.id,
                component_id: o.component_id,
                started_at: rfc3339(o.started_at),
                ended_at: o.ended_at.map(rfc3339),
                ticket_id: o.ticket_id,
                updates: updates.into_iter().map(update_response).collect(),
            })
            .collect(),
    ))
}

/// A one-message page in the status page's style, in `language`.
fn message_page(language: Language, key: &str, status: StatusCode) -> Response {
    let t = texts(language);
    let mut env = Environment::new();
    let source = "<!doctype html><html lang=\"{{ lang }}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>{{ title }}</title><link rel=\"stylesheet\" href=\"/assets/status.css?v={{ version }}\"></head><body class=\"message\">\
        <h1>{{ title }}</h1><p>{{ message }}</p><p><a href=\"/status?lang={{ lang }}\">{{ back }}</a></p></body></html>";
    let lang = match language {
        Language::En => "en",
        Language::Nl => "nl",
    };
    let html = env
        .add_template("message.html", source)
        .and_then(|_| env.get_template("message.html"))
        .and_then(|tpl| tpl.render(context! { lang => lang, title => t["title"].as_str(), message => t[key].as_str(), back => t["back"].as_str(), version => env!("CARGO_PKG_VERSION") }))
        .unwrap_or_default();
    (status, Html(html)).into_response()
}

/// 429 with `Retry-After`, when an address posts the form too often.
fn message_page_with_retry(language: Language, wait_seconds: u64) -> Response {
    let mut response = message_page(language, "too_many", StatusCode::TOO_MANY_REQUESTS);
    if let Ok(value) = wait_seconds.to_string().parse() {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The list a form or a link is about: the release newsletter when it says so, else the
/// status mails (whose links never said).
fn mailing_list(given: Option<&str>) -> MailingList {
    match given {
        Some("releases") => MailingList::Releases,
        _ => MailingList::Status,
    }
}

#[derive(Debug, Deserialize)]
pub struct SubscribeForm {
    pub email: String,
    pub lang: Option<String>,
    /// `releases` for the release newsletter (R4); the status mails without.
    #[serde(default)]
    pub list: Option<String>,
    #[serde(default)]
    pub csrf: String,
}

/// A5: subscribe to status mails (double opt-in: a confirmation link is mailed).
pub async fn subscribe(
    State(state): State<AppState>,
    client: super::client::Client,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SubscribeForm>,
) -> Response {
    let language = language(form.lang.as_deref(), &headers);
    let expected = super::pages::cookie_value(&headers, STATUS_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !super::pages::same(&expected, &form.csrf) {
        return message_page(language, "expired", StatusCode::FORBIDDEN);
    }
    if let Err(wait) = state.limits.subscriptions.check(client.ip) {
        return message_page_with_retry(language, wait);
    }
    let list = mailing_list(form.list.as_deref());
    match state.desk.subscribe(list, &form.email, language).await {
        Ok(()) => message_page(language, "check_mail", StatusCode::OK),
        Err(crate::desk::DeskError::Refused(_)) => {
            message_page(language, "unknown_link", StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenParam {
    pub token: String,
    pub lang: Option<String>,
    #[serde(default)]
    pub list: Option<String>,
}

pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<TokenParam>,
) -> Response {
    let language = language(p.lang.as_deref(), &headers);
    let list = mailing_list(p.list.as_deref());
    match state.desk.confirm_subscription(list, &p.token).await {
        Ok(theirs) => message_page(
            if p.lang.is_some() { language } else { theirs },
            match list {
                MailingList::Status => "confirmed",
                MailingList::Releases => "newsletter_confirmed",
            },
            StatusCode::OK,
        ),
        Err(crate::desk::DeskError::NotFound(_)) => {
            message_page(language, "unknown_link", StatusCode::NOT_FOUND)
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<TokenParam>,
) -> Response {
    let language = language(p.lang.as_deref(), &headers);
    match state
        .desk
        .unsubscribe(mailing_list(p.list.as_deref()), &p.token)
        .await
    {
        Ok(theirs) => message_page(
            if p.lang.is_some() { language } else { theirs },
            "unsubscribed",
            StatusCode::OK,
        ),
        Err(crate::desk::DeskError::NotFound(_)) => {
            message_page(language, "unknown_link", StatusCode::NOT_FOUND)
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
