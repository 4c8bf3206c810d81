//! A short-lived cache of the public pages as rendered, in this process: a page every visitor
//! sees alike (no session) is rendered at most once per `ttl` and language, however many people
//! open it, so a popular centre's page costs the services a few calls a minute rather than a few
//! per visit. A visitor sees a rating or summary at most `ttl` old; `Cache-Control` and the
//! ETag let their browser skip even that. Pages for signed-in people are never cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, COOKIE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

use crate::domain::etag;
use crate::session;
use crate::web::LANG_COOKIE;

/// Largest page kept (bytes): a bigger one is served but not cached.
const MAX_PAGE: usize = 512 * 1024;

/// The cached pages.
#[derive(Clone)]
pub struct MicroCache {
    ttl: Duration,
    capacity: usize,
    pages: Arc<Mutex<HashMap<String, Cached>>>,
    /// The pages being rendered now: the visits that find their page missing at once wait for
    /// one rendering instead of each asking the services.
    rendering: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// The pages whose rendering has been tried since their lock was made.
    tried: Arc<Mutex<std::collections::HashSet<String>>>,
}

#[derive(Clone)]
struct Cached {
    at: Instant,
    headers: HeaderMap,
    body: Bytes,
}

impl MicroCache {
    /// A cache keeping each page `ttl`, at most `capacity` pages (all dropped when full: the
    /// next minute refills what is read).
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            pages: Arc::default(),
            rendering: Arc::default(),
            tried: Arc::default(),
        }
    }

    /// Whether this is the first try at rendering `key` since its lock was made: only that
    /// try holds the others back.
    fn first_try(&self, key: &str) -> bool {
        self.tried
            .lock()
            .is_ok_and(|mut tried| tried.insert(key.to_string()))
    }

    /// The lock of `key`'s rendering, shared by every visit that wants it now.
    fn rendering(&self, key: &str) -> Option<Arc<tokio::sync::Mutex<()>>> {
        let mut rendering = self.rendering.lock().ok()?;
        Some(rendering.entry(key.to_string()).or_default().clone())
    }

    /// Forgets `key`'s rendering lock once no visit holds it.
    fn rendered(&self, key: &str) {
        if let Ok(mut rendering) = self.rendering.lock()
            && rendering
                .get(key)
                .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            rendering.remove(key);
        }
    }

    fn get(&self, key: &str) -> Option<Cached> {
        let pages = self.pages.lock().ok()?;
        pages
            .get(key)
            .filter(|c| c.at.elapsed() < self.ttl)
            .cloned()
    }

    fn put(&self, key: String, page: Cached) {
        if let Ok(mut pages) = self.pages.lock() {
            if pages.len() >= self.capacity {
                pages.clear();
            }
            pages.insert(key, page);
        }
    }
}

/// What a page's rendering depends on besides its address: the language the visitor asked for,
/// by `?lang=` (in the address), cookie or `Accept-Language`.
fn key(request: &Request<Body>) -> Option<String> {
    let headers = request.headers();
    let cookies = headers
        .get(COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if session::cookie_value(cookies, session::COOKIE).is_some() {
        return None;
    }
    let lang = session::cookie_value(cookies, LANG_COOKIE).unwrap_or("");
    let accept = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Some(format!("{}\n{lang}\n{accept}", request.uri()))
}

/// A cached page as the response: 304 when the visitor's `If-None-Match` names it.
fn answer(page: Cached, if_none_match: Option<&axum::http::HeaderValue>) -> Response {
    let tag = page
        .headers
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if !tag.is_empty() && etag::matches(if_none_match, &tag) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        for name in [ETAG, CACHE_CONTROL] {
            if let Some(v) = page.headers.get(&name) {
                response.headers_mut().insert(name, v.clone());
            }
        }
        return response;
    }
    let mut response = Response::new(Body::from(page.body));
    *response.headers_mut() = page.headers;
    response
}

/// The middleware: anonymous GETs of public pages answered from the cache while fresh; a fresh
/// rendering kept when it is a 200 marked `public`.
pub async fn layer(
    State(cache): State<MicroCache>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let Some(key) = (request.method() == Method::GET)
        .then(|| key(&request))
        .flatten()
    else {
        return next.run(request).await;
    };
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    if let Some(page) = cache.get(&key) {
        return answer(page, if_none_match.as_ref());
    }
    let lock = cache.rendering(&key);
    let response = {
        // Visits that come while the page is rendered wait for that rendering, and only
        // for it: when it kept no page (an error page, say), each renders its own at once.
        let turn = match &lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        match cache.get(&key) {
            Some(page) => answer(page, if_none_match.as_ref()),
            None => {
                let first = turn.is_some() && cache.first_try(&key);
                let held = if first {
                    turn
                } else {
                    drop(turn);
                    None
                };
                let response = render(&cache, key.clone(), request, next, if_none_match).await;
                drop(held);
                response
            }
        }
    };
    drop(lock);
    cache.rendered(&key);
    response
}

