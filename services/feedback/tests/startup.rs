//! The feedback binary as its Deployment starts it: its production configuration is valid, and
//! the rules of a production identity hold for it too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use onaltu_testkit::startup::{self, outcome};

fn production(edit: impl FnOnce(String) -> String) -> startup::Production {
    startup::production(
        env!("CARGO_BIN_EXE_onaltu-feedback"),
        "feedback",
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config/production.toml"
        )),
        edit,
    )
}

#[test]
fn the_production_configuration_as_shipped_is_valid() {
    let (code, stderr) = outcome(production(|toml| toml).command.arg("check-config"));
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn production_refuses_hs256_and_a_missing_audience_by_name() {
    let mut p = production(|toml| toml.replace("audience = \"onaltu\"\n", ""));
    p.command.env(
        "ONALTU_FEEDBACK__AUTH__HS256_SECRET",
        onaltu_config::DEVELOPMENT_SECRET,
    );
    let (code, stderr) = outcome(p.command.arg("check-config"));
    assert_eq!(code, Some(2), "{stderr}");
    for key in ["`auth.hs256_secret`", "`auth.audience`"] {
        assert!(stderr.contains(key), "{key} in {stderr}");
    }
    assert!(
        !stderr.contains(onaltu_config::DEVELOPMENT_SECRET),
        "{stderr}"
    );
}

#[test]
fn the_rebuild_of_the_eligibility_copy_needs_the_services_own_token_in_production() {
    // Serving asks the registry with each caller's token: no token of its own is needed.
    let (code, stderr) = outcome(production(|toml| toml).command.arg("check-config"));
    assert_eq!(code, Some(0), "{stderr}");
    // The rebuild asks in the service's own name: refused before anything is emptied or read,
    // naming the key, without a token or with another service's.
    let (code, stderr) = outcome(production(|toml| toml).command.arg("rebuild-eligibility"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("`registry.token`: is required in production"),
        "{stderr}"
    );
    let mut p = production(|toml| toml);
    p.command.env(
        "ONALTU_FEEDBACK__REGISTRY__TOKEN",
        startup::service_token("service:rating", 3_600),
    );
    let (code, stderr) = outcome(p.command.arg("rebuild-eligibility"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("`registry.token`: is a token for sub service:rating"),
        "{stderr}"
    );
}
