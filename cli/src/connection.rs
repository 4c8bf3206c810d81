//! Connecting to the registry with a bearer token.

use std::time::Duration;

use anyhow::Context;
use onaltu_auth::{Claims, Role, issue_hs256};
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

/// The HS256 secret of the development configuration (`services/registry/config/development.toml`):
/// used to sign a token when neither `--token` nor `ONALTU_JWT_SECRET` is given.
pub const DEVELOPMENT_SECRET: &str = onaltu_config::DEVELOPMENT_SECRET;

/// Environment variable holding the HS256 secret to sign tokens with.
pub const SECRET_ENV: &str = "ONALTU_JWT_SECRET";

/// Where the registry is and who calls it.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionArgs {
    /// Registry server address.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    pub addr: String,
    /// Bearer token. Default: an ADMIN token signed with $ONALTU_JWT_SECRET, or with the
    /// development secret when that is unset.
    #[arg(long, env = "ONALTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// The HS256 secret: `$ONALTU_JWT_SECRET`, else the development secret.
pub fn signing_secret() -> String {
    std::env::var(SECRET_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEVELOPMENT_SECRET.to_string())
}

/// Signs claims with the HS256 secret.
pub fn sign(claims: &Claims) -> anyhow::Result<String> {
    issue_hs256(&signing_secret(), claims).context("signing the token")
}

/// A registry client whose every call carries the bearer token and the stated purpose.
pub type Registry = RegistryServiceClient<InterceptedService<Channel, CallerHeaders>>;

/// Adds `authorization: Bearer <token>` and `x-onaltu-purpose` (why personal data is read, for
/// the audit log) to every call.
#[derive(Clone)]
pub struct CallerHeaders {
    authorization: AsciiMetadataValue,
    purpose: AsciiMetadataValue,
}

impl tonic::service::Interceptor for CallerHeaders {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let headers = request.metadata_mut();
        headers.insert("authorization", self.authorization.clone());
        headers.insert("x-onaltu-purpose", self.purpose.clone());
        Ok(request)
    }
}

/// Connects to the registry at `args.addr`; `purpose` is stated on every call.
pub async fn connect(args: &ConnectionArgs, purpose: &'static str) -> anyhow::Result<Registry> {
    let token = match &args.token {
        Some(token) => token.clone(),
        // Long enough for a large seed run.
        // An hour: the longest a person's token may live by default (`[auth]
        // max_token_lifetime_secs`).
        None => sign(&Claims::new("onaltu-cli", Role::Admin, 3600))?,
    };
    let authorization: AsciiMetadataValue = format!("Bearer {}", token.trim())
        .parse()
        .context("the token must be printable ASCII")?;
    let channel = Endpoint::from_shared(args.addr.clone())
        .with_context(|| format!("bad address {}", args.addr))?
        .connect_timeout(Duration::from_secs(5))
        .tcp_keepalive(Some(Duration::from_secs(30)))
        .connect()
        .await
        .with_context(|| format!("cannot connect to {}", args.addr))?;
    let headers = CallerHeaders {
        authorization,
        purpose: MetadataValue::from_static(purpose),
    };
    Ok(RegistryServiceClient::with_interceptor(channel, headers))
}

/// A connected channel to `addr`.
pub async fn channel(addr: &str) -> anyhow::Result<Channel> {
    Endpoint::from_shared(addr.to_string())
        .with_context(|| format!("bad address {addr}"))?
        .connect_timeout(Duration::from_secs(5))
        .tcp_keepalive(Some(Duration::from_secs(30)))
        .connect()
        .await
        .with_context(|| format!("cannot connect to {addr}"))
}

/// A feedback client on `channel` whose every call carries `token`.
pub fn feedback_client(
    channel: &Channel,
    token: &str,
) -> anyhow::Result<
    onaltu_proto::feedback::feedback_service_client::FeedbackServiceClient<
        InterceptedService<Channel, CallerHeaders>,
    >,
> {
    let headers = CallerHeaders {
        authorization: format!("Bearer {}", token.trim())
            .parse()
            .context("the token must be printable ASCII")?,
        purpose: MetadataValue::from_static("evaluation of a service received"),
    };
    Ok(
        onaltu_proto::feedback::feedback_service_client::FeedbackServiceClient::with_interceptor(
            channel.clone(),
            headers,
        ),
    )
}
