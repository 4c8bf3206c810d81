//! Signing in, without I/O: the PKCE proof (RFC 7636, S256), the sign-in in progress as Redis
//! keeps it between the redirect to the identity provider and its answer, where a person may be
//! sent back to afterwards, the provider's addresses the portal builds, when a session's token is
//! renewed, and the development sign-in's form.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use onaltu_auth::{Claims, Role};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long a sign-in may take at the provider before its state is forgotten, seconds.
pub const STATE_TTL_SECS: u64 = 600;

/// The PKCE code challenge of `verifier` by the S256 method: the URL-safe base64, unpadded, of
/// the SHA-256 of the verifier's ASCII (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is a valid PKCE code verifier: 43 to 128 characters of
/// `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
pub fn pkce_verifier_is_valid(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A sign-in in progress: kept in Redis under the digest of `state` for [`STATE_TTL_SECS`],
/// taken (and so deleted) by the provider's answer, which makes every `state` good once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// The ID token must carry it back (`nonce`): a token minted for another sign-in is refused.
    pub nonce: String,
    /// The PKCE code verifier, sent with the code to prove the portal asked for it.
    pub verifier: String,
    /// Where to go once signed in (a local path).
    pub next: String,
}

impl PendingSignIn {
    /// As Redis keeps it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// From what Redis kept; `None` when it is not a sign-in in progress.
    pub fn from_json(json: &str) -> Option<Self> {
        serde_json::from_str::<Self>(json)
            .ok()
            .filter(|p| pkce_verifier_is_valid(&p.verifier) && !p.nonce.is_empty())
    }
}

/// The Redis key of the sign-in in progress whose state is `state`: the state itself is never
/// a key, so reading Redis does not let anyone finish someone else's sign-in.
pub fn state_key(prefix: &str, state: &str) -> String {
    format!("{prefix}:oidc:{}", crate::session::digest(state))
}

/// Where a person may be sent after signing in: a path of this portal (`/…`, not `//…`, which
/// a browser reads as another host, nor `/\…`, which some read the same way); anything else
/// sends them to the start page.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next.map(str::trim) else {
        return "/".into();
    };
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2_000;
    if local { next.to_string() } else { "/".into() }
}

/// `base` with the query `params` added (after a `?`, or an `&` when it already has a query).
pub fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    if query.is_empty() {
        return base.to_string();
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{query}")
}

/// What the provider's authorization endpoint is asked for.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest<'a> {
    /// The provider's authorization endpoint.
    pub endpoint: &'a str,
    /// The portal's client id.
    pub client_id: &'a str,
    /// Where the provider sends the person back (`<public_url>/auth/callback`).
    pub redirect_uri: &'a str,
    /// Scopes besides `openid`.
    pub scopes: &'a [String],
    /// The random state.
    pub state: &'a str,
    /// The random nonce.
    pub nonce: &'a str,
    /// The PKCE verifier (only its challenge is sent).
    pub verifier: &'a str,
    /// The page's language, offered as the provider's (`ui_locales`).
    pub lang: &'a str,
}

impl AuthorizeRequest<'_> {
    /// The address the person is sent to.
    pub fn url(&self) -> String {
        let mut scope = vec!["openid"];
        scope.extend(
            self.scopes
                .iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty() && *s != "openid"),
        );
        let scope = scope.join(" ");
        let challenge = pkce_challenge(self.verifier);
        with_query(
            self.endpoint,
            &[
                ("response_type", "code"),
                ("client_id", self.client_id),
                ("redirect_uri", self.redirect_uri),
                ("scope", &scope),
                ("state", self.state),
                ("nonce", self.nonce),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("ui_locales", self.lang),
            ],
        )
    }
}

/// The provider's sign-out address (OpenID Connect RP-Initiated Logout): the person's ID token
/// as the hint of whom to sign out, and where to come back.
pub fn end_session_url(
    endpoint: &str,
    id_token: Option<&str>,
    client_id: &str,
    back_to: &str,
) -> String {
    let mut params = vec![
        ("client_id", client_id),
        ("post_logout_redirect_uri", back_to),
    ];
    if let Some(hint) = id_token {
        params.insert(0, ("id_token_hint", hint));
    }
    with_query(endpoint, &params)
}

