//! HTTP: the JSON API under `/api/v1`, its OpenAPI document, health and metrics.

mod account;
mod admin;
mod api;
mod assets;
mod attachments;
mod availability;
mod billing;
mod billing_pages;
pub mod client;
mod continuity;
mod credits;
mod disclosure;
mod error;
mod extract;
mod fairuse;
mod fairuse_pages;
mod feeds;
mod headers;
mod input;
mod language;
pub mod limits;
mod mail;
mod openapi;
mod pages;
mod policies;
mod portal;
mod problems;
mod quarantine_pages;
mod registration;
mod release_pages;
mod releases;
pub mod reports;
mod schema;
pub mod setup;
mod signin;
mod sso;
mod staff;
mod status;
mod upload;
mod visitor;
mod words;
mod workspace;

pub use error::{ApiError, Problem};

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::desk::Desk;
use crate::metrics::{Metrics, RequestLabels};

#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub metrics: Arc<Metrics>,
    pub tokens: Arc<extract::TokenCache>,
    pub limits: Arc<limits::Limits>,
    pub settings: Arc<WebSettings>,
    /// The first-run setup link's token, while nobody exists (this process only).
    pub setup: Arc<setup::SetupLink>,
}

/// What the HTTP layer takes from the configuration.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// A bearer token that may read `/metrics` from anywhere; empty: loopback only.
    pub metrics_token: String,
    /// `/metrics` has a listener of its own: the main one does not serve it.
    pub metrics_elsewhere: bool,
    /// X3: the configured contact for vulnerability reports, if any.
    pub security_contact: String,
}

