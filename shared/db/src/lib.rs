//! Postgres access for every service: a diesel-async connection pool on deadpool whose
//! connections set `statement_timeout` and `application_name`, and embedded migrations run by the
//! `migrate` subcommand (never hidden in server start). Connections use TLS when the URL asks for
//! it (`sslmode=require|verify-ca|verify-full`, `sslrootcert=`: [`tls`]). The pool reports its
//! connections by state, its limit and its waiters, and each handler's wait for a connection
//! ([`checkout`]).

use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::{Object, Pool as DeadPool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use onaltu_config::{Checker, ExposeSecret, SecretString, Validate};
use onaltu_errors::ApiError;
use serde::Deserialize;

pub use diesel_async;

mod metrics;
pub mod requests;
pub mod retention;
pub mod tls;

pub use retention::RetentionSettings;

/// The pool every service uses.
pub type Pool = DeadPool<AsyncPgConnection>;
/// A connection checked out of the [`Pool`].
pub type Connection = Object<AsyncPgConnection>;

/// Database settings (`[database]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://user:password@host:port/database`; with `?sslmode=verify-full&sslrootcert=<CA
    /// PEM file>` (or `require`, `verify-ca`) over TLS.
    pub url: SecretString,
    /// Largest number of open connections.
    pub max_connections: usize,
    /// Longest a statement may run before Postgres cancels it.
    pub statement_timeout_ms: u64,
    /// Longest a caller waits for a free connection.
    pub acquire_timeout_ms: u64,
    /// Longest to open a new connection.
    pub connect_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from("postgres://postgres@127.0.0.1:5432/onaltu"),
            max_connections: 16,
            statement_timeout_ms: 5_000,
            acquire_timeout_ms: 2_000,
            connect_timeout_ms: 3_000,
        }
    }
}

