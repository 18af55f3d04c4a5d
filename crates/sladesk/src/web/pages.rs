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
    ] {
        env.add_template(name, source)
            .expect("built-in templates parse");
    }
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

/// Every text of these pages: (key, English, Dutch).
const TEXTS: &[(&str, &str, &str)] = &[
    ("sign_in", "Sign in", "Inloggen"),
    ("email", "Email address", "E-mailadres"),
    ("password", "Password", "Wachtwoord"),
    ("code_title", "Two-step sign-in", "Inloggen in twee stappen"),
    (
        "code_intro",
        "Enter the 6-digit code from your authenticator app.",
        "Vul de code van 6 cijfers uit je authenticator-app in.",
    ),
    (
        "enrol_intro",
        "Staff sign in with a second step. Scan this code with an authenticator app, then enter the 6-digit code it shows.",
        "Medewerkers loggen in met een tweede stap. Scan deze code met een authenticator-app en vul de code van 6 cijfers in die de app toont.",
    ),
    (
        "secret_text",
        "Cannot scan? Enter this key:",
        "Lukt scannen niet? Voer deze sleutel in:",
    ),
    ("code", "Code", "Code"),
    ("confirm", "Confirm", "Bevestigen"),
    ("sign_out", "Sign out", "Uitloggen"),
    (
        "sign_out_everywhere",
        "Sign out everywhere",
        "Overal uitloggen",
    ),
    ("components", "Components", "Onderdelen"),
    (
        "no_components",
        "No components yet.",
        "Nog geen onderdelen.",
    ),
    ("month", "Month (YYYY-MM)", "Maand (JJJJ-MM)"),
    ("show", "Show", "Tonen"),
    ("target", "target", "doel"),
    ("met", "target met", "doel gehaald"),
    ("not_met", "target not met", "doel niet gehaald"),
    ("downtime", "Downtime", "Downtime"),
    ("budget", "budget", "budget"),
    ("left", "left", "over"),
    ("month_length", "month", "maand"),
    ("from", "From", "Van"),
    ("until", "Until", "Tot"),
    ("seconds", "Seconds", "Seconden"),
    ("counted", "Counted", "Telt"),
    ("why", "Why", "Waarom"),
    ("yes", "yes", "ja"),
    ("no", "no", "nee"),
    (
        "no_intervals",
        "No unavailability this month.",
        "Geen onbeschikbaarheid deze maand.",
    ),
    ("availability", "Availability", "Beschikbaarheid"),
    (
        "expired",
        "The sign-in form expired; please try again.",
        "Het inlogformulier is verlopen; probeer het opnieuw.",
    ),
    (
        "register_title",
        "Request a portal account",
        "Portaalaccount aanvragen",
    ),
    (
        "register_intro",
        "First time here? Ask for an account for the self-service portal; the service desk checks your request and mails you.",
        "Eerste keer? Vraag een account aan voor het self-service portaal; de servicedesk controleert je aanvraag en mailt je.",
    ),
    ("name", "Name", "Naam"),
    ("organization", "Organisation", "Organisatie"),
    ("message", "Message (optional)", "Bericht (optioneel)"),
    ("register_button", "Send request", "Aanvraag versturen"),
    (
        "registered",
        "Thank you. The service desk checks your request; you will receive an email.",
        "Dank je. De servicedesk controleert je aanvraag; je krijgt een e-mail.",
    ),
    (
        "activate_title",
        "Choose your password",
        "Kies je wachtwoord",
    ),
    (
        "activate_intro",
        "At least 10 characters; a phrase of several words is easiest to remember and hardest to guess.",
        "Minstens 10 tekens; een zin van een paar woorden is het makkelijkst te onthouden en het moeilijkst te raden.",
    ),
    ("new_password", "New password", "Nieuw wachtwoord"),
    ("activate_button", "Save password", "Wachtwoord opslaan"),
    (
        "activated",
        "Your password is set. You can sign in now.",
        "Je wachtwoord is ingesteld. Je kunt nu inloggen.",
    ),
    (
        "bad_link",
        "This link is not valid (any more). Ask the service desk for a new one.",
        "Deze link is niet (meer) geldig. Vraag de servicedesk om een nieuwe.",
    ),
    ("forgot", "Forgot your password?", "Wachtwoord vergeten?"),
    ("recovery_title", "Your recovery codes", "Je herstelcodes"),
    (
        "recovery_intro",
        "Keep these codes somewhere safe. Each one signs you in once if you lose your authenticator app; they are shown only now.",
        "Bewaar deze codes op een veilige plek. Elke code laat je één keer inloggen als je je authenticator-app kwijt bent; ze worden alleen nu getoond.",
    ),
    ("continue", "Continue", "Verder"),
    ("reset_button", "Send me a link", "Stuur me een link"),
    (
        "too_many",
        "Too many requests from your address; please try again later.",
        "Te veel verzoeken vanaf je adres; probeer het later opnieuw.",
    ),
    ("setup_title", "Welcome to sladesk", "Welkom bij sladesk"),
    (
        "setup_intro",
        "Nobody can sign in yet. Create the first admin: you. You will set up the second sign-in step next; then invite your colleagues from the admin page.",
        "Er kan nog niemand inloggen. Maak de eerste beheerder aan: jezelf. Daarna stel je de tweede inlogstap in; nodig vervolgens je collega's uit via de beheerpagina.",
    ),
    ("setup_button", "Create the admin", "Beheerder aanmaken"),
    (
        "setup_spent",
        "This setup link has been used, or is not valid. Sign in instead.",
        "Deze installatielink is al gebruikt of is niet geldig. Log in plaats daarvan in.",
    ),
    (
        "security_title",
        "Reporting a vulnerability",
        "Een kwetsbaarheid melden",
    ),
    (
        "security_intro",
        "Found a weakness in our service desk or platform? Thank you for telling us first. Report it here; only our administrators and SaaS team can read your report.",
        "Heb je een zwakke plek gevonden in onze servicedesk of ons platform? Dank je dat je het eerst aan ons meldt. Meld het hier; alleen onze beheerders en het SaaS-team kunnen je melding lezen.",
    ),
    (
        "security_how_title",
        "How we handle reports",
        "Hoe we met meldingen omgaan",
    ),
    (
        "security_how_1",
        "Describe what you found and how to reproduce it; an account is not needed.",
        "Beschrijf wat je vond en hoe we het kunnen nabootsen; een account is niet nodig.",
    ),
    (
        "security_how_2",
        "You get a receipt by mail at once, and an answer within 5 working days.",
        "Je krijgt meteen een ontvangstbevestiging per mail, en binnen 5 werkdagen een antwoord.",
    ),
    (
        "security_how_3",
        "Please do not use the weakness beyond what shows it, nor look at other people's data.",
        "Gebruik de zwakke plek niet verder dan nodig is om haar aan te tonen, en bekijk geen gegevens van anderen.",
    ),
    (
        "security_how_4",
        "Keep the details to yourself until we have fixed it or agreed a date with you; we name you in our thanks if you wish.",
        "Houd de details voor je tot we het hebben opgelost of samen een datum hebben afgesproken; als je wilt, noemen we je naam in ons dankwoord.",
    ),
    (
        "security_contact",
        "You can also write to:",
        "Je kunt ook schrijven naar:",
    ),
    (
        "security_name",
        "Your name (optional)",
        "Je naam (optioneel)",
    ),
    ("security_subject", "Subject", "Onderwerp"),
    (
        "security_description",
        "What did you find?",
        "Wat heb je gevonden?",
    ),
    ("security_button", "Send report", "Melding versturen"),
    (
        "security_received",
        "Thank you. Your report is registered as {number}; we sent you a receipt by mail.",
        "Dank je. Je melding staat geregistreerd als {number}; we hebben je een ontvangstbevestiging gemaild.",
    ),
    (
        "reset_sent",
        "If the address is known, we sent a link to choose a new password.",
        "Als het adres bekend is, hebben we een link gestuurd om een nieuw wachtwoord te kiezen.",
    ),
];