/// The method as a metrics label, from a fixed set.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/organizations",
            get(api::list_organizations).post(api::create_organization),
        )
        .route(
            "/organizations/{id}",
            get(api::get_organization).patch(api::update_organization),
        )
        .route("/users", get(api::list_users).post(api::create_user))
        .route("/users/{id}", get(api::get_user))
        .route(
            "/users/{id}/active",
            axum::routing::put(api::set_user_active),
        )
        .route("/tokens", get(api::list_tokens))
        .route("/tokens/{id}", axum::routing::delete(api::revoke_token))
        .route("/tickets", get(api::list_tickets).post(api::create_ticket))
        .route(
            "/tickets/{id}",
            get(api::get_ticket).patch(api::update_ticket),
        )
        .route("/tickets/{id}/comments", axum::routing::post(api::comment))
        .route("/files/{id}", get(attachments::download))
        .route("/mail/quarantine", get(mail::quarantine))
        .route("/mail/quarantine/{id}/message", get(mail::message))
        .route("/mail/quarantine/{id}/release", post(mail::release))
        .route("/mail/quarantine/{id}/dismiss", post(mail::dismiss))
        .route(
            "/tickets/{id}/transitions",
            axum::routing::post(api::transition),
        )
        .route("/tickets/{id}/disputes", axum::routing::post(api::dispute))
        .route(
            "/tickets/{id}/exclusions",
            axum::routing::post(api::exclude),
        )
        .route(
            "/tickets/{id}/escalations",
            axum::routing::post(api::escalate),
        )
        .route(
            "/tickets/{id}/phone-calls",
            axum::routing::post(api::phone_call),
        )
        .route("/tickets/{id}/events", get(api::events))
        .route("/audit", get(api::audit))
        .route("/registrations", get(api::registrations))
        .route(
            "/organizations/{id}/mfa",
            axum::routing::put(api::organization_mfa),
        )
        .route(
            "/organizations/{id}/sso",
            get(api::organization_sso)
                .put(api::set_organization_sso)
                .delete(api::remove_organization_sso),
        )
        .route(
            "/registrations/{id}/approve",
            axum::routing::post(api::approve_registration),
        )
        .route(
            "/registrations/{id}/reject",
            axum::routing::post(api::reject_registration),
        )
        .route(
            "/components",
            get(availability::list_components).post(availability::create_component),
        )
        .route(
            "/components/{id}/monitors",
            axum::routing::post(availability::add_monitor),
        )
        .route(
            "/maintenance-windows",
            axum::routing::post(availability::schedule_maintenance),
        )
        .route(
            "/availability/exclusions",
            axum::routing::post(availability::record_exclusion),
        )
        .route("/availability", get(availability::report))
        .route("/organizations/{id}/credits", get(credits::credits))
        .route("/tickets/{id}/billing", get(billing::ticket_billing))
        .route(
            "/tickets/{id}/proposals",
            axum::routing::post(billing::propose),
        )
        .route("/proposals/{id}", axum::routing::patch(billing::revise))
        .route(
            "/proposals/{id}/approve",
            axum::routing::post(billing::approve),
        )
        .route(
            "/proposals/{id}/decline",
            axum::routing::post(billing::decline),
        )
        .route(
            "/proposals/{id}/withdraw",
            axum::routing::post(billing::withdraw),
        )
        .route("/tickets/{id}/time", axum::routing::post(billing::book))
        .route(
            "/time-entries/{id}/withdraw",
            axum::routing::post(billing::withdraw_time),
        )
        .route("/billing", get(billing::month))
        .route("/billing/close", axum::routing::post(billing::close))
        .route("/usage", axum::routing::post(fairuse::record))
        .route("/usage/import", axum::routing::post(fairuse::import))
        .route("/usage/{id}", get(fairuse::chart))
        .route("/fair-use", get(fairuse::overview))
        .route("/backups", get(continuity::backups))
        .route("/drills", get(continuity::drills))
        .route("/fair-use/run", axum::routing::post(fairuse::rerun))
        .route("/fair-use/cases", get(fairuse::cases).post(fairuse::open))
        .route("/fair-use/cases/{id}", get(fairuse::case))
        .route(
            "/fair-use/cases/{id}/decision",
            axum::routing::post(fairuse::decide),
        )
        .route("/releases", get(releases::list).post(releases::create))
        .route("/releases/{id}", get(releases::get))
        .route("/releases/{id}/plan", get(releases::plan))
        .route(
            "/releases/{id}/postpone",
            axum::routing::post(releases::postpone),
        )
        .route("/releases/{id}/start", axum::routing::post(releases::start))
        .route("/releases/{id}/pause", axum::routing::post(releases::pause))
        .route(
            "/releases/{id}/resume",
            axum::routing::post(releases::resume),
        )
        .route(
            "/releases/{id}/batches/{number}",
            axum::routing::post(releases::finish_batch),
        )
        .route("/rings", get(releases::rings))
        .route(
            "/components/{id}/ring",
            axum::routing::put(releases::set_ring),
        )
        .route(
            "/organizations/{id}/update-moments",
            axum::routing::put(releases::set_update_moments),
        )
        .route("/update-windows", get(releases::windows))
        .route(
            "/organizations/{id}/update-calendar",
            axum::routing::post(releases::make_calendar),
        )
        .route("/reports/sla", get(reports::report))
        .route("/reports/sla/breaches", get(reports::breaches))
        .route("/policies", get(policies::list).post(policies::publish))
        .route("/policies/{version}", get(policies::get))
        .route("/policies/{version}/diff", get(policies::diff))
        .route(
            "/policies/{version}/terminations",
            get(policies::terminations).post(policies::terminate),
        )
        .route("/outages", get(status::list_outages))
        .route(
            "/heartbeats/{token}",
            axum::routing::post(availability::heartbeat),
        )
        .route(
            "/components/{id}/readings",
            axum::routing::post(availability::readings),
        )
        .route(
            "/outages/{id}/updates",
            axum::routing::post(status::post_update),
        );
    Router::new()
        .nest("/api/v1", api)
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route("/status", get(status::page))
        .route("/status.json", get(status::json))
        .route("/status/subscribe", axum::routing::post(status::subscribe))
        .route("/", get(pages::home))
        .route(
            "/register",
            get(registration::register_form).post(registration::register),
        )
        .route(
            "/activate",
            get(registration::activate_form).post(registration::activate),
        )
        .route(
            "/password-reset",
            get(registration::reset_form).post(registration::reset),
        )
        .route("/login", get(signin::login_form).post(signin::login))
        .route("/login/sso", get(sso::by_email))
        .route("/login/sso/organizations/{id}", get(sso::organization))
        .route("/login/sso/staff", get(sso::staff))
        .route("/login/sso/callback", get(sso::callback))
        .route(
            "/login/code",
            get(signin::code_form).post(signin::submit_code),
        )
        .route(
            "/account/two-factor",
            get(signin::enrol_form).post(signin::submit_code),
        )
        .route("/logout", axum::routing::post(signin::logout))
        .route(
            "/logout/everywhere",
            axum::routing::post(signin::logout_everywhere),
        )
        .route("/assets/sladesk.css", get(assets::stylesheet))
        .route("/assets/sladesk.js", get(assets::script))
        .route("/tickets", get(portal::list))
        .route("/tickets/{id}", get(portal::show))
        .route("/tickets/{id}/files/{file}", get(portal::file))
        .route(
            "/tickets/{id}/files/{file}/preview",
            get(portal::file_preview),
        )
        .route("/tickets/{id}/status", post(portal::move_status))
        .route("/tickets/{id}/dispute", post(portal::dispute))
        .route("/tickets/{id}/triage", post(workspace::triage))
        .route("/tickets/{id}/escalate", post(workspace::escalate))
        .route("/desk", get(workspace::queue))
        .route("/desk/counts", get(workspace::counts))
        .route("/account", get(account::show).post(account::save))
        .route(
            "/policies",
            get(policies::list_pages).post(policies::publish_page),
        )
        .route("/policies/{version}", get(policies::show))
        .route("/credits", get(credits::page))
        .route(
            "/billing",
            get(billing_pages::page).post(billing_pages::close),
        )
        .route("/tickets/{id}/proposals", post(billing_pages::propose))
        .route(
            "/tickets/{id}/proposals/{proposal}/{action}",
            post(billing_pages::proposal_action),
        )
        .route("/tickets/{id}/time", post(billing_pages::book))
        .route(
            "/tickets/{id}/time/{entry}/withdraw",
            post(billing_pages::withdraw_time),
        )
        .route("/reports", get(reports::page))
        .route("/fair-use", get(fairuse_pages::page))
        .route("/backups", get(continuity::page))
        .route("/mail/quarantine", get(quarantine_pages::show))
        .route("/mail/quarantine/{id}", post(quarantine_pages::decide))
        .route(
            "/mail/quarantine/{id}/message",
            get(quarantine_pages::message),
        )
        .route("/fair-use/run", post(fairuse_pages::rerun))
        .route("/fair-use/tenants/{id}", get(fairuse_pages::tenant))
        .route("/fair-use/cases", post(fairuse_pages::open))
        .route("/fair-use/cases/{id}", get(fairuse_pages::case))
        .route("/fair-use/cases/{id}/decision", post(fairuse_pages::decide))
        .route(
            "/releases",
            get(release_pages::list).post(release_pages::create),
        )
        .route("/releases/{id}", get(release_pages::show))
        .route("/releases/{id}/start", post(release_pages::start))
        .route("/releases/{id}/pause", post(release_pages::pause))
        .route("/releases/{id}/resume", post(release_pages::resume))
        .route("/releases/{id}/postpone", post(release_pages::postpone))
        .route(
            "/releases/{id}/batches/{number}",
            post(release_pages::finish_batch),
        )
        .route(
            "/policies/{version}/terminate",
            post(policies::terminate_page),
        )
        .route("/admin", get(admin::home))
        .route("/admin/organizations", post(admin::create_organization))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/tokens", post(admin::create_token))
        .route("/admin/tokens/{id}/revoke", post(admin::revoke_token))
        .route("/admin/users/{id}/active", post(admin::set_user_active))
        .route("/admin/organizations/{id}/sso", post(admin::set_sso))
        .route(
            "/admin/organizations/{id}/sso/remove",
            post(admin::remove_sso),
        )
        .route(
            "/admin/organizations/{id}",
            post(admin::update_organization),
        )
        .route("/admin/registrations/{id}/approve", post(admin::approve))
        .route("/admin/registrations/{id}/reject", post(admin::reject))
        .route("/staff", get(staff::staff_home))
        .route("/staff/availability", get(staff::staff_availability))
        .route("/status/feed.atom", get(feeds::atom))
        .route("/status/maintenance.ics", get(feeds::ics))
        .route("/calendars/updates/{file}", get(feeds::update_calendar))
        .route("/releases/calendar", post(release_pages::make_calendar))
        .route("/status/confirm", get(status::confirm))
        .route("/status/unsubscribe", get(status::unsubscribe))
        .route("/metrics", get(guarded_metrics))
        .route("/.well-known/security.txt", get(disclosure::security_txt))
        .route(
            "/security",
            get(disclosure::report_form).post(disclosure::report),
        )
        .route("/assets/status.css", get(assets::status_stylesheet))
        .route("/favicon.svg", get(assets::favicon))
        .route("/favicon.ico", get(assets::favicon))
        .route("/setup", get(setup::form).post(setup::create))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(middleware::from_fn(input::refuse_control_characters))
        .layer(RequestBodyLimitLayer::new(1024 * 1024))
        .merge(uploads(&state))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(middleware::map_response(error::plain_errors_as_problems))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            problems::in_the_readers_language,
        ))
        .layer(middleware::from_fn_with_state(
            state.settings.trusted_proxies.clone(),
            client::find,
        ))
        .layer(middleware::from_fn_with_state(
            state.desk.public_url.starts_with("https://"),
            headers::secure,
        ))
        .with_state(state)
}

