//! Entity tags: a page's tag is a digest of what it shows, so a repeat visit is answered 304
//! until the rating, the summary or the page itself changes.

use axum::http::HeaderValue;
use sha2::{Digest, Sha256};

/// The strong ETag of `content`: a quoted, truncated SHA-256.
pub fn of(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether an `If-None-Match` header names `etag` (or `*`).
pub fn matches(if_none_match: Option<&HeaderValue>, etag: &str) -> bool {
    let Some(header) = if_none_match.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    header
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_content() {
        assert_eq!(of(b"a"), of(b"a"));
        assert_ne!(of(b"a"), of(b"b"));
        let tag = of(b"a");
        let header = HeaderValue::from_str(&format!("\"x\", W/{tag}")).ok();
        assert!(matches(header.as_ref(), &tag));
        assert!(!matches(HeaderValue::from_str("\"x\"").ok().as_ref(), &tag));
        assert!(!matches(None, &tag));
    }
}
