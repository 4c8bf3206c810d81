//! The portal's pages, each module a group of them: `public` (centres, ratings, feedback,
//! methodology: no sign-in), `signin` (the identity provider and, in development, demo
//! accounts), `citizen` (a person's own services, evaluations, complaints and trips).

pub mod citizen;
pub mod coordinator;
pub mod dispatch;
pub mod driver;
pub mod moderation;
pub mod public;
pub mod signin;
pub mod staff;
pub mod trips;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use redis::AsyncCommands;

use crate::web::{self, AppState, Layout};

/// An error shown as a page.
#[derive(askama::Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The layout.
    pub page: Layout,
    /// What went wrong, for the visitor.
    pub message: String,
    /// Whether to offer signing in.
    pub sign_in: bool,
}

/// Every route.
pub fn routes(state: AppState) -> Router {
    let secure = web::Secure(state.settings.server.secure());
    Router::new()
        .merge(public::routes().layer(axum::middleware::from_fn_with_state(
            crate::microcache::MicroCache::new(
                std::time::Duration::from_secs(state.settings.server.page_cache_secs),
                state.settings.server.page_cache_entries,
            ),
            crate::microcache::layer,
        )))
        .merge(signin::routes())
        .merge(citizen::routes())
        .merge(coordinator::routes())
        .merge(dispatch::routes())
        .merge(driver::routes())
        .merge(moderation::routes())
        .merge(staff::routes())
        .route("/static/{file}", get(asset))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(web::headers))
        .layer(axum::Extension(secure))
        .with_state(state)
}

async fn not_found(ctx: web::Ctx) -> Response {
    ctx.answer(Err(web::PageError::NotFound))
}

/// Ready while the session store answers: without it no one can sign in.
async fn ready(State(state): State<AppState>) -> Response {
    let mut redis = state.sessions.redis();
    match redis.ping::<String>().await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: Redis");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the session store is unreachable",
            )
                .into_response()
        }
    }
}

/// The static files, compiled in: (name, content type, body).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "portal.css",
        "text/css; charset=utf-8",
        include_str!("../../static/portal.css"),
    ),
    (
        "driver.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/driver.js"),
    ),
    (
        "portal.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/portal.js"),
    ),
    (
        "board.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/board.js"),
    ),
];

/// The ETag of each of [`ASSETS`], computed once.
static ASSET_TAGS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(_, _, body)| crate::domain::etag::of(body.as_bytes()))
        .collect()
});

/// A static file, with an ETag of its content and a day's caching.
async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|(name, _, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let (_, kind, body) = ASSETS[index];
    let etag = ASSET_TAGS[index].clone();
    if crate::domain::etag::matches(headers.get(IF_NONE_MATCH), &etag) {
        return (StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response();
    }
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
            (
                ETAG,
                HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
            ),
        ],
        body,
    )
        .into_response()
}
