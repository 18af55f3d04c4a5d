//! Becoming a user without staff at hand: the registration request (T2), the one-time
//! activation link that sets a password, and the password reset by mail.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;
use sladesk_core::text::Language;

use super::AppState;
use super::extract::Params;
use super::language::language;
use super::pages::{
    CSRF_COOKIE, FormPage, LangQuery, form_token_matches, notice, public_form, retry_after, texts,
};
use crate::desk::DeskError;

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub csrf: String,
    pub lang: Option<String>,
}

fn register_page(
    state: &AppState,
    language: Language,
    form: &RegisterForm,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    public_form(
        state,
        FormPage {
            template: "register.html",
            title: "register_title",
            path: "/register",
            cookie: CSRF_COOKIE,
        },
        status,
        language,
        context! { form => minijinja::Value::from(minijinja::value::Serde(form)), error => error },
    )
}

/// T2: the registration request form.
pub async fn register_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<LangQuery>,
) -> Response {
    register_page(
        &state,
        language(q.lang.as_deref(), &headers),
        &RegisterForm::default(),
        None,
        StatusCode::OK,
    )
}

pub async fn register(
    State(state): State<AppState>,
    client: super::client::Client,
    headers: HeaderMap,
    Form(form): Form<RegisterForm>,
) -> Response {
    let language = language(form.lang.as_deref(), &headers);
    if !form_token_matches(&headers, CSRF_COOKIE, &form.csrf) {
        return register_page(
            &state,
            language,
            &form,
            texts(language)["expired"].as_str().map(String::from),
            StatusCode::FORBIDDEN,
        );
    }
    if let Err(wait) = state.limits.registrations.check(client.ip) {
        let mut response = register_page(
            &state,
            language,
            &form,
            texts(language)["too_many"].as_str().map(String::from),
            StatusCode::TOO_MANY_REQUESTS,
        );
        retry_after(&mut response, wait);
        return response;
    }
    let request = crate::desk::RegistrationForm {
        email: form.email.clone(),
        name: form.name.clone(),
        organization: form.organization.clone(),
        message: form.message.clone(),
    };
    match state.desk.request_registration(request, language).await {
        Ok(()) => notice(language, "registered", None, StatusCode::OK),
        Err(DeskError::Refused(refusal)) => register_page(
            &state,
            language,
            &form,
            Some(refusal.message().text(language)),
            super::error::refusal_status(&refusal),
        ),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActivateQuery {
    pub token: String,
    pub lang: Option<String>,
}

fn activate_page(
    state: &AppState,
    language: Language,
    token: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    public_form(
        state,
        FormPage {
            template: "activate.html",
            title: "activate_title",
            path: "/activate",
            cookie: CSRF_COOKIE,
        },
        status,
        language,
        context! { token => token, error => error },
    )
}

/// T2: the one-time link from the activation mail: choose a password.
pub async fn activate_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<ActivateQuery>,
) -> Response {
    let language = language(q.lang.as_deref(), &headers);
    match state.desk.activation_valid(&q.token).await {
        Ok(true) => activate_page(&state, language, &q.token, None, StatusCode::OK),
        Ok(false) => notice(language, "bad_link", None, StatusCode::NOT_FOUND),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActivateForm {
    pub token: String,
    pub password: String,
    pub csrf: String,
    pub lang: Option<String>,
}

pub async fn activate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ActivateForm>,
) -> Response {
    let language = language(form.lang.as_deref(), &headers);
    if !form_token_matches(&headers, CSRF_COOKIE, &form.csrf) {
        return activate_page(
            &state,
            language,
            &form.token,
            texts(language)["expired"].as_str().map(String::from),
            StatusCode::FORBIDDEN,
        );
    }
    match state.desk.activate(&form.token, &form.password).await {
        Ok(()) => notice(
            language,
            "activated",
            Some(("/login", "sign_in")),
            StatusCode::OK,
        ),
        Err(DeskError::Refused(refusal)) => activate_page(
            &state,
            language,
            &form.token,
            Some(refusal.message().text(language)),
            super::error::refusal_status(&refusal),
        ),
        Err(DeskError::NotFound(_)) => notice(language, "bad_link", None, StatusCode::NOT_FOUND),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

/// Password reset: the form, and the mail with a one-time link.
pub async fn reset_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<LangQuery>,
) -> Response {
    let language = language(q.lang.as_deref(), &headers);
    public_form(
        &state,
        FormPage {
            template: "reset.html",
            title: "forgot",
            path: "/password-reset",
            cookie: CSRF_COOKIE,
        },
        StatusCode::OK,
        language,
        context! {},
    )
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    pub email: String,
    pub csrf: String,
    pub lang: Option<String>,
}

pub async fn reset(
    State(state): State<AppState>,
    client: super::client::Client,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> Response {
    let language = language(form.lang.as_deref(), &headers);
    if !form_token_matches(&headers, CSRF_COOKIE, &form.csrf) {
        return notice(
            language,
            "expired",
            Some(("/password-reset", "forgot")),
            StatusCode::FORBIDDEN,
        );
    }
    if let Err(wait) = state.limits.password_resets.check(client.ip) {
        let mut response = notice(
            language,
            "too_many",
            Some(("/password-reset", "forgot")),
            StatusCode::TOO_MANY_REQUESTS,
        );
        retry_after(&mut response, wait);
        return response;
    }
    match state.desk.request_password_reset(&form.email).await {
        Ok(()) => notice(language, "reset_sent", None, StatusCode::OK),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}
