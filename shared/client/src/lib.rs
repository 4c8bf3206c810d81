//! Calls from one service to another. Each call has a deadline, carries the W3C trace context
//! and an identity (the caller's own bearer token, forwarded, or the service's own), and is
//! retried with backoff while the other service answers UNAVAILABLE; when it stays down the
//! caller answers UNAVAILABLE with RetryInfo, never INTERNAL. [`Registry`] is the one way every
//! service reaches the registry; each keeps only its calls.

use std::future::Future;
use std::time::Duration;

use onaltu_config::{Checker, Validate};
use onaltu_config::{ExposeSecret as _, SecretString};
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

/// A registry stub for one call's identity.
pub type RegistryStub = RegistryServiceClient<InterceptedService<Channel, Stamp>>;

/// The registry as another service reaches it (`[registry]`).
#[derive(Clone)]
pub struct Registry {
    channel: Channel,
    settings: ClientSettings,
    own: Option<MetadataValue<Ascii>>,
}

impl Registry {
    /// A client that connects on first use (the registry may start after this service). Calls in
    /// the service's own name carry `settings.token`, or `own_token` when none is configured.
    pub fn new(settings: &ClientSettings, own_token: Option<SecretString>) -> Result<Self, String> {
        let own = settings
            .token
            .clone()
            .or(own_token)
            .map(|token| bearer_value(token.expose_secret()))
            .transpose()
            .map_err(|_| "registry.token: is not a valid header value".to_string())?;
        Ok(Self {
            channel: settings.channel("registry")?,
            settings: settings.clone(),
            own,
        })
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
        let authorization = self.own.clone().ok_or_else(|| {
            ApiError::Internal("no registry token is configured (registry.token)".into())
        })?;
        Ok(self.stub(authorization, None))
    }

    /// A stub that calls in the service's own name for `purpose`, a short text naming what the
    /// call is for (e.g. which of the service's records, for which of its users), which the
    /// registry writes to its audit trail. It must be printable ASCII and carry no personal data.
    pub fn as_service_for(&self, purpose: &str) -> Result<RegistryStub, ApiError> {
        let authorization = self.own.clone().ok_or_else(|| {
            ApiError::Internal("no registry token is configured (registry.token)".into())
        })?;
        let purpose = MetadataValue::try_from(purpose).map_err(|_| {
            ApiError::Internal("the purpose of a registry call is not printable ASCII".into())
        })?;
        Ok(self.stub(authorization, Some(purpose)))
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
