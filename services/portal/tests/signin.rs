//! Signing in and out, over HTTP: the portal and its Redis are real; only the city's identity
//! provider is played by a small server in the test, which serves its discovery document and
//! keys, and a token endpoint that checks the client, the redirect and the PKCE verifier and
//! signs RS256 tokens with a test key. The test stands in for the browser at the provider: it
//! reads the authorization request the portal sent it to and grants a code for it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use onaltu_auth::Role;
use onaltu_config::SecretString;
use onaltu_portal::oidc::client;
use onaltu_portal::settings::Settings;
use onaltu_portal::web::AppState;
use onaltu_testkit::RedisServer;
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "onaltu-portal";
const CLIENT_SECRET: &str = "portal-client-secret";
const KID: &str = "test-key-1";
const PERSON: &str = "0190a3f0-0000-7000-8000-0000000000aa";

fn fixture(name: &str) -> String {
    format!(
        "{}/../../shared/auth/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A code the provider granted, as it remembers it.
#[derive(Clone)]
struct Grant {
    challenge: String,
    nonce: String,
    redirect_uri: String,
}

/// The fake provider's state, which tests change to make it misbehave.
struct Idp {
    issuer: String,
    key: EncodingKey,
    grants: HashMap<String, Grant>,
    /// A nonce other than the sign-in's, put in the ID token.
    nonce_override: Option<String>,
    /// An audience other than the portal's, put in the ID token.
    aud_override: Option<String>,
    /// How long access tokens live.
    access_ttl: u64,
    /// Whether refresh tokens are still honoured.
    refresh_ok: bool,
    /// Refresh grants answered.
    refreshes: usize,
    /// Tokens issued so far (makes each refresh token distinct).
    issued: usize,
}

type Shared = Arc<Mutex<Idp>>;

fn now() -> u64 {
    onaltu_auth::now_epoch_secs()
}

fn oauth_error(code: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({ "error": code })),
    )
        .into_response()
}

async fn discovery(State(idp): State<Shared>) -> Response {
    let issuer = idp.lock().unwrap().issuer.clone();
    axum::Json(serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
    .into_response()
}

async fn jwks(State(idp): State<Shared>) -> Response {
    let idp = idp.lock().unwrap();
    let mut jwk = Jwk::from_encoding_key(&idp.key, Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(KID.into());
    axum::Json(JwkSet { keys: vec![jwk] }).into_response()
}

async fn token(
    State(idp): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return oauth_error("invalid_client");
    }
    let mut idp = idp.lock().unwrap();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let nonce = match field("grant_type").as_str() {
        "authorization_code" => {
            let Some(grant) = idp.grants.remove(&field("code")) else {
                return oauth_error("invalid_grant");
            };
            let proof = URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes()));
            if proof != grant.challenge || field("redirect_uri") != grant.redirect_uri {
                return oauth_error("invalid_grant");
            }
            Some(grant.nonce)
        }
        "refresh_token" if idp.refresh_ok && field("refresh_token").starts_with("refresh-") => {
            idp.refreshes += 1;
            None
        }
        _ => return oauth_error("invalid_grant"),
    };
    idp.issued += 1;
    let (iat, header) = (now(), {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(KID.into());
        h
    });
    let id = serde_json::json!({
        "iss": idp.issuer,
        "sub": "citizen-1",
        "aud": idp.aud_override.clone().unwrap_or(CLIENT_ID.into()),
        "iat": iat,
        "exp": iat + 300,
        "nonce": idp.nonce_override.clone().or(nonce),
    });
    let access = serde_json::json!({
        "sub": "citizen-1",
        "role": "CITIZEN",
        "person_id": PERSON,
        "iat": iat,
        "exp": iat + idp.access_ttl,
    });
    let id_token = jsonwebtoken::encode(&header, &id, &idp.key).unwrap();
    let access_token = jsonwebtoken::encode(&header, &access, &idp.key).unwrap();
    axum::Json(serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": idp.access_ttl,
        "id_token": id_token,
        "refresh_token": format!("refresh-{}", idp.issued),
    }))
    .into_response()
}

