//! Authentication and authorisation for gRPC handlers.
//!
//! [`AuthInterceptor`] checks `authorization: Bearer <JWT>` (HS256 with a shared secret in
//! development, RS256 with a public key in production) and puts the [`Caller`] into the request's
//! extensions; a call without a token is [`Caller::Anonymous`], which only public reads accept.
//! Handlers then require a role or ownership in one line:
//!
//! ```ignore
//! let claims = caller(&request).require(&[Role::CityOperator, Role::Admin])?;
//! ```
//!
//! A token must also say when it was issued (`iat`) and live no longer than the configured bound
//! for its kind: `[auth] max_token_lifetime_secs` for people, `max_service_token_lifetime_secs`
//! for INTEGRATION tokens (other systems and the services' own). In production
//! ([`AuthSettings`]'s rules) only RS256 is accepted, and the issuer and audience are required.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use onaltu_config::{Checker, ExposeSecret, SecretString, Validate};
use onaltu_errors::ApiError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The roles of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// A person with a disability, or a legal representative (заңды өкіл): own data only.
    Citizen,
    /// Staff of one rehabilitation centre: that centre only.
    CenterStaff,
    /// The city coordinator's operators.
    CityOperator,
    /// Invataxi dispatchers.
    Dispatcher,
    /// Drivers: their own vehicle's trips.
    Driver,
    /// Read-only access to everything, itself audited.
    Auditor,
    /// Other city systems: ratings and statistics, never personal data.
    Integration,
    /// Administrators.
    Admin,
}

impl Role {
    /// The role's name as written in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "CITIZEN",
            Role::CenterStaff => "CENTER_STAFF",
            Role::CityOperator => "CITY_OPERATOR",
            Role::Dispatcher => "DISPATCHER",
            Role::Driver => "DRIVER",
            Role::Auditor => "AUDITOR",
            Role::Integration => "INTEGRATION",
            Role::Admin => "ADMIN",
        }
    }
}

/// The claims of an Onaltu token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the account id of the caller.
    pub sub: String,
    /// The caller's role.
    pub role: Role,
    /// For CITIZEN: the registry person the account belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
    /// For CENTER_STAFF: the centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center_id: Option<Uuid>,
    /// For DRIVER: the vehicle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_id: Option<Uuid>,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at, seconds since the epoch: required, with `exp` it bounds the token's lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Issuer, checked when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience, checked when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

impl Claims {
    /// Claims for `role` issued now, valid for `ttl_secs`.
    pub fn new(sub: impl Into<String>, role: Role, ttl_secs: u64) -> Self {
        let now = now_secs();
        Self {
            sub: sub.into(),
            role,
            person_id: None,
            center_id: None,
            vehicle_id: None,
            exp: now + ttl_secs,
            iat: Some(now),
            iss: None,
            aud: None,
        }
    }
}

/// Why a token's lifetime is refused. Logged; the caller is only told the token is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifetimeError {
    /// No `iat`: how long the token lives cannot be told.
    #[error("the token has no issued-at time (iat)")]
    NoIssuedAt,
    /// `iat` later than now (beyond the leeway): a token minted ahead of its time.
    #[error("the token was issued in the future (iat {iat}, now {now})")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `exp - iat` above the bound for the token's kind.
    #[error("the token lives {lifetime} s, more than the {max} s allowed for its kind")]
    TooLong {
        /// `exp - iat`, seconds.
        lifetime: u64,
        /// The bound, seconds.
        max: u64,
    },
}

