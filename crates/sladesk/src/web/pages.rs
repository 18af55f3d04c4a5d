//! Browser pages behind a sign-in: the sign-in itself (password, then the TOTP code, which
//! staff must set up the first time) and the staff's availability report. Sessions are
//! HttpOnly, SameSite cookies, rotated when the second factor is passed; every form carries a
//! CSRF token (before sign-in a double-submit cookie, after it the session's own token).

use std::sync::LazyLock;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use minijinja::{Environment, context};
use serde::Deserialize;
use sladesk_core::text::Language;

use super::AppState;
use super::extract::Params;
use super::status::language;
use crate::desk::{DeskError, SESSION_SECONDS, SignIn};
use crate::notify::local_time;
use crate::store::accounts::User;
use crate::store::sessions::Session;

const SESSION_COOKIE: &str = "sladesk_session";
const CSRF_COOKIE: &str = "sladesk_csrf";

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("login.html", include_str!("templates/login.html")),
        ("code.html", include_str!("templates/code.html")),
        ("staff.html", include_str!("templates/staff.html")),
    ] {
        env.add_template(name, source)
            .expect("built-in templates parse");
    }
    env
});

fn texts(language: Language) -> serde_json::Value {
    match language {
        Language::En => serde_json::json!({
            "sign_in": "Sign in", "email": "Email address", "password": "Password",
            "code_title": "Two-step sign-in", "code_intro": "Enter the 6-digit code from your authenticator app.",
            "enrol_intro": "Staff sign in with a second step. Scan this code with an authenticator app, then enter the 6-digit code it shows.",
            "secret_text": "Cannot scan? Enter this key:", "code": "Code", "confirm": "Confirm",
            "sign_out": "Sign out", "sign_out_everywhere": "Sign out everywhere", "components": "Components",
            "no_components": "No components yet.", "month": "Month (YYYY-MM)", "show": "Show", "target": "target",
            "met": "target met", "not_met": "target not met", "downtime": "Downtime", "budget": "budget", "left": "left",
            "month_length": "month", "from": "From", "until": "Until", "seconds": "Seconds", "counted": "Counted", "why": "Why",
            "yes": "yes", "no": "no", "no_intervals": "No unavailability this month.", "availability": "Availability",
            "expired": "The sign-in form expired; please try again."
        }),
        Language::Nl => serde_json::json!({
            "sign_in": "Inloggen", "email": "E-mailadres", "password": "Wachtwoord",
            "code_title": "Inloggen in twee stappen", "code_intro": "Vul de code van 6 cijfers uit je authenticator-app in.",
            "enrol_intro": "Medewerkers loggen in met een tweede stap. Scan deze code met een authenticator-app en vul de code van 6 cijfers in die de app toont.",
            "secret_text": "Lukt scannen niet? Voer deze sleutel in:", "code": "Code", "confirm": "Bevestigen",
            "sign_out": "Uitloggen", "sign_out_everywhere": "Overal uitloggen", "components": "Onderdelen",
            "no_components": "Nog geen onderdelen.", "month": "Maand (JJJJ-MM)", "show": "Tonen", "target": "doel",
            "met": "doel gehaald", "not_met": "doel niet gehaald", "downtime": "Downtime", "budget": "budget", "left": "over",
            "month_length": "maand", "from": "Van", "until": "Tot", "seconds": "Seconden", "counted": "Telt", "why": "Waarom",
            "yes": "ja", "no": "nee", "no_intervals": "Geen onbeschikbaarheid deze maand.", "availability": "Beschikbaarheid",
            "expired": "Het inlogformulier is verlopen; probeer het opnieuw."
        }),
    }
}

fn lang_code(language: Language) -> &'static str {
    match language {
        Language::En => "en",
        Language::Nl => "nl",
    }
}

