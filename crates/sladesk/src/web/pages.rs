//! The pages' common ground: the templates (compiled into the binary, strict about undefined
//! values) and their texts from the catalogue, page rendering, cookies, CSRF tokens for forms
//! before and after signing in, where to go after signing in, notices and error pages, and
//! the entry point. The pages themselves live in their own modules (signin, registration,
//! staff, portal, workspace, admin, account, setup, disclosure).

use std::sync::LazyLock;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use minijinja::{Environment, context};
use serde::Deserialize;
use sladesk_core::text::Language;

use super::AppState;
use crate::desk::{DeskError, SESSION_SECONDS};
use crate::domain::accounts::User;
use crate::store::sessions::Session;

pub(super) const SESSION_COOKIE: &str = "sladesk_session";
pub(super) const CSRF_COOKIE: &str = "sladesk_csrf";

/// The pages' templates, compiled into the binary.
const TEMPLATE_SOURCES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    (
        "sso_continue.html",
        include_str!("templates/sso_continue.html"),
    ),
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
    ("policies.html", include_str!("templates/policies.html")),
    ("policy.html", include_str!("templates/policy.html")),
    ("credits.html", include_str!("templates/credits.html")),
    ("reports.html", include_str!("templates/reports.html")),
    ("releases.html", include_str!("templates/releases.html")),
    ("release.html", include_str!("templates/release.html")),
    ("billing.html", include_str!("templates/billing.html")),
    ("fairuse.html", include_str!("templates/fairuse.html")),
    ("backups.html", include_str!("templates/backups.html")),
    ("quarantine.html", include_str!("templates/quarantine.html")),
    (
        "fairuse_tenant.html",
        include_str!("templates/fairuse_tenant.html"),
    ),
    (
        "fairuse_case.html",
        include_str!("templates/fairuse_case.html"),
    ),
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

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
    /// The page to return to after signing in.
    pub next: Option<String>,
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

pub(super) fn with_next(path: &str, next: Option<&str>) -> String {
    match safe_next(next) {
        Some(next) => format!(
            "{path}?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ),
        None => path.to_string(),
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

pub(super) fn notice(
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

#[cfg(test)]
mod tests {
    use super::TEMPLATE_SOURCES;

    #[test]
    fn built_in_templates_parse() {
        for (name, _) in TEMPLATE_SOURCES {
            assert!(super::TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }

    /// A template file that is not compiled in would only fail when a visitor opens its page.
    #[test]
    fn every_template_file_is_compiled_in() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/templates");
        for entry in std::fs::read_dir(folder).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            // The status page has an environment of its own (`web::status`).
            if name == "status.html" {
                continue;
            }
            assert!(
                TEMPLATE_SOURCES.iter().any(|(known, _)| *known == name),
                "{name} is not in TEMPLATE_SOURCES"
            );
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
