//! The city's identity provider, as an OpenID Connect relying party: the authorization code flow
//! with PKCE (S256). The provider's discovery document and signing keys are read once and kept
//! (the keys read again when a token names one not yet known); the sign-in in progress waits in
//! Redis, good once and for ten minutes; the provider's answer becomes a session only when its ID
//! token is the provider's own for this portal and this sign-in (signature, issuer, audience,
//! expiry, nonce) and its access token passes the services' own verification and names the same
//! person. A session's token is renewed with its refresh token as it nears its expiry.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use onaltu_auth::{Authenticator, Claims};
use onaltu_config::{ExposeSecret, SecretString};
use redis::AsyncCommands;
use serde::Deserialize;

use crate::domain::signin::{self as rules, PendingSignIn};
use crate::session::{Session, SessionError, digest, random_token};
use crate::settings::OidcSettings;
use crate::web::AppState;

/// How long the discovery document and the signing keys are kept before they are read again.
const KEEP_FOR: Duration = Duration::from_secs(3_600);
/// The signing keys are read again for an unknown key id at most this often.
const KEYS_AT_MOST_EVERY: Duration = Duration::from_secs(10);
/// Clock skew tolerated on the ID token's times, seconds.
const ID_TOKEN_LEEWAY_SECS: u64 = 60;

/// Why signing in through the provider failed. The visitor is told which kind, never the detail,
/// which is logged (it names no person).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached, or answered something that is not OpenID Connect.
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the code or the refresh token.
    #[error("the identity provider refused: {0}")]
    Refused(String),
    /// A token the provider gave is not acceptable.
    #[error("a token is not acceptable: {0}")]
    BadToken(String),
    /// The sign-in's state is unknown: forged, expired, or already used.
    #[error("the sign-in's state is unknown or was already used")]
    UnknownState,
    /// The session store failed.
    #[error("{0}")]
    Store(#[from] SessionError),
}

/// Where the provider's endpoints are (its discovery document).
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// The issuer, which must be the configured one.
    pub issuer: String,
    /// Where the person signs in.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens become tokens.
    pub token_endpoint: String,
    /// The signing keys.
    pub jwks_uri: String,
    /// Where the person signs out at the provider, when it offers it.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    /// How the portal may authenticate at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

/// The token endpoint's answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    /// The token for the services.
    pub access_token: String,
    /// The ID token (always on sign-in; on renewal when the provider gives one).
    #[serde(default)]
    pub id_token: Option<String>,
    /// The refresh token, when the provider gives one.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// What the portal reads of an ID token (the library checks `iss`, `aud` and `exp`).
#[derive(Debug, Clone, Deserialize)]
pub struct IdClaims {
    /// The person's subject at the provider.
    pub sub: String,
    /// The sign-in's nonce.
    #[serde(default)]
    pub nonce: Option<String>,
}

#[derive(Default)]
struct Cached {
    discovery: Option<(Instant, Arc<Discovery>)>,
    keys: Option<(Instant, Arc<Vec<Jwk>>)>,
}

