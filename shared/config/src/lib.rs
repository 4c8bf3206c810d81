//! Layered configuration for every service.
//!
//! Precedence, lowest first: the settings' `Default` values, then `<dir>/<env>.toml`, then
//! environment variables `ONALTU_<SVC>__SECTION__KEY` (e.g. `ONALTU_REGISTRY__SERVER__LISTEN`).
//! The result is validated before a service serves; every problem names its key. Secrets are
//! `secrecy::SecretString`, whose `Debug` prints `[REDACTED]`.
//!
//! `ONALTU_ENV` has no default: a binary started without it refuses to start rather than guess
//! (`make run` sets `development`, the Deployments `production`). In `production` the settings'
//! rules ask more ([`Checker::production`]) and no value may hold a development secret
//! ([`DEVELOPMENT_SECRETS`]).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

pub use secrecy::{ExposeSecret, SecretString};

/// One configuration problem: the dotted key and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigViolation {
    /// Dotted key, e.g. `server.listen`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.key, self.message)
    }
}

/// The environment name whose rules are strictest: `ONALTU_ENV=production`.
pub const PRODUCTION: &str = "production";

/// The HS256 secret of every `services/<svc>/config/development.toml` (and the CLI's default).
pub const DEVELOPMENT_SECRET: &str = "onaltu-development-secret-change-me-0123456789";

/// The HS256 secret the tests sign with (`onaltu-testkit`).
pub const TEST_SECRET: &str = "onaltu-test-secret-0123456789abcdef";

/// Secrets published in this repository: a production configuration holding one, under any key,
/// is refused.
pub const DEVELOPMENT_SECRETS: [&str; 2] = [DEVELOPMENT_SECRET, TEST_SECRET];

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `ONALTU_ENV` is unset or empty: there is no default environment to fall back on.
    #[error(
        "configuration: ONALTU_ENV is not set; name the environment whose <ONALTU_CONFIG_DIR>/<env>.toml \
         to load (`development` for `make run`, `production` in the Deployments)"
    )]
    NoEnvironment,
    /// A source could not be read or a value has the wrong type (the message names the key).
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    /// An environment other than the default was asked for, but its file is missing.
    #[error("configuration: environment `{env}` asked for, but {path} does not exist")]
    MissingFile {
        /// The environment name.
        env: String,
        /// The file that was looked for.
        path: PathBuf,
    },
    /// Values were read but break rules.
    #[error("invalid configuration: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ConfigViolation>),
}

/// Collects violations under a key prefix, so nested settings report full dotted keys.
/// `Checker::default()` checks for an environment other than production.
#[derive(Debug, Default)]
pub struct Checker {
    prefix: String,
    production: bool,
    violations: Vec<ConfigViolation>,
}

impl Checker {
    /// A checker for settings that will run in environment `env` (`ONALTU_ENV`).
    pub fn for_env(env: &str) -> Self {
        Self {
            production: env == PRODUCTION,
            ..Self::default()
        }
    }

    /// Whether the settings are for production, where rules ask more (no HS256 secret, an issuer
    /// and an audience, the services' own tokens configured rather than signed).
    pub fn production(&self) -> bool {
        self.production
    }

    /// The violations recorded so far.
    pub fn violations(&self) -> &[ConfigViolation] {
        &self.violations
    }

    /// Records a violation of `key` (relative to the current section) unless `ok` holds.
    pub fn check(&mut self, ok: bool, key: &str, message: impl Into<String>) {
        if !ok {
            self.violations.push(ConfigViolation {
                key: self.key(key),
                message: message.into(),
            });
        }
    }

    /// Validates a nested section under `name`.
    pub fn section(&mut self, name: &str, settings: &dyn Validate) {
        let nested = self.key(name);
        let saved = std::mem::replace(&mut self.prefix, nested);
        settings.validate(self);
        self.prefix = saved;
    }

    fn key(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }
}

/// Settings that can check their own values.
pub trait Validate {
    /// Records every broken rule in `checker`.
    fn validate(&self, checker: &mut Checker);
}

/// Where to read configuration from.
#[derive(Debug, Clone)]
pub struct Sources {
    /// Environment name: `development`, `test`, `production`, …
    pub env: String,
    /// Whether the environment was named explicitly (then its file must exist).
    pub env_explicit: bool,
    /// Directory holding `<env>.toml`.
    pub dir: PathBuf,
    /// Environment variables to read; `None` reads the process environment.
    pub vars: Option<HashMap<String, String>>,
}

