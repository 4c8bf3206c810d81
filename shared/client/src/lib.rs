//! Calls from one service to another. Each call has a deadline, carries the W3C trace context
//! and an identity (the caller's own bearer token, forwarded, or the service's own), and is
//! retried with backoff while the other service answers UNAVAILABLE; when it stays down the
//! caller answers UNAVAILABLE with RetryInfo, never INTERNAL. [`Registry`] is the one way every
//! service reaches the registry; each keeps only its calls.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use onaltu_auth::{AuthSettings, SelfSigned};
use onaltu_config::ExposeSecret as _;
use onaltu_config::{Checker, Validate};
use onaltu_errors::ApiError;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use serde::Deserialize;
use tonic::Code;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
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
    /// This service's own token for calls made in its own name (a Kubernetes Secret): an
    /// INTEGRATION token with the service's subject, minted by the identity provider and living
    /// at most `[auth] max_service_token_lifetime_secs`; unused by calls that forward the
    /// caller's token. Required in production ([`check_own_token`]).
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

/// Stamps an outgoing call with its identity, its purpose and the trace context.
#[derive(Clone)]
pub struct Stamp {
    authorization: MetadataValue<Ascii>,
    purpose: Option<MetadataValue<Ascii>>,
}

impl tonic::service::Interceptor for Stamp {
    fn call(&mut self, request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let mut request = traced(request)?;
        let metadata = request.metadata_mut();
        metadata.insert("authorization", self.authorization.clone());
        if let Some(purpose) = &self.purpose {
            metadata.insert("x-onaltu-purpose", purpose.clone());
        }
        Ok(request)
    }
}

/// The rules of a service's own token in `[<section>]` (e.g. `registry`), for a service calling
/// as `subject` (e.g. `service:rating`). In production the token is required: a service never
/// signs its own there. When configured it must be an INTEGRATION token for `subject`, living at
/// most `[auth] max_service_token_lifetime_secs`, and unexpired. Elsewhere, without one, the
/// service signs its own with `[auth] hs256_secret`, which must then be set.
pub fn check_own_token(
    c: &mut Checker,
    section: &str,
    settings: &ClientSettings,
    auth: &AuthSettings,
    subject: &str,
) {
    let key = format!("{section}.token");
    match &settings.token {
        Some(token) => {
            let problem = onaltu_auth::own_token_problem(
                token.expose_secret(),
                subject,
                auth.max_service_token_lifetime_secs,
                onaltu_auth::now_epoch_secs(),
            );
            c.check(problem.is_none(), &key, problem.unwrap_or_default());
        }
        None if c.production() => c.check(
            false,
            &key,
            format!(
                "is required in production: the service's own INTEGRATION token (sub {subject}), \
                 minted by the identity provider; a service signs its own only in development"
            ),
        ),
        None => c.check(
            auth.hs256_secret.is_some(),
            &key,
            format!(
                "is required: the service's own INTEGRATION token (sub {subject}); without one, \
                 set auth.hs256_secret (development) to sign it"
            ),
        ),
    }
}

/// The token a service calls in its own name with.
#[derive(Clone)]
enum OwnToken {
    /// Configured (`[registry] token`): the header, made once.
    Configured(MetadataValue<Ascii>),
    /// Development: signed by the service, renewed before it expires.
    SelfSigned(Arc<SelfSigned>),
}

impl OwnToken {
    fn header(&self) -> Result<MetadataValue<Ascii>, ApiError> {
        match self {
            OwnToken::Configured(value) => Ok(value.clone()),
            OwnToken::SelfSigned(signer) => {
                let token = signer
                    .token()
                    .map_err(|e| ApiError::Internal(format!("the service's own token: {e}")))?;
                bearer_value(&token).map_err(|_| {
                    ApiError::Internal("the service's own token is not a header value".into())
                })
            }
        }
    }
}

/// A registry stub for one call's identity.
pub type RegistryStub = RegistryServiceClient<InterceptedService<Channel, Stamp>>;

/// The registry as another service reaches it (`[registry]`).
#[derive(Clone)]
pub struct Registry {
    channel: Channel,
    settings: ClientSettings,
    own: Option<OwnToken>,
}

