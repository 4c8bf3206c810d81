//! The Onaltu portal: the public ratings and feedback of rehabilitation centres, a citizen's own
//! services, evaluations, complaints and invataxi trips, and the operators' pages, rendered on
//! the server in Kazakh, Russian and English. Every page and form works without JavaScript; the
//! portal holds no data of its own but sessions, and calls the four services with the
//! signed-in person's own token, so each service decides what the person may see or do.

pub mod backend;
pub mod domain;
pub mod i18n;
pub mod live;
pub mod microcache;
pub mod oidc;
pub mod pages;
pub mod session;
pub mod settings;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use onaltu_auth::Authenticator;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::backend::Backend;
use crate::session::Sessions;
use crate::settings::Settings;
use crate::web::AppState;

/// Why the portal could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting could not be used.
    #[error("{0}")]
    Config(String),
    /// The listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server stopped with an error.
    #[error("server: {0}")]
    Serve(std::io::Error),
}

/// The state every handler reaches, from `settings`.
pub async fn state(settings: Settings) -> Result<AppState, StartError> {
    let client = settings
        .cache
        .client()
        .map_err(|e| StartError::Config(format!("cache.{e}")))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_millis(
            settings.cache.op_timeout_ms.max(1_000),
        )))
        .set_response_timeout(Some(Duration::from_millis(
            settings.cache.op_timeout_ms.max(1_000),
        )));
    let redis = ConnectionManager::new_with_config(client, config)
        .await
        .map_err(|e| StartError::Config(format!("cache.url: cannot reach Redis: {e}")))?;
    let sessions = Sessions::new(redis, &settings.cache.prefix, settings.session.clone());
    let authenticator = Authenticator::from_settings(&settings.auth)
        .map_err(|e| StartError::Config(format!("auth: {e}")))?;
    Ok(AppState {
        backend: Backend::new(&settings).map_err(StartError::Config)?,
        sessions,
        authenticator: Arc::new(authenticator),
        settings: Arc::new(settings),
    })
}

/// Every route of the portal, within the server's limits: at most `[server] concurrency_limit`
/// requests at once, each answered within `request_timeout_ms` (else 503).
pub fn router(state: AppState) -> Router {
    let server = &state.settings.server;
    let limits = tower::ServiceBuilder::new()
        .layer(axum::error_handling::HandleErrorLayer::new(
            |_: tower::BoxError| async {
                (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    [(axum::http::header::RETRY_AFTER, "5")],
                    "The portal is busy; try again in a few seconds.",
                )
            },
        ))
        .concurrency_limit(server.concurrency_limit)
        .timeout(Duration::from_millis(server.request_timeout_ms));
    pages::routes(state).layer(limits)
}

/// Serves the portal on `listener` until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartError::Serve)
}