pub(super) fn texts(language: Language) -> serde_json::Value {
    let map = TEXTS
        .iter()
        .chain(super::words::TEXTS)
        .map(|(key, en, nl)| {
            (
                key.to_string(),
                serde_json::Value::String(
                    if language == Language::En { en } else { nl }.to_string(),
                ),
            )
        })
        .collect();
    serde_json::Value::Object(map)
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
            tracing::error!(error = %e, template = name, "page template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
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
    #[test]
    fn built_in_templates_parse() {
        for name in [
            "base.html",
            "login.html",
            "code.html",
            "staff.html",
            "register.html",
            "activate.html",
            "notice.html",
            "reset.html",
            "recovery.html",
            "nav.html",
            "tickets.html",
            "new_ticket.html",
            "ticket.html",
            "queue.html",
            "account.html",
            "admin.html",
            "security.html",
            "setup.html",
        ] {
            assert!(super::TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }
}

/// A page with one message of the caller's (already in `language`).
pub(super) fn message_page(language: Language, message: &str, status: StatusCode) -> Response {
    let title = match (status.is_client_error(), language) {
        (true, Language::En) => "Not accepted",
        (true, Language::Nl) => "Niet geaccepteerd",
        (false, Language::En) => "Notice",
        (false, Language::Nl) => "Mededeling",
    };
    page(
        "notice.html",
        status,
        context! { lang => lang_code(language), title => title, message => message },
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