/// The routes that take files (T5): bodies up to what a ticket may hold (the basis policy's
/// `[attachments] max_ticket_bytes`, and a MiB for the form around them), not 1 MiB.
fn uploads(state: &AppState) -> Router<AppState> {
    let limit = usize::try_from(state.desk.policies.base().attachments.max_ticket_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    Router::new()
        .route(
            "/api/v1/tickets/{id}/files",
            get(attachments::list).post(attachments::comment_with_files),
        )
        .route(
            "/api/v1/tickets/with-files",
            post(attachments::create_ticket_with_files),
        )
        .route("/tickets/new", get(portal::new_form).post(portal::create))
        .route("/tickets/{id}/reply", post(portal::reply))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(middleware::from_fn(input::refuse_control_characters))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limit))
}

/// `/metrics` alone, for a listener of its own (`[metrics] listen`): open to whoever reaches it.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(false, headers::secure))
        .with_state(state)
}

async fn openapi(State(state): State<AppState>) -> Response {
    let measures = state.desk.policies.base().fair_use.measures.clone();
    let mut response = Json(openapi::document_for(&measures)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// Whether the service and its database answer.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "up"), (status = 503, description = "the database does not answer")))]
async fn healthz(State(state): State<AppState>) -> Response {
    if state.desk.store.ping().await {
        (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "database unavailable"})),
        )
            .into_response()
    }
}

