//! Calls from one service to another. Each call has a deadline, carries the W3C trace context
//! and an identity (the caller's own bearer token, forwarded, or the service's own), and is
//! retried with backoff while the other service answers UNAVAILABLE; when it stays down the
//! caller answers UNAVAILABLE with RetryInfo, never INTERNAL. [`Registry`] is the one way every
//! service reaches the registry; each keeps only its calls.
//!
//! With `[<section>.tls]` the channel speaks TLS (an `https://` URL), trusting only the CA named
//! there, and presents the service's own certificate when the other side requires mutual TLS.
//! The service's own token is configured (`token`), read from a mounted file (`token_file`, read
//! again whenever the file changes, so a rotated Secret is picked up without a restart), or, in
//! development only, signed by the service itself.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use onaltu_auth::{AuthSettings, SelfSigned};
use onaltu_config::ExposeSecret as _;
use onaltu_config::{Checker, Validate};
use onaltu_errors::ApiError;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use serde::Deserialize;
use tonic::Code;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// TLS to the other service (`[<section>.tls]`, e.g. `[registry.tls]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientTlsSettings {
    /// The CA the other service's certificate must be signed by (PEM); the only one trusted.
    pub ca_path: String,
    /// This service's own certificate chain (PEM), presented when the other side requires mutual
    /// TLS; with `key_path`.
    pub cert_path: Option<String>,
    /// The private key of `cert_path` (PEM).
    pub key_path: Option<String>,
    /// The name the other service's certificate must carry, when not the URL's host (e.g. the URL
    /// names an address).
    pub domain_name: Option<String>,
}

impl Validate for ClientTlsSettings {
    fn validate(&self, c: &mut Checker) {
        let files = [
            ("ca_path", Some(&self.ca_path)),
            ("cert_path", self.cert_path.as_ref()),
            ("key_path", self.key_path.as_ref()),
        ];
        for (key, path) in files {
            if let Some(path) = path {
                c.check(
                    Path::new(path).is_file(),
                    key,
                    format!("{path}: file does not exist"),
                );
            }
        }
        c.check(
            self.cert_path.is_some() == self.key_path.is_some(),
            if self.cert_path.is_some() {
                "key_path"
            } else {
                "cert_path"
            },
            "cert_path and key_path go together: the service's certificate and its private key",
        );
        if let Some(name) = &self.domain_name {
            c.check(
                !name.trim().is_empty() && !name.contains(['/', ':', ' ']),
                "domain_name",
                "must be a host name, e.g. registry",
            );
        }
    }
}

impl ClientTlsSettings {
    /// tonic's TLS configuration, the files read; errors name the key (`<section>.tls.<key>`).
    fn config(&self, section: &str) -> Result<ClientTlsConfig, String> {
        let read = |key: &str, path: &str| {
            std::fs::read(path).map_err(|e| format!("{section}.tls.{key}: {path}: {e}"))
        };
        let mut config = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(read("ca_path", &self.ca_path)?));
        match (&self.cert_path, &self.key_path) {
            (Some(cert), Some(key)) => {
                config = config.identity(Identity::from_pem(
                    read("cert_path", cert)?,
                    read("key_path", key)?,
                ));
            }
            (None, None) => {}
            _ => {
                return Err(format!("{section}.tls: cert_path and key_path go together"));
            }
        }
        if let Some(name) = &self.domain_name {
            config = config.domain_name(name.clone());
        }
        Ok(config)
    }
}

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
    /// caller's token. Required in production ([`check_own_token`]), or `token_file`.
    pub token: Option<onaltu_config::SecretString>,
    /// The same token in a file (a mounted Secret): read when the service starts and again
    /// whenever the file changes, so a rotated token is used from the next call on. Not with
    /// `token`.
    pub token_file: Option<String>,
    /// TLS to the other service; the URL is then `https://`.
    pub tls: Option<ClientTlsSettings>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:50051".into(),
            timeout_ms: 2_000,
            attempts: 3,
            backoff_ms: 100,
            token: None,
            token_file: None,
            tls: None,
        }
    }
}

