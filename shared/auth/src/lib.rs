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
    /// Issuer, checked when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience, checked when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

impl Claims {
    /// Claims for `role` valid for `ttl_secs` from now.
    pub fn new(sub: impl Into<String>, role: Role, ttl_secs: u64) -> Self {
        Self {
            sub: sub.into(),
            role,
            person_id: None,
            center_id: None,
            vehicle_id: None,
            exp: now_secs() + ttl_secs,
            iss: None,
            aud: None,
        }
    }
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 shared secret (development).
    pub hs256_secret: Option<SecretString>,
    /// Path of the RS256 public key in PEM (production).
    pub rs256_public_key_path: Option<String>,
    /// Required issuer, when set.
    pub issuer: Option<String>,
    /// Required audience, when set.
    pub audience: Option<String>,
    /// Clock skew tolerated on expiry, seconds.
    pub leeway_secs: u64,
}

impl Validate for AuthSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            self.hs256_secret.is_some() || self.rs256_public_key_path.is_some(),
            "hs256_secret",
            "set hs256_secret (development) or rs256_public_key_path (production)",
        );
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
        validation.validate_aud = settings.audience.is_some();
        if let Some(aud) = &settings.audience {
            validation.set_audience(&[aud]);
        }
        if let Some(iss) = &settings.issuer {
            validation.set_issuer(&[iss]);
        }
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(Self {
            key,
            validation,
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