/// One configured provider, with what it has said of itself.
pub struct Provider {
    issuer: String,
    client_id: String,
    client_secret: SecretString,
    scopes: Vec<String>,
    cached: tokio::sync::Mutex<Cached>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The providers of this process by issuer and client (one in a deployment; tests start
/// several portals), so what a provider said of itself is read once.
static PROVIDERS: LazyLock<Mutex<HashMap<ProviderKey, Arc<Provider>>>> =
    LazyLock::new(Default::default);

/// A provider's issuer and the portal's client id at it.
type ProviderKey = (String, String);

/// The configured provider; `None` without an issuer.
pub fn provider(settings: &OidcSettings) -> Result<Option<Arc<Provider>>, OidcError> {
    let Some(issuer) = settings.issuer.as_deref() else {
        return Ok(None);
    };
    let issuer = issuer.trim_end_matches('/').to_string();
    let client_id = settings.client_id.clone().unwrap_or_default();
    let key = (issuer.clone(), client_id.clone());
    let mut providers = PROVIDERS
        .lock()
        .map_err(|_| OidcError::Unavailable("the provider cache is poisoned".into()))?;
    if let Some(provider) = providers.get(&key) {
        return Ok(Some(provider.clone()));
    }
    let client_secret = match (&settings.client_secret, &settings.client_secret_file) {
        (Some(secret), _) => secret.clone(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map(|s| SecretString::from(s.trim().to_string()))
            .map_err(|e| OidcError::Unavailable(format!("oidc.client_secret_file {path}: {e}")))?,
        (None, None) => SecretString::from(String::new()),
    };
    let provider = Arc::new(Provider {
        issuer,
        client_id,
        client_secret,
        scopes: settings.scopes.clone(),
        cached: Default::default(),
    });
    providers.insert(key, provider.clone());
    Ok(Some(provider))
}

impl Provider {
    /// The portal's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The discovery document, read again after [`KEEP_FOR`].
    pub async fn discovery(&self) -> Result<Arc<Discovery>, OidcError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, d)) = &cached.discovery
            && at.elapsed() < KEEP_FOR
        {
            return Ok(d.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let discovery: Discovery = get_json(&url).await?;
        if discovery.issuer.trim_end_matches('/') != self.issuer {
            return Err(OidcError::Unavailable(format!(
                "the discovery document names issuer {}, not the configured one",
                discovery.issuer
            )));
        }
        let discovery = Arc::new(discovery);
        cached.discovery = Some((Instant::now(), discovery.clone()));
        Ok(discovery)
    }

    /// The RSA signing key `kid` names (or the only one, for a token naming none).
    async fn key(&self, kid: Option<&str>) -> Result<DecodingKey, OidcError> {
        let jwks_uri = self.discovery().await?.jwks_uri.clone();
        let mut cached = self.cached.lock().await;
        let mut fresh = false;
        loop {
            let stale = cached.keys.as_ref().is_none_or(|(at, _)| {
                at.elapsed() >= KEEP_FOR || (!fresh && at.elapsed() >= KEYS_AT_MOST_EVERY)
            });
            let known = cached
                .keys
                .as_ref()
                .and_then(|(_, keys)| pick_key(keys, kid))
                .cloned();
            match known {
                Some(jwk) => {
                    return DecodingKey::from_jwk(&jwk)
                        .map_err(|e| OidcError::BadToken(format!("signing key: {e}")));
                }
                None if stale && !fresh => {
                    cached.keys = Some((Instant::now(), Arc::new(read_keys(&jwks_uri).await?)));
                    fresh = true;
                }
                None => {
                    return Err(OidcError::BadToken(
                        "no signing key of the provider's matches the token".into(),
                    ));
                }
            }
        }
    }

    /// Sends the person to the provider: the sign-in in progress is kept in Redis under its
    /// state's digest for ten minutes; returns the provider's address.
    pub async fn begin(
        &self,
        state: &AppState,
        next: &str,
        lang: &str,
    ) -> Result<String, OidcError> {
        let discovery = self.discovery().await?;
        let (state_value, pending) = (
            random_token()?,
            PendingSignIn {
                nonce: random_token()?,
                verifier: random_token()?,
                next: rules::safe_next(Some(next)),
            },
        );
        let mut redis = state.sessions.redis();
        let key = rules::state_key(state.sessions.prefix(), &state_value);
        let _: () = redis
            .set_ex(key, pending.to_json(), rules::STATE_TTL_SECS)
            .await
            .map_err(SessionError::from)?;
        Ok(rules::AuthorizeRequest {
            endpoint: &discovery.authorization_endpoint,
            client_id: &self.client_id,
            redirect_uri: &redirect_uri(state),
            scopes: &self.scopes,
            state: &state_value,
            nonce: &pending.nonce,
            verifier: &pending.verifier,
            lang,
        }
        .url())
    }

    /// The provider's answer to a sign-in: the sign-in in progress `state` names is taken (so
    /// it is good once), the code exchanged with its PKCE verifier, and the tokens checked.
    /// Returns the tokens, what the access token says of the person, and where to go next.
    pub async fn finish(
        &self,
        state: &AppState,
        code: &str,
        state_value: &str,
    ) -> Result<(Tokens, Claims, String), OidcError> {
        let pending = take_pending(state, state_value)
            .await?
            .ok_or(OidcError::UnknownState)?;
        let tokens = self
            .token_request(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &redirect_uri(state)),
                ("code_verifier", &pending.verifier),
            ])
            .await?;
        let id_token = tokens
            .id_token
            .as_deref()
            .ok_or_else(|| OidcError::BadToken("the provider gave no ID token".into()))?;
        let id = self.verify_id_token(id_token, Some(&pending.nonce)).await?;
        let claims = verify_access(&state.authenticator, &tokens.access_token, &id.sub)?;
        Ok((tokens, claims, pending.next))
    }

