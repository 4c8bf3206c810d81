//! The services as processes, several replicas of each, as a cluster runs them: each replica a
//! `serve` of the service's own binary on ports of its own, every replica of a service on the
//! same database (fresh, made on the test Postgres server and migrated once with `migrate`),
//! all of them on one Redis whose users are those of the data tier's
//! `deploy/k8s/components/data-tier/users.acl.template`, each service connecting as its own.
//!
//! The binaries are this crate's bin targets `onaltu-suite-<svc>`, built from
//! `services/<svc>/src/main.rs` itself: cargo builds a package's binaries for its own
//! integration tests (`CARGO_BIN_EXE_<name>`), never another package's, so `cargo nextest run -p
//! onaltu-suite` runs them as fresh as the code, with no build of its own. Every process is
//! killed when its value is dropped (a panicking test included) and, where `setpriv` is
//! installed, when the test process dies.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the suite lives in the repository")
        .to_path_buf()
}

/// The test Postgres server's URL with another database.
fn with_database(server: &str, database: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let at = base.rfind('/').expect("a postgres://host/database URL");
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}/{database}{query}", &base[..at])
}

/// Fresh databases on the test Postgres server, one per service, dropped (with their
/// connections) when this value is dropped.
pub struct Databases {
    server: String,
    names: BTreeMap<&'static str, String>,
}

