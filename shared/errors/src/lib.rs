//! One mapping from domain and storage errors to gRPC [`Status`], with the richer error model
//! (`google.rpc.BadRequest`, `PreconditionFailure`, `RetryInfo`, `ResourceInfo`).
//!
//! Handlers return [`ApiError`]; the `?` operator converts storage errors, and `Status::from`
//! builds the wire answer in exactly one place.

use std::time::Duration;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// One field that failed validation: the field path and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field, e.g. `person.iin` or `rows[3].email`.
    pub field: String,
    /// The rule it broke, in words a caller can act on.
    pub description: String,
}

/// One precondition that did not hold, e.g. an illegal state transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreconditionViolation {
    /// The kind of precondition, e.g. `EPISODE_STATE`.
    pub kind: String,
    /// What the precondition is about, e.g. `episodes/0190…`.
    pub subject: String,
    /// Why it failed, e.g. `episode is ADMITTED; OfferPlace needs QUEUED`.
    pub description: String,
}

/// Every error a handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input: every violation at once.
    #[error("invalid argument: {}", describe_fields(.0))]
    InvalidArgument(Vec<FieldViolation>),
    /// The addressed resource does not exist (or the caller may not know it exists).
    #[error("{resource} {id} not found")]
    NotFound {
        /// Resource type, e.g. `person`.
        resource: &'static str,
        /// The id that was asked for (never personal data).
        id: String,
    },
    /// A create or update would duplicate a unique resource.
    #[error("{message}")]
    AlreadyExists {
        /// Resource type.
        resource: &'static str,
        /// What is duplicated, without personal data.
        message: String,
    },
    /// The system is not in a state that allows the call.
    #[error("failed precondition: {}", describe_preconditions(.0))]
    FailedPrecondition(Vec<PreconditionViolation>),
    /// The caller is known but may not do this.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// No valid credentials.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// Rate limit or overload; retry after the delay.
    #[error("resource exhausted: {message}")]
    ResourceExhausted {
        /// What is exhausted.
        message: String,
        /// When a retry may succeed.
        retry_after: Duration,
    },
    /// A dependency (database, another service) is down; retry after the delay.
    #[error("unavailable: {message}")]
    Unavailable {
        /// Which dependency.
        message: String,
        /// When a retry may succeed.
        retry_after: Duration,
    },
    /// A concurrent write won; the caller should retry the whole operation.
    #[error("aborted: {0}")]
    Aborted(String),
    /// A bug or an unexpected storage failure. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

fn describe_fields(v: &[FieldViolation]) -> String {
    v.iter()
        .map(|f| format!("{}: {}", f.field, f.description))
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_preconditions(v: &[PreconditionViolation]) -> String {
    v.iter()
        .map(|p| p.description.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

impl ApiError {
    /// A single field violation.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::InvalidArgument(vec![FieldViolation {
            field: field.into(),
            description: description.into(),
        }])
    }

    /// A single failed precondition.
    pub fn precondition(
        kind: impl Into<String>,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self::FailedPrecondition(vec![PreconditionViolation {
            kind: kind.into(),
            subject: subject.into(),
            description: description.into(),
        }])
    }

    /// The field paths an INVALID_ARGUMENT names, in order; `None` for any other error.
    pub fn field_paths(&self) -> Option<Vec<&str>> {
        match self {
            Self::InvalidArgument(fields) => {
                Some(fields.iter().map(|f| f.field.as_str()).collect())
            }
            _ => None,
        }
    }

    /// The gRPC code this error answers with.
    pub fn code(&self) -> Code {
        match self {
            Self::InvalidArgument(_) => Code::InvalidArgument,
            Self::NotFound { .. } => Code::NotFound,
            Self::AlreadyExists { .. } => Code::AlreadyExists,
            Self::FailedPrecondition(_) => Code::FailedPrecondition,
            Self::PermissionDenied(_) => Code::PermissionDenied,
            Self::Unauthenticated(_) => Code::Unauthenticated,
            Self::ResourceExhausted { .. } => Code::ResourceExhausted,
            Self::Unavailable { .. } => Code::Unavailable,
            Self::Aborted(_) => Code::Aborted,
            Self::Internal(_) => Code::Internal,
        }
    }
}

