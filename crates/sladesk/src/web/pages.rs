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
use super::visitor::Visitor;
use crate::desk::{DeskError, SESSION_SECONDS, SignIn};
use crate::domain::accounts::User;
use crate::notify::local_time;
use crate::store::sessions::Session;

const SESSION_COOKIE: &str = "sladesk_session";
const CSRF_COOKIE: &str = "sladesk_csrf";

/// The pages' templates, compiled into the binary.
const TEMPLATE_SOURCES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("code.html", include_str!("templates/code.html")),
    ("staff.html", include_str!("templates/staff.html")),
    ("register.html", include_str!("templates/register.html")),
    ("activate.html", include_str!("templates/activate.html")),
    ("notice.html", include_str!("templates/notice.html")),
    ("reset.html", include_str!("templates/reset.html")),
    ("recovery.html", include_str!("templates/recovery.html")),
    ("nav.html", include_str!("templates/nav.html")),
    ("tickets.html", include_str!("templates/tickets.html")),
    ("new_ticket.html", include_str!("templates/new_ticket.html")),
    ("ticket.html", include_str!("templates/ticket.html")),
    ("queue.html", include_str!("templates/queue.html")),
    ("account.html", include_str!("templates/account.html")),
    ("admin.html", include_str!("templates/admin.html")),
    ("security.html", include_str!("templates/security.html")),
    ("setup.html", include_str!("templates/setup.html")),
];

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATE_SOURCES.iter().copied() {
        env.add_template(name, source)
            .expect("built-in templates parse");
    }
    // A text the catalogue does not have, or a variable the page was not given, is an error,
    // not an empty space on the page (the tests render every page they visit).
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    // A catalogue text with arguments, in the page's language: `tr("first_n", n=limit)`.
    env.add_function(
        "tr",
        |state: &minijinja::State, key: String, args: minijinja::value::Kwargs| {
            let language = match state.lookup("lang").as_ref().and_then(|l| l.as_str()) {
                Some("en") => Language::En,
                _ => Language::Nl,
            };
            let mut values: Vec<(String, fluent_bundle::FluentValue<'static>)> = Vec::new();
            for name in args.args() {
                let value: minijinja::Value = args.get(name)?;
                let value = match value.as_i64() {
                    Some(n) => fluent_bundle::FluentValue::from(n),
                    None => fluent_bundle::FluentValue::from(value.to_string()),
                };
                values.push((name.to_string(), value));
            }
            let borrowed: Vec<(&str, fluent_bundle::FluentValue)> = values
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            Ok::<_, minijinja::Error>(crate::catalogue::text_with(language, &key, &borrowed))
        },
    );
    // The desk's messages (written in English) in the page's language: `message|localize(lang)`.
    env.add_filter("localize", |message: String, lang: String| {
        let language = if lang == "en" {
            Language::En
        } else {
            Language::Nl
        };
        super::words::localize(&message, language)
    });
    env
});

/// Every text of the pages, from the catalogue (`locales/*.ftl`), for templates as `t.key`.
pub(super) fn texts(language: Language) -> serde_json::Value {
    serde_json::Value::Object(crate::catalogue::all(language))
}

pub(super) fn lang_code(language: Language) -> &'static str {
    match language {
        Language::En => "en",
        Language::Nl => "nl",
    }
}

pub(super) fn page(name: &str, status: StatusCode, ctx: minijinja::Value) -> Response {
    let ctx = context! { version => env!("CARGO_PKG_VERSION"), ..ctx };
    match TEMPLATES.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            // Pages behind a sign-in are never cached (the security headers are added for
            // every response in `headers::secure`).
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => {
            super::error::ApiError::fault(&format!("page template {name}: {e}")).into_response()
        }
    }
}

/// Which public form page: its template, the key of its title, and its path (where the
/// CSRF cookie, named `cookie`, is sent back).
pub(super) struct FormPage<'a> {
    pub template: &'a str,
    pub title: &'a str,
    pub path: &'a str,
    pub cookie: &'a str,
}

/// A public form page (no session yet): the page with a fresh CSRF token in its form
/// (`csrf`) and the same token in a double-submit cookie.
pub(super) fn public_form(
    state: &AppState,
    form: FormPage,
    status: StatusCode,
    language: Language,
    ctx: minijinja::Value,
) -> Response {
    let csrf = match random_token() {
        Ok(csrf) => csrf,
        Err(fault) => return super::error::ApiError::from(DeskError::from(fault)).into_response(),
    };
    let t = texts(language);
    let mut response = page(
        form.template,
        status,
        context! {
            lang => lang_code(language), title => t[form.title].as_str(),
            t => minijinja::Value::from(minijinja::value::Serde(t.clone())), csrf => &csrf, ..ctx
        },
    );
    set_cookie(&mut response, state, form.cookie, &csrf, 3600, form.path);
    response
}

