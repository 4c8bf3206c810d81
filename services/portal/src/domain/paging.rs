//! Paging through a service's list with next and previous links. The services page with opaque
//! tokens and can only go forward, so a page's address carries the trail of tokens that led to
//! it (`?page=t1.t2`): the next page adds the service's next token, the previous page drops the
//! last one, and the first page has no trail at all.

use crate::web::encode_component;

/// The most pages a trail may lead through; a longer one is treated as the first page.
pub const MAX_PAGES: usize = 200;

/// The tokens that led to a page, first page's (empty) token left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trail {
    tokens: Vec<String>,
}

/// Whether `token` looks like a page token the services issue (URL-safe base64, no padding).
fn plausible(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 200
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Trail {
    /// The trail a `?page=` value carries; anything malformed is the first page.
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        if raw.is_empty() {
            return Self::default();
        }
        let tokens: Vec<String> = raw.split('.').map(str::to_string).collect();
        if tokens.len() > MAX_PAGES || !tokens.iter().all(|t| plausible(t)) {
            return Self::default();
        }
        Self { tokens }
    }

    /// The token of this page, for the service (empty: the first page).
    pub fn current(&self) -> &str {
        self.tokens.last().map_or("", String::as_str)
    }

    /// The page's number, 1-based.
    pub fn number(&self) -> usize {
        self.tokens.len() + 1
    }

    /// Whether this is the first page.
    pub fn is_first(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The `?page=` value of the page after this one, given the service's next token; `None`
    /// on the last page.
    pub fn next(&self, next_token: &str) -> Option<String> {
        if !plausible(next_token) || self.tokens.len() >= MAX_PAGES {
            return None;
        }
        let mut tokens = self.tokens.clone();
        tokens.push(next_token.to_string());
        Some(tokens.join("."))
    }

    /// The `?page=` value of the page before this one (empty for the first); `None` on the
    /// first page.
    pub fn previous(&self) -> Option<String> {
        let (_, before) = self.tokens.split_last()?;
        Some(before.join("."))
    }
}

/// `path` with the query parameters that have a value, percent-encoded, in the given order.
pub fn link(path: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode_component(value)))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The previous and next links of a page of a list at `path` filtered by `params`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pager {
    /// The page's number, 1-based.
    pub number: usize,
    /// The previous page's address, when there is one.
    pub previous: Option<String>,
    /// The next page's address, when there is one.
    pub next: Option<String>,
}

impl Pager {
    /// The links around `trail`'s page, given the service's `next_token`.
    pub fn new(path: &str, params: &[(&str, &str)], trail: &Trail, next_token: &str) -> Self {
        let to = |page: String| {
            let mut all = params.to_vec();
            all.push(("page", &page));
            link(path, &all)
        };
        Self {
            number: trail.number(),
            previous: trail.previous().map(to),
            next: trail.next(next_token).map(to),
        }
    }

    /// Whether there is any other page to go to.
    pub fn shown(&self) -> bool {
        self.previous.is_some() || self.next.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_page_has_no_trail_and_no_previous() {
        let first = Trail::parse("");
        assert!(first.is_first());
        assert_eq!((first.current(), first.number()), ("", 1));
        assert_eq!(first.previous(), None);
        assert_eq!(first.next("dGFi").as_deref(), Some("dGFi"));
        assert_eq!(first.next(""), None, "the last page");
    }

    #[test]
    fn next_adds_a_token_and_previous_drops_it() {
        let second = Trail::parse("YQ");
        assert_eq!((second.current(), second.number()), ("YQ", 2));
        assert_eq!(second.previous().as_deref(), Some(""));
        let third = Trail::parse(&second.next("Yg").unwrap());
        assert_eq!((third.current(), third.number()), ("Yg", 3));
        assert_eq!(third.previous().as_deref(), Some("YQ"));
    }

    #[test]
    fn a_malformed_trail_is_the_first_page() {
        for raw in ["a..b", "a.b c", "<script>", "a/b", "."] {
            assert!(Trail::parse(raw).is_first(), "{raw}");
        }
        let long = vec!["YQ"; MAX_PAGES + 1].join(".");
        assert!(Trail::parse(&long).is_first());
        let full = Trail::parse(&vec!["YQ"; MAX_PAGES].join("."));
        assert_eq!(full.next("Yg"), None, "no page beyond the longest trail");
    }

    #[test]
    fn links_keep_the_filters_and_drop_empty_ones() {
        assert_eq!(link("/centres", &[]), "/centres");
        assert_eq!(
            link(
                "/centres",
                &[("region", "KZ-71"), ("q", "күн ай"), ("kind", "")]
            ),
            "/centres?region=KZ-71&q=%D0%BA%D2%AF%D0%BD%20%D0%B0%D0%B9"
        );
        let pager = Pager::new(
            "/centres",
            &[("region", "KZ-71")],
            &Trail::parse("YQ"),
            "Yg",
        );
        assert_eq!(pager.number, 2);
        assert_eq!(pager.previous.as_deref(), Some("/centres?region=KZ-71"));
        assert_eq!(
            pager.next.as_deref(),
            Some("/centres?region=KZ-71&page=YQ.Yg")
        );
        assert!(pager.shown());
        let only = Pager::new("/centres", &[], &Trail::default(), "");
        assert!(!only.shown());
    }
}
