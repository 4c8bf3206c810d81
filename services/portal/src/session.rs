//! Signed-in sessions, kept server-side in Redis: the browser holds only a random id in a
//! `Secure` (over HTTPS), `HttpOnly`, `SameSite=Lax` cookie. Redis keys name the SHA-256 of the
//! id, never the id itself, so reading Redis does not hand over anyone's session. A session
//! carries the person's own token for the services, what the portal shows of them, and the
//! token every form must echo (CSRF). It ends after `[session] idle_secs` without a request,
//! after `absolute_secs` in any case, or at sign-out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use onaltu_auth::{Claims, Role};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::settings::SessionSettings;

/// The session cookie's name.
pub const COOKIE: &str = "onaltu_session";

/// A signed-in person's session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// The token the portal calls the services with, in the person's own name.
    pub token: String,
    /// The provider's refresh token, when it gave one.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// What the token says of the person.
    pub claims: Claims,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// When the session began, seconds since the epoch.
    pub started: u64,
    /// The provider's ID token, for its sign-out.
    #[serde(default)]
    pub id_token: Option<String>,
}

impl Session {
    /// The person's role.
    pub fn role(&self) -> Role {
        self.claims.role
    }

    /// Whether `csrf`, as a form sent it, is this session's.
    pub fn csrf_matches(&self, csrf: &str) -> bool {
        // Compared in constant time: the difference must not leak through timing.
        let (a, b) = (self.csrf.as_bytes(), csrf.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// 32 random bytes, URL-safe base64: session ids, CSRF tokens, OIDC state and PKCE verifiers.
pub fn random_token() -> Result<String, SessionError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| SessionError(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The hex SHA-256 of `value`: how Redis keys name a secret.
pub fn digest(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why the session store failed (Redis unreachable or a stored value unreadable).
#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionError(pub String);

impl From<redis::RedisError> for SessionError {
    fn from(e: redis::RedisError) -> Self {
        SessionError(e.to_string())
    }
}

/// The sessions, in Redis.
#[derive(Clone)]
pub struct Sessions {
    redis: ConnectionManager,
    prefix: String,
    settings: SessionSettings,
}

impl Sessions {
    /// The store on `redis`, keys under `<prefix>:session:`.
    pub fn new(redis: ConnectionManager, prefix: &str, settings: SessionSettings) -> Self {
        Self {
            redis,
            prefix: prefix.to_string(),
            settings,
        }
    }

    /// A Redis connection of the store, for other short-lived server-side state (sign-in in
    /// progress).
    pub fn redis(&self) -> ConnectionManager {
        self.redis.clone()
    }

    /// The key prefix of this portal.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, id: &str) -> String {
        format!("{}:session:{}", self.prefix, digest(id))
    }

    /// Starts a session for `token` (whose claims are `claims`); returns its id for the cookie.
    pub async fn start(
        &self,
        token: String,
        refresh_token: Option<String>,
        id_token: Option<String>,
        claims: Claims,
    ) -> Result<(String, Session), SessionError> {
        let id = random_token()?;
        let session = Session {
            token,
            refresh_token,
            claims,
            csrf: random_token()?,
            started: onaltu_auth::now_epoch_secs(),
            id_token,
        };
        self.save(&id, &session).await?;
        Ok((id, session))
    }

    /// Stores `session` under `id` again (a renewed token), its idle time restarted.
    pub async fn save(&self, id: &str, session: &Session) -> Result<(), SessionError> {
        let json = serde_json::to_string(session).map_err(|e| SessionError(e.to_string()))?;
        let mut redis = self.redis.clone();
        let _: () = redis
            .set_ex(self.key(id), json, self.settings.idle_secs)
            .await?;
        Ok(())
    }

    /// The live session `id` names, its idle time restarted; `None` when it ended or never was.
    pub async fn load(&self, id: &str) -> Result<Option<Session>, SessionError> {
        let mut redis = self.redis.clone();
        let key = self.key(id);
        let json: Option<String> = redis
            .get_ex(&key, redis::Expiry::EX(self.settings.idle_secs))
            .await?;
        let Some(json) = json else { return Ok(None) };
        let session: Session =
            serde_json::from_str(&json).map_err(|e| SessionError(e.to_string()))?;
        let age = onaltu_auth::now_epoch_secs().saturating_sub(session.started);
        if age > self.settings.absolute_secs {
            let _: () = redis.del(&key).await?;
            return Ok(None);
        }
        Ok(Some(session))
    }

    /// Ends the session `id`.
    pub async fn end(&self, id: &str) -> Result<(), SessionError> {
        let mut redis = self.redis.clone();
        let _: () = redis.del(self.key(id)).await?;
        Ok(())
    }

    /// The `Set-Cookie` value that hands `id` to the browser.
    pub fn cookie(&self, id: &str, secure: bool) -> String {
        cookie(COOKIE, id, Some(self.settings.absolute_secs), secure)
    }
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, path `/`, `Secure` when the portal is
/// reached over HTTPS; `max_age` None makes it a browser-session cookie, `Some(0)` deletes it.
pub fn cookie(name: &str, value: &str, max_age: Option<u64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cookies_are_http_only_and_same_site() {
        let c = cookie(COOKIE, "abc", Some(60), true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!cookie(COOKIE, "abc", None, false).contains("Secure"));
        assert_eq!(
            cookie_value("a=1; onaltu_session=xyz; b=2", COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("a=1", COOKIE), None);
    }

    #[test]
    fn tokens_are_random_and_keys_never_hold_them() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(!digest(&a).contains(&a));
        assert_eq!(digest("x").len(), 64);
    }

    #[test]
    fn csrf_must_match_exactly() {
        let s = Session {
            token: "t".into(),
            refresh_token: None,
            claims: Claims::new("sub", Role::Citizen, 60),
            csrf: "abc".into(),
            started: 0,
            id_token: None,
        };
        assert!(s.csrf_matches("abc"));
        assert!(!s.csrf_matches("abd"));
        assert!(!s.csrf_matches("ab"));
        assert!(!s.csrf_matches(""));
    }
}