/// `/metrics` on the main listener: from this machine only (not through a proxy), or with the
/// configured bearer token; not at all when it has a listener of its own.
async fn guarded_metrics(
    State(state): State<AppState>,
    client: client::Client,
    headers: axum::http::HeaderMap,
) -> Response {
    let settings = &state.settings;
    if settings.metrics_elsewhere {
        return not_found().await.into_response();
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let token_ok = !settings.metrics_token.is_empty()
        && token.is_some_and(|t| pages::same(t, &settings.metrics_token));
    if !(client.local || token_ok) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            crate::catalogue::Message::new("api_metrics_local"),
        )
        .into_response();
    }
    metrics(State(state)).await
}

async fn metrics(State(state): State<AppState>) -> Response {
    if let Ok(mut conn) = state.desk.store.read().await
        && let Ok(pending) = crate::store::outbox::pending_count(&mut conn).await
    {
        state.metrics.outbox_pending.set(pending);
    }
    if let Ok(age) = state.desk.recovery_point_age().await {
        let now = state.desk.clock.now().as_second();
        state
            .metrics
            .backup_verified_at
            .set(age.map_or(0, |age| now - age));
        state.metrics.backup_verified_age.set(age.unwrap_or(now));
        state
            .metrics
            .backup_rpo
            .set(state.desk.policies.base().continuity.rpo_seconds);
    }
    let mut text = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &state.metrics.registry) {
        return ApiError::fault(&format!("metrics: {e}")).into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        crate::catalogue::Message::new("api_no_such_resource"),
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        crate::catalogue::Message::new("api_method_not_allowed"),
    )
}

async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let response = next.run(request).await;
    let labels = RequestLabels {
        method,
        status: response.status().as_u16(),
    };
    state.metrics.requests.get_or_create(&labels).inc();
    response
}
