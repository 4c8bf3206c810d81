//! The rating binary as its Deployment starts it: in production it calls the registry only with
//! its own configured token (sub service:rating), never one it signs itself.

use std::path::Path;

#[test]
fn production_calls_the_registry_only_with_its_own_short_lived_token() {
    onaltu_testkit::startup::assert_own_registry_token(
        env!("CARGO_BIN_EXE_onaltu-rating"),
        "rating",
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config/production.toml"
        )),
        "service:rating",
        "service:transport",
    );
}