/// Collects field violations so a handler reports every problem of a request in one answer.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation of `field`.
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    /// Records a violation of `field` unless `ok` holds.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, description: impl Into<String>) {
        if !ok {
            self.add(field, description);
        }
    }

    /// Adds every violation of `other`, each field path prefixed with `prefix.`.
    pub fn extend_prefixed(&mut self, prefix: &str, other: Violations) {
        for v in other.0 {
            self.0.push(FieldViolation {
                field: format!("{prefix}.{}", v.field),
                description: v.description,
            });
        }
    }

    /// Adds every violation of `other` as it is.
    pub fn merge(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    /// Records the field violations of `err`; any other error is recorded against `request`
    /// (decoders of single fields only answer INVALID_ARGUMENT).
    pub fn absorb(&mut self, err: ApiError) {
        match err {
            ApiError::InvalidArgument(fields) => self.0.extend(fields),
            other => self.add("request", other.to_string()),
        }
    }

    /// The value of one field's decoding, or its violations recorded and `T::default()` in its
    /// place. The stand-in is never seen: `finish` then refuses the whole input.
    pub fn take<T: Default>(&mut self, decoded: Result<T, ApiError>) -> T {
        self.take_or(decoded, T::default())
    }

    /// As `take`, with `stand_in` for a type without a default.
    pub fn take_or<T>(&mut self, decoded: Result<T, ApiError>, stand_in: T) -> T {
        decoded.unwrap_or_else(|err| {
            self.absorb(err);
            stand_in
        })
    }

    /// The value of a decoding that reports its own violations (a nested message's validator),
    /// or `None` with them recorded.
    pub fn collect<T>(&mut self, decoded: Result<T, Violations>) -> Option<T> {
        decoded.map_err(|bad| self.merge(bad)).ok()
    }

    /// `value` when nothing was recorded, otherwise INVALID_ARGUMENT with every violation: the
    /// one exit of a typed decoder.
    pub fn finish<T>(self, value: T) -> Result<T, ApiError> {
        self.into_result().map(|()| value)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recorded violations.
    pub fn as_slice(&self) -> &[FieldViolation] {
        &self.0
    }

    /// `Ok(())` when empty, otherwise `INVALID_ARGUMENT` with every violation.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::InvalidArgument(self.0))
        }
    }
}

impl From<Violations> for ApiError {
    /// INVALID_ARGUMENT with every violation (an empty collection is a caller's bug).
    fn from(v: Violations) -> Self {
        ApiError::InvalidArgument(v.0)
    }
}

const DEFAULT_RETRY: Duration = Duration::from_secs(1);

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match err {
            E::NotFound => ApiError::NotFound {
                resource: "record",
                id: String::new(),
            },
            E::DatabaseError(K::UniqueViolation, info) => ApiError::AlreadyExists {
                resource: "record",
                // The constraint name says what is duplicated without echoing the values.
                message: format!(
                    "already exists (constraint {})",
                    info.constraint_name().unwrap_or("unique")
                ),
            },
            E::DatabaseError(K::SerializationFailure, _) => {
                ApiError::Aborted("a concurrent change won; retry".into())
            }
            E::DatabaseError(K::ClosedConnection, _) => ApiError::Unavailable {
                message: "database connection lost".into(),
                retry_after: DEFAULT_RETRY,
            },
            E::DatabaseError(K::ForeignKeyViolation, info) => ApiError::precondition(
                "REFERENCE",
                info.constraint_name().unwrap_or("foreign key").to_string(),
                "a referenced record does not exist or is still referenced",
            ),
            E::DatabaseError(K::CheckViolation, info) => ApiError::invalid(
                info.column_name().unwrap_or("record").to_string(),
                format!(
                    "violates rule {}",
                    info.constraint_name().unwrap_or("check constraint")
                ),
            ),
            E::DatabaseError(_, info) if is_statement_timeout(info.message()) => {
                ApiError::Unavailable {
                    message: "the database did not answer in time".into(),
                    retry_after: DEFAULT_RETRY,
                }
            }
            other => ApiError::Internal(format!("database: {other}")),
        }
    }
}

