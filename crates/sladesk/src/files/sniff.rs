//! What a file is, from its first bytes: the type a client gives is never trusted, because a
//! browser acts on the type it is served (an HTML "screenshot" would run in the desk's origin).

/// The media type of `bytes`: a known signature's, else text for UTF-8 text without control
/// characters, else `application/octet-stream`. Markup a browser would run (HTML, XML, SVG) is
/// plain text here: it is only ever read as text.
pub fn media_type(bytes: &[u8]) -> &'static str {
    if let Some(kind) = infer::get(bytes) {
        let found = kind.mime_type();
        if !(found.contains("html") || found.contains("xml") || found.contains("svg")) {
            return found;
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text)
            if !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            "text/plain"
        }
        _ => "application/octet-stream",
    }
}

/// Whether a browser may show the file in a page: raster images only (an SVG carries script).
pub fn safe_to_show_inline(media_type: &str) -> bool {
    matches!(
        media_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(media_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(media_type(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(media_type(b"2026-12-01 ERROR timeout\n"), "text/plain");
        assert_eq!(media_type(b"\0\x01\x02garbage"), "application/octet-stream");
        // HTML is text to us: it is never served as HTML.
        assert_eq!(media_type(b"<html><script>alert(1)</script>"), "text/plain");
        assert_eq!(
            media_type(b"<?xml version=\"1.0\"?><svg onload=\"x()\"/>"),
            "text/plain"
        );
        assert!(safe_to_show_inline("image/png"));
        assert!(!safe_to_show_inline("image/svg+xml"));
    }
}