pub(super) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

pub(super) fn set_cookie(
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

/// A CSRF token for a form.
pub(super) fn random_token() -> Result<String, crate::secrets::NoRandomness> {
    crate::secrets::hex::<16>()
}

/// Equal without telling, by timing, how much of it was.
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether a public form came back with the token of its double-submit cookie (CSRF).
pub(super) fn form_token_matches(headers: &HeaderMap, cookie: &str, submitted: &str) -> bool {
    let expected = cookie_value(headers, cookie).unwrap_or_default();
    !expected.is_empty() && same(&expected, submitted)
}

/// `Retry-After` on a refusal for going too fast.
pub(super) fn retry_after(response: &mut Response, seconds: u64) {
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

/// The signed-in person, with their session, from the cookie.
pub(super) async fn current(
    state: &AppState,
    headers: &HeaderMap,
) -> Option<(User, Session, String)> {
    let cookie = cookie_value(headers, SESSION_COOKIE)?;
    let (user, session) = state.desk.session(&cookie).await.ok()??;
    Some((user, session, cookie))
}

/// Where to go after signing in: a page of this site, never another's ("//host" or "/\\host").
pub(super) fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let ours = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 500
        && !next.chars().any(|c| c.is_control());
    ours.then(|| next.to_string())
}

fn with_next(path: &str, next: Option<&str>) -> String {
    match safe_next(next) {
        Some(next) => format!(
            "{path}?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ),
        None => path.to_string(),
    }
}

fn login_page(
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
        context! { email => email, error => error, next => safe_next(next) },
    )
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
    /// The page to return to after signing in.
    pub next: Option<String>,
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
    let (user_id, mfa_passed, next) = match signed {
        Ok(SignIn::NeedsCode { user, enrolled }) => (
            user.id,
            false,
            if enrolled {
                "/login/code"
            } else {
                "/account/two-factor"
            },
        ),
        Ok(SignIn::Done { user }) => (user.id, true, "/"),
        Err(refused @ (DeskError::Forbidden(_) | DeskError::TooManyAttempts { .. })) => {
            return login_page(
                &state,
                language,
                &form.email,
                Some(refused.to_string()),
                StatusCode::UNAUTHORIZED,
                form.next.as_deref(),
            );
        }
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    let next = match (mfa_passed, safe_next(form.next.as_deref())) {
        (true, Some(page)) => page,
        _ => with_next(next, form.next.as_deref()),
    };
    match state.desk.open_session(user_id, mfa_passed).await {
        Ok(session) => {
            let mut response = Redirect::to(&next).into_response();
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
        Err(DeskError::Conflict(_)) => {
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
        return (
            StatusCode::FORBIDDEN,
            "the form is not valid any more; please reload the page",
        )
            .into_response();
    }
    let checked = state
        .desk
        .check_totp(&user, &form.code, client.ip, Some(&cookie))
        .await;
    let recovery = match checked {
        Ok(recovery) => recovery,
        Err(refused @ (DeskError::Forbidden(_) | DeskError::TooManyAttempts { .. })) => {
            // Too many wrong codes end the half-signed-in session: back to the password.
            if matches!(state.desk.session(&cookie).await, Ok(None)) {
                let mut response = login_page(
                    &state,
                    language,
                    &user.email,
                    Some(refused.to_string()),
                    StatusCode::UNAUTHORIZED,
                    form.next.as_deref(),
                );
                set_cookie(&mut response, &state, SESSION_COOKIE, "", 0, "/");
                return response;
            }
            let message = refused.to_string();
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
    state
        .desk
        .clock
        .now()
        .to_zoned_datetime(tz)
        .strftime("%Y-%m")
        .to_string()
}

/// The staff's start page: the components, with links to their availability.
pub async fn staff_home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let components = match state.desk.components(&visitor.actor).await {
        Ok(list) => list
            .into_iter()
            .map(|(c, _)| context! { id => c.id, name => c.name, state => c.state })
            .collect::<Vec<_>>(),
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    visitor.render(
        "staff.html",
        StatusCode::OK,
        &visitor.text("components"),
        context! { components => components, month => this_month(&state) },
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
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let language = visitor.language;
    let actor = visitor.actor.clone();
    let month = q.month.unwrap_or_else(|| this_month(&state));
    let Ok((year, month_number)) = sladesk_core::availability::parse_month(&month) else {
        return (
            StatusCode::BAD_REQUEST,
            format!("`{month}` is not a month like 2026-03"),
        )
            .into_response();
    };
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
    visitor.render(
        "staff.html",
        StatusCode::OK,
        &format!("{}: {name}, {month}", visitor.text("availability")),
        context! { report => view, component_id => q.component, month => month },
    )
}

#[cfg(test)]
mod tests {
    use super::TEMPLATE_SOURCES;

    #[test]
    fn built_in_templates_parse() {
        for (name, _) in TEMPLATE_SOURCES {
            assert!(super::TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }

    /// The catalogue keys a template asks for: `t.key` and `tr("key", …)`.
    fn keys_used(source: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for (marker, end) in [("t.", None), ("tr(\"", Some('"'))] {
            let mut rest = source;
            while let Some(at) = rest.find(marker) {
                let before = rest[..at].chars().last();
                rest = &rest[at + marker.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !key.is_empty() && end.is_none_or(|e| rest[key.len()..].starts_with(e)) {
                    keys.push(key);
                }
            }
        }
        keys
    }

    #[test]
    fn templates_fill_in_arguments_and_refuse_what_does_not_exist() {
        let env = &*super::TEMPLATES;
        let render = |source: &str, lang: &str| {
            let language = if lang == "en" {
                super::Language::En
            } else {
                super::Language::Nl
            };
            let t = minijinja::Value::from(minijinja::value::Serde(super::texts(language)));
            env.render_str(source, minijinja::context! { lang => lang, t => t })
        };
        assert_eq!(
            render("{{ tr(\"first_n\", n=7) }}", "nl").unwrap(),
            "De 7 dichtstbijzijnde deadlines staan hier; de tellers hierboven geven het totaal."
        );
        assert!(render("{{ t.sign_in }}", "en").unwrap() == "Sign in");
        assert!(
            render("{{ t.no_such_text }}", "en").is_err(),
            "strict: no empty gaps"
        );
    }

    #[test]
    fn every_text_a_template_asks_for_is_in_the_catalogue() {
        use sladesk_core::text::Language;
        let known = crate::catalogue::keys(Language::En);
        let status = ("status.html", include_str!("templates/status.html"));
        for (name, source) in TEMPLATE_SOURCES.iter().chain([&status]) {
            let prefix = if *name == "status.html" {
                "status_"
            } else {
                ""
            };
            for key in keys_used(source) {
                assert!(
                    known.contains(&format!("{prefix}{key}")),
                    "{name} asks for `{key}`, which the catalogue does not have"
                );
            }
        }
        assert!(
            keys_used("{{ t.sign_in }} {{ tr(\"first_n\", n=1) }} {{ at.x }}")
                == ["sign_in", "first_n"]
        );
    }
}

/// An error page: the problem's title and detail, already in `language`.
pub(super) fn error_page(
    language: Language,
    title: &str,
    detail: &str,
    status: StatusCode,
) -> Response {
    page(
        "notice.html",
        status,
        context! { lang => lang_code(language), title => title, message => detail, link => "/", link_text => texts(language)["home"].as_str() },
    )
}

/// A notice (by key) with a link onwards (by href and key of its text).
pub(super) fn notice_with_link(language: Language, key: &str, link: (&str, &str)) -> Response {
    notice(language, key, Some(link), StatusCode::NOT_FOUND)
}

/// Sets the browser session's cookie.
pub(super) fn set_session_cookie(response: &mut Response, state: &AppState, value: &str) {
    set_cookie(response, state, SESSION_COOKIE, value, SESSION_SECONDS, "/");
}

fn notice(
    language: Language,
    key: &str,
    link: Option<(&str, &str)>,
    status: StatusCode,
) -> Response {
    let t = texts(language);
    page(
        "notice.html",
        status,
        context! {
            lang => lang_code(language), title => t[key].as_str(), message => t[key].as_str(),
            link => link.map(|(href, _)| href), link_text => link.map(|(_, k)| t[k].as_str().unwrap_or_default().to_string()),
        },
    )
}

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
        Err(DeskError::Invalid(message)) => register_page(
            &state,
            language,
            &form,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
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
        Err(DeskError::Invalid(message)) => activate_page(
            &state,
            language,
            &form.token,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(DeskError::NotFound(_)) => notice(language, "bad_link", None, StatusCode::NOT_FOUND),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

/// The entry point: staff to their queue, customers to their tickets, everyone else to sign in.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match current(&state, &headers).await {
        Some((user, session, _)) if session.mfa_passed && user.role.is_staff() => {
            Redirect::to("/desk").into_response()
        }
        Some((_, session, _)) if session.mfa_passed => Redirect::to("/tickets").into_response(),
        _ => Redirect::to("/login").into_response(),
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
