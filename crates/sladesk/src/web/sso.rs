//! Signing in with single sign-on (X2): the doors to a provider (by email domain, by an
//! organisation's own link, or the staff provider) and the callback the providers send the
//! browser back to. A short-lived cookie binds a sign-in to the browser that started it, so
//! a callback link handed to someone else signs no one in. After the callback the person is
//! signed in as after a password: with sladesk's second step still to pass when the provider
//! did not vouch for one and one is required.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use sladesk_core::text::Language;

use super::AppState;
use super::extract::Params;
use super::language::language;
use super::pages::{cookie_value, lang_code, page, safe_next, set_cookie, texts};
use crate::desk::{DeskError, FLOW_SECONDS, SsoReturn, SsoTarget};

/// The cookie that binds a sign-in under way to its browser; only the callback reads it.
const BROWSER_COOKIE: &str = "sladesk_sso";
const CALLBACK_PATH: &str = "/login/sso";

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    pub email: Option<String>,
    pub lang: Option<String>,
    pub next: Option<String>,
}

/// `GET /login/sso?email=…`: the provider of the address's organisation.
pub async fn by_email(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<StartQuery>,
) -> Response {
    let language = language(q.lang.as_deref(), &headers);
    let email = q.email.unwrap_or_default();
    let target = match state.desk.sso_organization_for(&email).await {
        Ok(id) => SsoTarget::Organization(id),
        Err(refused) => return refused_page(&state, language, &email, refused, q.next.as_deref()),
    };
    // The browser comes here from a form, and the pages allow forms to lead to sladesk only
    // (CSP form-action 'self', which covers a form's redirects too): the way on to the
    // provider is a page that navigates anew.
    start(&state, target, language, &email, q.next.as_deref(), true).await
}

/// `GET /login/sso/organizations/{id}`: an organisation's own sign-in link.
pub async fn organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Params(q): Params<StartQuery>,
) -> Response {
    let language = language(q.lang.as_deref(), &headers);
    start(
        &state,
        SsoTarget::Organization(id),
        language,
        "",
        q.next.as_deref(),
        false,
    )
    .await
}

/// `GET /login/sso/staff`: the vendor's provider.
pub async fn staff(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<StartQuery>,
) -> Response {
    let language = language(q.lang.as_deref(), &headers);
    start(
        &state,
        SsoTarget::Staff,
        language,
        "",
        q.next.as_deref(),
        false,
    )
    .await
}

async fn start(
    state: &AppState,
    target: SsoTarget,
    language: Language,
    email: &str,
    next: Option<&str>,
    from_form: bool,
) -> Response {
    match state
        .desk
        .start_sso(target, safe_next(next), language)
        .await
    {
        Ok(started) => {
            let mut response = if from_form {
                let t = texts(language);
                page(
                    "sso_continue.html",
                    StatusCode::OK,
                    context! {
                        lang => lang_code(language), title => t["sso_title"].as_str(),
                        t => minijinja::Value::from(minijinja::value::Serde(t.clone())),
                        url => started.url,
                    },
                )
            } else {
                Redirect::to(&started.url).into_response()
            };
            set_cookie(
                &mut response,
                state,
                BROWSER_COOKIE,
                &started.browser,
                FLOW_SECONDS,
                CALLBACK_PATH,
            );
            response
        }
        Err(refused) => refused_page(state, language, email, refused, next),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub iss: Option<String>,
}

/// `GET /login/sso/callback`: the provider sends the browser back here.
pub async fn callback(
    State(state): State<AppState>,
    client: super::client::Client,
    headers: HeaderMap,
    Params(q): Params<CallbackQuery>,
) -> Response {
    let fallback = language(None, &headers);
    let browser = cookie_value(&headers, BROWSER_COOKIE);
    let back = SsoReturn {
        state: q.state.as_deref().unwrap_or_default(),
        code: q.code.as_deref(),
        error: q.error.as_deref(),
        iss: q.iss.as_deref(),
        browser: browser.as_deref(),
    };
    let finished = state.desk.finish_sso(back, client.ip).await;
    let mut response = match finished {
        Ok(signed) => super::signin::land(&state, signed.signed, signed.next.as_deref()).await,
        Err(refused) => refused_page(&state, fallback, "", refused, None),
    };
    set_cookie(&mut response, &state, BROWSER_COOKIE, "", 0, CALLBACK_PATH);
    response
}

/// The sign-in page with the reason, or the fault page for a fault.
fn refused_page(
    state: &AppState,
    language: Language,
    email: &str,
    error: DeskError,
    next: Option<&str>,
) -> Response {
    match error {
        refused @ (DeskError::Refused(_) | DeskError::TooManyAttempts { .. }) => {
            let status = match refused.refusal_kind() {
                Some(crate::desk::RefusalKind::Conflict) => StatusCode::NOT_FOUND,
                Some(crate::desk::RefusalKind::Invalid) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::FORBIDDEN,
            };
            super::signin::login_page(
                state,
                language,
                email,
                Some(refused.text(language)),
                status,
                next,
            )
        }
        fault => super::error::ApiError::from(fault).into_response(),
    }
}
