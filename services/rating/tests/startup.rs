//! The rating binary as its Deployment starts it: in production it calls the registry only with
//! its own configured token (sub service:rating), never one it signs itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use onaltu_testkit::startup::{self, outcome, service_token};

/// The rating service as its Deployment starts it, with `registry_token` as its Secret's.
fn production(registry_token: Option<&str>) -> startup::Production {
    let mut p = startup::production(
        env!("CARGO_BIN_EXE_onaltu-rating"),
        "rating",
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config/production.toml"
        )),
        |toml| toml,
    );
    if let Some(token) = registry_token {
        p.command.env("ONALTU_RATING__REGISTRY__TOKEN", token);
    }
    p
}

#[test]
fn production_starts_with_its_own_short_lived_registry_token() {
    let token = service_token("service:rating", 3_600);
    let (code, stderr) = outcome(production(Some(&token)).command.arg("check-config"));
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn production_never_signs_its_own_token_and_refuses_anothers() {
    let cases = [
        (
            production(None),
            vec!["`registry.token`: is required in production"],
        ),
        // With an HS256 secret it would sign one in development; production refuses both.
        (
            {
                let mut p = production(None);
                p.command.env(
                    "ONALTU_RATING__AUTH__HS256_SECRET",
                    "a-secret-nobody-has-published-of-40-chars",
                );
                p
            },
            vec![
                "`auth.hs256_secret`: is not allowed in production",
                "`registry.token`: is required in production",
            ],
        ),
        (
            production(Some(&service_token("service:transport", 3_600))),
            vec!["`registry.token`: is a token for sub service:transport"],
        ),
        (
            production(Some(&service_token("service:rating", 10 * 365 * 86_400))),
            vec!["`registry.token`", "max_service_token_lifetime_secs"],
        ),
        (
            production(Some("placeholder")),
            vec!["`registry.token`: is not a JWT"],
        ),
    ];
    for (mut p, expected) in cases {
        let (code, stderr) = outcome(p.command.arg("check-config"));
        assert_eq!(code, Some(2), "{stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{e} in {stderr}");
        }
    }
}