impl Registry {
    /// A client that connects on first use (the registry may start after this service). Calls in
    /// the service's own name carry `settings.token`, when configured.
    pub fn new(settings: &ClientSettings) -> Result<Self, String> {
        let own = Self::configured(settings)?.map(OwnToken::Configured);
        Ok(Self {
            channel: settings.channel("registry")?,
            settings: settings.clone(),
            own,
        })
    }

    /// A client for a service that calls in its own name as `subject` (e.g. `service:rating`):
    /// with `settings.token`, or, where none is configured (development and tests; production
    /// refuses that by [`check_own_token`]), with an INTEGRATION token it signs with `[auth]
    /// hs256_secret` and renews. Neither is an error naming `registry.token`.
    pub fn in_own_name(
        settings: &ClientSettings,
        auth: &AuthSettings,
        subject: &str,
    ) -> Result<Self, String> {
        let own = match Self::configured(settings)? {
            Some(header) => OwnToken::Configured(header),
            None => OwnToken::SelfSigned(Arc::new(
                SelfSigned::new(auth, subject)
                    .ok_or_else(|| "registry.token: is required".to_string())?,
            )),
        };
        Ok(Self {
            channel: settings.channel("registry")?,
            settings: settings.clone(),
            own: Some(own),
        })
    }

    fn configured(settings: &ClientSettings) -> Result<Option<MetadataValue<Ascii>>, String> {
        settings
            .token
            .as_ref()
            .map(|token| bearer_value(token.expose_secret()))
            .transpose()
            .map_err(|_| "registry.token: is not a valid header value".to_string())
    }

    /// How patiently calls are made.
    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// A stub that forwards the caller's own `bearer` token, naming `purpose` (the registry
    /// decides, and audits, what the caller may read).
    pub fn as_caller(&self, bearer: &str, purpose: &'static str) -> Result<RegistryStub, ApiError> {
        let authorization = bearer_value(bearer)
            .map_err(|_| ApiError::Unauthenticated("the bearer token is malformed".into()))?;
        Ok(self.stub(authorization, Some(MetadataValue::from_static(purpose))))
    }

    /// A stub that calls in the service's own name.
    pub fn as_service(&self) -> Result<RegistryStub, ApiError> {
        let authorization = self.own_header()?;
        Ok(self.stub(authorization, None))
    }

    /// A stub that calls in the service's own name for `purpose`, a short text naming what the
    /// call is for (e.g. which of the service's records, for which of its users), which the
    /// registry writes to its audit trail. It must be printable ASCII and carry no personal data.
    pub fn as_service_for(&self, purpose: &str) -> Result<RegistryStub, ApiError> {
        let authorization = self.own_header()?;
        let purpose = MetadataValue::try_from(purpose).map_err(|_| {
            ApiError::Internal("the purpose of a registry call is not printable ASCII".into())
        })?;
        Ok(self.stub(authorization, Some(purpose)))
    }

    fn own_header(&self) -> Result<MetadataValue<Ascii>, ApiError> {
        self.own
            .as_ref()
            .ok_or_else(|| {
                ApiError::Internal("no registry token is configured (registry.token)".into())
            })?
            .header()
    }

    fn stub(
        &self,
        authorization: MetadataValue<Ascii>,
        purpose: Option<MetadataValue<Ascii>>,
    ) -> RegistryStub {
        RegistryServiceClient::with_interceptor(
            self.channel.clone(),
            Stamp {
                authorization,
                purpose,
            },
        )
    }

    /// Runs `call` on `stub` with this client's deadline, retrying while the registry answers
    /// UNAVAILABLE.
    pub async fn call<M, T, F, Fut>(
        &self,
        stub: &RegistryStub,
        message: M,
        call: F,
    ) -> Result<T, tonic::Status>
    where
        M: Clone,
        F: Fn(RegistryStub, tonic::Request<M>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        self.settings
            .retrying(|| call(stub.clone(), self.settings.request(message.clone())))
            .await
            .map(tonic::Response::into_inner)
    }
}

fn bearer_value(
    token: &str,
) -> Result<MetadataValue<Ascii>, tonic::metadata::errors::InvalidMetadataValue> {
    format!("Bearer {token}").parse()
}

