//! A service binary started the way its Deployment starts it, for start-up tests: the image holds
//! only `production.toml`, the Deployment sets `ONALTU_ENV=production` and the Secrets.

use std::path::Path;
use std::process::Command;

use onaltu_auth::{Claims, Role};

/// The RS256 public key of the test fixtures, standing in for the identity provider's.
pub fn public_key_path() -> String {
    format!(
        "{}/../auth/tests/fixtures/test_rs256_public.pem",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A binary and the configuration directory it reads (removed when dropped).
pub struct Production {
    /// The command, ready for its arguments (`check-config`, `serve`, …).
    pub command: Command,
    /// The configuration directory, holding `production.toml` only.
    pub dir: tempfile::TempDir,
}

/// `binary` (e.g. `env!("CARGO_BIN_EXE_onaltu-registry")`) of `service` with a clean
/// environment, `ONALTU_ENV=production` and a configuration directory holding the text of
/// `production_toml` changed by `edit`, as the image lays it out. The Secrets a Deployment
/// mounts are stood in for: the key file (`[auth] rs256_public_key_path`) by the fixtures', the
/// database URL (and the Redis URL, when the file has a `[cache]`) by addresses never connected
/// to (`check-config` does not connect).
pub fn production(
    binary: &str,
    service: &str,
    production_toml: &Path,
    edit: impl FnOnce(String) -> String,
) -> Production {
    let text = std::fs::read_to_string(production_toml).expect("the production configuration");
    let has_cache = text.lines().any(|l| l.trim() == "[cache]");
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("production.toml"), edit(text)).expect("production.toml");
    let prefix = format!("ONALTU_{}__", service.to_uppercase());
    let mut command = Command::new(binary);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ONALTU_ENV", "production")
        .env("ONALTU_CONFIG_DIR", dir.path())
        .env(
            format!("{prefix}AUTH__RS256_PUBLIC_KEY_PATH"),
            public_key_path(),
        )
        .env(
            format!("{prefix}DATABASE__URL"),
            format!("postgres://{service}:secret-of-its-own@db.invalid:5432/onaltu_{service}"),
        );
    if has_cache {
        command.env(
            format!("{prefix}CACHE__URL"),
            "redis://:secret-of-its-own@cache.invalid:6379/0",
        );
    }
    Production { command, dir }
}

/// An INTEGRATION token for `subject` living `ttl_secs`, as the identity provider would mint a
/// service's own (the start-up checks read it without verifying its signature).
pub fn service_token(subject: &str, ttl_secs: u64) -> String {
    let mut claims = Claims::new(subject, Role::Integration, ttl_secs);
    claims.iss = Some("https://idp.astana.gov.kz/realms/onaltu".into());
    claims.aud = Some("onaltu".into());
    onaltu_auth::issue_hs256("the-identity-provider-signs-with-its-own-key", &claims)
        .expect("sign a service token")
}

/// Runs `command`; its exit code and standard error.
pub fn outcome(command: &mut Command) -> (Option<i32>, String) {
    let out = command.output().expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A service that calls the registry in its own name as `subject`, started in production by
/// `binary` (`service`'s, reading `production_toml`): it starts with its own short-lived
/// `[registry] token`, and refuses, naming the key, no token (with or without an HS256 secret
/// it could sign one with), another service's token (`other_subject`), a token outliving the
/// bound, and one that is no JWT.
pub fn assert_own_registry_token(
    binary: &str,
    service: &str,
    production_toml: &Path,
    subject: &str,
    other_subject: &str,
) {
    let prefix = format!("ONALTU_{}__", service.to_uppercase());
    let started = |token: Option<&str>, secret: Option<&str>| {
        let mut p = production(binary, service, production_toml, |toml| toml);
        if let Some(token) = token {
            p.command.env(format!("{prefix}REGISTRY__TOKEN"), token);
        }
        if let Some(secret) = secret {
            p.command.env(format!("{prefix}AUTH__HS256_SECRET"), secret);
        }
        p
    };
    let own = service_token(subject, 3_600);
    let (code, stderr) = outcome(started(Some(&own), None).command.arg("check-config"));
    assert_eq!(code, Some(0), "{stderr}");
    let other = service_token(other_subject, 3_600);
    let long = service_token(subject, 10 * 365 * 86_400);
    let other_message = format!("`registry.token`: is a token for sub {other_subject}");
    let cases: [(Option<&str>, Option<&str>, Vec<&str>); 5] = [
        (
            None,
            None,
            vec!["`registry.token`: is required in production"],
        ),
        // With an HS256 secret it would sign one in development; production refuses both.
        (
            None,
            Some("a-secret-nobody-has-published-of-40-chars"),
            vec![
                "`auth.hs256_secret`: is not allowed in production",
                "`registry.token`: is required in production",
            ],
        ),
        (Some(&other), None, vec![&other_message]),
        (
            Some(&long),
            None,
            vec!["`registry.token`", "max_service_token_lifetime_secs"],
        ),
        (
            Some("placeholder"),
            None,
            vec!["`registry.token`: is not a JWT"],
        ),
    ];
    for (token, secret, expected) in cases {
        let mut p = started(token, secret);
        let (code, stderr) = outcome(p.command.arg("check-config"));
        assert_eq!(code, Some(2), "{stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{e} in {stderr}");
        }
    }
}
