//! The first-run page: `sladesk serve` on an empty database prints a one-time link to
//! `/setup`; whoever opens it creates the first admin (name, address, password) and goes on
//! to set up the second sign-in step, then lands on the desk. The link's token lives in this
//! process only and is spent by its first use.

use std::sync::Mutex;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::extract::Params;
use super::language::language;
use super::pages::{FormPage, form_token_matches, public_form, same, texts};
use crate::desk::{DeskError, Refusal};

const CSRF_COOKIE: &str = "sladesk_setup_csrf";

/// The one-time setup token of this process, while nobody exists.
#[derive(Debug, Default)]
pub struct SetupLink(Mutex<Option<String>>);

impl SetupLink {
    pub fn new(token: Option<String>) -> SetupLink {
        SetupLink(Mutex::new(token))
    }

    fn matches(&self, token: &str) -> bool {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_deref().is_some_and(|t| same(t, token))
    }

    /// Spends the token if it is this one; whether it was.
    fn spend(&self, token: &str) -> bool {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if guard.as_deref().is_some_and(|t| same(t, token)) {
            *guard = None;
            return true;
        }
        false
    }

    /// Puts a spent token back (the admin could not be created: the visitor may try again).
    fn restore(&self, token: &str) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard = Some(token.to_string());
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SetupForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default, skip_serializing)]
    pub password: String,
    #[serde(default, skip_serializing)]
    pub token: String,
    #[serde(default, skip_serializing)]
    pub csrf: String,
    #[serde(default, skip_serializing)]
    pub lang: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    pub token: String,
    pub lang: Option<String>,
}

fn setup_page(
    state: &AppState,
    language: sladesk_core::text::Language,
    form: &SetupForm,
    token: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    public_form(
        state,
        FormPage {
            template: "setup.html",
            title: "setup_title",
            path: "/setup",
            cookie: CSRF_COOKIE,
        },
        status,
        language,
        context! { form => minijinja::Value::from(minijinja::value::Serde(form)), token => token, error => error },
    )
}

fn spent(language: sladesk_core::text::Language) -> Response {
    super::pages::notice_with_link(language, "setup_spent", ("/login", "sign_in"))
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<SetupQuery>,
) -> Response {
    let language = language(q.lang.as_deref(), &headers);
    if !state.setup.matches(&q.token) || !matches!(state.desk.is_empty().await, Ok(true)) {
        return spent(language);
    }
    setup_page(
        &state,
        language,
        &SetupForm::default(),
        &q.token,
        None,
        StatusCode::OK,
    )
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    let language = language(form.lang.as_deref(), &headers);
    if !form_token_matches(&headers, CSRF_COOKIE, &form.csrf) {
        let expired = texts(language)["expired"].as_str().map(String::from);
        return setup_page(
            &state,
            language,
            &form,
            &form.token,
            expired,
            StatusCode::FORBIDDEN,
        );
    }
    if !state.setup.spend(&form.token) {
        return spent(language);
    }
    let created = state
        .desk
        .create_first_admin(&form.name, &form.email, &form.password, language)
        .await;
    let user = match created {
        Ok(user) => user,
        Err(DeskError::Refused(Refusal::FirstAdminExists)) => return spent(language),
        Err(DeskError::Refused(refusal)) => {
            state.setup.restore(&form.token);
            let (message, status) = (
                refusal.message().text(language),
                super::error::refusal_status(&refusal),
            );
            return setup_page(&state, language, &form, &form.token, Some(message), status);
        }
        Err(e) => {
            state.setup.restore(&form.token);
            return super::error::ApiError::from(e).into_response();
        }
    };
    // Signed in with the password; the second step is set up next, as for all staff.
    match state.desk.open_session(user.id, false).await {
        Ok(session) => {
            let mut response = Redirect::to("/account/two-factor?next=/desk").into_response();
            super::pages::set_session_cookie(&mut response, &state, &session.cookie);
            response
        }
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}
