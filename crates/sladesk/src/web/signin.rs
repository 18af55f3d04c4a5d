//! Signing in to the pages: the password, then the TOTP code (which staff must set up the
//! first time, with recovery codes shown once), and signing out here or everywhere. Sessions
//! are HttpOnly, SameSite cookies, rotated when the second factor is passed.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use sladesk_core::text::Language;

use super::AppState;
use super::extract::Params;
use super::language::language;
use super::pages::{
    CSRF_COOKIE, FormPage, LangQuery, SESSION_COOKIE, current, form_token_matches, lang_code, page,
    public_form, safe_next, same, set_cookie, texts, with_next,
};
use crate::desk::{DeskError, Refusal, SESSION_SECONDS, SignIn};

pub(super) fn login_page(
    state: &AppState,
    language: Language,
    email: &str,
    error: Option<String>,
    status: StatusCode,
    next: Option<&str>,
) -> Response {
    public_form(
        state,
        FormPage {
            template: "login.html",
            title: "sign_in",
            path: "/login",
            cookie: CSRF_COOKIE,
        },
        status,
        language,
        context! {
            email => email, error => error, next => safe_next(next),
            staff_sso => state.desk.staff_sso(),
        },
    )
}

pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<LangQuery>,
) -> Response {
    login_page(
        &state,
        language(q.lang.as_deref(), &headers),
        "",
        None,
        StatusCode::OK,
        q.next.as_deref(),
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub csrf: String,
    pub lang: Option<String>,
    pub next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    client: super::client::Client,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let language = language(form.lang.as_deref(), &headers);
    if !form_token_matches(&headers, CSRF_COOKIE, &form.csrf) {
        return login_page(
            &state,
            language,
            &form.email,
            texts(language)["expired"].as_str().map(String::from),
            StatusCode::FORBIDDEN,
            form.next.as_deref(),
        );
    }
    let signed = state
        .desk
        .sign_in(&form.email, &form.password, client.ip)
        .await;
    match signed {
        Ok(signed) => land(&state, signed, form.next.as_deref()).await,
        Err(refused @ (DeskError::Refused(_) | DeskError::TooManyAttempts { .. })) => login_page(
            &state,
            language,
            &form.email,
            Some(refused.text(language)),
            StatusCode::UNAUTHORIZED,
            form.next.as_deref(),
        ),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

/// After the first step (a password, or a provider's word): opens the session and sends the
/// person on, to the page asked for, or to the second step (its enrolment the first time)
/// when it is still owed.
pub(super) async fn land(state: &AppState, signed: SignIn, asked: Option<&str>) -> Response {
    let (user_id, mfa_passed, step) = match signed {
        SignIn::NeedsCode { user, enrolled } => (
            user.id,
            false,
            if enrolled {
                "/login/code"
            } else {
                "/account/two-factor"
            },
        ),
        SignIn::Done { user } => (user.id, true, "/"),
    };
    let next = match (mfa_passed, safe_next(asked)) {
        (true, Some(page)) => page,
        _ => with_next(step, asked),
    };
    match state.desk.open_session(user_id, mfa_passed).await {
        Ok(session) => {
            let mut response = Redirect::to(&next).into_response();
            set_cookie(
                &mut response,
                state,
                SESSION_COOKIE,
                &session.cookie,
                SESSION_SECONDS,
                "/",
            );
            response
        }
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

fn code_page(
    language: Language,
    csrf: &str,
    action: &str,
    enrolment: Option<(String, String)>,
    error: Option<String>,
    status: StatusCode,
    next: Option<&str>,
) -> Response {
    let (qr, secret) = enrolment.unzip();
    let t = texts(language);
    page(
        "code.html",
        status,
        context! {
            lang => lang_code(language), title => t["code_title"].as_str(), t => minijinja::Value::from(minijinja::value::Serde(t.clone())),
            csrf => csrf, action => action, qr => qr, secret => secret, error => error,
            next => safe_next(next),
        },
    )
}

/// The second step: a TOTP code (GET shows the form; the enrolment page shows the QR code).
pub async fn code_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<LangQuery>,
) -> Response {
    let language = language(None, &headers);
    match current(&state, &headers).await {
        Some((_, session, _)) if !session.mfa_passed => code_page(
            language,
            &session.csrf,
            "/login/code",
            None,
            None,
            StatusCode::OK,
            q.next.as_deref(),
        ),
        Some(_) => Redirect::to(&safe_next(q.next.as_deref()).unwrap_or_else(|| "/".into()))
            .into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

pub async fn enrol_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<LangQuery>,
) -> Response {
    let language = language(None, &headers);
    let Some((user, session, _)) = current(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    match state.desk.totp_enrolment(&user).await {
        Ok((url, secret)) => {
            let qr = qrcode::QrCode::new(url.as_bytes())
                .map(|code| {
                    code.render::<qrcode::render::svg::Color>()
                        .min_dimensions(200, 200)
                        .build()
                })
                .ok();
            code_page(
                language,
                &session.csrf,
                "/account/two-factor",
                Some((qr.unwrap_or_default(), secret)),
                None,
                StatusCode::OK,
                q.next.as_deref(),
            )
        }
        Err(DeskError::Refused(Refusal::SecondStepAlreadySet)) => {
            Redirect::to(&with_next("/login/code", q.next.as_deref())).into_response()
        }
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    pub code: String,
    pub csrf: String,
    pub next: Option<String>,
}

/// Checks the code (completing the enrolment the first time) and rotates the session.
pub async fn submit_code(
    State(state): State<AppState>,
    client: super::client::Client,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let language = language(None, &headers);
    let Some((user, session, cookie)) = current(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    if !same(&session.csrf, &form.csrf) {
        return form_expired(language);
    }
    let checked = state
        .desk
        .check_totp(&user, &form.code, client.ip, Some(&cookie))
        .await;
    let recovery = match checked {
        Ok(recovery) => recovery,
        Err(refused @ (DeskError::Refused(_) | DeskError::TooManyAttempts { .. })) => {
            // Too many wrong codes end the half-signed-in session: back to the password.
            if matches!(state.desk.session(&cookie).await, Ok(None)) {
                let mut response = login_page(
                    &state,
                    language,
                    &user.email,
                    Some(refused.text(language)),
                    StatusCode::UNAUTHORIZED,
                    form.next.as_deref(),
                );
                set_cookie(&mut response, &state, SESSION_COOKIE, "", 0, "/");
                return response;
            }
            let message = refused.text(language);
            return code_page(
                language,
                &session.csrf,
                "/login/code",
                None,
                Some(message),
                StatusCode::UNAUTHORIZED,
                form.next.as_deref(),
            );
        }
        Err(other) => return super::error::ApiError::from(other).into_response(),
    };
    let _ = state.desk.close_session(&cookie).await;
    let new = match state.desk.open_session(user.id, true).await {
        Ok(new) => new,
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    let mut response = match recovery {
        // Just enrolled: show the recovery codes, once.
        Some(codes) => {
            let t = texts(language);
            page(
                "recovery.html",
                StatusCode::OK,
                context! {
                    lang => lang_code(language), title => t["recovery_title"].as_str(), t => minijinja::Value::from(minijinja::value::Serde(t.clone())), codes => codes,
                    next => safe_next(form.next.as_deref()),
                },
            )
        }
        None => Redirect::to(&safe_next(form.next.as_deref()).unwrap_or_else(|| "/".into()))
            .into_response(),
    };
    set_cookie(
        &mut response,
        &state,
        SESSION_COOKIE,
        &new.cookie,
        SESSION_SECONDS,
        "/",
    );
    response
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    sign_out(state, headers, form, false).await
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    sign_out(state, headers, form, true).await
}

async fn sign_out(
    state: AppState,
    headers: HeaderMap,
    form: CsrfForm,
    everywhere: bool,
) -> Response {
    if let Some((user, session, cookie)) = current(&state, &headers).await {
        if !same(&session.csrf, &form.csrf) {
            return form_expired(user.language);
        }
        let _ = if everywhere {
            state.desk.close_all_sessions(user.id).await
        } else {
            state.desk.close_session(&cookie).await
        };
    }
    let mut response = Redirect::to("/login").into_response();
    set_cookie(&mut response, &state, SESSION_COOKIE, "", 0, "/");
    response
}

/// The page for a form sent with a CSRF token that is no longer the session's.
fn form_expired(language: Language) -> Response {
    super::pages::error_page(
        language,
        &crate::catalogue::text(language, "problem_403"),
        &crate::catalogue::text(language, "form_expired"),
        StatusCode::FORBIDDEN,
    )
}
