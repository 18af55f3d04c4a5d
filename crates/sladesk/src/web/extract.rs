//! Extractors whose rejections are problem documents, and the bearer-token check.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;
use crate::desk::{Actor, DeskError, token_hash};
use crate::store::accounts;

/// A JSON body; malformed JSON or a wrong shape is a 400/422 problem naming the fault. Every
/// request body is a JSON object: serde would read a struct from an array too (`[null]` as a
/// patch that changes nothing), which no client means, so anything else is refused first.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let refused = |status, detail: String| {
            ApiError::new(
                status,
                crate::catalogue::Message::new("api_bad_body").given("detail", detail),
            )
        };
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => return Err(refused(rejection.status(), rejection.body_text())),
        };
        let unprocessable = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        if !value.is_object() {
            return Err(refused(unprocessable, "not a JSON object".into()));
        }
        serde_json::from_value(value)
            .map(Body)
            .map_err(|e| refused(unprocessable, e.to_string()))
    }
}

/// Query parameters, with the same kind of rejection.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(ApiError::bad_request(
                crate::catalogue::Message::new("api_bad_query")
                    .given("detail", rejection.body_text()),
            )),
        }
    }
}

/// A numeric id in the path.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<i64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) if id > 0 => Ok(Id(id)),
            _ => Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                crate::catalogue::Message::new("api_bad_id"),
            )),
        }
    }
}

/// Recently seen tokens, so that a busy client does not cost a database read per request.
/// An entry lives `TTL`: a revoked token or a changed role takes effect within that time.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Instant, Actor)>>,
}

impl TokenCache {
    const TTL: Duration = Duration::from_secs(10);
    const MAX_ENTRIES: usize = 10_000;

    pub(super) fn get(&self, hash: &str) -> Option<Actor> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(hash)
            .filter(|(at, _)| at.elapsed() < Self::TTL)
            .map(|(_, actor)| actor.clone())
    }

    fn put(&self, hash: String, actor: Actor) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < Self::TTL);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(hash, (Instant::now(), actor));
    }
}

/// The person behind the request's bearer token.
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let hash = token_hash(token);
        let client = parts
            .extensions
            .get::<super::client::Client>()
            .map(|c| c.ip)
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        if let Some(actor) = state.tokens.get(&hash) {
            if let (Some(reader), Some(user)) = (
                parts.extensions.get::<super::problems::ReaderLanguage>(),
                &actor.user,
            ) {
                reader.set(user.language);
            }
            return staff_network_check(state, actor, client).await;
        }
        let mut conn = state
            .desk
            .store
            .read()
            .await
            .map_err(|e| ApiError::from(DeskError::from(e)))?;
        match accounts::user_by_token(&mut conn, &hash).await {
            Ok(Some((user, token_id))) => {
                if let Some(reader) = parts.extensions.get::<super::problems::ReaderLanguage>() {
                    reader.set(user.language);
                }
                let actor = Actor::person(user, Some(token_id));
                state.tokens.put(hash, actor.clone());
                staff_network_check(state, actor, client).await
            }
            Ok(None) => Err(ApiError::unauthorized()),
            Err(e) => Err(DeskError::from(e).into()),
        }
    }
}

/// X1: a staff member's token works only from the configured networks; a refusal is audited.
async fn staff_network_check(
    state: &AppState,
    actor: Actor,
    client: std::net::IpAddr,
) -> Result<Auth, ApiError> {
    if !actor.is_staff() || state.desk.staff_may_work_from(client) {
        return Ok(Auth(actor));
    }
    state.desk.audit_network_refusal(&actor, client).await;
    Err(ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        crate::catalogue::Message::new("api_staff_network"),
    ))
}
