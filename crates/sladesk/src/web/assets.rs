//! The pages' stylesheet and script, compiled into the binary: nothing comes from elsewhere,
//! and with no inline code the pages can forbid any (Content-Security-Policy).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("assets/sladesk.css");
const JS: &str = include_str!("assets/sladesk.js");
const STATUS_CSS: &str = include_str!("assets/status.css");
const FAVICON: &str = include_str!("assets/favicon.svg");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The pages ask for `?v=<version>`, so an upgrade never meets a stale copy.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

pub async fn stylesheet() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

pub async fn status_stylesheet() -> Response {
    asset(STATUS_CSS, "text/css; charset=utf-8")
}

/// The icon, for `/favicon.svg` and for browsers that ask `/favicon.ico` of every site.
pub async fn favicon() -> Response {
    asset(FAVICON, "image/svg+xml")
}

pub async fn script() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}

/// What the signed-in pages may load and where their forms may go: this site only, nothing
/// inline, never in a frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
