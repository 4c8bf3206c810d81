//! Who calls, with which token, why, and in which trace: what every handler and audit event needs
//! of a request, read once at the edge.

use onaltu_auth::{Caller, Role};
use onaltu_errors::ApiError;
use tonic::{Request, Response, Status};
use uuid::Uuid;

/// The metadata key a caller names the purpose of a read of personal data with.
pub const PURPOSE_HEADER: &str = "x-onaltu-purpose";

/// The most characters of a purpose kept: the audit trail records a purpose, not a document.
pub const MAX_PURPOSE_CHARS: usize = 200;

/// The request context of one call.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The verified caller (anonymous without a token).
    pub caller: Caller,
    /// The bearer token the caller called with, forwarded when this service asks another in the
    /// caller's name.
    pub bearer: Option<String>,
    /// The purpose the caller gave (`x-onaltu-purpose`), recorded with reads of personal data.
    pub purpose: String,
    /// The trace this call belongs to, empty when none is sampled.
    pub trace_id: String,
}

impl Ctx {
    /// The context of `request`, after the auth interceptor ran.
    pub fn of<T>(request: &Request<T>) -> Self {
        let header = |name: &str| {
            request
                .metadata()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Self {
            caller: onaltu_auth::caller(request),
            bearer: header("authorization")
                .and_then(|v| v.strip_prefix("Bearer ").map(str::to_string)),
            purpose: header(PURPOSE_HEADER)
                .map(|p| p.chars().take(MAX_PURPOSE_CHARS).collect())
                .unwrap_or_default(),
            trace_id: onaltu_telemetry::current_trace_id().unwrap_or_default(),
        }
    }

    /// A context for `caller` alone (background work, tests).
    pub fn of_caller(caller: Caller) -> Self {
        Self {
            caller,
            bearer: None,
            purpose: String::new(),
            trace_id: String::new(),
        }
    }

    /// The caller's subject, for the record of who did what (empty when anonymous).
    pub fn subject(&self) -> String {
        match &self.caller {
            Caller::Authenticated(c) => c.sub.clone(),
            Caller::Anonymous => String::new(),
        }
    }

    /// The caller's own person id, if a citizen.
    pub fn own_person(&self) -> Option<Uuid> {
        match &self.caller {
            Caller::Authenticated(c) if c.role == Role::Citizen => c.person_id,
            _ => None,
        }
    }

    /// The token to forward to another service in the caller's name.
    pub fn bearer(&self) -> Result<&str, ApiError> {
        self.bearer
            .as_deref()
            .ok_or_else(|| ApiError::Unauthenticated("this call needs a bearer token".into()))
    }
}

/// A handler's answer as tonic wants it; every error becomes its status in one place.
pub fn reply<T>(result: Result<T, ApiError>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

/// Optimistic concurrency: an etag given with a write must be the stored version, or the write
/// answers ABORTED so the caller reads again. An empty etag skips the check.
pub fn check_etag(etag: &str, version: i32, what: &str) -> Result<(), ApiError> {
    if etag.is_empty() || etag == version.to_string() {
        Ok(())
    } else {
        Err(ApiError::Aborted(format!(
            "the {what} was changed by someone else; read it again"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_etag_is_checked_only_when_given() {
        assert!(check_etag("", 3, "person").is_ok());
        assert!(check_etag("3", 3, "person").is_ok());
        let stale = check_etag("2", 3, "person").unwrap_err();
        assert_eq!(stale.code(), tonic::Code::Aborted);
    }

    #[test]
    fn the_context_reads_the_token_and_the_purpose() {
        let mut request = Request::new(());
        request
            .metadata_mut()
            .insert("authorization", "Bearer abc".parse().unwrap());
        request
            .metadata_mut()
            .insert(PURPOSE_HEADER, "social-support".parse().unwrap());
        let ctx = Ctx::of(&request);
        assert_eq!(ctx.bearer.as_deref(), Some("abc"));
        assert_eq!(ctx.purpose, "social-support");
        assert_eq!(ctx.caller, Caller::Anonymous);
        assert_eq!(ctx.subject(), "");
        assert!(Ctx::of(&Request::new(())).bearer().is_err());
    }

    #[test]
    fn a_long_purpose_is_kept_to_its_first_characters() {
        let mut request = Request::new(());
        let long = "a".repeat(MAX_PURPOSE_CHARS + 50);
        request
            .metadata_mut()
            .insert(PURPOSE_HEADER, long.parse().unwrap());
        assert_eq!(Ctx::of(&request).purpose.chars().count(), MAX_PURPOSE_CHARS);
    }
}