/// The fake provider, served until the test ends.
async fn start_idp() -> Shared {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let pem = std::fs::read(fixture("test_rs256_private.pem")).unwrap();
    let idp = Arc::new(Mutex::new(Idp {
        issuer,
        key: EncodingKey::from_rsa_pem(&pem).unwrap(),
        grants: HashMap::new(),
        nonce_override: None,
        aud_override: None,
        access_ttl: 600,
        refresh_ok: true,
        refreshes: 0,
        issued: 0,
    }));
    let app = axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .with_state(idp.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    idp
}

/// A portal on a free port, with the provider at `issuer` (or none: development sign-in). The
/// four services are nowhere: sign-in does not need them.
async fn start_portal(redis: &RedisServer, issuer: Option<&str>) -> (String, AppState) {
    let nowhere = "http://127.0.0.1:9";
    let mut settings = Settings::local(
        &redis.url(),
        SecretString::from(onaltu_testkit::TEST_JWT_SECRET),
        nowhere,
        nowhere,
        nowhere,
        nowhere,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    settings.server.public_url = base.clone();
    if let Some(issuer) = issuer {
        settings.oidc.issuer = Some(issuer.into());
        settings.oidc.client_id = Some(CLIENT_ID.into());
        settings.oidc.client_secret = Some(SecretString::from(CLIENT_SECRET));
        settings.oidc.scopes = vec!["profile".into()];
        // The services verify the provider's RS256 tokens; so does the portal, as they do.
        settings.auth.rs256_public_key_path = Some(fixture("test_rs256_public.pem"));
    }
    let state = onaltu_portal::state(settings).await.unwrap();
    let served = state.clone();
    tokio::spawn(
        async move { onaltu_portal::serve(served, listener, std::future::pending()).await },
    );
    (base, state)
}

/// What the browser got.
struct Answer {
    status: StatusCode,
    location: String,
    cookies: Vec<String>,
    body: String,
}

impl Answer {
    /// The value the answer sets cookie `name` to, if it sets it.
    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.iter().find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    /// The `value` of the first hidden field `name`.
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect("the field") + marker.len();
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_string()
    }
}

async fn call(method: &str, url: &str, cookie: Option<&str>, form: Option<&str>) -> Answer {
    let mut request = http::Request::builder()
        .method(method)
        .uri(url)
        .header("accept-language", "en");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if form.is_some() {
        request = request.header("content-type", "application/x-www-form-urlencoded");
    }
    let request = request.body(form.unwrap_or("").to_string()).unwrap();
    let response = client::send(request).await.unwrap();
    Answer {
        status: response.status(),
        location: response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default(),
        cookies: response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect(),
        body: String::from_utf8_lossy(response.body()).into_owned(),
    }
}

/// The query parameters of `url`.
fn params(url: &str) -> HashMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    serde_urlencoded::from_str(query).unwrap()
}

/// Starts signing in for `next`; the provider grants `code` for what the portal asked (or, with
/// `challenge`, for another PKCE challenge). Returns the callback's address.
async fn authorize(base: &str, idp: &Shared, next: &str, challenge: Option<&str>) -> String {
    let start = call(
        "GET",
        &format!(
            "{base}/sign-in?next={}",
            onaltu_portal::web::encode_component(next)
        ),
        None,
        None,
    )
    .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    let issuer = idp.lock().unwrap().issuer.clone();
    assert!(start.location.starts_with(&format!("{issuer}/authorize?")));
    let asked = params(&start.location);
    assert_eq!(asked["response_type"], "code");
    assert_eq!(asked["client_id"], CLIENT_ID);
    assert_eq!(asked["scope"], "openid profile");
    assert_eq!(asked["code_challenge_method"], "S256");
    assert_eq!(asked["redirect_uri"], format!("{base}/auth/callback"));
    let code = format!("code-{}", asked["state"]);
    idp.lock().unwrap().grants.insert(
        code.clone(),
        Grant {
            challenge: challenge.map_or(asked["code_challenge"].clone(), str::to_string),
            nonce: asked["nonce"].clone(),
            redirect_uri: asked["redirect_uri"].clone(),
        },
    );
    format!("{base}/auth/callback?code={code}&state={}", asked["state"])
}

async fn signed_in(base: &str, idp: &Shared, next: &str) -> (Answer, String) {
    let callback = authorize(base, idp, next, None).await;
    let answer = call("GET", &callback, None, None).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let id = answer.cookie("onaltu_session").expect("a session cookie");
    (answer, id)
}