/// Whether a token issued at `iat` and expiring at `exp` lives at most `max_secs`, judged at
/// `now` with `leeway_secs` of clock skew. (Whether it has expired is the library's check.)
pub fn check_lifetime(
    iat: Option<u64>,
    exp: u64,
    max_secs: u64,
    now: u64,
    leeway_secs: u64,
) -> Result<(), LifetimeError> {
    let iat = iat.ok_or(LifetimeError::NoIssuedAt)?;
    if iat > now.saturating_add(leeway_secs) {
        return Err(LifetimeError::IssuedInFuture { iat, now });
    }
    let lifetime = exp.saturating_sub(iat);
    if lifetime > max_secs {
        return Err(LifetimeError::TooLong {
            lifetime,
            max: max_secs,
        });
    }
    Ok(())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A token the library refused, as the caller is told: that it expired (so a client knows to
/// renew it) or that it is not valid, never the library's reason, which stays in the log.
fn refused(e: jsonwebtoken::errors::Error) -> ApiError {
    tracing::debug!(reason = %e, "token refused");
    match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
            ApiError::Unauthenticated("the bearer token has expired".into())
        }
        _ => ApiError::Unauthenticated("the bearer token is not valid".into()),
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No token: public reads only.
    Anonymous,
    /// A verified token.
    Authenticated(Claims),
}

impl Caller {
    /// The claims when the caller has one of `roles`; UNAUTHENTICATED without a token,
    /// PERMISSION_DENIED with another role.
    pub fn require(&self, roles: &[Role]) -> Result<&Claims, ApiError> {
        match self {
            Caller::Anonymous => Err(ApiError::Unauthenticated(
                "this call needs a bearer token".into(),
            )),
            Caller::Authenticated(claims) if roles.contains(&claims.role) => Ok(claims),
            Caller::Authenticated(claims) => Err(ApiError::PermissionDenied(format!(
                "role {} may not make this call",
                claims.role.as_str()
            ))),
        }
    }

    /// The claims of any authenticated caller.
    pub fn authenticated(&self) -> Result<&Claims, ApiError> {
        match self {
            Caller::Anonymous => Err(ApiError::Unauthenticated(
                "this call needs a bearer token".into(),
            )),
            Caller::Authenticated(claims) => Ok(claims),
        }
    }

    /// The caller's role, if any.
    pub fn role(&self) -> Option<Role> {
        match self {
            Caller::Anonymous => None,
            Caller::Authenticated(c) => Some(c.role),
        }
    }

    /// Requires a CITIZEN whose own person is `person_id`, or one of `privileged` roles.
    pub fn require_person(
        &self,
        person_id: Uuid,
        privileged: &[Role],
    ) -> Result<&Claims, ApiError> {
        let claims = self.authenticated()?;
        if privileged.contains(&claims.role)
            || (claims.role == Role::Citizen && claims.person_id == Some(person_id))
        {
            Ok(claims)
        } else {
            Err(ApiError::PermissionDenied(
                "this record belongs to someone else".into(),
            ))
        }
    }

    /// Requires CENTER_STAFF of `center_id`, or one of `privileged` roles.
    pub fn require_center(
        &self,
        center_id: Uuid,
        privileged: &[Role],
    ) -> Result<&Claims, ApiError> {
        let claims = self.authenticated()?;
        if privileged.contains(&claims.role)
            || (claims.role == Role::CenterStaff && claims.center_id == Some(center_id))
        {
            Ok(claims)
        } else {
            Err(ApiError::PermissionDenied(
                "this call is for the centre's own staff".into(),
            ))
        }
    }
}

/// The caller of a request (anonymous when no interceptor ran).
pub fn caller<T>(request: &tonic::Request<T>) -> Caller {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or(Caller::Anonymous)
}

/// Authentication settings (`[auth]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 shared secret (development; refused in production).
    pub hs256_secret: Option<SecretString>,
    /// Path of the RS256 public key in PEM (production).
    pub rs256_public_key_path: Option<String>,
    /// Required issuer (`iss`), when set; production requires it set.
    pub issuer: Option<String>,
    /// Required audience (`aud`), when set; production requires it set.
    pub audience: Option<String>,
    /// Clock skew tolerated on expiry and issue time, seconds.
    pub leeway_secs: u64,
    /// Longest a person's token may live (`exp - iat`), seconds.
    pub max_token_lifetime_secs: u64,
    /// Longest an INTEGRATION token may live (`exp - iat`), seconds: other city systems' and the
    /// services' own tokens (`[registry] token`), which are rotated through their Secrets.
    pub max_service_token_lifetime_secs: u64,
}