impl Validate for ClientSettings {
    fn validate(&self, c: &mut Checker) {
        let https = self.url.starts_with("https://");
        c.check(
            Endpoint::from_shared(self.url.clone()).is_ok()
                && (https || self.url.starts_with("http://")),
            "url",
            "must be an http:// or https:// URL",
        );
        match &self.tls {
            Some(tls) => {
                c.check(
                    https,
                    "url",
                    "must be https:// when [tls] is set: the channel speaks TLS",
                );
                c.section("tls", tls);
            }
            None => c.check(
                !https,
                "tls",
                "is required with an https:// url: set tls.ca_path (the CA that signs the other \
                 service's certificate), and tls.cert_path and tls.key_path for mutual TLS",
            ),
        }
        if let Some(path) = &self.token_file {
            c.check(
                self.token.is_none(),
                "token_file",
                "set either token or token_file, not both",
            );
            c.check(
                Path::new(path).is_file(),
                "token_file",
                format!("{path}: file does not exist"),
            );
        }
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
    /// A channel that connects on first use (the other service may start after this one),
    /// over TLS when `[<name>.tls]` is set.
    pub fn channel(&self, name: &str) -> Result<Channel, String> {
        let mut endpoint = Endpoint::from_shared(self.url.clone())
            .map_err(|e| format!("{name}.url: {e}"))?
            .connect_timeout(Duration::from_millis(self.timeout_ms))
            .timeout(Duration::from_millis(self.timeout_ms));
        if let Some(tls) = &self.tls {
            endpoint = endpoint
                .tls_config(tls.config(name)?)
                .map_err(|e| format!("{name}.tls: {e}"))?;
        }
        Ok(endpoint.connect_lazy())
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
    let problem = |token: &str| {
        onaltu_auth::own_token_problem(
            token,
            subject,
            auth.max_service_token_lifetime_secs,
            onaltu_auth::now_epoch_secs(),
        )
    };
    match (&settings.token, &settings.token_file) {
        (Some(token), _) => {
            let problem = problem(token.expose_secret());
            c.check(problem.is_none(), &key, problem.unwrap_or_default());
        }
        (None, Some(path)) => {
            let key = format!("{section}.token_file");
            match read_token(Path::new(path)) {
                Ok(token) => {
                    let problem = problem(&token);
                    c.check(
                        problem.is_none(),
                        &key,
                        problem.map(|p| format!("{path}: {p}")).unwrap_or_default(),
                    );
                }
                Err(e) => c.check(false, &key, e),
            }
        }
        (None, None) if c.production() => c.check(
            false,
            &key,
            format!(
                "is required in production: the service's own INTEGRATION token (sub {subject}), \
                 minted by the identity provider (or token_file, the file it is mounted as); a \
                 service signs its own only in development"
            ),
        ),
        (None, None) => c.check(
            auth.hs256_secret.is_some(),
            &key,
            format!(
                "is required: the service's own INTEGRATION token (sub {subject}); without one, \
                 set auth.hs256_secret (development) to sign it"
            ),
        ),
    }
}

/// The token in `path` (surrounding white space, such as a final newline, dropped); an error
/// names the path, never the contents.
fn read_token(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("{}: the file is empty", path.display()));
    }
    Ok(token.to_string())
}

/// What tells one version of a file from the next: its modification time, length and inode
/// (a Kubernetes Secret volume swaps a symbolic link to a new file on every update).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

impl FileStamp {
    fn of(path: &Path) -> std::io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Ok(Self {
            modified: meta.modified().ok(),
            len: meta.len(),
            inode,
        })
    }
}

/// A service's own token mounted as a file: read again on the first call after the file changed
/// (a `stat` per call; a Secret volume's update swaps in a new file, which that catches at once),
/// and at least every [`TOKEN_FILE_REREAD`] in case it was rewritten in place within one tick of
/// the file system's clock. A file that cannot be read, or holds no header value, leaves the last
/// good token in use, with a warning.
struct TokenFile {
    path: PathBuf,
    current: Mutex<Current>,
}

