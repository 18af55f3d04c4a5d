//! The language of a page or a problem document: `?lang=` first, then the browser's first
//! preference, then Dutch (the vendor's language).

use axum::http::{HeaderMap, header};
use sladesk_core::text::Language;

/// `?lang=` first, then the browser's first preference, then Dutch.
pub fn language(param: Option<&str>, headers: &HeaderMap) -> Language {
    let wanted = param.map(str::to_string).or_else(|| {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim().to_lowercase())
    });
    match wanted.as_deref() {
        Some(l) if l.starts_with("en") => Language::En,
        _ => Language::Nl,
    }
}