/// The default bound of a person's token: one hour.
pub const DEFAULT_MAX_TOKEN_LIFETIME_SECS: u64 = 3_600;
/// The default bound of an INTEGRATION token: one day.
pub const DEFAULT_MAX_SERVICE_TOKEN_LIFETIME_SECS: u64 = 86_400;

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            hs256_secret: None,
            rs256_public_key_path: None,
            issuer: None,
            audience: None,
            leeway_secs: 0,
            max_token_lifetime_secs: DEFAULT_MAX_TOKEN_LIFETIME_SECS,
            max_service_token_lifetime_secs: DEFAULT_MAX_SERVICE_TOKEN_LIFETIME_SECS,
        }
    }
}

impl AuthSettings {
    /// The bounds of a token's lifetime by its kind.
    pub fn lifetimes(&self) -> TokenLifetimes {
        TokenLifetimes {
            person_secs: self.max_token_lifetime_secs,
            service_secs: self.max_service_token_lifetime_secs,
        }
    }
}

/// The longest a token may live (`exp - iat`), by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetimes {
    /// A person's token (every role but INTEGRATION).
    pub person_secs: u64,
    /// An INTEGRATION token: another city system's or a service's own.
    pub service_secs: u64,
}

impl TokenLifetimes {
    /// The bound for a token of `role`.
    pub fn max_for(&self, role: Role) -> u64 {
        match role {
            Role::Integration => self.service_secs,
            _ => self.person_secs,
        }
    }
}

fn is_set(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

impl Validate for AuthSettings {
    fn validate(&self, c: &mut Checker) {
        if c.production() {
            // What a production deployment is refused, each under the key to change.
            c.check(
                self.hs256_secret.is_none(),
                "hs256_secret",
                "is not allowed in production: HS256 is for development; production verifies \
                 the identity provider's RS256 tokens (rs256_public_key_path)",
            );
            c.check(
                is_set(self.rs256_public_key_path.as_deref()),
                "rs256_public_key_path",
                "is required in production: the identity provider's RS256 public key (PEM)",
            );
            c.check(
                is_set(self.issuer.as_deref()),
                "issuer",
                "is required in production: the identity provider's issuer (the tokens' iss)",
            );
            c.check(
                is_set(self.audience.as_deref()),
                "audience",
                "is required in production: the audience Onaltu's tokens are issued for (aud)",
            );
        } else {
            c.check(
                self.hs256_secret.is_some() || self.rs256_public_key_path.is_some(),
                "hs256_secret",
                "set hs256_secret (development) or rs256_public_key_path (production)",
            );
        }
        if let Some(secret) = &self.hs256_secret {
            c.check(
                secret.expose_secret().len() >= 32,
                "hs256_secret",
                "must be at least 32 characters",
            );
        }
        if let Some(path) = &self.rs256_public_key_path {
            c.check(
                std::path::Path::new(path).is_file(),
                "rs256_public_key_path",
                "file does not exist",
            );
        }
        c.check(
            self.leeway_secs <= 300,
            "leeway_secs",
            "must be at most 300",
        );
        c.check(
            (60..=86_400).contains(&self.max_token_lifetime_secs),
            "max_token_lifetime_secs",
            "must be between 60 and 86400 (a day)",
        );
        c.check(
            (60..=2_592_000).contains(&self.max_service_token_lifetime_secs),
            "max_service_token_lifetime_secs",
            "must be between 60 and 2592000 (30 days)",
        );
    }
}

/// Why authentication could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The key could not be read or parsed.
    #[error("auth key: {0}")]
    Key(String),
    /// A token could not be signed.
    #[error("token: {0}")]
    Sign(String),
}