fn page(name: &str, status: StatusCode, ctx: minijinja::Value) -> Response {
    match TEMPLATES.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            // Pages behind a sign-in are never cached or framed.
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
                .headers_mut()
                .insert("x-frame-options", HeaderValue::from_static("DENY"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, template = name, "page template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

fn set_cookie(
    response: &mut Response,
    state: &AppState,
    name: &str,
    value: &str,
    max_age: i64,
    path: &str,
) {
    let secure = state.desk.public_url.starts_with("https://");
    let cookie = Cookie::build((name, value))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .path(path.to_string())
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

/// Equal without telling, by timing, how much of it was.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in person, with their session, from the cookie.
async fn current(state: &AppState, headers: &HeaderMap) -> Option<(User, Session, String)> {
    let cookie = cookie_value(headers, SESSION_COOKIE)?;
    let (user, session) = state.desk.session(&cookie).await.ok()??;
    Some((user, session, cookie))
}

/// Staff who passed both steps; anyone else is sent to sign in.
async fn staff(state: &AppState, headers: &HeaderMap) -> Result<(User, Session), Response> {
    match current(state, headers).await {
        Some((user, session, _)) if session.mfa_passed && user.role.is_staff() => {
            Ok((user, session))
        }
        Some((_, session, _)) if session.mfa_passed => {
            Err((StatusCode::FORBIDDEN, "for the service desk only").into_response())
        }
        _ => Err(Redirect::to("/login").into_response()),
    }
}

fn login_page(
    state: &AppState,
    language: Language,
    email: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let csrf = random_token();
    let mut response = page(
        "login.html",
        status,
        context! {
            lang => lang_code(language), title => texts(language)["sign_in"].as_str(), t => minijinja::Value::from(minijinja::value::Serde(texts(language))),
            csrf => &csrf, email => email, error => error,
        },
    );
    set_cookie(&mut response, state, CSRF_COOKIE, &csrf, 3600, "/login");
    response
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
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
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub csrf: String,
    pub lang: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let language = language(form.lang.as_deref(), &headers);
    let expected = cookie_value(&headers, CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same(&expected, &form.csrf) {
        return login_page(
            &state,
            language,
            &form.email,
            texts(language)["expired"].as_str().map(String::from),
            StatusCode::FORBIDDEN,
        );
    }
    let (user_id, mfa_passed, next) = match state.desk.sign_in(&form.email, &form.password).await {
        Ok(SignIn::NeedsCode { user, enrolled }) => (
            user.id,
            false,
            if enrolled {
                "/login/code"
            } else {
                "/account/two-factor"
            },
        ),
        Ok(SignIn::Done { user }) => (user.id, true, "/staff"),
        Err(DeskError::Forbidden(message)) => {
            return login_page(
                &state,
                language,
                &form.email,
                Some(message),
                StatusCode::UNAUTHORIZED,
            );
        }
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    match state.desk.open_session(user_id, mfa_passed).await {
        Ok(session) => {
            let mut response = Redirect::to(next).into_response();
            set_cookie(
                &mut response,
                &state,
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
    qr: Option<String>,
    secret: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let t = texts(language);
    page(
        "code.html",
        status,
        context! {
            lang => lang_code(language), title => t["code_title"].as_str(), t => minijinja::Value::from(minijinja::value::Serde(t.clone())),
            csrf => csrf, action => action, qr => qr, secret => secret, error => error,
        },
    )
}

/// The second step: a TOTP code (GET shows the form; the enrolment page shows the QR code).
pub async fn code_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let language = language(None, &headers);
    match current(&state, &headers).await {
        Some((_, session, _)) if !session.mfa_passed => code_page(
            language,
            &session.csrf,
            "/login/code",
            None,
            None,
            None,
            StatusCode::OK,
        ),
        Some(_) => Redirect::to("/staff").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

pub async fn enrol_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
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
                qr,
                Some(secret),
                None,
                StatusCode::OK,
            )
        }
        Err(DeskError::Conflict(_)) => Redirect::to("/login/code").into_response(),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    pub code: String,
    pub csrf: String,
}

/// Checks the code (completing the enrolment the first time) and rotates the session.
pub async fn submit_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let language = language(None, &headers);
    let Some((user, session, cookie)) = current(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    if !same(&session.csrf, &form.csrf) {
        return (
            StatusCode::FORBIDDEN,
            "the form is not valid any more; please reload the page",
        )
            .into_response();
    }
    if let Err(e) = state.desk.check_totp(&user, &form.code).await {
        return match e {
            DeskError::Forbidden(message) => code_page(
                language,
                &session.csrf,
                "/login/code",
                None,
                None,
                Some(message),
                StatusCode::UNAUTHORIZED,
            ),
            other => super::error::ApiError::from(other).into_response(),
        };
    }
    let _ = state.desk.close_session(&cookie).await;
    match state.desk.open_session(user.id, true).await {
        Ok(new) => {
            let mut response = Redirect::to("/staff").into_response();
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
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
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
            return (
                StatusCode::FORBIDDEN,
                "the form is not valid any more; please reload the page",
            )
                .into_response();
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

fn this_month(state: &AppState) -> String {
    let tz = state.desk.policies.base().availability.time_zone.clone();
    crate::now()
        .to_zoned_datetime(tz)
        .strftime("%Y-%m")
        .to_string()
}

/// The staff's start page: the components, with links to their availability.
pub async fn staff_home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (user, session) = match staff(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let language = user.language;
    let actor = crate::desk::Actor::person(user.clone(), None);
    let components = match state.desk.components(&actor).await {
        Ok(list) => list
            .into_iter()
            .map(|(c, _)| context! { id => c.id, name => c.name, state => c.state })
            .collect::<Vec<_>>(),
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    let t = texts(language);
    page(
        "staff.html",
        StatusCode::OK,
        context! {
            lang => lang_code(language), title => t["components"].as_str(), t => minijinja::Value::from(minijinja::value::Serde(t.clone())),
            user => user.email, csrf => session.csrf, components => components, month => this_month(&state),
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub component: i64,
    pub month: Option<String>,
}

/// A1: a component's availability in a month, for staff, with every interval and why.
pub async fn staff_availability(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<ReportQuery>,
) -> Response {
    let (user, session) = match staff(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let language = user.language;
    let month = q.month.unwrap_or_else(|| this_month(&state));
    let parsed = month
        .split_once('-')
        .filter(|(y, m)| y.len() == 4 && m.len() == 2)
        .and_then(|(y, m)| Some((y.parse::<i16>().ok()?, m.parse::<i8>().ok()?)))
        .filter(|(_, m)| (1..=12).contains(m));
    let Some((year, month_number)) = parsed else {
        return (
            StatusCode::BAD_REQUEST,
            format!("`{month}` is not a month like 2026-03"),
        )
            .into_response();
    };
    let actor = crate::desk::Actor::person(user.clone(), None);
    let report = match state
        .desk
        .availability(&actor, q.component, year, month_number)
        .await
    {
        Ok(report) => report,
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    let name = match state.desk.components(&actor).await {
        Ok(list) => list
            .into_iter()
            .find(|(c, _)| c.id == q.component)
            .map(|(c, _)| c.name)
            .unwrap_or_default(),
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    let t = texts(language);
    let duration = sladesk_core::availability::duration_text;
    let intervals: Vec<_> = report
        .intervals
        .iter()
        .map(|i| context! { start => local_time(i.start, language), end => local_time(i.end, language), seconds => i.seconds, counted => i.counted, why => i.why.clone() })
        .collect();
    let view = context! {
        availability => format!("{:.3}", report.availability_percent), target => state.desk.policies.base().availability_target_percent,
        met => report.target_met, downtime => duration(report.downtime_seconds), budget => duration(report.budget_seconds),
        left => duration(report.budget_left_seconds), month_hours => report.month_seconds / 3600, intervals => intervals,
    };
    page(
        "staff.html",
        StatusCode::OK,
        context! {
            lang => lang_code(language), title => format!("{}: {name}, {month}", t["availability"].as_str().unwrap_or_default()),
            t => minijinja::Value::from(minijinja::value::Serde(t.clone())), user => user.email, csrf => session.csrf,
            report => view, component_id => q.component, month => month,
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn built_in_templates_parse() {
        for name in ["base.html", "login.html", "code.html", "staff.html"] {
            assert!(super::TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }
}