    /// New tokens for `refresh_token`.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, OidcError> {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// An ID token's claims when it is this provider's, for this portal, unexpired, and (when
    /// `nonce` is given) of this sign-in.
    pub async fn verify_id_token(
        &self,
        token: &str,
        nonce: Option<&str>,
    ) -> Result<IdClaims, OidcError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| OidcError::BadToken(format!("ID token header: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(OidcError::BadToken(format!(
                "ID token signed with {:?}, not RS256",
                header.alg
            )));
        }
        let key = self.key(header.kid.as_deref()).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = ID_TOKEN_LEEWAY_SECS;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let id = jsonwebtoken::decode::<IdClaims>(token, &key, &validation)
            .map_err(|e| OidcError::BadToken(format!("ID token: {e}")))?
            .claims;
        if let Some(nonce) = nonce
            && id.nonce.as_deref() != Some(nonce)
        {
            return Err(OidcError::BadToken(
                "the ID token's nonce is not this sign-in's".into(),
            ));
        }
        Ok(id)
    }

    /// Where the person signs out at the provider and comes back to the portal, when the
    /// provider offers it.
    pub async fn end_session_url(&self, id_token: Option<&str>, back_to: &str) -> Option<String> {
        let discovery = self.discovery().await.ok()?;
        let endpoint = discovery.end_session_endpoint.as_deref()?;
        Some(rules::end_session_url(
            endpoint,
            id_token,
            &self.client_id,
            back_to,
        ))
    }

    /// A request to the token endpoint, the portal authenticated by `client_secret_basic`, or
    /// `client_secret_post` when the provider takes only that.
    async fn token_request(&self, params: &[(&str, &str)]) -> Result<Tokens, OidcError> {
        let discovery = self.discovery().await?;
        let methods = &discovery.token_endpoint_auth_methods_supported;
        let post = !methods.is_empty()
            && !methods.iter().any(|m| m == "client_secret_basic")
            && methods.iter().any(|m| m == "client_secret_post");
        let secret = self.client_secret.expose_secret();
        let mut form: Vec<(&str, &str)> = params.to_vec();
        let mut request = http::Request::post(&discovery.token_endpoint)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json");
        if post {
            form.extend([
                ("client_id", self.client_id.as_str()),
                ("client_secret", secret),
            ]);
        } else {
            // RFC 6749 §2.3.1: both form-encoded before they are joined.
            let user = serde_urlencoded::to_string([("", &self.client_id)]).unwrap_or_default();
            let pass = serde_urlencoded::to_string([("", secret)]).unwrap_or_default();
            let basic = format!("{}:{}", &user[1..], &pass[1..]);
            request = request.header(
                http::header::AUTHORIZATION,
                format!("Basic {}", STANDARD.encode(basic)),
            );
        }
        let body = serde_urlencoded::to_string(&form).unwrap_or_default();
        let request = request
            .body(body)
            .map_err(|e| OidcError::Unavailable(format!("token request: {e}")))?;
        let response = client::send(request)
            .await
            .map_err(|e| OidcError::Unavailable(format!("token endpoint: {e}")))?;
        let status = response.status();
        if status.is_client_error() {
            // The OAuth error code only (`invalid_grant`…): its description may quote the request.
            let error = serde_json::from_slice::<serde_json::Value>(response.body())
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
                .unwrap_or_default();
            return Err(OidcError::Refused(format!("{status} {error}")));
        }
        if !status.is_success() {
            return Err(OidcError::Unavailable(format!("token endpoint: {status}")));
        }
        serde_json::from_slice(response.body())
            .map_err(|e| OidcError::Unavailable(format!("token response: {e}")))
    }
}

/// The RSA signature key `kid` names among `keys` (or, for a token naming none, the only one).
fn pick_key<'a>(keys: &'a [Jwk], kid: Option<&str>) -> Option<&'a Jwk> {
    let mut rsa = keys.iter().filter(|k| {
        matches!(k.algorithm, AlgorithmParameters::RSA(_))
            && !matches!(k.common.public_key_use, Some(PublicKeyUse::Encryption))
    });
    match kid {
        Some(kid) => rsa.find(|k| k.common.key_id.as_deref() == Some(kid)),
        None => {
            let first = rsa.next();
            rsa.next().is_none().then_some(first).flatten()
        }
    }
}

/// The provider's keys: those the library reads, the others (other kinds, other uses) skipped.
async fn read_keys(jwks_uri: &str) -> Result<Vec<Jwk>, OidcError> {
    #[derive(Deserialize)]
    struct Set {
        keys: Vec<serde_json::Value>,
    }
    let set: Set = get_json(jwks_uri).await?;
    Ok(set
        .keys
        .into_iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k).ok())
        .collect())
}