/// Verifies bearer tokens.
pub struct Authenticator {
    key: DecodingKey,
    validation: Validation,
    lifetimes: TokenLifetimes,
    /// Tokens already verified, with their claims: a caller sends the same token on every call,
    /// and its signature (an RSA verification for RS256) need not be checked each time. Only the
    /// expiry is checked again. In memory only, bounded by [`VERIFIED_TOKENS`].
    verified: std::sync::Mutex<std::collections::HashMap<String, Claims>>,
}

/// Most tokens remembered as verified; the memory is emptied when it is full.
const VERIFIED_TOKENS: usize = 10_000;

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("algorithms", &self.validation.algorithms)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Builds the verifier; RS256 wins when both keys are configured.
    pub fn from_settings(settings: &AuthSettings) -> Result<Self, AuthError> {
        let (key, algorithm) = if let Some(path) = &settings.rs256_public_key_path {
            let pem = std::fs::read(path).map_err(|e| AuthError::Key(format!("{path}: {e}")))?;
            let key = DecodingKey::from_rsa_pem(&pem)
                .map_err(|e| AuthError::Key(format!("{path}: {e}")))?;
            (key, Algorithm::RS256)
        } else if let Some(secret) = &settings.hs256_secret {
            (
                DecodingKey::from_secret(secret.expose_secret().as_bytes()),
                Algorithm::HS256,
            )
        } else {
            return Err(AuthError::Key("no key configured".into()));
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = settings.leeway_secs;
        // A token not valid yet (`nbf` ahead of now, beyond the leeway) is refused too.
        validation.validate_nbf = true;
        let blank = |v: &&String| v.trim().is_empty();
        let audience = settings.audience.as_ref().filter(|v| !blank(v));
        let issuer = settings.issuer.as_ref().filter(|v| !blank(v));
        validation.validate_aud = audience.is_some();
        if let Some(aud) = audience {
            validation.set_audience(&[aud]);
        }
        if let Some(iss) = issuer {
            validation.set_issuer(&[iss]);
        }
        // A configured issuer or audience is required of every token, not only checked when
        // present (the library skips an absent claim unless it is listed here).
        let mut required = vec!["exp", "sub"];
        if audience.is_some() {
            required.push("aud");
        }
        if issuer.is_some() {
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        Ok(Self {
            key,
            validation,
            lifetimes: settings.lifetimes(),
            verified: Default::default(),
        })
    }

    /// Verifies a token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let unexpired = |c: &Claims| c.exp.saturating_add(self.validation.leeway) >= now;
        if let Ok(verified) = self.verified.lock()
            && let Some(claims) = verified.get(token)
            && unexpired(claims)
        {
            return Ok(claims.clone());
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map(|data| data.claims)
            .map_err(refused)?;
        check_lifetime(
            claims.iat,
            claims.exp,
            self.lifetimes.max_for(claims.role),
            now,
            self.validation.leeway,
        )
        .map_err(|e| {
            tracing::debug!(reason = %e, role = claims.role.as_str(), "token refused");
            ApiError::Unauthenticated("the bearer token is not valid".into())
        })?;
        if let Ok(mut verified) = self.verified.lock() {
            if verified.len() >= VERIFIED_TOKENS {
                verified.clear();
            }
            verified.insert(token.to_string(), claims.clone());
        }
        Ok(claims)
    }

    /// The caller described by an `authorization` header value (or its absence).
    pub fn caller_from_header(&self, header: Option<&str>) -> Result<Caller, ApiError> {
        let Some(value) = header else {
            return Ok(Caller::Anonymous);
        };
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| {
                ApiError::Unauthenticated("authorization must be `Bearer <token>`".into())
            })?;
        self.verify(token.trim()).map(Caller::Authenticated)
    }
}

/// Signs HS256 tokens: for development tools and tests, never used by a serving path.
pub fn issue_hs256(secret: &str, claims: &Claims) -> Result<String, AuthError> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| AuthError::Sign(e.to_string()))
}