impl Sources {
    /// `ONALTU_ENV` (required, its file too) and `ONALTU_CONFIG_DIR` (default `config`) from the
    /// process environment.
    pub fn from_process() -> Result<Self, ConfigError> {
        let env = std::env::var("ONALTU_ENV")
            .ok()
            .filter(|env| !env.trim().is_empty())
            .ok_or(ConfigError::NoEnvironment)?;
        Ok(Self {
            env,
            env_explicit: true,
            dir: std::env::var_os("ONALTU_CONFIG_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("config")),
            vars: None,
        })
    }
}

/// The environment-variable prefix of a service: `ONALTU_REGISTRY` for `registry`.
pub fn env_prefix(service: &str) -> String {
    format!("ONALTU_{}", service.to_uppercase().replace('-', "_"))
}

/// Loads and validates the settings of `service` from the process environment.
pub fn load<T: DeserializeOwned + Validate>(service: &str) -> Result<T, ConfigError> {
    load_from(service, Sources::from_process()?)
}

/// Loads and validates the settings of `service` from the given sources.
pub fn load_from<T: DeserializeOwned + Validate>(
    service: &str,
    sources: Sources,
) -> Result<T, ConfigError> {
    let file = sources.dir.join(format!("{}.toml", sources.env));
    if sources.env_explicit && !Path::new(&file).exists() {
        return Err(ConfigError::MissingFile {
            env: sources.env,
            path: file,
        });
    }
    let environment = config::Environment::with_prefix(&env_prefix(service))
        .prefix_separator("__")
        .separator("__")
        .try_parsing(true)
        .source(sources.vars);
    let merged = config::Config::builder()
        .add_source(config::File::from(file).required(false))
        .add_source(environment)
        .build()?;
    let mut checker = Checker::for_env(&sources.env);
    if checker.production() {
        checker
            .violations
            .extend(development_secrets(&config::Source::collect(&merged)?));
    }
    let settings: T = merged.try_deserialize()?;
    settings.validate(&mut checker);
    if checker.violations.is_empty() {
        Ok(settings)
    } else {
        Err(ConfigError::Invalid(checker.violations))
    }
}

/// Every value of `tree` (merged configuration, keys dotted from its root) that holds one of the
/// [`DEVELOPMENT_SECRETS`], by key: what a production configuration must not contain.
pub fn development_secrets(tree: &config::Map<String, config::Value>) -> Vec<ConfigViolation> {
    fn walk(key: String, value: &config::Value, out: &mut Vec<ConfigViolation>) {
        match &value.kind {
            config::ValueKind::Table(table) => {
                let mut keys: Vec<&String> = table.keys().collect();
                keys.sort();
                for k in keys {
                    walk(dotted(&key, k), &table[k], out);
                }
            }
            config::ValueKind::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(format!("{key}[{i}]"), item, out);
                }
            }
            config::ValueKind::String(text)
                if DEVELOPMENT_SECRETS.iter().any(|s| text.contains(s)) =>
            {
                out.push(ConfigViolation {
                    key,
                    message: "holds a development secret published in this repository; \
                              production takes its secrets from its own Secrets"
                        .into(),
                });
            }
            _ => {}
        }
    }
    fn dotted(prefix: &str, key: &str) -> String {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    }
    let mut out = Vec::new();
    let mut keys: Vec<&String> = tree.keys().collect();
    keys.sort();
    for k in keys {
        walk(k.clone(), &tree[k], &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Server {
        port: u16,
        host: String,
    }
    impl Default for Server {
        fn default() -> Self {
            Self {
                port: 50051,
                host: "127.0.0.1".into(),
            }
        }
    }
    impl Validate for Server {
        fn validate(&self, c: &mut Checker) {
            c.check(self.port >= 1024, "port", "must be at least 1024");
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Settings {
        server: Server,
        secret: SecretString,
    }
    impl Default for Settings {
        fn default() -> Self {
            Self {
                server: Server::default(),
                secret: SecretString::from("default-secret"),
            }
        }
    }
    impl Validate for Settings {
        fn validate(&self, c: &mut Checker) {
            c.section("server", &self.server);
            c.check(
                self.secret.expose_secret().len() >= 8,
                "secret",
                "must be at least 8 characters",
            );
        }
    }

    fn sources(dir: &Path, toml: Option<&str>, vars: &[(&str, &str)]) -> Sources {
        if let Some(text) = toml {
            std::fs::write(dir.join("test.toml"), text).unwrap();
        }
        Sources {
            env: "test".into(),
            env_explicit: false,
            dir: dir.to_path_buf(),
            vars: Some(
                vars.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        }
    }

    #[test]
    fn defaults_apply_without_any_source() {
        let dir = tempfile::tempdir().unwrap();
        let s: Settings = load_from("registry", sources(dir.path(), None, &[])).unwrap();
        assert_eq!(s.server.port, 50051);
        assert_eq!(s.server.host, "127.0.0.1");
    }

    #[test]
    fn file_overrides_defaults_and_environment_overrides_file() {
        let dir = tempfile::tempdir().unwrap();
        let toml = "[server]\nport = 6000\nhost = \"0.0.0.0\"\n";
        let s: Settings = load_from(
            "registry",
            sources(
                dir.path(),
                Some(toml),
                &[
                    ("ONALTU_REGISTRY__SERVER__PORT", "7000"),
                    // Another service's variables are not ours.
                    ("ONALTU_FEEDBACK__SERVER__PORT", "8000"),
                ],
            ),
        )
        .unwrap();
        assert_eq!(s.server.port, 7000, "environment wins over the file");
        assert_eq!(s.server.host, "0.0.0.0", "file wins over the default");
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_from::<Settings>(
            "registry",
            sources(
                dir.path(),
                None,
                &[("ONALTU_REGISTRY__SERVER__PORT", "eighty")],
            ),
        )
        .unwrap_err();
        assert!(err.to_string().contains("server.port"), "{err}");
    }

    #[test]
    fn a_broken_rule_names_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_from::<Settings>(
            "registry",
            sources(dir.path(), Some("[server]\nport = 80\n"), &[]),
        )
        .unwrap_err();
        match &err {
            ConfigError::Invalid(v) => {
                assert_eq!(v[0].key, "server.port");
                assert!(v[0].message.contains("1024"));
            }
            other => panic!("expected Invalid, got {other}"),
        }
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_from::<Settings>(
            "registry",
            sources(dir.path(), Some("[server]\nprot = 6000\n"), &[]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("prot"), "{err}");
    }

    #[test]
    fn secrets_are_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let s: Settings = load_from(
            "registry",
            sources(
                dir.path(),
                None,
                &[("ONALTU_REGISTRY__SECRET", "hunter2-is-long")],
            ),
        )
        .unwrap();
        assert_eq!(s.secret.expose_secret(), "hunter2-is-long");
        assert!(!format!("{s:?}").contains("hunter2"));
        let err = load_from::<Settings>(
            "registry",
            sources(dir.path(), None, &[("ONALTU_REGISTRY__SECRET", "short")]),
        )
        .unwrap_err();
        assert!(!err.to_string().contains("short"), "{err}");
        assert!(err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn an_explicit_environment_needs_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut src = sources(dir.path(), None, &[]);
        src.env = "production".into();
        src.env_explicit = true;
        let err = load_from::<Settings>("registry", src).unwrap_err();
        assert!(err.to_string().contains("production.toml"), "{err}");
    }

    fn production(dir: &Path, toml: &str, vars: &[(&str, &str)]) -> Sources {
        std::fs::write(dir.join("production.toml"), toml).unwrap();
        let mut src = sources(dir, None, vars);
        src.env = PRODUCTION.into();
        src.env_explicit = true;
        src
    }

    #[test]
    fn production_refuses_a_development_secret_under_any_key() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_from::<Settings>(
            "registry",
            production(
                dir.path(),
                "[server]\nhost = \"onaltu-test-secret-0123456789abcdef\"\n",
                &[("ONALTU_REGISTRY__SECRET", DEVELOPMENT_SECRET)],
            ),
        )
        .unwrap_err();
        let ConfigError::Invalid(v) = &err else {
            panic!("expected Invalid, got {err}");
        };
        let keys: Vec<&str> = v.iter().map(|v| v.key.as_str()).collect();
        assert_eq!(keys, ["secret", "server.host"], "{err}");
        assert!(v[0].message.contains("development secret"), "{err}");
        assert!(!err.to_string().contains(DEVELOPMENT_SECRET), "{err}");

        // Outside production the same values load.
        let mut src = sources(
            dir.path(),
            None,
            &[("ONALTU_REGISTRY__SECRET", DEVELOPMENT_SECRET)],
        );
        src.env = "development".into();
        assert!(load_from::<Settings>("registry", src).is_ok());
        // And a production configuration with secrets of its own loads.
        let s: Settings = load_from(
            "registry",
            production(
                dir.path(),
                "",
                &[("ONALTU_REGISTRY__SECRET", "a-secret-of-its-own")],
            ),
        )
        .unwrap();
        assert_eq!(s.secret.expose_secret(), "a-secret-of-its-own");
    }

    #[test]
    fn development_secrets_are_found_in_nested_tables_and_lists() {
        let merged = config::Config::builder()
            .add_source(config::File::from_str(
                "[a.b]\nc = [\"x\", \"prefix-onaltu-development-secret-change-me-0123456789\"]\nd = 1\n",
                config::FileFormat::Toml,
            ))
            .build()
            .unwrap();
        let found = development_secrets(&config::Source::collect(&merged).unwrap());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, "a.b.c[1]");
    }

    #[test]
    fn the_checker_knows_production_by_name_only() {
        assert!(Checker::for_env("production").production());
        for env in ["development", "test", "Production", "prod"] {
            assert!(!Checker::for_env(env).production(), "{env}");
        }
        assert!(!Checker::default().production());
    }

    /// The list of development secrets covers every one the repository configures, so none of
    /// them can reach production unnoticed.
    #[test]
    fn every_development_configuration_secret_is_known() {
        let services = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services");
        let mut seen = 0;
        for entry in std::fs::read_dir(&services).unwrap() {
            let file = entry.unwrap().path().join("config/development.toml");
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            for line in text.lines() {
                if let Some(value) = line.trim().strip_prefix("hs256_secret") {
                    let value = value
                        .trim_start_matches([' ', '='])
                        .trim()
                        .trim_matches('"');
                    assert!(
                        DEVELOPMENT_SECRETS.contains(&value),
                        "{}: {value} is not in DEVELOPMENT_SECRETS",
                        file.display()
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen >= 4, "every service's development.toml has a secret");
    }
}
