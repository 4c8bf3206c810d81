//! Per-call deadlines: the configured request timeout for ordinary calls, a longer one for the
//! methods a service names as long-running (client-streaming imports), and always the caller's
//! own `grpc-timeout` when it is shorter. A call past its deadline answers DEADLINE_EXCEEDED.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tonic::body::Body;

/// Layer applying [`Deadline`].
#[derive(Debug, Clone)]
pub struct DeadlineLayer {
    unary: Duration,
    long: Duration,
    long_running: Arc<HashSet<String>>,
}

impl DeadlineLayer {
    /// `unary` for every method except `long_running` paths (`/pkg.Service/Method`), which get
    /// `long`.
    pub fn new(unary: Duration, long: Duration, long_running: HashSet<String>) -> Self {
        Self {
            unary,
            long,
            long_running: Arc::new(long_running),
        }
    }
}

impl<S> tower::Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`DeadlineLayer`].
#[derive(Debug, Clone)]
pub struct Deadline<S> {
    inner: S,
    layer: DeadlineLayer,
}

/// The caller's `grpc-timeout` header (e.g. `250m`, `5S`), if any and well formed.
fn caller_timeout(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

impl<S, B> tower::Service<http::Request<B>> for Deadline<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<Body>> + Send,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let own = if self.layer.long_running.contains(request.uri().path()) {
            self.layer.long
        } else {
            self.layer.unary
        };
        let limit = caller_timeout(request.headers()).map_or(own, |c| c.min(own));
        let call = self.inner.call(request);
        Box::pin(async move {
            match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => Ok(tonic::Status::deadline_exceeded(format!(
                    "the call took longer than its deadline of {} ms",
                    limit.as_millis()
                ))
                .into_http()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_headers_are_read_in_every_unit() {
        let mut h = http::HeaderMap::new();
        for (v, d) in [
            ("2H", Duration::from_secs(7200)),
            ("3M", Duration::from_secs(180)),
            ("5S", Duration::from_secs(5)),
            ("250m", Duration::from_millis(250)),
            ("7u", Duration::from_micros(7)),
            ("9n", Duration::from_nanos(9)),
        ] {
            h.insert("grpc-timeout", v.parse().unwrap());
            assert_eq!(caller_timeout(&h), Some(d), "{v}");
        }
        h.insert("grpc-timeout", "soon".parse().unwrap());
        assert_eq!(caller_timeout(&h), None);
    }
}
