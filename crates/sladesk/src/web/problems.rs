//! Every problem document in its reader's language, and as a page for a browser. A refusal
//! travels as a catalogue `Message` (in the response's extensions) from where it is made; here,
//! on the way out, the title and detail
//! are put in the reader's language (the token's person's, else `Accept-Language`, else
//! Dutch), and a browser asking for a page, rather than for the API, gets an HTML page with
//! the same words instead of JSON.

use std::sync::{Arc, OnceLock};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sladesk_core::text::Language;

use super::error::Problem;

/// Where the signed-in person's language is left for the way out (by the bearer-token check).
#[derive(Clone, Default)]
pub struct ReaderLanguage(Arc<OnceLock<Language>>);

impl ReaderLanguage {
    pub fn set(&self, language: Language) {
        let _ = self.0.set(language);
    }
}

fn is_problem(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"))
}

pub async fn in_the_readers_language(
    State(state): State<super::AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let reader = ReaderLanguage::default();
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    request.extensions_mut().insert(reader.clone());
    let asked = super::language::language(None, request.headers());
    let browser = !request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    let response = next.run(request).await;
    if !is_problem(response.headers()) {
        return response;
    }
    // A refusal made before the token was read (an unknown path, a malformed body) is still
    // told in the token's person's language.
    let token_language = match (reader.0.get(), bearer) {
        (None, Some(token)) => token_owners_language(&state, &token).await,
        _ => None,
    };
    let language = reader.0.get().copied().or(token_language).unwrap_or(asked);
    let (mut parts, body) = response.into_parts();
    // A detail may quote the input, which is at most 1 MiB.
    let Ok(bytes) = to_bytes(body, 4 * 1024 * 1024).await else {
        return super::error::ApiError::new(
            parts.status,
            crate::catalogue::Message::new("api_unreadable_problem"),
        )
        .into_response();
    };
    let Ok(mut problem) = serde_json::from_slice::<Problem>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    problem.title = title(parts.status, language);
    if let Some(message) = parts.extensions.get::<crate::catalogue::Message>() {
        problem.detail = message.text(language);
    }
    if browser {
        let detail = match &problem.instance {
            Some(instance) => format!("{} ({instance})", problem.detail),
            None => problem.detail.clone(),
        };
        let mut page = super::pages::error_page(language, &problem.title, &detail, parts.status);
        if let Some(authenticate) = parts.headers.get(header::WWW_AUTHENTICATE) {
            page.headers_mut()
                .insert(header::WWW_AUTHENTICATE, authenticate.clone());
        }
        return page;
    }
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(match language {
            Language::En => "en",
            Language::Nl => "nl",
        }),
    );
    Response::from_parts(parts, Body::from(body)).into_response()
}

/// The title of a status, from the catalogue (`problem_404`, …), or its English reason.
fn title(status: axum::http::StatusCode, language: Language) -> String {
    let key = format!("problem_{}", status.as_u16());
    let text = crate::catalogue::text(language, &key);
    if text == key {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    }
}

/// The language of the person a bearer token belongs to, if it is a valid token.
async fn token_owners_language(state: &super::AppState, token: &str) -> Option<Language> {
    let hash = crate::desk::token_hash(token);
    if let Some(actor) = state.tokens.get(&hash) {
        return actor.user.map(|user| user.language);
    }
    let mut conn = state.desk.store.read().await.ok()?;
    let (user, _) = crate::store::accounts::user_by_token(&mut conn, &hash)
        .await
        .ok()??;
    Some(user.language)
}
