//! X3: coordinated vulnerability disclosure. `/.well-known/security.txt` (RFC 9116) names the
//! contact; `/security` explains, in Dutch and English, how to report, and takes a report,
//! which becomes a confidential ticket (see `desk::vulnerability`).

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use sladesk_core::text::Language;

use super::AppState;
use super::client::Client;
use super::extract::Params;
use super::language::language;
use super::pages::{FormPage, LangQuery, texts};
use crate::desk::{DeskError, VulnerabilityReport};

/// How long the file is good for; RFC 9116 asks for less than a year.
const EXPIRES_DAYS: i64 = 180;

/// The security.txt of this installation, made at each request so `Expires` stays ahead.
pub fn security_txt_for(public_url: &str, contact: &str, now: jiff::Timestamp) -> String {
    let base = public_url.trim_end_matches('/');
    let expires = now
        .checked_add(jiff::SignedDuration::from_hours(24 * EXPIRES_DAYS))
        .unwrap_or(now);
    let mut text = String::new();
    if !contact.trim().is_empty() {
        text += &format!("Contact: {}\n", contact.trim());
    }
    text += &format!("Contact: {base}/security\n");
    text += &format!("Expires: {}\n", expires.strftime("%Y-%m-%dT%H:%M:%SZ"));
    text += "Preferred-Languages: nl, en\n";
    text += &format!("Canonical: {base}/.well-known/security.txt\n");
    text += &format!("Policy: {base}/security\n");
    text
}

pub async fn security_txt(State(state): State<AppState>) -> Response {
    let body = security_txt_for(
        &state.desk.public_url,
        &state.settings.security_contact,
        state.desk.clock.now(),
    );
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

const CSRF_COOKIE: &str = "sladesk_security_csrf";

fn report_page(
    state: &AppState,
    language: Language,
    form: &VulnerabilityReport,
    error: Option<String>,
    done: Option<String>,
    status: StatusCode,
) -> Response {
    let contact = state.settings.security_contact.trim();
    super::pages::public_form(
        state,
        FormPage {
            template: "security.html",
            title: "security_title",
            path: "/security",
            cookie: CSRF_COOKIE,
        },
        status,
        language,
        context! {
            form => minijinja::Value::from(minijinja::value::Serde(form)), error => error, done => done,
            contact => (!contact.is_empty()).then_some(contact),
        },
    )
}

pub async fn report_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<LangQuery>,
) -> Response {
    let language = language(q.lang.as_deref(), &headers);
    report_page(
        &state,
        language,
        &VulnerabilityReport::default(),
        None,
        None,
        StatusCode::OK,
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct ReportForm {
    #[serde(flatten)]
    pub report: VulnerabilityReport,
    #[serde(default)]
    pub csrf: String,
    pub lang: Option<String>,
}

pub async fn report(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Form(form): Form<ReportForm>,
) -> Response {
    let language = language(form.lang.as_deref(), &headers);
    let t = texts(language);
    let text = |key: &str| t[key].as_str().map(String::from);
    if !super::pages::form_token_matches(&headers, CSRF_COOKIE, &form.csrf) {
        return report_page(
            &state,
            language,
            &form.report,
            text("expired"),
            None,
            StatusCode::FORBIDDEN,
        );
    }
    if let Err(wait) = state.limits.vulnerability_reports.check(client.ip) {
        let mut response = report_page(
            &state,
            language,
            &form.report,
            text("too_many"),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        );
        super::pages::retry_after(&mut response, wait);
        return response;
    }
    match state
        .desk
        .report_vulnerability(form.report.clone(), language)
        .await
    {
        Ok(number) => {
            let done = crate::catalogue::text_with(
                language,
                "security_received",
                &[("number", number.clone().into())],
            );
            report_page(
                &state,
                language,
                &VulnerabilityReport::default(),
                None,
                Some(done),
                StatusCode::OK,
            )
        }
        Err(DeskError::Refused(refusal)) => {
            let (message, status) = (
                refusal.message().text(language),
                super::error::refusal_status(&refusal),
            );
            report_page(&state, language, &form.report, Some(message), None, status)
        }
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn security_txt_has_the_fields_rfc_9116_requires() {
        let now: jiff::Timestamp = "2026-11-30T12:00:00Z".parse().unwrap();
        let text = super::security_txt_for("https://desk.example/", "mailto:sec@example.com", now);
        assert!(text.starts_with(
            "Contact: mailto:sec@example.com\nContact: https://desk.example/security\n"
        ));
        assert!(text.contains("Expires: 2027-05-29T12:00:00Z\n"), "{text}");
        assert!(text.contains("Canonical: https://desk.example/.well-known/security.txt\n"));
    }
}
