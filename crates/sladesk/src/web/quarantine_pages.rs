//! `/mail/quarantine` (docs/MAIL.md): the staff's review of mails to tickets from people who
//! may not write to them: read the message, release it to its ticket as an internal note, or
//! dismiss it. Every action is the API's desk call.

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::AppState;
use super::visitor::{Access, Visitor};
use crate::desk::{DeskError, ticket_number};

async fn page(
    state: &AppState,
    visitor: &Visitor,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let held = match state.desk.quarantined_mails(&visitor.actor).await {
        Ok(held) => held,
        Err(e) => return visitor.error(e),
    };
    let mails: Vec<_> = held
        .iter()
        .map(|m| {
            context! {
                id => m.id, sender => &m.sender, subject => &m.subject, reason => &m.reason,
                received => visitor.time(m.received_at.as_second()),
                ticket => m.ticket_id, number => m.ticket_id.map(ticket_number),
            }
        })
        .collect();
    visitor.render(
        "quarantine.html",
        status,
        &visitor.text("quarantine_title"),
        context! { mails => mails, error => error },
    )
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    page(&state, &visitor, None, StatusCode::OK).await
}

/// The message as received, to save and read in a mail program.
pub async fn message(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    match state.desk.quarantined_message(&visitor.actor, id).await {
        Ok((_, raw)) => super::mail::message_response(id, raw),
        Err(e) => visitor.error(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub csrf: String,
    /// `release` or `dismiss`.
    #[serde(default)]
    pub decision: String,
}

pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Staff, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let release = form.decision == "release";
    match state
        .desk
        .review_quarantined(&visitor.actor, id, release)
        .await
    {
        Ok(_) => Redirect::to("/mail/quarantine").into_response(),
        Err(e) => match (&e, super::error::refused(&e, visitor.language)) {
            (DeskError::NotFound(_), _) | (_, None) => visitor.error(e),
            (_, Some((message, status))) => page(&state, &visitor, Some(message), status).await,
        },
    }
}