/// The JSON document at `url`.
async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, OidcError> {
    let request = http::Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .body(String::new())
        .map_err(|e| OidcError::Unavailable(format!("{url}: {e}")))?;
    let response = client::send(request)
        .await
        .map_err(|e| OidcError::Unavailable(format!("{url}: {e}")))?;
    if !response.status().is_success() {
        return Err(OidcError::Unavailable(format!(
            "{url}: {}",
            response.status()
        )));
    }
    serde_json::from_slice(response.body())
        .map_err(|e| OidcError::Unavailable(format!("{url}: {e}")))
}

/// Where the provider sends the person back.
pub fn redirect_uri(state: &AppState) -> String {
    format!("{}/auth/callback", state.settings.server.public_url)
}

/// Takes (reads and deletes at once) the sign-in in progress `state_value` names.
pub async fn take_pending(
    state: &AppState,
    state_value: &str,
) -> Result<Option<PendingSignIn>, SessionError> {
    if state_value.is_empty() || state_value.len() > 256 {
        return Ok(None);
    }
    let mut redis = state.sessions.redis();
    let json: Option<String> = redis
        .get_del(rules::state_key(state.sessions.prefix(), state_value))
        .await?;
    Ok(json.as_deref().and_then(PendingSignIn::from_json))
}

/// The access token's Onaltu claims, as the services verify them; refused when it is not valid
/// or names another person than the ID token (`sub`).
pub fn verify_access(
    authenticator: &Authenticator,
    access_token: &str,
    id_sub: &str,
) -> Result<Claims, OidcError> {
    let claims = authenticator
        .verify(access_token)
        .map_err(|e| OidcError::BadToken(format!("access token: {e}")))?;
    if claims.sub != id_sub {
        return Err(OidcError::BadToken(
            "the access token names another subject than the ID token".into(),
        ));
    }
    Ok(claims)
}

/// The live session `id` names, its token renewed with the refresh token when it nears its
/// expiry. When it cannot be renewed and has expired, or the provider refuses, the session ends
/// and the person is asked to sign in again. Every page loads its session through this.
pub async fn load_renewed(state: &AppState, id: &str) -> Result<Option<Session>, SessionError> {
    let Some(session) = state.sessions.load(id).await? else {
        return Ok(None);
    };
    let now = onaltu_auth::now_epoch_secs();
    if !rules::needs_renewal(&session.claims, now) {
        return Ok(Some(session));
    }
    let expired = session.claims.exp <= now;
    let provider = provider(&state.settings.oidc).ok().flatten();
    let (Some(provider), Some(refresh_token)) = (provider, session.refresh_token.clone()) else {
        return end_if(state, id, session, expired).await;
    };
    // One request renews; the others meanwhile go on with the token they have.
    let mut redis = state.sessions.redis();
    let lock = format!("{}:renew:{}", state.sessions.prefix(), digest(id));
    let mine: Option<String> = redis::cmd("SET")
        .arg(&lock)
        .arg(1)
        .arg("NX")
        .arg("EX")
        .arg(30)
        .query_async(&mut redis)
        .await?;
    if mine.is_none() {
        return Ok(Some(session));
    }
    let renewed = renew(&provider, &state.authenticator, &session, &refresh_token).await;
    let _: () = redis.del(&lock).await?;
    match renewed {
        Ok(renewed) => {
            state.sessions.save(id, &renewed).await?;
            Ok(Some(renewed))
        }
        Err(OidcError::Unavailable(reason)) => {
            tracing::warn!(%reason, "a session's token could not be renewed yet");
            end_if(state, id, session, expired).await
        }
        Err(e) => {
            tracing::info!(reason = %e, "a session's token was not renewed; signing in again");
            end_if(state, id, session, true).await
        }
    }
}

/// Ends the session `id` when `end`; otherwise it goes on as it is.
async fn end_if(
    state: &AppState,
    id: &str,
    session: Session,
    end: bool,
) -> Result<Option<Session>, SessionError> {
    if end {
        state.sessions.end(id).await?;
        Ok(None)
    } else {
        Ok(Some(session))
    }
}

