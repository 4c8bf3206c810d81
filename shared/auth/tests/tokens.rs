//! Token verification and role checks, HS256 and RS256.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use onaltu_auth::*;
use onaltu_config::SecretString;
use tonic::service::Interceptor;
use uuid::Uuid;

const SECRET: &str = "a-development-secret-of-32-chars!";

fn hs256() -> Authenticator {
    Authenticator::from_settings(&AuthSettings {
        hs256_secret: Some(SecretString::from(SECRET)),
        ..AuthSettings::default()
    })
    .unwrap()
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_valid_hs256_token_gives_its_claims() {
    let mut claims = Claims::new("user-1", Role::Citizen, 600);
    claims.person_id = Some(Uuid::now_v7());
    let token = issue_hs256(SECRET, &claims).unwrap();
    assert_eq!(hs256().verify(&token).unwrap(), claims);
}

#[test]
fn expired_wrong_key_and_garbage_tokens_are_unauthenticated() {
    let auth = hs256();
    let mut expired = Claims::new("user-1", Role::Admin, 0);
    expired.exp -= 3600;
    let cases = [
        issue_hs256(SECRET, &expired).unwrap(),
        issue_hs256(
            "another-secret-of-at-least-32-chars",
            &Claims::new("u", Role::Admin, 600),
        )
        .unwrap(),
        "not.a.token".to_string(),
    ];
    let mut messages = Vec::new();
    for token in cases {
        let err = auth.verify(&token).unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated, "{token}");
        messages.push(err.to_string());
    }
    // The caller learns that a token expired, never the library's reason for refusing it.
    assert!(
        messages[0].ends_with("the bearer token has expired"),
        "{}",
        messages[0]
    );
    for message in &messages[1..] {
        assert!(
            message.ends_with("the bearer token is not valid"),
            "{message}"
        );
    }
}

#[test]
fn a_token_verified_before_is_refused_once_it_expires() {
    let auth = hs256();
    let claims = Claims::new("user-1", Role::CityOperator, 1);
    let token = issue_hs256(SECRET, &claims).unwrap();
    assert_eq!(auth.verify(&token).unwrap(), claims);
    assert_eq!(auth.verify(&token).unwrap(), claims);
    // The default leeway is 0 seconds past `exp`.
    while std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        <= claims.exp
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let err = auth.verify(&token).unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    // A forged signature is refused even though a token with the same claims was accepted.
    let other = issue_hs256(SECRET, &Claims::new("user-2", Role::Admin, 600)).unwrap();
    assert!(auth.verify(&other).is_ok());
    let (body, _) = other.rsplit_once('.').unwrap();
    let forged = format!("{body}.AAAA");
    assert_eq!(
        auth.verify(&forged).unwrap_err().code(),
        tonic::Code::Unauthenticated
    );
}

#[test]
fn rs256_tokens_verify_with_the_public_key_only() {
    let auth = Authenticator::from_settings(&AuthSettings {
        rs256_public_key_path: Some(fixture("test_rs256_public.pem")),
        ..AuthSettings::default()
    })
    .unwrap();
    let private = std::fs::read(fixture("test_rs256_private.pem")).unwrap();
    let claims = Claims::new("integration-1", Role::Integration, 600);
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(&private).unwrap(),
    )
    .unwrap();
    assert_eq!(auth.verify(&token).unwrap().role, Role::Integration);
    // An HS256 token is refused by an RS256 verifier (no algorithm confusion).
    let hs = issue_hs256(SECRET, &claims).unwrap();
    assert!(auth.verify(&hs).is_err());
}

#[test]
fn the_interceptor_records_the_caller_or_refuses() {
    let mut interceptor = AuthInterceptor::new(std::sync::Arc::new(hs256()));
    let anonymous = interceptor.call(tonic::Request::new(())).unwrap();
    assert_eq!(caller(&anonymous), Caller::Anonymous);

    let token = issue_hs256(SECRET, &Claims::new("op", Role::CityOperator, 600)).unwrap();
    let mut request = tonic::Request::new(());
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let request = interceptor.call(request).unwrap();
    assert_eq!(caller(&request).role(), Some(Role::CityOperator));

    let mut bad = tonic::Request::new(());
    bad.metadata_mut()
        .insert("authorization", "Basic dXNlcjpwYXNz".parse().unwrap());
    assert_eq!(
        interceptor.call(bad).unwrap_err().code(),
        tonic::Code::Unauthenticated
    );
}

