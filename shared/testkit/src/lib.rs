//! Test support on real components: each test gets its own Postgres schema with the migrations
//! applied (dropped afterwards), a private `redis-server` it can stop and restart, signed tokens
//! for any role, and any service served in-process ([`Served`]) behind a real gRPC channel.
//!
//! The Postgres server comes from `ONALTU_TEST_DATABASE_URL`, which `make test` sets after
//! starting a private instance under `.data/`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::EmbeddedMigrations;
use onaltu_auth::{Claims, Role};
use onaltu_db::{DatabaseSettings, Pool};
use secrecy::SecretString;

mod served;
/// Service binaries started as their Deployments start them (production configuration).
pub mod startup;
/// Certificates made at test time: a CA, and each service's certificate.
pub mod tls;

/// The feedback flows other tests start from.
#[cfg(feature = "feedback")]
pub mod feedback;
/// The registry served for other services' tests, and its flows.
#[cfg(feature = "registry")]
pub mod registry;
pub use served::{AuthedChannel, Bearer, Served, Shutdown, authed};

/// The HS256 secret test servers are configured with (refused in any production configuration).
pub const TEST_JWT_SECRET: &str = onaltu_config::TEST_SECRET;

/// The Postgres server tests run against.
pub fn database_url() -> String {
    std::env::var("ONALTU_TEST_DATABASE_URL").expect(
        "ONALTU_TEST_DATABASE_URL is not set: run the tests with `make test`, which starts Postgres",
    )
}

/// A fresh schema on the test Postgres, migrated, dropped when this value is dropped.
pub struct TestDb {
    schema: String,
    url: String,
    base_url: String,
}

impl TestDb {
    /// Rows of `table` in this schema.
    pub async fn count(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.connect().await;
        diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result::<N>(&mut conn)
            .await
            .expect("a count of the table")
            .n
    }

    /// Creates a schema and applies `migrations` (each set in order) inside it.
    pub async fn new(migrations: &[&'static EmbeddedMigrations]) -> Self {
        let base_url = database_url();
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        let mut admin = AsyncPgConnection::establish(&base_url)
            .await
            .expect("connect to the test Postgres");
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create test schema");
        let separator = if base_url.contains('?') { '&' } else { '?' };
        // Every connection of this test resolves unqualified names in its own schema.
        let url = format!("{base_url}{separator}options=-c%20search_path%3D{schema}");
        onaltu_db::run_migrations(&SecretString::from(url.clone()), migrations)
            .await
            .expect("migrate test schema");
        Self {
            schema,
            url,
            base_url,
        }
    }

    /// The URL whose connections use this schema.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Database settings pointing at this schema.
    pub fn settings(&self) -> DatabaseSettings {
        DatabaseSettings {
            url: SecretString::from(self.url.clone()),
            ..DatabaseSettings::default()
        }
    }

    /// A pool on this schema.
    pub fn pool(&self) -> Pool {
        onaltu_db::build_pool(&self.settings(), "onaltu-test").expect("test pool")
    }

    /// One connection on this schema.
    pub async fn connect(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url)
            .await
            .expect("connect to the test schema")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let url = self.base_url.clone();
        let schema = self.schema.clone();
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(mut conn) = AsyncPgConnection::establish(&url).await else {
                    return;
                };
                // The test's runtime is blocked on this drop, so connections of the services it
                // ran (an outbox relay between two statements, say) can never finish their
                // transactions: end the sessions holding locks in the schema, then drop it.
                let terminate = format!(
                    "SET lock_timeout = '2s'; \
                     SELECT pg_terminate_backend(l.pid) FROM pg_locks l \
                     JOIN pg_class c ON c.oid = l.relation \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = '{schema}' AND l.pid <> pg_backend_pid()"
                );
                for _ in 0..5 {
                    let _ = conn.batch_execute(&terminate).await;
                    if conn
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .await
                        .is_ok()
                    {
                        return;
                    }
                }
            });
        })
        .join();
    }
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A private `redis-server` on a loopback port, with an append-only file so a restart keeps its
/// data (as a real outage would).
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a new server on a free port.
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("onaltu-redis-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("redis test dir");
        let mut server = Self {
            port: free_port(),
            dir,
            child: None,
        };
        server.resume();
        server
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Stops the server (an outage); `resume` brings it back on the same port.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on its port and waits until it answers.
    pub fn resume(&mut self) {
        if self.child.is_some() {
            return;
        }
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&binary)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e} (make test installs it)"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let mut buf = [0u8; 16];
                if stream.write_all(b"PING\r\n").is_ok()
                    && stream
                        .read(&mut buf)
                        .is_ok_and(|n| buf[..n].starts_with(b"+PONG"))
                {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A bearer token for `claims`, signed with [`TEST_JWT_SECRET`].
pub fn token(claims: &Claims) -> String {
    onaltu_auth::issue_hs256(TEST_JWT_SECRET, claims).expect("sign test token")
}

/// Claims for `role` valid for an hour.
pub fn claims(role: Role) -> Claims {
    Claims::new(format!("test-{}", role.as_str().to_lowercase()), role, 3600)
}

/// The secret as the auth settings expect it.
pub fn jwt_secret() -> SecretString {
    SecretString::from(TEST_JWT_SECRET)
}

/// Claims of a citizen who is `person`.
pub fn citizen(person: &str) -> Claims {
    let mut c = claims(Role::Citizen);
    c.sub = format!("citizen-{person}");
    c.person_id = Some(person.parse().expect("a person id"));
    c
}

/// Claims of the staff of `center`.
pub fn staff(center: &str) -> Claims {
    let mut c = claims(Role::CenterStaff);
    c.sub = format!("staff-{center}");
    c.center_id = Some(center.parse().expect("a centre id"));
    c
}

/// Claims of the driver of `vehicle`.
pub fn driver(vehicle: &str) -> Claims {
    let mut c = claims(Role::Driver);
    c.sub = format!("driver-{vehicle}");
    c.vehicle_id = Some(vehicle.parse().expect("a vehicle id"));
    c
}

/// The callers a role x (own, other's object) table asks as: a citizen who is `person` and one
/// who is `other_person`, the staff of `centre` and of `other_centre`, every other role, and no
/// token at all, each named as the table names it.
pub fn callers(
    person: &str,
    other_person: &str,
    centre: &str,
    other_centre: &str,
) -> Vec<(&'static str, Option<Claims>)> {
    vec![
        ("CITIZEN_OWN", Some(citizen(person))),
        ("CITIZEN_OTHER", Some(citizen(other_person))),
        ("STAFF_OWN", Some(staff(centre))),
        ("STAFF_OTHER", Some(staff(other_centre))),
        ("CITY_OPERATOR", Some(claims(Role::CityOperator))),
        ("DISPATCHER", Some(claims(Role::Dispatcher))),
        ("DRIVER", Some(claims(Role::Driver))),
        ("AUDITOR", Some(claims(Role::Auditor))),
        ("INTEGRATION", Some(claims(Role::Integration))),
        ("ADMIN", Some(claims(Role::Admin))),
        ("ANONYMOUS", None),
    ]
}

/// The field paths of a status's BadRequest details.
pub fn bad_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|f| f.field).collect())
        .unwrap_or_default()
}
