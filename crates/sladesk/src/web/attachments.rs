//! T5: files on tickets in the API: a reply or note with files (`multipart/form-data`), the
//! list of a ticket's files, and a file's download. A download is always an attachment
//! (`Content-Disposition: attachment`) of bytes, sandboxed, never run.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Id};
use super::schema::{TicketResponse, Visibility};
use super::upload::{FormWithFiles, Upload, bad_form};
use crate::desk::NewTicket;
use crate::domain::attachments::Attachment;

type Result<T> = std::result::Result<T, ApiError>;

/// A reply or internal note with files, as `multipart/form-data`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the document's description of the form; the handler reads the parts
pub struct CommentWithFiles {
    /// The reply's or note's text (given once).
    #[schema(min_length = 1, max_length = 100000, pattern = r"\S")]
    body: String,
    /// `public` (a reply) or `internal` (staff only); left out: `public`.
    #[serde(default = "public")]
    visibility: Visibility,
    /// One part per file; the part's file name is the file's name. None: a reply without
    /// files, as `comments` takes it.
    #[serde(default)]
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

/// A new ticket with files, as `multipart/form-data`: the fields of `POST /api/v1/tickets`
/// (each a form field; one left out is absent, a form has no null) and a `file` part per file.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the document's description of the form; the handler reads the parts
pub struct NewTicketWithFiles {
    /// Staff: required; customers: their own organisation (may be left out).
    #[schema(nullable = false)]
    organization_id: Option<i64>,
    /// Staff only: the customer the ticket is for (default: the staff member).
    #[schema(nullable = false)]
    requester_id: Option<i64>,
    #[serde(rename = "type")]
    ticket_type: sladesk_core::tickets::TicketType,
    environment: sladesk_core::tickets::Environment,
    product: String,
    subject: String,
    description: String,
    /// Staff only; otherwise set by triage.
    #[schema(nullable = false)]
    priority: Option<sladesk_core::tickets::Priority>,
    /// How urgent it is for the customer.
    #[schema(nullable = false)]
    urgency: Option<sladesk_core::tickets::Priority>,
    /// One part per file; the part's file name is the file's name.
    #[serde(default)]
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

#[utoipa::path(operation_id = "create_ticket_with_files", post, path = "/api/v1/tickets/with-files", tag = "tickets",
    request_body(content = NewTicketWithFiles, content_type = "multipart/form-data"),
    responses((status = 201, body = TicketResponse), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_ticket_with_files(
    State(state): State<AppState>,
    Auth(actor): Auth,
    FormWithFiles(new, files): FormWithFiles<NewTicket>,
) -> Result<impl IntoResponse> {
    let view = state
        .desk
        .create_ticket_with_files(&actor, new, files)
        .await?;
    state.metrics.tickets_created.inc();
    Ok((StatusCode::CREATED, Json(TicketResponse::from(view))))
}

fn public() -> Visibility {
    Visibility::Public
}

#[utoipa::path(operation_id = "comment_with_files", post, path = "/api/v1/tickets/{id}/files", tag = "tickets",
    params(("id" = i64, Path, minimum = 1)),
    request_body(content = CommentWithFiles, content_type = "multipart/form-data"),
    responses((status = 201, body = TicketResponse), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, description = "the ticket cannot hold more files", body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn comment_with_files(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    upload: Upload,
) -> Result<impl IntoResponse> {
    let public = match upload.field("visibility").unwrap_or("public") {
        "public" => true,
        "internal" => false,
        other => {
            return Err(bad_form(format!(
                "visibility `{other}` is not public or internal"
            )));
        }
    };
    let body = upload.field("body").unwrap_or_default().to_string();
    let view = state
        .desk
        .comment_with_files(&actor, id, &body, public, upload.files)
        .await?;
    Ok((StatusCode::CREATED, Json(TicketResponse::from(view))))
}

#[utoipa::path(operation_id = "list_ticket_files", get, path = "/api/v1/tickets/{id}/files", tag = "tickets",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = [Attachment]), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<Vec<Attachment>>> {
    Ok(Json(state.desk.attachments(&actor, id).await?))
}

#[utoipa::path(operation_id = "download_file", get, path = "/api/v1/files/{id}", tag = "tickets",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, description = "the file's bytes, as an attachment", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = Problem), (status = 409, description = "still being checked, or refused by the check", body = Problem)),
    security(("bearer" = [])))]
pub async fn download(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Response> {
    let (file, bytes) = state.desk.attachment(&actor, id).await?;
    Ok(file_response(&file.name, bytes))
}

/// A file as a download: bytes to save (`application/octet-stream`, an attachment with its
/// name, RFC 6266), in a sandbox even if a browser were to show it. What the bytes are (found
/// from them, never from the sender) is the file's `media_type` in the list; a browser is never
/// given a type to act on.
pub fn file_response(name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}