/// How long a token a service signs for itself lives; renewed when less than a tenth is left.
const SELF_SIGNED_TTL_SECS: u64 = 3_600;

/// An INTEGRATION token a service signs for itself with `[auth] hs256_secret`, for its calls in
/// its own name when no token is configured: development and tests only. Production refuses an
/// HS256 secret, so a service never signs its own token there. Renewed before it expires, and
/// never longer-lived than an hour (within any `max_service_token_lifetime_secs`).
pub struct SelfSigned {
    secret: SecretString,
    template: Claims,
    current: std::sync::Mutex<Option<(u64, String)>>,
}

impl std::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSigned")
            .field("sub", &self.template.sub)
            .finish_non_exhaustive()
    }
}

impl SelfSigned {
    /// A signer for `subject` (e.g. `service:rating`) with the settings' HS256 secret, issuer and
    /// audience; `None` without a secret.
    pub fn new(auth: &AuthSettings, subject: &str) -> Option<Self> {
        let secret = auth.hs256_secret.clone()?;
        let mut template = Claims::new(subject, Role::Integration, 0);
        template.iss = auth.issuer.clone().filter(|v| !v.trim().is_empty());
        template.aud = auth.audience.clone().filter(|v| !v.trim().is_empty());
        Some(Self {
            secret,
            template,
            current: Default::default(),
        })
    }

    /// The current token, signed anew once less than a tenth of its lifetime is left.
    pub fn token(&self) -> Result<String, AuthError> {
        let now = now_secs();
        let mut current = self
            .current
            .lock()
            .map_err(|_| AuthError::Sign("the token cache is poisoned".into()))?;
        match &*current {
            Some((exp, token)) if *exp > now + SELF_SIGNED_TTL_SECS / 10 => Ok(token.clone()),
            _ => {
                let claims = Claims {
                    iat: Some(now),
                    exp: now + SELF_SIGNED_TTL_SECS,
                    ..self.template.clone()
                };
                let token = issue_hs256(self.secret.expose_secret(), &claims)?;
                *current = Some((claims.exp, token.clone()));
                Ok(token)
            }
        }
    }
}

/// What is wrong with a service's own token `token` for calls as `subject` (an INTEGRATION token
/// living at most `max_lifetime_secs`, unexpired at `now`), read without its signature: the
/// service cannot verify a token meant for another, so this only catches a token of the wrong
/// service, kind or age at start-up. The answer never quotes the token.
pub fn own_token_problem(
    token: &str,
    subject: &str,
    max_lifetime_secs: u64,
    now: u64,
) -> Option<String> {
    let claims = match jsonwebtoken::dangerous::insecure_decode_claims::<Claims>(token) {
        Ok(claims) => claims,
        Err(_) => {
            return Some(format!(
                "is not a JWT with Onaltu's claims; expected an INTEGRATION token with sub {subject}"
            ));
        }
    };
    if claims.sub != subject {
        return Some(format!(
            "is a token for sub {}, but this service calls as {subject}: each service has a token of its own",
            claims.sub
        ));
    }
    if claims.role != Role::Integration {
        return Some(format!(
            "has role {}, but a service's own token is INTEGRATION",
            claims.role.as_str()
        ));
    }
    if let Err(e) = check_lifetime(claims.iat, claims.exp, max_lifetime_secs, now, 0) {
        return Some(format!(
            "{e} (auth.max_service_token_lifetime_secs); mint a shorter-lived one"
        ));
    }
    if claims.exp <= now {
        return Some("has expired; put a fresh one in the service's Secret".into());
    }
    None
}

/// Seconds since the epoch, for the start-up checks of [`own_token_problem`].
pub fn now_epoch_secs() -> u64 {
    now_secs()
}

/// Interceptor that authenticates every call and records the [`Caller`] in its extensions.
#[derive(Debug, Clone)]
pub struct AuthInterceptor {
    authenticator: Arc<Authenticator>,
}

