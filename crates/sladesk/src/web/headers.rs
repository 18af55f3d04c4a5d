//! Security headers on every response, set in this one place: what a page may load (CSP),
//! no content sniffing, never in a frame, no referrer to other sites, and HSTS when the public
//! URL is https. A handler that needs another Content-Security-Policy sets its own first.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::assets::CONTENT_SECURITY_POLICY;

/// A year, with subdomains: the usual HSTS policy for a site served only over https.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds the headers; `https` says whether the public URL is https (then HSTS too).
pub async fn secure(State(https): State<bool>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let defaults = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in defaults {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}
