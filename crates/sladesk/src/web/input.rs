//! Text input is checked once, here, for both doors (API and pages): a control character
//! (NUL and the like) in the path, a query parameter, a form field or a JSON string is refused
//! with a 422 naming the field, before any handler or database sees it. Newline, carriage
//! return and tab are let through here; fields that must be one line refuse them themselves.
//! SQLite's C strings end at NUL and PostgreSQL cannot store it, so without this a NUL became
//! a 500 on one and a half-stored value on the other.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Whether `c` is refused in text input.
fn refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// The first field of `pairs` (url-encoded) whose name or value holds a refused character.
fn bad_pair(encoded: &[u8]) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(name, value)| name.chars().any(refused) || value.chars().any(refused))
        .map(|(name, _)| name.chars().filter(|c| !refused(*c)).collect())
}

/// The JSON path of the first string (or key) holding a refused character.
fn bad_json(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.chars().any(refused) => Some(if path.is_empty() {
            "body".into()
        } else {
            path.into()
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| bad_json(item, &format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.chars().any(refused) {
                Some(here.chars().filter(|c| !refused(*c)).collect())
            } else {
                bad_json(item, &here)
            }
        }),
        _ => None,
    }
}

/// The refusal of a multipart form's text field holding a refused character, if it does
/// (multipart bodies pass the middleware unread: their files are bytes).
pub fn control_character_in(name: &str, value: &str) -> Option<ApiError> {
    (name.chars().any(refused) || value.chars().any(refused)).then(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::catalogue::Message::new("api_control_character").given(
                "field",
                name.chars().filter(|c| !refused(*c)).collect::<String>(),
            ),
        )
    })
}

/// The refusal, as a problem document (put in the reader's language, and made a page for a
/// browser, by `problems::in_the_readers_language` on the way out).
fn refusal(field: &str) -> Response {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        crate::catalogue::Message::new("api_control_character").given("field", field),
    )
    .into_response()
}

pub async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let decoded = percent_decoded(path);
    if decoded.chars().any(refused) {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            crate::catalogue::Message::new("api_no_such_resource"),
        )
        .into_response();
    }
    if let Some(query) = request.uri().query()
        && let Some(field) = bad_pair(query.as_bytes())
    {
        return refusal(&field);
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json") || content_type.contains("+json");
    if !(form || json) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The body limit layer outside this one caps what can be read here.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                crate::catalogue::Message::new("api_body_too_large"),
            )
            .into_response();
        }
    };
    if form {
        if let Some(field) = bad_pair(&bytes) {
            return refusal(&field);
        }
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    // Malformed JSON is left to the handler, which names the fault.
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    if let Some(field) = bad_json(&value, "") {
        return refusal(&field);
    }
    // JSON Schema counts `5.0` as an integer, and so do clients generated from our document;
    // serde would refuse it for an integer field, so whole numbers are handed on as such.
    let body = if whole_numbers_as_integers(&mut value) {
        Body::from(value.to_string())
    } else {
        Body::from(bytes)
    };
    next.run(Request::from_parts(parts, body)).await
}

/// Turns every whole number written with a fraction (`5.0`, `1e3`) into an integer; whether
/// anything changed.
fn whole_numbers_as_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => {
                *value = Value::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => items.iter_mut().fold(false, |changed, item| {
            whole_numbers_as_integers(item) | changed
        }),
        Value::Object(fields) => fields.values_mut().fold(false, |changed, item| {
            whole_numbers_as_integers(item) | changed
        }),
        _ => false,
    }
}

fn percent_decoded(path: &str) -> String {
    form_urlencoded::parse(format!("p={}", path.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_and_named() {
        assert_eq!(bad_pair(b"q=%00"), Some("q".into()));
        assert_eq!(bad_pair(b"a=1&subject=x%01y"), Some("subject".into()));
        assert_eq!(bad_pair(b"description=line%0Aline%09tab"), None);
        let json = serde_json::json!({"subject": "ok", "tags": ["fine", "bad\u{0}"]});
        assert_eq!(bad_json(&json, ""), Some("tags[1]".into()));
        let json = serde_json::json!({"subject": "ok", "deep": {"x": "\u{7}"}});
        assert_eq!(bad_json(&json, ""), Some("deep.x".into()));
        assert_eq!(
            bad_json(&serde_json::json!({"a": "multi\nline\ttext"}), ""),
            None
        );
        assert_eq!(percent_decoded("/heartbeats/a%00b"), "/heartbeats/a\0b");
    }

    #[test]
    fn whole_numbers_become_integers_and_fractions_stay() {
        let mut value = serde_json::json!({"id": 5.0, "list": [1e3, 2.5], "n": 7});
        assert!(whole_numbers_as_integers(&mut value));
        assert_eq!(
            value,
            serde_json::json!({"id": 5, "list": [1000, 2.5], "n": 7})
        );
        assert!(!whole_numbers_as_integers(
            &mut serde_json::json!({"x": 1.5})
        ));
    }
}