/// Renders the page and keeps it when it is a 200 marked `public`.
async fn render(
    cache: &MicroCache,
    key: String,
    request: Request<Body>,
    next: Next,
    if_none_match: Option<axum::http::HeaderValue>,
) -> Response {
    // Rendered whole, whatever the visitor holds, so that the page is kept for the next
    // visitors; this visitor's 304 is then decided here.
    let mut request = request;
    request.headers_mut().remove(IF_NONE_MATCH);
    let response = next.run(request).await;
    let public = response
        .headers()
        .get(CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("public"));
    if response.status() != StatusCode::OK || !public {
        return response;
    }
    let (parts, body) = response.into_parts();
    match body.collect().await {
        Ok(collected) => {
            let body = collected.to_bytes();
            let page = Cached {
                at: Instant::now(),
                headers: parts.headers,
                body,
            };
            if page.body.len() <= MAX_PAGE {
                cache.put(key, page.clone());
            }
            answer(page, if_none_match.as_ref())
        }
        Err(e) => {
            tracing::warn!(error = %e, "a page's body failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn request(uri: &str, cookie: Option<&str>) -> Request<Body> {
        let mut b = Request::get(uri);
        if let Some(c) = cookie {
            b = b.header(COOKIE, c);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn only_anonymous_visits_share_a_page() {
        assert!(key(&request("/centres", None)).is_some());
        assert!(key(&request("/centres", Some("onaltu_session=abc"))).is_none());
        assert_ne!(
            key(&request("/centres", Some("onaltu_lang=ru"))),
            key(&request("/centres", Some("onaltu_lang=kk")))
        );
        assert_ne!(
            key(&request("/centres?page=2", None)),
            key(&request("/centres", None))
        );
    }

    #[test]
    fn pages_expire_and_the_cache_is_bounded() {
        let cache = MicroCache::new(Duration::from_millis(0), 2);
        let page = Cached {
            at: Instant::now(),
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"x"),
        };
        cache.put("a".into(), page.clone());
        assert!(
            cache.get("a").is_none(),
            "a page older than the TTL is not served"
        );
        let cache = MicroCache::new(Duration::from_secs(60), 2);
        cache.put("a".into(), page.clone());
        cache.put("b".into(), page.clone());
        cache.put("c".into(), page);
        assert!(cache.get("c").is_some());
        assert!(cache.pages.lock().unwrap().len() <= 2);
    }
    /// A visitor who already holds the page gets 304, and the page is kept for everyone else:
    /// the renderer is asked once, however the visits come.
    #[tokio::test]
    async fn a_revisit_is_answered_304_and_the_page_is_still_kept() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tower::ServiceExt;

        let renders = Arc::new(AtomicUsize::new(0));
        let counted = renders.clone();
        let app = axum::Router::new()
            .route(
                "/page",
                axum::routing::get(move |headers: HeaderMap| {
                    let counted = counted.clone();
                    async move {
                        counted.fetch_add(1, Ordering::SeqCst);
                        // As the public pages answer: 304 to a visitor holding this version.
                        if etag::matches(headers.get(IF_NONE_MATCH), "\"v1\"") {
                            return (StatusCode::NOT_MODIFIED, [(ETAG, "\"v1\"")]).into_response();
                        }
                        (
                            [(ETAG, "\"v1\""), (CACHE_CONTROL, "public, max-age=60")],
                            "the page",
                        )
                            .into_response()
                    }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                MicroCache::new(Duration::from_secs(60), 10),
                layer,
            ));
        let revisit = || {
            Request::get("/page")
                .header(IF_NONE_MATCH, "\"v1\"")
                .body(Body::empty())
                .unwrap()
        };
        let first = app.clone().oneshot(revisit()).await.unwrap();
        assert_eq!(first.status(), StatusCode::NOT_MODIFIED);
        let second = app.clone().oneshot(revisit()).await.unwrap();
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
        let fresh = app.clone().oneshot(request("/page", None)).await.unwrap();
        assert_eq!(fresh.status(), StatusCode::OK);
        let body = fresh.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"the page");
        assert_eq!(
            renders.load(Ordering::SeqCst),
            1,
            "rendered once for all three visits"
        );
    }
    /// Visits that find a page missing at the same moment wait for one rendering.
    #[tokio::test]
    async fn visits_at_once_share_one_rendering() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tower::ServiceExt;

        let renders = Arc::new(AtomicUsize::new(0));
        let counted = renders.clone();
        let app = axum::Router::new()
            .route(
                "/slow",
                axum::routing::get(move || {
                    let counted = counted.clone();
                    async move {
                        counted.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        (
                            [(ETAG, "\"v1\""), (CACHE_CONTROL, "public, max-age=60")],
                            "slow",
                        )
                    }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                MicroCache::new(Duration::from_secs(60), 10),
                layer,
            ));
        let visits = (0..16).map(|_| app.clone().oneshot(request("/slow", None)));
        for response in futures::future::join_all(visits).await {
            assert_eq!(response.unwrap().status(), StatusCode::OK);
        }
        assert_eq!(renders.load(Ordering::SeqCst), 1);
    }
    /// When the rendering keeps no page (the services are down, say), the visits that waited
    /// for it do not wait for each other in turn: each renders at once.
    #[tokio::test]
    async fn a_failed_rendering_holds_no_one_back_after_it() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tower::ServiceExt;

        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let renders = Arc::new(AtomicUsize::new(0));
        let (r, m, n) = (running.clone(), most.clone(), renders.clone());
        let app = axum::Router::new()
            .route(
                "/down",
                axum::routing::get(move || {
                    let (r, m, n) = (r.clone(), m.clone(), n.clone());
                    async move {
                        n.fetch_add(1, Ordering::SeqCst);
                        let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                        m.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        r.fetch_sub(1, Ordering::SeqCst);
                        StatusCode::SERVICE_UNAVAILABLE
                    }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                MicroCache::new(Duration::from_secs(60), 10),
                layer,
            ));
        let visits = (0..8).map(|_| app.clone().oneshot(request("/down", None)));
        for response in futures::future::join_all(visits).await {
            assert_eq!(response.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        assert_eq!(
            renders.load(Ordering::SeqCst),
            8,
            "an error page is not kept"
        );
        assert!(
            most.load(Ordering::SeqCst) > 1,
            "after the first rendering failed, the others rendered side by side, not in turn"
        );
    }
}