/// The token last read from the file, and when and from which version of the file.
struct Current {
    stamp: FileStamp,
    read_at: std::time::Instant,
    header: MetadataValue<Ascii>,
}

/// Longest a token file is trusted unchanged without being read again.
const TOKEN_FILE_REREAD: Duration = Duration::from_secs(1);

impl TokenFile {
    /// Reads `path` once; an error names `key`.
    fn open(path: &str, key: &str) -> Result<Self, String> {
        let path = PathBuf::from(path);
        let stamp = FileStamp::of(&path).map_err(|e| format!("{key}: {}: {e}", path.display()))?;
        let header = Self::read(&path).map_err(|e| format!("{key}: {e}"))?;
        Ok(Self {
            path,
            current: Mutex::new(Current {
                stamp,
                read_at: std::time::Instant::now(),
                header,
            }),
        })
    }

    fn read(path: &Path) -> Result<MetadataValue<Ascii>, String> {
        read_token(path).and_then(|t| {
            bearer_value(&t).map_err(|_| format!("{}: not a valid header value", path.display()))
        })
    }

    fn header(&self) -> Result<MetadataValue<Ascii>, ApiError> {
        let mut current = self
            .current
            .lock()
            .map_err(|_| ApiError::Internal("the token file's state is poisoned".into()))?;
        match FileStamp::of(&self.path) {
            Ok(stamp)
                if stamp != current.stamp || current.read_at.elapsed() >= TOKEN_FILE_REREAD =>
            {
                match Self::read(&self.path) {
                    Ok(header) => {
                        if header != current.header {
                            tracing::info!(path = %self.path.display(), "the service's own token file changed; using the new token");
                        }
                        *current = Current {
                            stamp,
                            read_at: std::time::Instant::now(),
                            header,
                        };
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the service's own token file cannot be used; keeping the previous token");
                    }
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "the service's own token file cannot be read; keeping the previous token");
            }
        }
        Ok(current.header.clone())
    }
}

/// The token a service calls in its own name with.
#[derive(Clone)]
enum OwnToken {
    /// Configured (`[registry] token`): the header, made once.
    Configured(MetadataValue<Ascii>),
    /// Mounted (`[registry] token_file`): read again when the file changes.
    File(Arc<TokenFile>),
    /// Development: signed by the service, renewed before it expires.
    SelfSigned(Arc<SelfSigned>),
}

