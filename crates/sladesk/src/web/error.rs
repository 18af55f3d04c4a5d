//! The one place where errors become HTTP: RFC 9457 problem documents. 4xx carry their reason;
//! 5xx are logged with their cause and shown as a generic message.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::catalogue::Message;
use crate::desk::{DeskError, Refusal, RefusalKind};

/// A problem document (`application/problem+json`).
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For a server fault: `urn:sladesk:error:<id>`, the id under which the cause is logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// What to tell the reader; put in their language on the way out (`problems`).
    pub message: Message,
    /// A server fault's id, in the log and in the problem's `instance`.
    pub fault_id: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: Message) -> ApiError {
        ApiError {
            status,
            message,
            fault_id: None,
        }
    }

    /// A refusal made by the web layer itself (a query parameter out of range, …): 400.
    pub fn bad_request(message: Message) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// A server fault: logged with a fresh id, which the problem's `instance` carries, so that
    /// whoever reports it can be matched with its cause; the cause itself is not shown.
    pub fn fault(cause: &dyn std::fmt::Display) -> ApiError {
        let id = crate::secrets::hex::<8>().unwrap_or_else(|_| "unnumbered".into());
        tracing::error!(error_id = %id, error = %cause, "server fault");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: Message::new("api_fault"),
            fault_id: Some(id),
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, Message::new("api_token_required"))
    }

    /// The English detail (the problem document says it in the reader's language).
    pub fn detail(&self) -> String {
        self.message.text(sladesk_core::text::Language::En)
    }
}

/// A `month` query parameter (`2026-04`) as year and month, or the 400 that names it.
pub fn month_param(given: &str) -> Result<(i16, i8), ApiError> {
    sladesk_core::availability::parse_month(given)
        .map_err(|_| ApiError::bad_request(Message::new("api_bad_month").given("given", given)))
}

/// The one place where a desk error gets its HTTP status, for both doors (the API and the
/// pages); `None` for a server fault.
pub fn status_of(error: &DeskError) -> Option<StatusCode> {
    Some(match error {
        DeskError::NotFound(_) => StatusCode::NOT_FOUND,
        DeskError::Refused(refusal) => refusal_status(refusal),
        DeskError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        DeskError::Store(store) if store.is_unique_violation() => StatusCode::CONFLICT,
        DeskError::Store(_) | DeskError::NoRandomness(_) | DeskError::Fault(_) => return None,
    })
}

/// A refusal's status: 422 for wrong input, 403 for "not you", 409 for "not now".
pub fn refusal_status(refusal: &Refusal) -> StatusCode {
    match refusal.kind() {
        RefusalKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        RefusalKind::Forbidden => StatusCode::FORBIDDEN,
        RefusalKind::Conflict => StatusCode::CONFLICT,
    }
}

/// A desk error the reader can act on, in their language, with its status; `None` for a
/// server fault. The pages use it to show a refusal above the form that was sent.
pub fn refused(
    error: &DeskError,
    language: sladesk_core::text::Language,
) -> Option<(String, StatusCode)> {
    Some((error.message()?.text(language), status_of(error)?))
}

impl From<DeskError> for ApiError {
    fn from(error: DeskError) -> ApiError {
        match (status_of(&error), error.message()) {
            (Some(status), Some(message)) => ApiError::new(status, message),
            _ => ApiError::fault(&error),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = self.message.clone();
        let problem = Problem {
            kind: "about:blank".into(),
            title: self.status.canonical_reason().unwrap_or("Error").into(),
            status: self.status.as_u16(),
            detail: self.detail(),
            instance: self.fault_id.map(|id| format!("urn:sladesk:error:{id}")),
        };
        let mut response = (self.status, Json(problem)).into_response();
        response.extensions_mut().insert(message);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The few refusals made by layers rather than handlers (a body over the limit, a request
/// that took too long) come as plain text; they are turned into problem documents like
/// every other error.
pub async fn plain_errors_as_problems(response: Response) -> Response {
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    match status {
        StatusCode::PAYLOAD_TOO_LARGE if plain => {
            ApiError::new(status, Message::new("api_body_too_large")).into_response()
        }
        StatusCode::SERVICE_UNAVAILABLE if plain => {
            ApiError::new(status, Message::new("api_too_slow")).into_response()
        }
        _ => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_faults_are_500_never_a_4xx() {
        let faults = [
            DeskError::Fault("password hashing failed".into()),
            DeskError::Store(crate::store::StoreError::Corrupt("x".into())),
        ];
        for fault in faults {
            let error = ApiError::from(fault);
            assert_eq!(error.status, StatusCode::INTERNAL_SERVER_ERROR);
            assert!(
                !error.detail().contains("hashing"),
                "the cause stays in the log"
            );
            let id = error.fault_id.clone().expect("an id to find it in the log");
            assert_eq!(id.len(), 16);
            let body = body_of(error.into_response());
            assert!(
                body.contains(&format!("\"instance\":\"urn:sladesk:error:{id}\"")),
                "{body}"
            );
        }
    }

    /// The body of a response built in memory.
    fn body_of(response: Response) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = runtime
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 20))
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}
