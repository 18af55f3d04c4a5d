//! The quarantine of received mail in the API (docs/MAIL.md): staff read what strangers wrote
//! to tickets, and release a mail to its ticket (as an internal note) or dismiss it.

use axum::Json;
use axum::extract::State;
use axum::response::Response;

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Id};
use crate::store::inbound::ReceivedMail;

type Result<T> = std::result::Result<T, ApiError>;

#[utoipa::path(operation_id = "list_quarantined_mail", get, path = "/api/v1/mail/quarantine", tag = "mail",
    responses((status = 200, body = [ReceivedMail]), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn quarantine(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<Vec<ReceivedMail>>> {
    Ok(Json(state.desk.quarantined_mails(&actor).await?))
}

#[utoipa::path(operation_id = "quarantined_message", get, path = "/api/v1/mail/quarantine/{id}/message", tag = "mail",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, description = "the message as received (RFC 5322), as an attachment", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Response> {
    let (_, raw) = state.desk.quarantined_message(&actor, id).await?;
    Ok(message_response(id, raw))
}

/// A received message as a download, to open in a mail program (`mail-7.eml`).
pub fn message_response(id: i64, raw: Vec<u8>) -> Response {
    super::attachments::file_response(&format!("mail-{id}.eml"), raw)
}

#[utoipa::path(operation_id = "release_quarantined_mail", post, path = "/api/v1/mail/quarantine/{id}/release", tag = "mail",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, description = "on its ticket as an internal note by the reviewer", body = ReceivedMail),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "decided already, or it names no ticket", body = Problem)),
    security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<ReceivedMail>> {
    Ok(Json(state.desk.review_quarantined(&actor, id, true).await?))
}

#[utoipa::path(operation_id = "dismiss_quarantined_mail", post, path = "/api/v1/mail/quarantine/{id}/dismiss", tag = "mail",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = ReceivedMail), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "decided already", body = Problem)),
    security(("bearer" = [])))]
pub async fn dismiss(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<ReceivedMail>> {
    Ok(Json(
        state.desk.review_quarantined(&actor, id, false).await?,
    ))
}