impl OwnToken {
    fn header(&self) -> Result<MetadataValue<Ascii>, ApiError> {
        match self {
            OwnToken::Configured(value) => Ok(value.clone()),
            OwnToken::File(file) => file.header(),
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
        let own = Self::configured(settings)?;
        Ok(Self {
            channel: settings.channel("registry")?,
            settings: settings.clone(),
            own,
        })
    }

    /// A client for a service that calls in its own name as `subject` (e.g. `service:rating`):
    /// with `settings.token` or `settings.token_file`, or, where neither is configured
    /// (development and tests; production refuses that by [`check_own_token`]), with an
    /// INTEGRATION token it signs with `[auth] hs256_secret` and renews. None of them is an error
    /// naming `registry.token`.
    pub fn in_own_name(
        settings: &ClientSettings,
        auth: &AuthSettings,
        subject: &str,
    ) -> Result<Self, String> {
        let own = match Self::configured(settings)? {
            Some(own) => own,
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

    fn configured(settings: &ClientSettings) -> Result<Option<OwnToken>, String> {
        if let Some(token) = &settings.token {
            let header = bearer_value(token.expose_secret())
                .map_err(|_| "registry.token: is not a valid header value".to_string())?;
            return Ok(Some(OwnToken::Configured(header)));
        }
        settings
            .token_file
            .as_deref()
            .map(|path| TokenFile::open(path, "registry.token_file"))
            .transpose()
            .map(|file| file.map(|f| OwnToken::File(Arc::new(f))))
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
            "registry answered {:?}: {}{}",
            status.code(),
            status.message(),
            causes(status)
        )),
    }
}

/// The chain of causes under a status made on this side (e.g. a TLS handshake the other service
/// refused: "received fatal alert: CertificateRequired"), for the log; empty when there is none.
pub fn causes(status: &tonic::Status) -> String {
    let mut out = String::new();
    let mut cause = std::error::Error::source(status);
    while let Some(err) = cause {
        out.push_str(": ");
        out.push_str(&err.to_string());
        cause = err.source();
    }
    out
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

    fn violations(settings: &ClientSettings) -> Vec<(String, String)> {
        let mut c = Checker::for_env("production");
        c.section("registry", settings);
        c.violations()
            .iter()
            .map(|v| (v.key.clone(), v.message.clone()))
            .collect()
    }

    fn keys(settings: &ClientSettings) -> Vec<String> {
        violations(settings).into_iter().map(|(k, _)| k).collect()
    }

    fn tls(pki: &onaltu_testkit::tls::Pki, identity: bool) -> ClientTlsSettings {
        let own = pki.issue(&["feedback"]);
        ClientTlsSettings {
            ca_path: pki.ca_path().to_string(),
            cert_path: identity.then_some(own.cert_path.clone()),
            key_path: identity.then_some(own.key_path),
            domain_name: Some("registry".into()),
        }
    }

    #[test]
    fn tls_and_the_url_scheme_go_together_and_name_the_key() {
        let pki = onaltu_testkit::tls::Pki::new("Onaltu test CA");
        let https = |tls: Option<ClientTlsSettings>| ClientSettings {
            url: "https://registry:50051".into(),
            tls,
            ..ClientSettings::default()
        };
        assert_eq!(keys(&https(Some(tls(&pki, true)))), Vec::<String>::new());
        assert_eq!(keys(&https(Some(tls(&pki, false)))), Vec::<String>::new());
        let without = violations(&https(None));
        assert_eq!(without[0].0, "registry.tls");
        assert!(without[0].1.contains("ca_path"), "{without:?}");
        let plain = ClientSettings {
            url: "http://registry:50051".into(),
            tls: Some(tls(&pki, true)),
            ..ClientSettings::default()
        };
        assert_eq!(keys(&plain), ["registry.url"]);
        assert_eq!(
            keys(&ClientSettings {
                url: "ftp://registry".into(),
                ..ClientSettings::default()
            }),
            ["registry.url"]
        );
    }

    #[test]
    fn tls_files_must_exist_and_the_key_come_with_its_certificate() {
        let pki = onaltu_testkit::tls::Pki::new("Onaltu test CA");
        let with = |tls: ClientTlsSettings| ClientSettings {
            url: "https://registry:50051".into(),
            tls: Some(tls),
            ..ClientSettings::default()
        };
        let missing = violations(&with(ClientTlsSettings {
            ca_path: "/no/such/ca.crt".into(),
            ..tls(&pki, true)
        }));
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0].0, "registry.tls.ca_path");
        assert!(missing[0].1.contains("/no/such/ca.crt"), "{missing:?}");
        assert_eq!(
            keys(&with(ClientTlsSettings {
                key_path: None,
                ..tls(&pki, true)
            })),
            ["registry.tls.key_path"]
        );
        assert_eq!(
            keys(&with(ClientTlsSettings {
                cert_path: None,
                ..tls(&pki, true)
            })),
            ["registry.tls.cert_path"]
        );
        assert_eq!(
            keys(&with(ClientTlsSettings {
                domain_name: Some("https://registry".into()),
                ..tls(&pki, true)
            })),
            ["registry.tls.domain_name"]
        );
    }

    #[tokio::test]
    async fn a_tls_channel_reads_its_files_and_names_the_key_when_it_cannot() {
        let pki = onaltu_testkit::tls::Pki::new("Onaltu test CA");
        let settings = ClientSettings {
            url: "https://registry:50051".into(),
            tls: Some(tls(&pki, true)),
            ..ClientSettings::default()
        };
        assert!(settings.channel("registry").is_ok());
        let gone = ClientSettings {
            tls: Some(ClientTlsSettings {
                key_path: Some("/no/such/feedback.key".into()),
                ..tls(&pki, true)
            }),
            ..settings.clone()
        };
        let err = gone.channel("registry").err().unwrap();
        assert!(
            err.starts_with("registry.tls.key_path: /no/such/feedback.key"),
            "{err}"
        );
    }

    #[test]
    fn a_token_file_is_checked_like_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry-token");
        let path_str = path.to_str().unwrap().to_string();
        let auth = AuthSettings::default();
        let problems = |settings: &ClientSettings| {
            let mut c = Checker::for_env("production");
            c.section("registry", settings);
            check_own_token(&mut c, "registry", settings, &auth, "service:rating");
            c.violations()
                .iter()
                .map(|v| (v.key.clone(), v.message.clone()))
                .collect::<Vec<_>>()
        };
        let from_file = ClientSettings {
            token_file: Some(path_str.clone()),
            ..ClientSettings::default()
        };
        let missing = problems(&from_file);
        assert!(
            missing.iter().all(|(k, _)| k == "registry.token_file") && !missing.is_empty(),
            "{missing:?}"
        );

        std::fs::write(&path, format!("{}\n", token("service:rating", 3_600))).unwrap();
        assert_eq!(problems(&from_file), []);
        std::fs::write(&path, token("service:transport", 3_600)).unwrap();
        let foreign = problems(&from_file);
        assert_eq!(foreign.len(), 1, "{foreign:?}");
        assert_eq!(foreign[0].0, "registry.token_file");
        assert!(
            foreign[0].1.contains("sub service:transport"),
            "{foreign:?}"
        );

        let both = problems(&ClientSettings {
            token: Some(SecretString::from(token("service:rating", 3_600))),
            ..from_file.clone()
        });
        assert!(
            both.iter()
                .any(|(k, m)| k == "registry.token_file" && m.contains("not both")),
            "{both:?}"
        );
    }

    #[tokio::test]
    async fn a_rewritten_token_file_is_used_from_the_next_call_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry-token");
        let first = token("service:rating", 3_600);
        std::fs::write(&path, format!("{first}\n")).unwrap();
        let settings = ClientSettings {
            token_file: Some(path.to_str().unwrap().to_string()),
            ..ClientSettings::default()
        };
        let registry =
            Registry::in_own_name(&settings, &AuthSettings::default(), "service:rating").unwrap();
        let bearer = |r: &Registry| r.own_header().unwrap().to_str().unwrap().to_string();
        assert_eq!(bearer(&registry), format!("Bearer {first}"));

        // Rotated as a Secret volume does it: a new file put in place of the old.
        let second = token("service:rating", 7_200);
        assert_ne!(first, second);
        let next = dir.path().join("registry-token.new");
        std::fs::write(&next, &second).unwrap();
        std::fs::rename(&next, &path).unwrap();
        assert_eq!(bearer(&registry), format!("Bearer {second}"));

        // Rewritten in place, too (here with a token of another length, so that the change shows
        // in the file's size even within one tick of the file system's clock).
        let third = token("service:rating-rewritten", 1_800);
        std::fs::write(&path, &third).unwrap();
        assert_eq!(bearer(&registry), format!("Bearer {third}"));

        // A file gone or emptied mid-rotation leaves the last good token in use.
        std::fs::remove_file(&path).unwrap();
        assert_eq!(bearer(&registry), format!("Bearer {third}"));
        std::fs::write(&path, "\n").unwrap();
        assert_eq!(bearer(&registry), format!("Bearer {third}"));

        let missing = ClientSettings {
            token_file: Some("/no/such/registry-token".into()),
            ..ClientSettings::default()
        };
        let err = Registry::in_own_name(&missing, &AuthSettings::default(), "service:rating")
            .err()
            .unwrap();
        assert!(
            err.starts_with("registry.token_file: /no/such/registry-token"),
            "{err}"
        );
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
