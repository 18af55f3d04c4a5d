//! The signed-in person behind a page request: who they are, their session (and its CSRF
//! token), their language and time zone, and the frame every page of theirs is drawn in.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use minijinja::context;
use sladesk_core::text::Language;

use super::AppState;
use super::pages::{current, lang_code, page, same, texts};
use crate::desk::{Actor, DeskError, Refusal};
use crate::domain::accounts::{Role, User};
use crate::store::preferences::Preferences;
use crate::store::sessions::Session;

/// Who may use a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Anyone,
    Staff,
    Admin,
}

pub struct Visitor {
    pub user: User,
    pub session: Session,
    pub actor: Actor,
    pub language: Language,
    pub tz: TimeZone,
    pub preferences: Preferences,
}

// The refusals are the very responses the handlers return; boxing them would buy nothing.
#[allow(clippy::result_large_err)]
impl Visitor {
    /// Whoever passed both sign-in steps (or the one step their account needs); anyone else is
    /// sent to sign in.
    pub async fn from(state: &AppState, headers: &HeaderMap) -> Result<Visitor, Response> {
        Visitor::returning(state, headers, None).await
    }

    /// As [`Visitor::from`], and whoever has to sign in first comes back to `page` afterwards
    /// (the link in a mail, say).
    pub async fn returning(
        state: &AppState,
        headers: &HeaderMap,
        page: Option<&str>,
    ) -> Result<Visitor, Response> {
        let next = page
            .map(|p| {
                format!(
                    "?next={}",
                    form_urlencoded::byte_serialize(p.as_bytes()).collect::<String>()
                )
            })
            .unwrap_or_default();
        let Some((user, session, _)) = current(state, headers).await else {
            return Err(Redirect::to(&format!("/login{next}")).into_response());
        };
        if !session.mfa_passed {
            // The enrolment page sends whoever has set up TOTP already on to the code.
            return Err(Redirect::to(&format!("/account/two-factor{next}")).into_response());
        }
        let preferences = state.desk.preferences(user.id).await.unwrap_or_default();
        let tz = TimeZone::get(&preferences.time_zone).unwrap_or(TimeZone::UTC);
        Ok(Visitor {
            language: user.language,
            actor: Actor::person(user.clone(), None),
            user,
            session,
            tz,
            preferences,
        })
    }

    pub async fn staff(state: &AppState, headers: &HeaderMap) -> Result<Visitor, Response> {
        Visitor::with(state, headers, Access::Staff).await
    }

    async fn with(
        state: &AppState,
        headers: &HeaderMap,
        access: Access,
    ) -> Result<Visitor, Response> {
        let visitor = Visitor::from(state, headers).await?;
        let (allowed, refusal) = match access {
            Access::Anyone => (true, Refusal::StaffOnly),
            Access::Staff => (visitor.user.role.is_staff(), Refusal::StaffOnly),
            Access::Admin => (visitor.user.role == Role::Admin, Refusal::AdminOnly),
        };
        match allowed {
            true => Ok(visitor),
            false => Err(visitor.refusal(StatusCode::FORBIDDEN, &refusal.message())),
        }
    }

    /// Whoever posted a form: signed in with `access`, and the form carries the session's CSRF
    /// token; anyone else gets the refusal to return.
    pub async fn posting(
        state: &AppState,
        headers: &HeaderMap,
        access: Access,
        csrf: &str,
    ) -> Result<Visitor, Response> {
        let visitor = Visitor::with(state, headers, access).await?;
        visitor.check_form(csrf)?;
        Ok(visitor)
    }

    /// A form came back with this session's CSRF token, or it is refused.
    pub fn check_form(&self, submitted: &str) -> Result<(), Response> {
        match same(&self.session.csrf, submitted) {
            true => Ok(()),
            false => Err(self.refusal(
                StatusCode::FORBIDDEN,
                &crate::catalogue::Message::new("form_expired"),
            )),
        }
    }

    /// A moment (Unix seconds) as this person reads it, in their language and time zone.
    /// The organisations a staff member may pick on a page (id and name, at most 1,000); none
    /// for a customer, who sees only its own.
    pub async fn organization_choices(
        &self,
        state: &AppState,
    ) -> Result<Vec<minijinja::Value>, Response> {
        if !self.user.role.is_staff() {
            return Ok(Vec::new());
        }
        match state.desk.organizations(&self.actor, 0, 1_000).await {
            Ok(list) => Ok(list
                .into_iter()
                .map(|o| context! { id => o.id, name => o.name })
                .collect()),
            Err(e) => Err(self.error(e)),
        }
    }

    pub fn time(&self, second: i64) -> String {
        jiff::Timestamp::from_second(second)
            .map(|t| crate::notify::local_time_in(t, self.language, &self.tz))
            .unwrap_or_default()
    }

    pub fn text(&self, key: &str) -> String {
        texts(self.language)[key]
            .as_str()
            .unwrap_or(key)
            .to_string()
    }

    /// A page in the frame of the signed-in pages (navigation, language, CSRF token).
    pub fn render(
        &self,
        template: &str,
        status: StatusCode,
        title: &str,
        values: minijinja::Value,
    ) -> Response {
        let frame = context! {
            lang => lang_code(self.language),
            title => title,
            t => minijinja::Value::from(minijinja::value::Serde(texts(self.language))),
            me => context! { id => self.user.id,
                name => if self.user.name.trim().is_empty() { &self.user.email } else { &self.user.name }, email => &self.user.email,
                staff => self.user.role.is_staff(), admin => self.user.role == Role::Admin },
            csrf => &self.session.csrf,
        };
        page(template, status, context! { ..values, ..frame })
    }

    /// A short page saying why something was refused or went wrong.
    pub fn refusal(&self, status: StatusCode, message: &crate::catalogue::Message) -> Response {
        let message = message.text(self.language);
        self.render(
            "notice.html",
            status,
            &message,
            context! { message => &message, link => "/", link_text => self.text("my_tickets") },
        )
    }

    /// The page for a desk error that is the visitor's to fix or to know.
    pub fn error(&self, error: DeskError) -> Response {
        if let DeskError::NotFound(crate::desk::Thing::Ticket) = error {
            // The page's own sentence: "Ticket not found."
            let message = crate::catalogue::Message::new("not_found");
            return self.refusal(StatusCode::NOT_FOUND, &message);
        }
        match super::error::refused(&error, self.language) {
            Some((message, status)) => self.render(
                "notice.html",
                status,
                &message,
                context! { message => &message, link => "/", link_text => self.text("my_tickets") },
            ),
            None => super::error::ApiError::from(error).into_response(),
        }
    }
}