impl AuthInterceptor {
    /// An interceptor over a shared verifier.
    pub fn new(authenticator: Arc<Authenticator>) -> Self {
        Self { authenticator }
    }
}

impl tonic::service::Interceptor for AuthInterceptor {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let header = request
            .metadata()
            .get("authorization")
            .map(|v| v.to_str().unwrap_or("<not ascii>"));
        let caller = self.authenticator.caller_from_header(header)?;
        request.extensions_mut().insert(caller);
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn problems(settings: &AuthSettings, env: &str) -> Vec<(String, String)> {
        let mut c = Checker::for_env(env);
        c.section("auth", settings);
        c.violations()
            .iter()
            .map(|v| (v.key.clone(), v.message.clone()))
            .collect()
    }

    fn keys(settings: &AuthSettings, env: &str) -> Vec<String> {
        problems(settings, env)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    fn public_key() -> String {
        format!(
            "{}/tests/fixtures/test_rs256_public.pem",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    fn production() -> AuthSettings {
        AuthSettings {
            rs256_public_key_path: Some(public_key()),
            issuer: Some("https://idp.astana.gov.kz/realms/onaltu".into()),
            audience: Some("onaltu".into()),
            ..AuthSettings::default()
        }
    }

    #[test]
    fn a_production_configuration_passes_with_rs256_an_issuer_and_an_audience() {
        assert_eq!(problems(&production(), "production"), []);
    }

    #[test]
    fn production_refuses_hs256_and_a_missing_issuer_audience_or_key_by_name() {
        let hs256 = AuthSettings {
            hs256_secret: Some(SecretString::from("a-secret-of-its-own-at-least-32-chars")),
            ..production()
        };
        assert_eq!(keys(&hs256, "production"), ["auth.hs256_secret"]);
        assert!(problems(&hs256, "production")[0].1.contains("production"));

        for (blank, key) in [
            (
                AuthSettings {
                    issuer: None,
                    ..production()
                },
                "auth.issuer",
            ),
            (
                AuthSettings {
                    issuer: Some(" ".into()),
                    ..production()
                },
                "auth.issuer",
            ),
            (
                AuthSettings {
                    audience: None,
                    ..production()
                },
                "auth.audience",
            ),
            (
                AuthSettings {
                    rs256_public_key_path: None,
                    ..production()
                },
                "auth.rs256_public_key_path",
            ),
        ] {
            assert_eq!(keys(&blank, "production"), [key]);
            assert!(
                problems(&blank, "production")[0]
                    .1
                    .contains("required in production")
            );
        }

        // Development keeps HS256 and needs neither issuer nor audience.
        let development = AuthSettings {
            hs256_secret: Some(SecretString::from(onaltu_config::DEVELOPMENT_SECRET)),
            ..AuthSettings::default()
        };
        assert_eq!(problems(&development, "development"), []);
        assert_eq!(
            keys(&development, "production"),
            [
                "auth.hs256_secret",
                "auth.rs256_public_key_path",
                "auth.issuer",
                "auth.audience"
            ]
        );
    }

    #[test]
    fn lifetime_bounds_are_checked_by_name() {
        let bad = AuthSettings {
            max_token_lifetime_secs: 0,
            max_service_token_lifetime_secs: 365 * 86_400,
            ..production()
        };
        assert_eq!(
            keys(&bad, "production"),
            [
                "auth.max_token_lifetime_secs",
                "auth.max_service_token_lifetime_secs"
            ]
        );
    }

    #[test]
    fn integration_tokens_have_the_service_bound_and_people_theirs() {
        let lifetimes = AuthSettings::default().lifetimes();
        assert_eq!(lifetimes.max_for(Role::Integration), 86_400);
        for role in [Role::Citizen, Role::Admin, Role::Driver, Role::Auditor] {
            assert_eq!(lifetimes.max_for(role), 3_600, "{role:?}");
        }
    }

    #[test]
    fn a_lifetime_within_the_bound_passes_and_a_longer_one_or_none_is_refused() {
        assert_eq!(
            check_lifetime(Some(NOW), NOW + 3_600, 3_600, NOW, 0),
            Ok(())
        );
        assert_eq!(
            check_lifetime(Some(NOW - 100), NOW + 60, 3_600, NOW, 0),
            Ok(())
        );
        assert_eq!(
            check_lifetime(Some(NOW), NOW + 3_601, 3_600, NOW, 0),
            Err(LifetimeError::TooLong {
                lifetime: 3_601,
                max: 3_600
            })
        );
        assert_eq!(
            check_lifetime(None, NOW + 60, 3_600, NOW, 0),
            Err(LifetimeError::NoIssuedAt)
        );
        // Minted ahead of time, a token would outlive the bound counted from now.
        assert_eq!(
            check_lifetime(Some(NOW + 86_400), NOW + 86_400 + 60, 3_600, NOW, 0),
            Err(LifetimeError::IssuedInFuture {
                iat: NOW + 86_400,
                now: NOW
            })
        );
        // Clock skew within the leeway is tolerated.
        assert_eq!(
            check_lifetime(Some(NOW + 30), NOW + 90, 3_600, NOW, 60),
            Ok(())
        );
    }

    fn service_token(sub: &str, role: Role, iat: Option<u64>, exp: u64) -> String {
        let mut claims = Claims::new(sub, role, 0);
        claims.iat = iat;
        claims.exp = exp;
        issue_hs256("any-key-the-check-does-not-verify", &claims).unwrap()
    }

    #[test]
    fn a_services_own_token_must_be_its_own_integration_token_of_bounded_age() {
        let rating = "service:rating";
        let good = service_token(rating, Role::Integration, Some(NOW - 60), NOW + 3_600);
        assert_eq!(own_token_problem(&good, rating, 86_400, NOW), None);

        let cases = [
            ("not-a-token".to_string(), "is not a JWT"),
            (
                service_token("service:transport", Role::Integration, Some(NOW), NOW + 60),
                "each service has a token of its own",
            ),
            (
                service_token(rating, Role::Admin, Some(NOW), NOW + 60),
                "INTEGRATION",
            ),
            (
                service_token(rating, Role::Integration, None, NOW + 60),
                "no issued-at",
            ),
            (
                service_token(
                    rating,
                    Role::Integration,
                    Some(NOW),
                    NOW + 10 * 365 * 86_400,
                ),
                "max_service_token_lifetime_secs",
            ),
            (
                service_token(rating, Role::Integration, Some(NOW - 7_200), NOW - 3_600),
                "has expired",
            ),
        ];
        for (token, expected) in cases {
            let problem = own_token_problem(&token, rating, 86_400, NOW).expect(expected);
            assert!(problem.contains(expected), "{problem}");
            assert!(!problem.contains(&token), "never quotes the token");
        }
    }

    #[test]
    fn a_self_signed_token_is_short_lived_and_names_its_service() {
        assert!(SelfSigned::new(&AuthSettings::default(), "service:rating").is_none());
        let auth = AuthSettings {
            hs256_secret: Some(SecretString::from(onaltu_config::TEST_SECRET)),
            issuer: Some("dev-issuer".into()),
            ..AuthSettings::default()
        };
        let signer = SelfSigned::new(&auth, "service:rating").unwrap();
        let token = signer.token().unwrap();
        assert_eq!(signer.token().unwrap(), token, "kept while fresh");
        let verifier = Authenticator::from_settings(&auth).unwrap();
        let claims = verifier.verify(&token).unwrap();
        assert_eq!(claims.sub, "service:rating");
        assert_eq!(claims.role, Role::Integration);
        assert_eq!(claims.iss.as_deref(), Some("dev-issuer"));
        assert_eq!(
            own_token_problem(&token, "service:rating", 3_600, now_secs()),
            None
        );
    }
}