impl Databases {
    /// A new, empty database for each of `services`.
    pub async fn create(services: &[&'static str]) -> Self {
        let server = onaltu_testkit::database_url();
        let mut admin = AsyncPgConnection::establish(&server)
            .await
            .expect("connect to the test Postgres");
        let run = uuid::Uuid::now_v7().simple().to_string();
        let mut names = BTreeMap::new();
        for service in services {
            let name = format!("onaltu_scale_{}_{service}", &run[run.len() - 12..]);
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create a database");
            names.insert(*service, name);
        }
        Self { server, names }
    }

    /// The URL of `service`'s database.
    pub fn url(&self, service: &str) -> String {
        with_database(&self.server, &self.names[service])
    }

    /// A connection to `service`'s database.
    pub async fn connect(&self, service: &str) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url(service))
            .await
            .expect("connect to a service's database")
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        let server = self.server.clone();
        let names: Vec<String> = self.names.values().cloned().collect();
        // Drop runs outside async: a short-lived runtime on its own thread drops them.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(mut admin) = AsyncPgConnection::establish(&server).await else {
                    return;
                };
                for name in names {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// A command whose process dies with the test process where `setpriv` can arrange it (the
/// parent is the thread that spawns it: spawn from the test's own thread).
fn command(binary: &Path) -> Command {
    let setpriv = Path::new("/usr/bin/setpriv");
    if setpriv.is_file() {
        let mut c = Command::new(setpriv);
        c.args(["--pdeathsig", "KILL", "--"]).arg(binary);
        c
    } else {
        Command::new(binary)
    }
}

/// A private `redis-server` with the data tier's ACL users (each with a password of this run's)
/// and an administrator for the test, on a loopback port; stopped when dropped.
pub struct Valkey {
    port: u16,
    passwords: BTreeMap<String, String>,
    child: Child,
    _dir: tempfile::TempDir,
}

/// The administrator the test adds to the users of the template, to look at Redis.
const ADMIN: &str = "suite-admin";

impl Valkey {
    /// Starts a server whose users are `template`'s, its `@<USER>_PASSWORD@` placeholders
    /// filled as the data tier's init container fills them.
    pub fn start(template: &Path) -> Self {
        let text = std::fs::read_to_string(template).expect("the ACL template");
        let mut passwords = BTreeMap::new();
        let mut rendered = String::new();
        for line in text.lines() {
            let mut line = line.to_string();
            while let Some(end) = line.find("_PASSWORD@") {
                let start = line[..end]
                    .rfind('@')
                    .expect("a placeholder @<USER>_PASSWORD@");
                let placeholder = line[start..end + "_PASSWORD@".len()].to_string();
                let user = line[start + 1..end].to_lowercase();
                let password = uuid::Uuid::now_v7().simple().to_string();
                line = line.replace(&placeholder, &password);
                passwords.insert(user, password);
            }
            rendered.push_str(&line);
            rendered.push('\n');
        }
        let admin_password = uuid::Uuid::now_v7().simple().to_string();
        rendered.push_str(&format!("user {ADMIN} on >{admin_password} ~* &* +@all\n"));
        passwords.insert(ADMIN.into(), admin_password);
        let dir = tempfile::tempdir().expect("a directory for redis");
        let acl = dir.path().join("users.acl");
        std::fs::write(&acl, rendered).expect("users.acl");
        let port = onaltu_testkit::free_port();
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = command(Path::new(&binary))
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .arg("--aclfile")
            .arg(&acl)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .arg("--logfile")
            .arg(dir.path().join("redis.log"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        let log = dir.path().join("redis.log");
        let server = Self {
            port,
            passwords,
            child,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !server.answers() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut buf = [0u8; 64];
        // Without a default user even PING is refused, but refused by a running server.
        stream.write_all(b"PING\r\n").is_ok() && stream.read(&mut buf).is_ok_and(|n| n > 0)
    }

    /// `redis://<user>:<password>@127.0.0.1:<port>/0` for a user of the template (or the
    /// test's administrator, [`Valkey::admin`]).
    pub fn url_as(&self, user: &str) -> String {
        let password = self
            .passwords
            .get(user)
            .unwrap_or_else(|| panic!("the ACL template has no user {user}"));
        format!("redis://{user}:{password}@127.0.0.1:{}/0", self.port)
    }

    /// A connection as `user`.
    pub async fn connect_as(&self, user: &str) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url_as(user))
            .expect("a redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("connect to redis")
    }

    /// A connection as the test's administrator, who may do anything.
    pub async fn admin(&self) -> redis::aio::MultiplexedConnection {
        self.connect_as(ADMIN).await
    }
}

impl Drop for Valkey {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How one replica of a service is started.
pub struct Launch<'a> {
    /// The service's binary (`env!("CARGO_BIN_EXE_onaltu-suite-<svc>")`).
    pub binary: &'a str,
    /// `registry`, `feedback`, `rating` or `transport`.
    pub service: &'static str,
    /// The replica's name in its log file's name, e.g. `a`.
    pub name: &'static str,
    /// `ONALTU_<SVC>__…` overrides, each as (`SECTION__KEY`, value).
    pub env: Vec<(String, String)>,
}

/// The service's development configuration as a replica reads it: the file itself, its
/// listeners moved to free ports (`[server] listen` to `listen`, any other `*_listen` to one of
/// its own) so replicas side by side never share one.
fn replica_config(service: &str, listen: u16, dir: &Path) {
    let source = repo()
        .join("services")
        .join(service)
        .join("config/development.toml");
    let text = std::fs::read_to_string(&source).expect("the development configuration");
    let mut section = String::new();
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.trim_matches(['[', ']']).to_string();
        }
        let key = trimmed.split('=').next().unwrap_or_default().trim();
        if trimmed.contains('=') && (key == "listen" || key.ends_with("_listen")) {
            let port = if section == "server" && key == "listen" {
                listen
            } else {
                onaltu_testkit::free_port()
            };
            out.push_str(&format!("{key} = \"127.0.0.1:{port}\"\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(dir.join("development.toml"), out).expect("development.toml");
}

fn prepare(launch: &Launch<'_>, listen: u16, dir: &Path, command: &mut Command) {
    replica_config(launch.service, listen, dir);
    let prefix = format!("ONALTU_{}__", launch.service.to_uppercase());
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ONALTU_ENV", "development")
        .env("ONALTU_CONFIG_DIR", dir)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        )
        .env(
            format!("{prefix}AUTH__HS256_SECRET"),
            onaltu_testkit::TEST_JWT_SECRET,
        )
        .current_dir(repo());
    for (key, value) in &launch.env {
        command.env(format!("{prefix}{key}"), value);
    }
}

/// Runs `migrate` of `launch`'s binary once, with its configuration.
pub fn migrate(launch: &Launch<'_>) {
    let dir = tempfile::tempdir().expect("a configuration directory");
    let mut c = command(Path::new(launch.binary));
    prepare(launch, onaltu_testkit::free_port(), dir.path(), &mut c);
    let out = c.arg("migrate").output().expect("run migrate");
    assert!(
        out.status.success(),
        "{} migrate: {}{}",
        launch.service,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One replica: a service's `serve` running until killed or dropped.
pub struct Replica {
    /// `registry`, `feedback`, `rating` or `transport`.
    pub service: &'static str,
    /// Its name, e.g. `a`.
    pub name: &'static str,
    /// `http://127.0.0.1:<port>`.
    pub addr: String,
    /// A channel to it.
    pub channel: Channel,
    child: Option<Child>,
    log: PathBuf,
    _config: tempfile::TempDir,
}

impl Replica {
    /// Starts `launch` and waits (up to a minute) until it reports SERVING.
    pub async fn start(launch: Launch<'_>, logs: &Path) -> Self {
        let port = onaltu_testkit::free_port();
        let config = tempfile::tempdir().expect("a configuration directory");
        let log = logs.join(format!("{}-{}.log", launch.service, launch.name));
        let file = std::fs::File::create(&log).expect("a log file");
        let mut c = command(Path::new(launch.binary));
        prepare(&launch, port, config.path(), &mut c);
        let child = c
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("the log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", launch.binary));
        let addr = format!("http://127.0.0.1:{port}");
        let channel = Channel::from_shared(addr.clone())
            .expect("an address")
            .connect_lazy();
        let mut replica = Self {
            service: launch.service,
            name: launch.name,
            addr,
            channel,
            child: Some(child),
            log,
            _config: config,
        };
        replica.wait_serving().await;
        replica
    }

    async fn wait_serving(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "{}-{} exited ({status}) before serving:\n{}",
                    self.service,
                    self.name,
                    self.log_text()
                );
            }
            let mut health = HealthClient::new(self.channel.clone());
            let asked = tokio::time::timeout(
                Duration::from_secs(2),
                health.check(HealthCheckRequest {
                    service: String::new(),
                }),
            )
            .await;
            if let Ok(Ok(answer)) = asked
                && answer.into_inner().status == ServingStatus::Serving as i32
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}-{} did not report SERVING:\n{}",
                self.service,
                self.name,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What it has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills it with SIGKILL, as a node failure would: no drain, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}
