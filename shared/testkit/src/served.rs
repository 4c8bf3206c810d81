//! Any service served in-process for a test: bound to a free loopback port, reached through a
//! real gRPC channel, stopped when dropped.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use onaltu_auth::Claims;
use tokio::net::TcpListener;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// The shutdown signal handed to a service's `serve`: resolves when the test stops it.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A service running in this process until dropped.
pub struct Served {
    /// `http://127.0.0.1:<port>`.
    pub addr: String,
    /// A connected channel to it.
    pub channel: Channel,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Served {
    /// Serves a service's `serve` with `settings` on `pool`, as its binary would (start-up
    /// included), on a loopback port.
    pub async fn service<S, F, Fut>(
        name: &str,
        settings: S,
        pool: onaltu_db::Pool,
        serve: F,
    ) -> Self
    where
        S: Send + 'static,
        F: FnOnce(onaltu_service::Start<S>) -> Fut,
        Fut: Future<Output = Result<(), onaltu_service::StartError>> + Send + 'static,
    {
        Self::start(name, move |listener, shutdown| {
            serve(onaltu_service::Start {
                settings,
                pool,
                listener,
                shutdown,
            })
        })
        .await
    }

    /// Binds a loopback port, spawns `serve(listener, shutdown)` and waits until it accepts
    /// connections. A failing `serve` panics the test with its error.
    pub async fn start<F, Fut, E>(name: &str, serve: F) -> Self
    where
        F: FnOnce(TcpListener, Shutdown) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = format!("http://{}", listener.local_addr().expect("local address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown: Shutdown = Box::pin(async move {
            let _ = stopped.await;
        });
        let running = serve(listener, shutdown);
        let service = name.to_string();
        tokio::spawn(async move {
            if let Err(err) = running.await {
                panic!("{service} stopped with an error: {err}");
            }
        });
        let endpoint = Channel::from_shared(addr.clone()).expect("a valid address");
        for _ in 0..250 {
            if let Ok(channel) = endpoint.connect().await {
                return Self {
                    addr,
                    channel,
                    stop: Some(stop),
                };
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{name} did not start listening on {addr}");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Adds a bearer token (when there is one) to every call.
#[derive(Clone, Default)]
pub struct Bearer(Option<String>);

impl Bearer {
    /// A bearer of a token signed for `claims`; `None` calls without a token.
    pub fn new(claims: Option<&Claims>) -> Self {
        Self(claims.map(crate::token))
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut r: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(t) = &self.0 {
            let value = format!("Bearer {t}")
                .parse()
                .map_err(|_| tonic::Status::internal("token is not a header value"))?;
            r.metadata_mut().insert("authorization", value);
        }
        Ok(r)
    }
}

/// A channel that carries `claims` (or nothing) on every call.
pub type AuthedChannel = InterceptedService<Channel, Bearer>;

/// `channel` with `claims` on every call.
pub fn authed(channel: &Channel, claims: Option<&Claims>) -> AuthedChannel {
    InterceptedService::new(channel.clone(), Bearer::new(claims))
}