/// Seconds before a token's expiry from which the session renews it: a fifth of its lifetime,
/// at least 30 s and at most two minutes, so a page loaded just before never calls a service
/// with a token that expires on the way.
pub fn renewal_margin(iat: Option<u64>, exp: u64) -> u64 {
    let lifetime = iat.map_or(600, |iat| exp.saturating_sub(iat));
    (lifetime / 5).clamp(30, 120)
}

/// Whether a session's token of `claims` is to be renewed at `now`.
pub fn needs_renewal(claims: &Claims, now: u64) -> bool {
    now.saturating_add(renewal_margin(claims.iat, claims.exp)) >= claims.exp
}

/// Whether the development sign-in exists: only without an identity provider, outside
/// production, and with a secret to sign its tokens.
pub fn dev_sign_in_allowed(oidc_configured: bool, env: Option<&str>, has_secret: bool) -> bool {
    !oidc_configured && has_secret && env.map(str::trim) != Some(onaltu_config::PRODUCTION)
}

/// The development sign-in's form: one demo account's hidden fields, or what a tester typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DevForm {
    /// The double-submit token, matched with its cookie.
    pub csrf: String,
    /// The role's token name, e.g. `CITIZEN`.
    pub role: String,
    /// The account's subject (a driver's is the one their shifts name); made up when empty.
    pub sub: String,
    /// For CITIZEN: the registry person.
    pub person_id: String,
    /// For CENTER_STAFF: the centre.
    pub center_id: String,
    /// For DRIVER: the vehicle.
    pub vehicle_id: String,
    /// Where to go afterwards.
    pub next: String,
}

/// A field of the development form that is wrong, and the message key that says how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name (and its input's id, prefixed `dev-`).
    pub field: &'static str,
    /// The message's key.
    pub key: &'static str,
}

/// The roles a development account may take: a person's, never another system's.
pub const DEV_ROLES: [Role; 7] = [
    Role::Citizen,
    Role::CenterStaff,
    Role::CityOperator,
    Role::Dispatcher,
    Role::Driver,
    Role::Auditor,
    Role::Admin,
];

/// The role a token name names, among [`DEV_ROLES`].
pub fn dev_role(name: &str) -> Option<Role> {
    DEV_ROLES.into_iter().find(|r| r.as_str() == name.trim())
}

fn optional_uuid(value: &str, field: &'static str, errors: &mut Vec<FieldError>) -> Option<Uuid> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match Uuid::parse_str(value) {
        Ok(id) => Some(id),
        Err(_) => {
            errors.push(FieldError {
                field,
                key: "signin-dev-error-uuid",
            });
            None
        }
    }
}