/// The session with tokens renewed by `refresh_token`: the new access token must pass the
/// services' verification and name the same person, and a new ID token too.
async fn renew(
    provider: &Provider,
    authenticator: &Authenticator,
    session: &Session,
    refresh_token: &str,
) -> Result<Session, OidcError> {
    let tokens = provider.refresh(refresh_token).await?;
    if let Some(id_token) = &tokens.id_token {
        let id = provider.verify_id_token(id_token, None).await?;
        if id.sub != session.claims.sub {
            return Err(OidcError::BadToken(
                "the renewed ID token names another subject".into(),
            ));
        }
    }
    let claims = verify_access(authenticator, &tokens.access_token, &session.claims.sub)?;
    Ok(Session {
        token: tokens.access_token,
        refresh_token: tokens
            .refresh_token
            .or_else(|| session.refresh_token.clone()),
        claims,
        id_token: tokens.id_token.or_else(|| session.id_token.clone()),
        ..session.clone()
    })
}

/// A small HTTP/1.1 client for the provider's endpoints: one connection per request (sign-ins
/// are few), HTTPS by rustls with the system's roots, bounded in time and size.
pub mod client {
    use std::sync::{Arc, LazyLock};
    use std::time::Duration;

    use bytes::Bytes;
    use http_body_util::{BodyExt, Full, Limited};
    use hyper_util::rt::TokioIo;
    use tokio::io::{AsyncRead, AsyncWrite};

    /// Longest a request may take, connection included.
    const TIMEOUT: Duration = Duration::from_secs(10);
    /// Largest answer read.
    const MAX_BODY: usize = 1 << 20;

    /// Why a request failed.
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    pub struct HttpError(pub String);

    static TLS: LazyLock<Result<Arc<rustls::ClientConfig>, String>> = LazyLock::new(|| {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        for cert in found.certs {
            let _ = roots.add(cert);
        }
        if roots.is_empty() {
            return Err(format!("no trusted roots: {:?}", found.errors));
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Arc::new(config))
    });

    /// Sends `request` (an absolute `http://` or `https://` URI) and reads the whole answer.
    pub async fn send(request: http::Request<String>) -> Result<http::Response<Bytes>, HttpError> {
        tokio::time::timeout(TIMEOUT, send_now(request))
            .await
            .map_err(|_| HttpError(format!("no answer within {} s", TIMEOUT.as_secs())))?
    }

    async fn send_now(request: http::Request<String>) -> Result<http::Response<Bytes>, HttpError> {
        let uri = request.uri().clone();
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(HttpError("only http:// and https:// addresses".into())),
        };
        let host = uri
            .host()
            .ok_or_else(|| HttpError("the address has no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| HttpError(format!("connect: {e}")))?;
        if https {
            let config = TLS.as_ref().map_err(|e| HttpError(e.clone()))?;
            let name = rustls_pki_types::ServerName::try_from(host)
                .map_err(|e| HttpError(format!("server name: {e}")))?;
            let tls = tokio_rustls::TlsConnector::from(config.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| HttpError(format!("TLS: {e}")))?;
            exchange(tls, request).await
        } else {
            exchange(tcp, request).await
        }
    }

    async fn exchange<S>(
        stream: S,
        request: http::Request<String>,
    ) -> Result<http::Response<Bytes>, HttpError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (mut parts, body) = request.into_parts();
        let authority = parts
            .uri
            .authority()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        let path = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        parts.uri = path.parse().map_err(|e| HttpError(format!("path: {e}")))?;
        let host =
            http::HeaderValue::from_str(&authority).map_err(|e| HttpError(format!("host: {e}")))?;
        parts.headers.insert(http::header::HOST, host);
        let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| HttpError(format!("handshake: {e}")))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| HttpError(format!("request: {e}")))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_BODY)
            .collect()
            .await
            .map_err(|e| HttpError(format!("body: {e}")))?
            .to_bytes();
        Ok(http::Response::from_parts(parts, body))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rsa(kid: Option<&str>, usage: Option<PublicKeyUse>) -> Jwk {
        let mut jwk: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "RSA", "n": "sXch", "e": "AQAB"
        }))
        .unwrap();
        jwk.common.key_id = kid.map(str::to_string);
        jwk.common.public_key_use = usage;
        jwk
    }

    #[test]
    fn the_token_names_its_key_or_the_only_one_is_taken() {
        let keys = vec![
            rsa(Some("a"), Some(PublicKeyUse::Signature)),
            rsa(Some("b"), None),
            rsa(Some("enc"), Some(PublicKeyUse::Encryption)),
        ];
        assert_eq!(
            pick_key(&keys, Some("b")).unwrap().common.key_id.as_deref(),
            Some("b")
        );
        assert!(
            pick_key(&keys, Some("enc")).is_none(),
            "never an encryption key"
        );
        assert!(pick_key(&keys, Some("c")).is_none());
        assert!(pick_key(&keys, None).is_none(), "ambiguous without a kid");
        assert!(pick_key(&keys[..1], None).is_some());
    }
}
