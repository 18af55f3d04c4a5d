//! A person's own settings: language, time zone, which mails they want, two-step sign-in, and
//! signing out everywhere.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use sladesk_core::text::Language;

use super::AppState;
use super::visitor::{Access, Visitor};
use crate::desk::DeskError;
use crate::store::preferences::Preferences;

fn account_page(
    visitor: &Visitor,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let p = &visitor.preferences;
    visitor.render(
        "account.html",
        status,
        &visitor.text("preferences"),
        context! {
            language => match visitor.language { Language::En => "en", Language::Nl => "nl" },
            time_zone => &p.time_zone, mail_status => p.mail_status, mail_replies => p.mail_replies, mail_contract => p.mail_contract, mail_reports => p.mail_reports, mail_releases => p.mail_releases,
            notice => notice, error => error,
        },
    )
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match Visitor::from(&state, &headers).await {
        Ok(visitor) => account_page(&visitor, None, None, StatusCode::OK),
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub time_zone: String,
    /// Checkboxes: present when ticked.
    pub mail_status: Option<String>,
    pub mail_replies: Option<String>,
    pub mail_contract: Option<String>,
    pub mail_reports: Option<String>,
    pub mail_releases: Option<String>,
}

pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PreferencesForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Anyone, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let language = if form.language == "en" {
        Language::En
    } else {
        Language::Nl
    };
    let preferences = Preferences {
        time_zone: form.time_zone.trim().to_string(),
        mail_status: form.mail_status.is_some(),
        mail_replies: form.mail_replies.is_some(),
        mail_contract: form.mail_contract.is_some(),
        mail_reports: form.mail_reports.is_some(),
        mail_releases: form.mail_releases.is_some(),
    };
    match state
        .desk
        .save_preferences(&visitor.actor, language, preferences)
        .await
    {
        Ok(()) => match Visitor::from(&state, &headers).await {
            // Read back, so the page shows (in the new language) what is now stored.
            Ok(updated) => {
                let saved = updated.text("saved");
                account_page(&updated, Some(saved), None, StatusCode::OK)
            }
            Err(response) => response,
        },
        Err(DeskError::Refused(refusal)) => {
            let (message, status) = (
                refusal.message().text(visitor.language),
                super::error::refusal_status(&refusal),
            );
            account_page(&visitor, None, Some(message), status)
        }
        Err(e) => visitor.error(e),
    }
}
