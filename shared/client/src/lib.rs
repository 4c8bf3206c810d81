//! Calls from one service to another. Each call has a deadline, carries the W3C trace context,
//! and is retried with backoff while the other service answers UNAVAILABLE; when it stays down
//! the caller answers UNAVAILABLE with RetryInfo, never INTERNAL.

use std::future::Future;
use std::time::Duration;

use onaltu_config::{Checker, Validate};
use onaltu_errors::ApiError;
use serde::Deserialize;
use tonic::Code;
use tonic::transport::{Channel, Endpoint};

/// Where another service is and how patiently to call it (e.g. `[registry]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientSettings {
    /// The service's address, e.g. `http://registry:50051`.
    pub url: String,
    /// Deadline of each attempt.
    pub timeout_ms: u64,
    /// Attempts while the service answers UNAVAILABLE.
    pub attempts: u32,
    /// Pause before the second attempt; doubled before each further one.
    pub backoff_ms: u64,
    /// This service's own token for calls made in its own name (a mounted Kubernetes Secret);
    /// unused by calls that forward the caller's token.
    pub token: Option<onaltu_config::SecretString>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:50051".into(),
            timeout_ms: 2_000,
            attempts: 3,
            backoff_ms: 100,
            token: None,
        }
    }
}

impl Validate for ClientSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            Endpoint::from_shared(self.url.clone()).is_ok(),
            "url",
            "must be an http(s) URL",
        );
        c.check(
            (10..=60_000).contains(&self.timeout_ms),
            "timeout_ms",
            "must be between 10 and 60000",
        );
        c.check(
            (1..=10).contains(&self.attempts),
            "attempts",
            "must be between 1 and 10",
        );
        c.check(
            self.backoff_ms <= 10_000,
            "backoff_ms",
            "must be at most 10000",
        );
    }
}

/// How long a caller should wait before retrying when the other service is down.
pub const RETRY_AFTER: Duration = Duration::from_secs(2);

impl ClientSettings {
    /// A channel that connects on first use (the other service may start after this one).
    pub fn channel(&self, name: &str) -> Result<Channel, String> {
        Ok(Endpoint::from_shared(self.url.clone())
            .map_err(|e| format!("{name}.url: {e}"))?
            .connect_timeout(Duration::from_millis(self.timeout_ms))
            .timeout(Duration::from_millis(self.timeout_ms))
            .connect_lazy())
    }

    /// A request for `message` with this deadline.
    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.set_timeout(Duration::from_millis(self.timeout_ms));
        request
    }

    /// Runs `call` until it answers something other than UNAVAILABLE or the attempts are spent.
    pub async fn retrying<T, F, Fut>(&self, mut call: F) -> Result<T, tonic::Status>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, tonic::Status>>,
    {
        let mut backoff = Duration::from_millis(self.backoff_ms);
        let mut attempt = 1;
        loop {
            match call().await {
                Err(status) if status.code() == Code::Unavailable && attempt < self.attempts => {
                    tracing::debug!(attempt, url = %self.url, "service unavailable; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// Whether `status` means the other service could not be reached in time.
pub fn is_unreachable(status: &tonic::Status) -> bool {
    matches!(
        status.code(),
        Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted | Code::Cancelled
    )
}

/// The answer when `service` is unreachable: UNAVAILABLE with RetryInfo, saying what was not done.
pub fn unreachable(service: &str, consequence: &str) -> ApiError {
    ApiError::Unavailable {
        message: format!("the {service} is unreachable; {consequence}"),
        retry_after: RETRY_AFTER,
    }
}

/// Adds the current trace context to an outgoing request.
pub fn traced(request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
    use tonic::service::Interceptor as _;
    onaltu_telemetry::TracePropagation.call(request)
}