/// The registry's refusal of a read of `resource` `id` as the calling service answers it:
/// NOT_FOUND, PERMISSION_DENIED and UNAUTHENTICATED pass through, an unreachable registry is
/// UNAVAILABLE saying `consequence`, anything else is the registry's fault (INTERNAL).
pub fn refusal(
    status: &tonic::Status,
    resource: &'static str,
    id: &str,
    consequence: &str,
) -> ApiError {
    match status.code() {
        Code::NotFound => ApiError::NotFound {
            resource,
            id: id.to_string(),
        },
        Code::PermissionDenied => ApiError::PermissionDenied(format!(
            "the registry does not let you act for this {resource}: {}",
            status.message()
        )),
        Code::Unauthenticated => ApiError::Unauthenticated(status.message().to_string()),
        _ if is_unreachable(status) => unreachable("registry", consequence),
        _ => ApiError::Internal(format!(
            "registry answered {:?}: {}",
            status.code(),
            status.message()
        )),
    }
}

#[cfg(test)]
mod tests {
    use onaltu_auth::{Claims, Role};
    use onaltu_config::{DEVELOPMENT_SECRET, SecretString};

    use super::*;

    fn problems(env: &str, token: Option<String>, hs256: bool) -> Vec<(String, String)> {
        let settings = ClientSettings {
            token: token.map(SecretString::from),
            ..ClientSettings::default()
        };
        let auth = AuthSettings {
            hs256_secret: hs256.then(|| SecretString::from(DEVELOPMENT_SECRET)),
            ..AuthSettings::default()
        };
        let mut c = Checker::for_env(env);
        check_own_token(&mut c, "registry", &settings, &auth, "service:rating");
        c.violations()
            .iter()
            .map(|v| (v.key.clone(), v.message.clone()))
            .collect()
    }

    fn token(sub: &str, ttl_secs: u64) -> String {
        onaltu_auth::issue_hs256(
            "signed-by-the-identity-provider",
            &Claims::new(sub, Role::Integration, ttl_secs),
        )
        .unwrap()
    }

    #[test]
    fn production_requires_the_services_own_token_and_never_signs_one() {
        let missing = problems("production", None, true);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].0, "registry.token");
        assert!(
            missing[0].1.contains("required in production"),
            "{missing:?}"
        );
        assert_eq!(
            problems("production", Some(token("service:rating", 3_600)), false),
            []
        );
    }

    #[test]
    fn development_signs_its_own_when_none_is_configured() {
        assert_eq!(problems("development", None, true), []);
        let neither = problems("development", None, false);
        assert_eq!(neither[0].0, "registry.token");
        assert!(neither[0].1.contains("auth.hs256_secret"), "{neither:?}");
    }

    #[test]
    fn a_configured_token_is_the_services_own_and_short_lived() {
        for (token, expected) in [
            (token("service:transport", 3_600), "service:transport"),
            (
                token("service:rating", 2 * 86_400),
                "max_service_token_lifetime_secs",
            ),
            ("placeholder".to_string(), "not a JWT"),
        ] {
            for env in ["production", "development"] {
                let found = problems(env, Some(token.clone()), true);
                assert_eq!(found.len(), 1, "{found:?}");
                assert_eq!(found[0].0, "registry.token");
                assert!(found[0].1.contains(expected), "{found:?}");
            }
        }
    }

    #[tokio::test]
    async fn a_service_without_a_configured_token_calls_with_one_it_signs() {
        let auth = AuthSettings {
            hs256_secret: Some(SecretString::from(DEVELOPMENT_SECRET)),
            ..AuthSettings::default()
        };
        let registry =
            Registry::in_own_name(&ClientSettings::default(), &auth, "service:rating").unwrap();
        let header = registry.own_header().unwrap();
        let token = header.to_str().unwrap().strip_prefix("Bearer ").unwrap();
        let claims = onaltu_auth::Authenticator::from_settings(&auth)
            .unwrap()
            .verify(token)
            .unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.role),
            ("service:rating", Role::Integration)
        );

        let err = Registry::in_own_name(
            &ClientSettings::default(),
            &AuthSettings::default(),
            "service:rating",
        )
        .err()
        .unwrap();
        assert!(err.contains("registry.token"), "{err}");
        // A client that only forwards callers' tokens has no name of its own.
        assert!(
            Registry::new(&ClientSettings::default())
                .unwrap()
                .own_header()
                .is_err()
        );
    }
}