/// The claims the development form asks for, living `ttl_secs`: the role must be a person's; a
/// CITIZEN needs a person, CENTER_STAFF a centre and a DRIVER a vehicle, each a UUID; a subject,
/// when given, is printable ASCII of at most 128 characters. Otherwise each wrong field.
pub fn dev_claims(form: &DevForm, ttl_secs: u64) -> Result<Claims, Vec<FieldError>> {
    let mut errors = Vec::new();
    let role = dev_role(&form.role);
    if role.is_none() {
        errors.push(FieldError {
            field: "role",
            key: "signin-dev-error-role",
        });
    }
    let person_id = optional_uuid(&form.person_id, "person_id", &mut errors);
    let center_id = optional_uuid(&form.center_id, "center_id", &mut errors);
    let vehicle_id = optional_uuid(&form.vehicle_id, "vehicle_id", &mut errors);
    let needed = [
        (Role::Citizen, "person_id", form.person_id.trim().is_empty()),
        (
            Role::CenterStaff,
            "center_id",
            form.center_id.trim().is_empty(),
        ),
        (
            Role::Driver,
            "vehicle_id",
            form.vehicle_id.trim().is_empty(),
        ),
    ];
    for (needs, field, missing) in needed {
        if role == Some(needs) && missing {
            errors.push(FieldError {
                field,
                key: "signin-dev-error-required",
            });
        }
    }
    let sub = form.sub.trim();
    if sub.len() > 128 || !sub.bytes().all(|b| b.is_ascii_graphic()) {
        errors.push(FieldError {
            field: "sub",
            key: "signin-dev-error-sub",
        });
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    let sub = if sub.is_empty() {
        let id = person_id.or(center_id).or(vehicle_id).unwrap_or_default();
        format!("dev:{}:{id}", role.as_str().to_ascii_lowercase())
    } else {
        sub.to_string()
    };
    let mut claims = Claims::new(sub, role, ttl_secs);
    claims.person_id = person_id.filter(|_| role == Role::Citizen);
    claims.center_id = center_id.filter(|_| role == Role::CenterStaff);
    claims.vehicle_id = vehicle_id.filter(|_| role == Role::Driver);
    Ok(claims)
}

/// Whether the double-submit token of a form matches its cookie: both present and equal,
/// compared in constant time.
pub fn double_submit_matches(cookie: Option<&str>, field: &str) -> bool {
    let Some(cookie) = cookie else { return false };
    let (a, b) = (cookie.as_bytes(), field.as_bytes());
    !a.is_empty()
        && a.len() == b.len()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_s256_challenge_is_rfc_7636s_test_vector() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_verifier_is_valid(verifier));
        assert_eq!(
            pkce_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_verifier_has_43_to_128_unreserved_characters() {
        let token = crate::session::random_token().unwrap();
        assert!(pkce_verifier_is_valid(&token));
        assert!(!pkce_verifier_is_valid(&"a".repeat(42)));
        assert!(pkce_verifier_is_valid(&"a".repeat(128)));
        assert!(!pkce_verifier_is_valid(&"a".repeat(129)));
        assert!(!pkce_verifier_is_valid(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn only_a_local_path_is_a_way_back() {
        assert_eq!(
            safe_next(Some("/my/services?page=2")),
            "/my/services?page=2"
        );
        assert_eq!(safe_next(Some("/")), "/");
        for bad in [
            "//evil.example",
            "//evil.example/path",
            "/\\evil.example",
            "https://evil.example/",
            "evil.example",
            "javascript:alert(1)",
            "",
            "/a\\b",
            "/a\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3_000)))), "/");
    }

    #[test]
    fn a_pending_sign_in_survives_redis_and_nothing_else_passes_for_one() {
        let pending = PendingSignIn {
            nonce: "n-0S6_WzA2Mj".into(),
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
            next: "/my/trips".into(),
        };
        assert_eq!(
            PendingSignIn::from_json(&pending.to_json()),
            Some(pending.clone())
        );
        assert_eq!(PendingSignIn::from_json("not json"), None);
        assert_eq!(PendingSignIn::from_json("{}"), None);
        let short = PendingSignIn {
            verifier: "short".into(),
            ..pending.clone()
        };
        assert_eq!(PendingSignIn::from_json(&short.to_json()), None);
        let no_nonce = PendingSignIn {
            nonce: String::new(),
            ..pending
        };
        assert_eq!(PendingSignIn::from_json(&no_nonce.to_json()), None);
    }

    #[test]
    fn the_state_key_names_its_digest_never_the_state() {
        let key = state_key("portal", "the-state");
        assert!(key.starts_with("portal:oidc:"));
        assert!(!key.contains("the-state"));
        assert_eq!(key, state_key("portal", "the-state"));
        assert_ne!(key, state_key("portal", "another-state"));
    }

    #[test]
    fn the_authorization_request_carries_state_nonce_and_the_challenge() {
        let scopes = vec!["profile".to_string(), "openid".to_string()];
        let url = AuthorizeRequest {
            endpoint: "https://idp.example/auth?realm=x",
            client_id: "onaltu portal",
            redirect_uri: "https://onaltu.example/auth/callback",
            scopes: &scopes,
            state: "s1",
            nonce: "n1",
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            lang: "kk",
        }
        .url();
        assert!(url.starts_with("https://idp.example/auth?realm=x&response_type=code&"));
        for part in [
            "client_id=onaltu+portal",
            "redirect_uri=https%3A%2F%2Fonaltu.example%2Fauth%2Fcallback",
            "scope=openid+profile&",
            "state=s1",
            "nonce=n1",
            "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method=S256",
            "ui_locales=kk",
        ] {
            assert!(url.contains(part), "{part} in {url}");
        }
        assert!(
            !url.contains("dBjftJeZ"),
            "the verifier itself never leaves"
        );
    }

    #[test]
    fn the_end_session_address_names_the_hint_and_the_way_back() {
        assert_eq!(
            end_session_url(
                "https://idp.example/logout",
                Some("a.b.c"),
                "portal",
                "https://p.example/"
            ),
            "https://idp.example/logout?id_token_hint=a.b.c&client_id=portal&post_logout_redirect_uri=https%3A%2F%2Fp.example%2F"
        );
        assert!(
            !end_session_url("https://idp.example/logout", None, "portal", "/").contains("hint")
        );
    }

    #[test]
    fn a_token_is_renewed_in_its_last_fifth_within_bounds() {
        assert_eq!(renewal_margin(Some(0), 3_600), 120);
        assert_eq!(renewal_margin(Some(0), 100), 30);
        assert_eq!(renewal_margin(Some(0), 300), 60);
        assert_eq!(renewal_margin(None, 10), 120);
        let mut claims = Claims::new("s", Role::Citizen, 0);
        claims.iat = Some(1_000);
        claims.exp = 4_600;
        assert!(!needs_renewal(&claims, 4_000));
        assert!(needs_renewal(&claims, 4_480));
        assert!(needs_renewal(&claims, 5_000));
    }

    #[test]
    fn the_development_sign_in_exists_only_without_a_provider_outside_production() {
        assert!(dev_sign_in_allowed(false, None, true));
        assert!(dev_sign_in_allowed(false, Some("development"), true));
        assert!(!dev_sign_in_allowed(true, Some("development"), true));
        assert!(!dev_sign_in_allowed(false, Some("production"), true));
        assert!(!dev_sign_in_allowed(false, Some("development"), false));
    }

    fn form(role: &str) -> DevForm {
        DevForm {
            role: role.into(),
            ..DevForm::default()
        }
    }

    #[test]
    fn a_development_account_needs_what_its_role_is_scoped_by() {
        let person = "0190a3f0-0000-7000-8000-000000000001";
        let claims = dev_claims(
            &DevForm {
                person_id: person.into(),
                center_id: "0190a3f0-0000-7000-8000-000000000002".into(),
                ..form("CITIZEN")
            },
            600,
        )
        .unwrap();
        assert_eq!(claims.role, Role::Citizen);
        assert_eq!(claims.person_id.unwrap().to_string(), person);
        assert_eq!(claims.center_id, None, "only the role's own scope");
        assert_eq!(claims.sub, format!("dev:citizen:{person}"));
        assert_eq!(claims.exp - claims.iat.unwrap(), 600);

        let operator = dev_claims(&form("CITY_OPERATOR"), 60).unwrap();
        assert_eq!(operator.role, Role::CityOperator);

        let driver = dev_claims(
            &DevForm {
                vehicle_id: "0190a3f0-0000-7000-8000-000000000003".into(),
                sub: "driver-7".into(),
                ..form("DRIVER")
            },
            60,
        )
        .unwrap();
        assert_eq!(driver.sub, "driver-7");
        assert!(driver.vehicle_id.is_some());
    }

    #[test]
    fn each_wrong_field_of_the_development_form_is_named() {
        let fields = |f: &DevForm| -> Vec<(&str, &str)> {
            dev_claims(f, 60)
                .unwrap_err()
                .iter()
                .map(|e| (e.field, e.key))
                .collect()
        };
        assert_eq!(
            fields(&form("INTEGRATION")),
            [("role", "signin-dev-error-role")]
        );
        assert_eq!(fields(&form("")), [("role", "signin-dev-error-role")]);
        assert_eq!(
            fields(&form("CITIZEN")),
            [("person_id", "signin-dev-error-required")]
        );
        assert_eq!(
            fields(&form("CENTER_STAFF")),
            [("center_id", "signin-dev-error-required")]
        );
        assert_eq!(
            fields(&form("DRIVER")),
            [("vehicle_id", "signin-dev-error-required")]
        );
        assert_eq!(
            fields(&DevForm {
                person_id: "42".into(),
                ..form("CITIZEN")
            }),
            [("person_id", "signin-dev-error-uuid")]
        );
        assert_eq!(
            fields(&DevForm {
                sub: "a b".into(),
                ..form("ADMIN")
            }),
            [("sub", "signin-dev-error-sub")]
        );
    }

    #[test]
    fn the_double_submit_token_must_match_its_cookie() {
        assert!(double_submit_matches(Some("abc"), "abc"));
        assert!(!double_submit_matches(Some("abc"), "abd"));
        assert!(!double_submit_matches(Some("abc"), ""));
        assert!(!double_submit_matches(None, "abc"));
        assert!(!double_submit_matches(Some(""), ""));
    }
}
