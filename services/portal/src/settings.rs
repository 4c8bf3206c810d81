//! The portal's configuration: `[server]` (where it listens and the address people reach it
//! at), `[session]`, `[cache]` (the Redis that keeps sessions), `[auth]` (development sign-in
//! only), `[oidc]` (the city's identity provider), `[telemetry]`, and where each of the four
//! services is (`[registry]`, `[feedback]`, `[rating]`, `[transport]`).

use std::net::SocketAddr;

use onaltu_auth::AuthSettings;
use onaltu_cache::CacheSettings;
use onaltu_client::ClientSettings;
use onaltu_config::{Checker, SecretString, Validate};
use onaltu_telemetry::TelemetrySettings;
use serde::Deserialize;

/// The HTTP listener (`[server]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Where the portal listens.
    pub listen: SocketAddr,
    /// The address people reach the portal at, e.g. `https://onaltu.astana.kz`: the sign-in
    /// redirect is built from it, and an `https://` address marks the cookies `Secure`.
    pub public_url: String,
    /// Longest a page may take before it is answered 503.
    pub request_timeout_ms: u64,
    /// Requests handled at once; more wait.
    pub concurrency_limit: usize,
    /// How long a public page, as rendered for visitors who are not signed in, is served
    /// again before it is rendered anew (0: every visit renders).
    pub page_cache_secs: u64,
    /// How many such pages are kept.
    pub page_cache_entries: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            request_timeout_ms: 10_000,
            concurrency_limit: 256,
            page_cache_secs: 5,
            page_cache_entries: 10_000,
        }
    }
}

impl ServerSettings {
    /// Whether the portal is reached over HTTPS, so cookies are sent only over it.
    pub fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

impl Validate for ServerSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            self.public_url.starts_with("https://")
                || (!c.production() && self.public_url.starts_with("http://")),
            "public_url",
            "must be an https:// address (http:// only outside production)",
        );
        c.check(
            !self.public_url.ends_with('/'),
            "public_url",
            "must not end with /",
        );
        c.check(
            (100..=120_000).contains(&self.request_timeout_ms),
            "request_timeout_ms",
            "must be between 100 and 120000",
        );
        c.check(
            (1..=10_000).contains(&self.concurrency_limit),
            "concurrency_limit",
            "must be between 1 and 10000",
        );
        c.check(
            self.page_cache_secs <= 300,
            "page_cache_secs",
            "must be at most 300: a rating changed must show within minutes",
        );
        c.check(
            (1..=1_000_000).contains(&self.page_cache_entries),
            "page_cache_entries",
            "must be between 1 and 1000000",
        );
    }
}

/// Signed-in sessions (`[session]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// A session ends after this long without a request.
    pub idle_secs: u64,
    /// And after this long in any case: the person signs in again.
    pub absolute_secs: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle_secs: 30 * 60,
            absolute_secs: 12 * 3_600,
        }
    }
}

impl Validate for SessionSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (60..=86_400).contains(&self.idle_secs),
            "idle_secs",
            "must be between 60 and 86400",
        );
        c.check(
            self.absolute_secs >= self.idle_secs && self.absolute_secs <= 7 * 86_400,
            "absolute_secs",
            "must be at least idle_secs and at most 604800",
        );
    }
}

/// The city's OpenID Connect provider (`[oidc]`): sign-in by authorization code with PKCE.
/// Unset: no sign-in but the development one (refused in production).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcSettings {
    /// The issuer, e.g. `https://idp.egov.kz/realms/onaltu`; its discovery document is read
    /// from `<issuer>/.well-known/openid-configuration`.
    pub issuer: Option<String>,
    /// The portal's client id at the provider.
    pub client_id: Option<String>,
    /// The portal's client secret (a Kubernetes Secret).
    pub client_secret: Option<SecretString>,
    /// The same secret in a file (a mounted Secret). Not with `client_secret`.
    pub client_secret_file: Option<String>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
}

impl OidcSettings {
    /// Whether a provider is configured.
    pub fn enabled(&self) -> bool {
        self.issuer.is_some()
    }
}

impl Validate for OidcSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            self.enabled() || !c.production(),
            "issuer",
            "is required in production: people sign in through the city's identity provider",
        );
        if let Some(issuer) = &self.issuer {
            c.check(
                issuer.starts_with("https://")
                    || (!c.production() && issuer.starts_with("http://")),
                "issuer",
                "must be an https:// URL (http:// only outside production)",
            );
            c.check(
                self.client_id
                    .as_deref()
                    .is_some_and(|id| !id.trim().is_empty()),
                "client_id",
                "is required with an issuer",
            );
            c.check(
                self.client_secret.is_some() != self.client_secret_file.is_some(),
                "client_secret",
                "set exactly one of client_secret and client_secret_file",
            );
        }
    }
}

/// Everything the portal reads at start-up.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The HTTP listener.
    pub server: ServerSettings,
    /// Sessions.
    pub session: SessionSettings,
    /// The Redis that keeps sessions.
    pub cache: CacheSettings,
    /// Development sign-in: demo tokens are signed with `hs256_secret` (refused in production).
    pub auth: AuthSettings,
    /// The identity provider.
    pub oidc: OidcSettings,
    /// Logs, traces and metrics.
    pub telemetry: TelemetrySettings,
    /// The registry: centres, persons, queues and episodes.
    pub registry: ClientSettings,
    /// The feedback service: evaluations and complaints.
    pub feedback: ClientSettings,
    /// The rating service.
    pub rating: ClientSettings,
    /// The transport service: invataxi trips.
    pub transport: ClientSettings,
}

impl Validate for Settings {
    fn validate(&self, c: &mut Checker) {
        c.section("server", &self.server);
        c.section("session", &self.session);
        c.section("cache", &self.cache);
        c.section("auth", &self.auth);
        c.section("oidc", &self.oidc);
        c.section("telemetry", &self.telemetry);
        c.section("registry", &self.registry);
        c.section("feedback", &self.feedback);
        c.section("rating", &self.rating);
        c.section("transport", &self.transport);
    }
}

impl Settings {
    /// A local instance (tests, tools): the Redis at `redis_url`, demo tokens signed with
    /// `hs256_secret`, the four services at their URLs.
    pub fn local(
        redis_url: &str,
        hs256_secret: SecretString,
        registry: &str,
        feedback: &str,
        rating: &str,
        transport: &str,
    ) -> Self {
        let mut settings = Self {
            cache: CacheSettings::local(redis_url, "portal"),
            ..Self::default()
        };
        settings.auth.hs256_secret = Some(hs256_secret);
        for (client, url) in [
            (&mut settings.registry, registry),
            (&mut settings.feedback, feedback),
            (&mut settings.rating, rating),
            (&mut settings.transport, transport),
        ] {
            client.url = url.to_string();
            client.backoff_ms = 20;
        }
        settings
    }
}
