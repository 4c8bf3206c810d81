//! Calling the registry: retries of idempotent calls, readable errors with the richer error
//! model's details, and a tally of failed calls so none goes unreported.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tonic::{Code, Status};
use tonic_types::StatusExt;

/// How many times an idempotent call is tried in all.
const ATTEMPTS: u32 = 5;

/// Deadline of one unary call.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A status as one line: code, message, and every field violation or precondition failure.
pub fn describe(status: &Status) -> String {
    let mut text = format!("{:?}: {}", status.code(), status.message());
    if let Some(bad) = status.get_details_bad_request() {
        for v in bad.field_violations {
            text.push_str(&format!("; {}: {}", v.field, v.description));
        }
    }
    if let Some(failure) = status.get_details_precondition_failure() {
        for v in failure.violations {
            // Servers often repeat the one failure in the message: say it once.
            if !status.message().contains(&v.description) {
                text.push_str(&format!("; {} {}: {}", v.r#type, v.subject, v.description));
            }
        }
    }
    text
}

fn retryable(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable | Code::ResourceExhausted | Code::DeadlineExceeded | Code::Aborted
    )
}

/// Runs an idempotent call (a read, or a create with a fixed `request_id`), retrying while the
/// server is unavailable or overloaded, after the delay its `RetryInfo` asks for or with
/// exponential back-off.
pub async fn with_retry<T, F, Fut>(mut call: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<tonic::Response<T>, Status>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status) if attempt < ATTEMPTS && retryable(status.code()) => {
                let backoff = Duration::from_millis(200 * 2u64.pow(attempt));
                let delay = status
                    .get_details_retry_info()
                    .and_then(|info| info.retry_delay)
                    .unwrap_or(backoff)
                    .min(Duration::from_secs(10));
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(status) => return Err(status),
        }
    }
}

/// Calls `client.method(message)` through [`with_retry`], on a clone of the client per attempt
/// (the generated methods borrow the client mutably).
#[macro_export]
macro_rules! retry {
    ($client:expr, $method:ident, $message:expr) => {
        $crate::calls::with_retry(|| {
            let mut client = $client.clone();
            let message = $message.clone();
            async move { client.$method($crate::calls::request(message)).await }
        })
    };
}

/// A request with the unary call deadline set.
pub fn request<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(CALL_TIMEOUT);
    request
}

/// Count and first description of failed calls, by RPC and status code.
type ByRpcAndCode = BTreeMap<(&'static str, String), (u64, String)>;

/// Failed calls by RPC and status code, with the first failure's description as an example.
#[derive(Debug, Clone, Default)]
pub struct Failures {
    inner: Arc<Mutex<ByRpcAndCode>>,
}

impl Failures {
    /// Records a failed call of `rpc`.
    pub fn record(&self, rpc: &'static str, status: &Status) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map
            .entry((rpc, format!("{:?}", status.code())))
            .or_insert_with(|| (0, describe(status)));
        entry.0 += 1;
    }

    /// Total failed calls.
    pub fn total(&self) -> u64 {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.values().map(|(n, _)| n).sum()
    }

    /// One line per RPC and code: count and an example.
    pub fn lines(&self) -> Vec<String> {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.iter()
            .map(|((rpc, code), (n, example))| format!("{rpc} {code} x{n}, e.g. {example}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::{ErrorDetails, FieldViolation};

    #[test]
    fn field_violations_are_spelled_out() {
        let status = Status::with_error_details(
            Code::InvalidArgument,
            "invalid person",
            ErrorDetails::with_bad_request(vec![FieldViolation::new(
                "iin",
                "check digit does not match",
            )]),
        );
        assert_eq!(
            describe(&status),
            "InvalidArgument: invalid person; iin: check digit does not match"
        );
    }

    #[test]
    fn failures_are_counted_by_rpc_and_code() {
        let failures = Failures::default();
        failures.record("OfferPlace", &Status::failed_precondition("not the head"));
        failures.record("OfferPlace", &Status::failed_precondition("again"));
        failures.record("AdmitPerson", &Status::not_found("no episode"));
        assert_eq!(failures.total(), 3);
        assert_eq!(
            failures.lines(),
            [
                "AdmitPerson NotFound x1, e.g. NotFound: no episode",
                "OfferPlace FailedPrecondition x2, e.g. FailedPrecondition: not the head",
            ]
        );
    }

    #[tokio::test]
    async fn unavailable_calls_are_retried_and_bad_input_is_not() {
        let mut calls = 0;
        let result = with_retry(|| {
            calls += 1;
            let answer = if calls < 3 {
                Err(Status::unavailable("starting"))
            } else {
                Ok(tonic::Response::new(calls))
            };
            async move { answer }
        })
        .await;
        assert_eq!(result.unwrap(), 3);
        let mut calls = 0;
        let result: Result<(), Status> = with_retry(|| {
            calls += 1;
            async { Err(Status::invalid_argument("bad")) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls, 1);
    }
}