fn is_statement_timeout(message: &str) -> bool {
    message.contains("statement timeout") || message.contains("canceling statement")
}

impl From<ApiError> for Status {
    fn from(err: ApiError) -> Self {
        let code = err.code();
        let mut details = ErrorDetails::new();
        let message = match &err {
            ApiError::InvalidArgument(violations) => {
                for v in violations {
                    details.add_bad_request_violation(v.field.clone(), v.description.clone());
                }
                err.to_string()
            }
            ApiError::NotFound { resource, id } => {
                details.set_resource_info(*resource, id.clone(), "", "not found");
                err.to_string()
            }
            ApiError::AlreadyExists { resource, .. } => {
                details.set_resource_info(*resource, "", "", "already exists");
                err.to_string()
            }
            ApiError::FailedPrecondition(violations) => {
                for v in violations {
                    details.add_precondition_failure_violation(
                        v.kind.clone(),
                        v.subject.clone(),
                        v.description.clone(),
                    );
                }
                err.to_string()
            }
            ApiError::ResourceExhausted { retry_after, .. }
            | ApiError::Unavailable { retry_after, .. } => {
                details.set_retry_info(Some(*retry_after));
                err.to_string()
            }
            ApiError::Aborted(_) => {
                details.set_retry_info(Some(Duration::from_millis(50)));
                err.to_string()
            }
            ApiError::Internal(detail) => {
                // The detail may name tables or values: it goes to the log, not to the caller.
                tracing::error!(error = %detail, "internal error");
                "internal error".to_string()
            }
            ApiError::PermissionDenied(_) | ApiError::Unauthenticated(_) => err.to_string(),
        };
        Status::with_error_details(code, message, details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_violation_reaches_the_status() {
        let mut v = Violations::new();
        v.check(false, "person.iin", "must have 12 digits");
        v.check(true, "person.surname", "never recorded");
        v.add("person.birth_date", "does not agree with the IIN");
        let status = Status::from(v.into_result().unwrap_err());
        assert_eq!(status.code(), Code::InvalidArgument);
        let bad = status
            .get_details_bad_request()
            .expect("bad request details");
        let fields: Vec<_> = bad
            .field_violations
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(fields, ["person.iin", "person.birth_date"]);
        assert!(status.message().contains("must have 12 digits"));
    }

    #[test]
    fn empty_violations_are_ok() {
        assert!(Violations::new().into_result().is_ok());
    }

    #[test]
    fn precondition_failure_names_the_state() {
        let status = Status::from(ApiError::precondition(
            "EPISODE_STATE",
            "episodes/1",
            "episode is ADMITTED",
        ));
        assert_eq!(status.code(), Code::FailedPrecondition);
        let pf = status.get_details_precondition_failure().expect("details");
        assert_eq!(pf.violations[0].r#type, "EPISODE_STATE");
        assert_eq!(pf.violations[0].description, "episode is ADMITTED");
    }

    #[test]
    fn unavailable_carries_retry_info() {
        let status = Status::from(ApiError::Unavailable {
            message: "registry is down".into(),
            retry_after: Duration::from_secs(3),
        });
        assert_eq!(status.code(), Code::Unavailable);
        let retry = status.get_details_retry_info().expect("retry info");
        assert_eq!(retry.retry_delay, Some(Duration::from_secs(3)));
    }

    #[test]
    fn internal_detail_is_not_sent() {
        let status = Status::from(ApiError::Internal("relation persons: secret".into()));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }

    #[test]
    fn diesel_not_found_and_unique_map_to_their_codes() {
        assert_eq!(
            ApiError::from(diesel::result::Error::NotFound).code(),
            Code::NotFound
        );
        assert_eq!(
            ApiError::from(diesel::result::Error::RollbackTransaction).code(),
            Code::Internal
        );
    }
}