impl Validate for DatabaseSettings {
    fn validate(&self, c: &mut Checker) {
        let url = self.url.expose_secret();
        c.check(
            url.starts_with("postgres://") || url.starts_with("postgresql://"),
            "url",
            "must be a postgres:// URL",
        );
        match tls::parse(url) {
            Ok(parsed) => {
                if let Some(path) = &parsed.root_cert {
                    c.check(
                        std::path::Path::new(path).is_file(),
                        "url",
                        format!("sslrootcert {path}: file does not exist"),
                    );
                }
            }
            Err(e) => c.check(false, "url", e),
        }
        c.check(
            (1..=1000).contains(&self.max_connections),
            "max_connections",
            "must be between 1 and 1000",
        );
        c.check(
            self.statement_timeout_ms >= 100,
            "statement_timeout_ms",
            "must be at least 100",
        );
        c.check(
            self.acquire_timeout_ms >= 10,
            "acquire_timeout_ms",
            "must be at least 10",
        );
        c.check(
            self.connect_timeout_ms >= 100,
            "connect_timeout_ms",
            "must be at least 100",
        );
    }
}

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be opened; the URL is shown without its password.
    #[error("cannot connect to the database at {url}: {source}")]
    Connect {
        /// The redacted URL that was tried.
        url: String,
        /// The driver's reason.
        source: ConnectionError,
    },
    /// The pool could not be built.
    #[error("database pool: {0}")]
    Build(String),
    /// Migrations failed.
    #[error("migrations on {url}: {message}")]
    Migration {
        /// The redacted URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// No connection was free in time, or none could be opened.
    #[error("database unavailable: {0}")]
    Pool(#[from] PoolError),
    /// A query failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Query(e) => ApiError::from(e),
            DbError::Pool(_) | DbError::Connect { .. } => ApiError::Unavailable {
                message: "the database is unavailable".into(),
                retry_after: Duration::from_secs(1),
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// The URL with its password replaced, safe to print.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return "<not a URL>".into();
    };
    let rest = &url[scheme_end..];
    let Some(at) = rest.rfind('@') else {
        return url.to_string();
    };
    let credentials = &rest[..at];
    match credentials.find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &credentials[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

/// Builds the pool. Connections are opened lazily, so this succeeds with the database down;
/// use [`check`] at start-up to fail early with the URL that was tried.
pub fn build_pool(settings: &DatabaseSettings, application_name: &str) -> Result<Pool, DbError> {
    let setup = session_setup(application_name, settings.statement_timeout_ms);
    let connect_timeout = Duration::from_millis(settings.connect_timeout_ms);
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    // No test query on every checkout: that is a round trip per call, and a connection that
    // died in the pool fails its first statement instead, which the callers map to UNAVAILABLE.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |url| {
        let setup = setup.clone();
        let url = url.to_string();
        Box::pin(async move {
            let mut conn = tokio::time::timeout(connect_timeout, tls::connect(&url))
                .await
                .map_err(|_| ConnectionError::BadConnection("connect timed out".into()))??;
            conn.batch_execute(&setup)
                .await
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager =
        AsyncDieselConnectionManager::new_with_config(settings.url.expose_secret(), config);
    let pool = DeadPool::builder(manager)
        .max_size(settings.max_connections)
        .wait_timeout(Some(Duration::from_millis(settings.acquire_timeout_ms)))
        .create_timeout(Some(connect_timeout))
        .recycle_timeout(Some(connect_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| DbError::Build(e.to_string()))?;
    metrics::observe(&pool, application_name);
    Ok(pool)
}

/// The statements each new connection runs. The application name is restricted to a safe
/// alphabet because it is written into SQL.
fn session_setup(application_name: &str, statement_timeout_ms: u64) -> String {
    let name: String = application_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("SET application_name = '{name}'; SET statement_timeout = {statement_timeout_ms};")
}

/// A connection from `pool` for a handler: UNAVAILABLE (with a retry delay) when none can be had.
pub async fn connection(pool: &Pool) -> Result<Connection, ApiError> {
    checkout(pool).await.map_err(|e| DbError::from(e).into())
}

/// A connection from `pool`, the wait for it measured (`db.client.connection.wait_time`).
pub async fn checkout(pool: &Pool) -> Result<Connection, PoolError> {
    let started = std::time::Instant::now();
    let got = pool.get().await;
    metrics::checked_out(started.elapsed(), got.is_err());
    got
}

/// Opens one connection to prove the database is reachable, naming the URL (without password)
/// when it is not.
pub async fn check(settings: &DatabaseSettings) -> Result<(), DbError> {
    let url = settings.url.expose_secret();
    let timeout = Duration::from_millis(settings.connect_timeout_ms);
    let result = match tokio::time::timeout(timeout, tls::connect(url)).await {
        Ok(r) => r.map(|_| ()),
        Err(_) => Err(ConnectionError::BadConnection(format!(
            "no answer within {} ms",
            settings.connect_timeout_ms
        ))),
    };
    result.map_err(|source| DbError::Connect {
        url: redact_url(url),
        source,
    })
}

/// Whether a pooled connection answers a trivial query.
pub async fn ping(pool: &Pool) -> bool {
    let Ok(mut conn) = pool.get().await else {
        return false;
    };
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
        .get_result::<i32>(&mut conn)
        .await
        .is_ok()
}

/// Runs every pending migration of each set, in order, and returns the versions applied.
/// Several sets share one bookkeeping table, so their version names must not collide.
pub async fn run_migrations(
    url: &SecretString,
    sets: &[&'static EmbeddedMigrations],
) -> Result<Vec<String>, DbError> {
    let url = url.expose_secret().to_string();
    let redacted = redact_url(&url);
    let sets = sets.to_vec();
    let fail = |message: String| DbError::Migration {
        url: redacted.clone(),
        message,
    };
    let conn = tls::connect(&url)
        .await
        .map_err(|source| DbError::Connect {
            url: redact_url(&url),
            source,
        })?;
    // The harness is synchronous; the wrapper drives the async connection from a blocking thread.
    tokio::task::spawn_blocking(move || {
        type Wrapper =
            diesel_async::async_connection_wrapper::AsyncConnectionWrapper<AsyncPgConnection>;
        let mut conn = Wrapper::from(conn);
        let mut applied = Vec::new();
        for set in sets {
            let versions =
                conn.run_pending_migrations(Borrowed(set))
                    .map_err(|e| DbError::Migration {
                        url: redact_url(&url),
                        message: e.to_string(),
                    })?;
            applied.extend(versions.into_iter().map(|v| v.to_string()));
        }
        Ok(applied)
    })
    .await
    .map_err(|e| fail(e.to_string()))?
}

/// Lets a `'static` migration set be run without owning it.
struct Borrowed(&'static EmbeddedMigrations);

impl diesel::migration::MigrationSource<diesel::pg::Pg> for Borrowed {
    fn migrations(
        &self,
    ) -> diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<diesel::pg::Pg>>>> {
        diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/registry"),
            "postgres://app:***@db:5432/registry"
        );
        assert_eq!(
            redact_url("postgres://app@db/registry"),
            "postgres://app@db/registry"
        );
        assert_eq!(redact_url("nonsense"), "<not a URL>");
    }

    #[test]
    fn session_setup_cannot_be_injected() {
        let sql = session_setup("registry'; DROP TABLE persons; --", 5000);
        assert_eq!(
            sql,
            "SET application_name = 'registryDROPTABLEpersons--'; SET statement_timeout = 5000;"
        );
    }
}