fn refused(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(answer.cookie("onaltu_session").is_none(), "no session");
    assert!(answer.body.contains("You could not be signed in"));
}

#[tokio::test]
async fn the_code_flow_with_pkce_starts_a_session_and_returns_to_the_page() {
    let redis = RedisServer::start();
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().issuer.clone();
    let (base, state) = start_portal(&redis, Some(&issuer)).await;

    let (answer, id) = signed_in(&base, &idp, "/my/services?page=2").await;
    assert_eq!(answer.location, "/my/services?page=2");
    let session = state.sessions.load(&id).await.unwrap().expect("a session");
    assert_eq!(session.claims.role, Role::Citizen);
    assert_eq!(session.claims.sub, "citizen-1");
    assert_eq!(session.claims.person_id.unwrap().to_string(), PERSON);
    assert!(session.refresh_token.is_some() && session.id_token.is_some());
    let cookie = answer
        .cookies
        .iter()
        .find(|c| c.starts_with("onaltu_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
}

#[tokio::test]
async fn the_provider_refuses_a_code_without_its_pkce_verifier() {
    let redis = RedisServer::start();
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().issuer.clone();
    let (base, _state) = start_portal(&redis, Some(&issuer)).await;
    let other = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let callback = authorize(&base, &idp, "/", Some(other)).await;
    refused(&call("GET", &callback, None, None).await);
}

#[tokio::test]
async fn a_state_is_good_once() {
    let redis = RedisServer::start();
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().issuer.clone();
    let (base, _state) = start_portal(&redis, Some(&issuer)).await;
    let callback = authorize(&base, &idp, "/", None).await;
    assert_eq!(
        call("GET", &callback, None, None).await.status,
        StatusCode::SEE_OTHER
    );
    let replay = call("GET", &callback, None, None).await;
    refused(&replay);
    assert!(replay.body.contains("expired or was already used"));
    let forged = call(
        "GET",
        &format!("{base}/auth/callback?code=x&state=forged"),
        None,
        None,
    )
    .await;
    refused(&forged);
}

#[tokio::test]
async fn an_id_token_of_another_sign_in_or_client_is_refused() {
    let redis = RedisServer::start();
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().issuer.clone();
    let (base, _state) = start_portal(&redis, Some(&issuer)).await;

    idp.lock().unwrap().nonce_override = Some("another-sign-in".into());
    let callback = authorize(&base, &idp, "/", None).await;
    let answer = call("GET", &callback, None, None).await;
    refused(&answer);
    assert!(answer.body.contains("was not valid for this portal"));

    {
        let mut fake = idp.lock().unwrap();
        fake.nonce_override = None;
        fake.aud_override = Some("another-client".into());
    }
    let callback = authorize(&base, &idp, "/", None).await;
    refused(&call("GET", &callback, None, None).await);
}

#[tokio::test]
async fn a_way_back_to_another_site_goes_to_the_start_page() {
    let redis = RedisServer::start();
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().issuer.clone();
    let (base, _state) = start_portal(&redis, Some(&issuer)).await;
    let (answer, _) = signed_in(&base, &idp, "//evil.example").await;
    assert_eq!(answer.location, "/");
    let (answer, _) = signed_in(&base, &idp, "https://evil.example/x").await;
    assert_eq!(answer.location, "/");
}

#[tokio::test]
async fn a_cancelled_sign_in_is_told_and_its_state_spent() {
    let redis = RedisServer::start();
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().issuer.clone();
    let (base, _state) = start_portal(&redis, Some(&issuer)).await;
    let callback = authorize(&base, &idp, "/", None).await;
    let state_value = params(&callback)["state"].clone();
    let cancelled = call(
        "GET",
        &format!("{base}/auth/callback?error=access_denied&state={state_value}"),
        None,
        None,
    )
    .await;
    refused(&cancelled);
    assert!(cancelled.body.contains("cancelled"));
    refused(&call("GET", &callback, None, None).await);
}

#[tokio::test]
async fn sign_out_ends_the_session_here_and_at_the_provider() {
    let redis = RedisServer::start();
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().issuer.clone();
    let (base, state) = start_portal(&redis, Some(&issuer)).await;
    let (_, id) = signed_in(&base, &idp, "/").await;
    let session = state.sessions.load(&id).await.unwrap().unwrap();
    let cookie = format!("onaltu_session={id}");

    let forged = call(
        "POST",
        &format!("{base}/sign-out"),
        Some(&cookie),
        Some("csrf=wrong"),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        state.sessions.load(&id).await.unwrap().is_some(),
        "still signed in"
    );

    let form = format!("csrf={}", session.csrf);
    let out = call(
        "POST",
        &format!("{base}/sign-out"),
        Some(&cookie),
        Some(&form),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.location.starts_with(&format!("{issuer}/logout?")));
    let asked = params(&out.location);
    assert_eq!(asked["id_token_hint"], session.id_token.unwrap());
    assert_eq!(asked["post_logout_redirect_uri"], format!("{base}/"));
    assert_eq!(out.cookie("onaltu_session").as_deref(), Some(""));
    assert!(out.cookies.iter().any(|c| c.contains("Max-Age=0")));

    assert!(state.sessions.load(&id).await.unwrap().is_none());
    // The old cookie signs nobody in: signing out with it again only clears it.
    let again = call(
        "POST",
        &format!("{base}/sign-out"),
        Some(&cookie),
        Some(&form),
    )
    .await;
    assert_eq!(again.location, "/");
}

#[tokio::test]
async fn a_token_near_its_expiry_is_renewed_and_a_refused_renewal_signs_out() {
    let redis = RedisServer::start();
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().issuer.clone();
    let (base, state) = start_portal(&redis, Some(&issuer)).await;
    idp.lock().unwrap().access_ttl = 20;
    let (_, id) = signed_in(&base, &idp, "/").await;
    let before = state.sessions.load(&id).await.unwrap().unwrap();
    idp.lock().unwrap().access_ttl = 600;
    let cookie = format!("onaltu_session={id}");

    // Any page loads the session, and renews its token.
    call("GET", &format!("{base}/no-such-page"), Some(&cookie), None).await;
    assert_eq!(idp.lock().unwrap().refreshes, 1);
    let after = state.sessions.load(&id).await.unwrap().unwrap();
    assert_ne!(after.token, before.token);
    assert_ne!(after.refresh_token, before.refresh_token);
    assert_eq!(after.claims.sub, before.claims.sub);
    assert_eq!(after.csrf, before.csrf, "the same session");
    call("GET", &format!("{base}/no-such-page"), Some(&cookie), None).await;
    assert_eq!(idp.lock().unwrap().refreshes, 1, "a fresh token is kept");

    // Near expiry again, and the provider no longer renews: the person signs in again.
    idp.lock().unwrap().access_ttl = 20;
    let (_, id) = signed_in(&base, &idp, "/").await;
    idp.lock().unwrap().refresh_ok = false;
    let cookie = format!("onaltu_session={id}");
    call("GET", &format!("{base}/no-such-page"), Some(&cookie), None).await;
    assert!(state.sessions.load(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn there_is_no_development_sign_in_beside_a_provider() {
    let redis = RedisServer::start();
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().issuer.clone();
    let (base, state) = start_portal(&redis, Some(&issuer)).await;
    let page = call("GET", &format!("{base}/sign-in"), None, None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "to the provider");
    assert!(page.cookie("onaltu_signin_csrf").is_none());
    let post = call(
        "POST",
        &format!("{base}/sign-in/dev"),
        Some("onaltu_signin_csrf=t"),
        Some("csrf=t&role=ADMIN"),
    )
    .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    assert!(post.cookie("onaltu_session").is_none());
    drop(state);
}

#[tokio::test]
async fn the_development_sign_in_needs_its_double_submit_token() {
    let redis = RedisServer::start();
    let (base, state) = start_portal(&redis, None).await;
    let page = call("GET", &format!("{base}/sign-in?next=/my/trips"), None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = page
        .cookie("onaltu_signin_csrf")
        .expect("the double-submit cookie");
    assert_eq!(page.hidden("csrf"), token);
    assert_eq!(page.hidden("next"), "/my/trips");
    let set = page
        .cookies
        .iter()
        .find(|c| c.starts_with("onaltu_signin_csrf="))
        .unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
    // Without the services, the accounts that need no record are still offered.
    assert!(page.body.contains("City operator") && page.body.contains("Invataxi dispatcher"));

    let url = format!("{base}/sign-in/dev");
    let own = format!("onaltu_signin_csrf={token}");
    for (cookie, csrf) in [
        (None, token.as_str()),
        (Some(own.as_str()), "another"),
        (Some(own.as_str()), ""),
        (Some("onaltu_signin_csrf=another"), token.as_str()),
    ] {
        let form = format!("csrf={csrf}&role=CITY_OPERATOR&next=/my/trips");
        let forged = call("POST", &url, cookie, Some(&form)).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(forged.cookie("onaltu_session").is_none());
    }

    let missing = format!("csrf={token}&role=CITIZEN");
    let wrong = call("POST", &url, Some(&own), Some(&missing)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("error-summary") && wrong.body.contains("href=\"#dev-person_id\""));
    assert!(wrong.body.contains("<title>Error:"));

    let form = format!("csrf={token}&role=CITIZEN&person_id={PERSON}&next=/my/trips");
    let ok = call("POST", &url, Some(&own), Some(&form)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location, "/my/trips");
    assert_eq!(
        ok.cookie("onaltu_signin_csrf").as_deref(),
        Some(""),
        "spent"
    );
    let id = ok.cookie("onaltu_session").expect("a session");
    let session = state.sessions.load(&id).await.unwrap().unwrap();
    assert_eq!(session.claims.role, Role::Citizen);
    assert_eq!(session.claims.person_id.unwrap().to_string(), PERSON);
    let lifetime = session.claims.exp - session.claims.iat.unwrap();
    assert!(lifetime <= 3_600);
    assert!(state.authenticator.verify(&session.token).is_ok());
}

#[tokio::test]
async fn the_demo_accounts_are_found_in_the_running_services() {
    use onaltu_proto::transport as pb;
    use onaltu_testkit::registry;

    let (suite, portal) = onaltu_suite::Suite::start_with_portal().await;
    let mut op = suite.registry(Some(&onaltu_testkit::claims(Role::Admin)));
    let centre = registry::centre(&mut op, "Демо оңалту орталығы", 20).await;
    let parent = registry::adult(&mut op, 11).await;
    registry::child(&mut op, 12, &parent.id).await;
    let recipient = registry::adult(&mut op, 13).await;
    registry::discharged(&mut op, &recipient.id, &centre.id).await;
    let mut dispatcher = portal.transport(Some(&onaltu_testkit::claims(Role::Dispatcher)));
    let vehicle = common::invataxi(&mut dispatcher, "777DEM01").await;
    let start = (now() / 3_600 + 24) * 3_600;
    let at = |secs: u64| prost_types::Timestamp {
        seconds: i64::try_from(secs).unwrap(),
        nanos: 0,
    };
    dispatcher
        .create_shift(pb::CreateShiftRequest {
            request_id: uuid::Uuid::now_v7().to_string(),
            shift: Some(pb::Shift {
                vehicle_id: vehicle.id.clone(),
                driver_subject: "driver-demo-1".into(),
                driver_name: "Ерлан".into(),
                start_time: Some(at(start)),
                end_time: Some(at(start + 8 * 3_600)),
                ..Default::default()
            }),
        })
        .await
        .unwrap();

    let page = call("GET", &format!("{}/sign-in", portal.url), None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    for (title, field, value) in [
        ("Service recipient", "person_id", recipient.id.as_str()),
        (
            "Parent (legal representative)",
            "person_id",
            parent.id.as_str(),
        ),
        ("Centre staff", "center_id", centre.id.as_str()),
        ("Invataxi driver", "vehicle_id", vehicle.id.as_str()),
        ("Invataxi driver", "sub", "driver-demo-1"),
    ] {
        assert!(page.body.contains(title), "{title}");
        assert!(
            page.body
                .contains(&format!("name=\"{field}\" value=\"{value}\"")),
            "{title}: {field}"
        );
    }
    assert!(page.body.contains("Демо оңалту орталығы") && page.body.contains("777DEM01"));

    // The recipient's button: a session in their name, which the services accept as theirs.
    let token = page.cookie("onaltu_signin_csrf").unwrap();
    let form = format!(
        "csrf={token}&role=CITIZEN&sub=&person_id={}&center_id=&vehicle_id=&next=/",
        recipient.id
    );
    let own = format!("onaltu_signin_csrf={token}");
    let ok = call(
        "POST",
        &format!("{}/sign-in/dev", portal.url),
        Some(&own),
        Some(&form),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(ok.cookie("onaltu_session").is_some());
    drop(portal);
}