#[test]
fn roles_and_ownership_are_required_in_one_line() {
    let person = Uuid::now_v7();
    let mut citizen = Claims::new("c", Role::Citizen, 600);
    citizen.person_id = Some(person);
    let citizen = Caller::Authenticated(citizen);
    let operator = Caller::Authenticated(Claims::new("o", Role::CityOperator, 600));

    assert_eq!(
        Caller::Anonymous
            .require(&[Role::Admin])
            .unwrap_err()
            .code(),
        tonic::Code::Unauthenticated
    );
    assert_eq!(
        citizen.require(&[Role::CityOperator]).unwrap_err().code(),
        tonic::Code::PermissionDenied
    );
    assert!(operator.require(&[Role::CityOperator]).is_ok());
    assert!(
        citizen
            .require_person(person, &[Role::CityOperator])
            .is_ok()
    );
    assert_eq!(
        citizen
            .require_person(Uuid::now_v7(), &[Role::CityOperator])
            .unwrap_err()
            .code(),
        tonic::Code::PermissionDenied,
        "one citizen may not read another"
    );
    assert!(
        operator
            .require_person(person, &[Role::CityOperator])
            .is_ok()
    );

    let center = Uuid::now_v7();
    let mut staff = Claims::new("s", Role::CenterStaff, 600);
    staff.center_id = Some(center);
    let staff = Caller::Authenticated(staff);
    assert!(staff.require_center(center, &[]).is_ok());
    assert!(staff.require_center(Uuid::now_v7(), &[]).is_err());
}

/// A production verifier: RS256, issuer and audience, the default lifetime bounds.
fn production() -> (Authenticator, EncodingKey) {
    let auth = Authenticator::from_settings(&AuthSettings {
        rs256_public_key_path: Some(fixture("test_rs256_public.pem")),
        issuer: Some("https://idp.astana.gov.kz/realms/onaltu".into()),
        audience: Some("onaltu".into()),
        ..AuthSettings::default()
    })
    .unwrap();
    let private = std::fs::read(fixture("test_rs256_private.pem")).unwrap();
    (auth, EncodingKey::from_rsa_pem(&private).unwrap())
}

fn rs256(key: &EncodingKey, claims: &Claims) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, key).unwrap()
}

fn issued(role: Role, ttl_secs: u64) -> Claims {
    let mut claims = Claims::new("someone", role, ttl_secs);
    claims.iss = Some("https://idp.astana.gov.kz/realms/onaltu".into());
    claims.aud = Some("onaltu".into());
    claims
}

#[test]
fn a_token_living_longer_than_its_kinds_bound_is_unauthenticated() {
    let (auth, key) = production();
    // Within the bounds: an hour for a person, a day for an INTEGRATION token.
    for (role, ttl) in [
        (Role::Citizen, 600),
        (Role::CityOperator, 3_600),
        (Role::Integration, 86_400),
    ] {
        let claims = issued(role, ttl);
        assert_eq!(auth.verify(&rs256(&key, &claims)).unwrap(), claims);
    }
    // Beyond them, though signed by the identity provider and unexpired.
    let mut no_iat = issued(Role::Admin, 600);
    no_iat.iat = None;
    let mut minted_ahead = issued(Role::Admin, 600);
    minted_ahead.iat = minted_ahead.iat.map(|iat| iat + 86_400);
    minted_ahead.exp += 86_400;
    for claims in [
        issued(Role::Admin, 3_601),
        issued(Role::Citizen, 12 * 3_600),
        issued(Role::Integration, 86_401),
        issued(Role::Integration, 10 * 365 * 86_400),
        no_iat,
        minted_ahead,
    ] {
        let err = auth.verify(&rs256(&key, &claims)).unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated, "{claims:?}");
        // The caller is not told the bound or the library's reason.
        assert!(
            err.to_string().ends_with("the bearer token is not valid"),
            "{err}"
        );
    }
    // Nor is a token from another issuer or for another audience, or one that names neither.
    let mut other_issuer = issued(Role::Citizen, 600);
    other_issuer.iss = Some("https://elsewhere.example".into());
    let mut no_issuer = issued(Role::Citizen, 600);
    no_issuer.iss = None;
    let mut no_audience = issued(Role::Citizen, 600);
    no_audience.aud = None;
    for claims in [other_issuer, no_issuer, no_audience] {
        assert_eq!(
            auth.verify(&rs256(&key, &claims)).unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
    }
}

#[test]
fn the_bounds_are_configurable_per_kind() {
    let auth = Authenticator::from_settings(&AuthSettings {
        hs256_secret: Some(SecretString::from(SECRET)),
        max_token_lifetime_secs: 300,
        max_service_token_lifetime_secs: 7 * 86_400,
        ..AuthSettings::default()
    })
    .unwrap();
    let verify =
        |role, ttl| auth.verify(&issue_hs256(SECRET, &Claims::new("s", role, ttl)).unwrap());
    assert!(verify(Role::Dispatcher, 300).is_ok());
    assert!(verify(Role::Dispatcher, 600).is_err());
    assert!(verify(Role::Integration, 7 * 86_400).is_ok());
    assert!(verify(Role::Integration, 8 * 86_400).is_err());
}

#[test]
fn a_token_without_exp_is_not_valid() {
    #[derive(serde::Serialize)]
    struct NoExpiry {
        sub: &'static str,
        role: Role,
        iat: u64,
    }
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &NoExpiry {
            sub: "s",
            role: Role::Admin,
            iat: 1_800_000_000,
        },
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let err = hs256().verify(&token).unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    assert!(
        err.to_string().ends_with("the bearer token is not valid"),
        "{err}"
    );
}
