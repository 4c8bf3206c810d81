//! The real registry served in-process on a fresh Postgres schema and a private Redis, the
//! `onaltu` binary run against it, and a client to check what it stored.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use onaltu_auth::Role;
use onaltu_proto::registry as pb;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_testkit::{RedisServer, Served, TestDb};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// The published centres list.
pub const CENTRES_TSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../services/registry/seed/rehab_centers_2025.tsv"
);

/// The example persons file of the README.
pub const PERSONS_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/persons.csv");

pub type Client = RegistryServiceClient<InterceptedService<Channel, Caller>>;

/// Adds an ADMIN bearer token and a stated purpose to every call.
#[derive(Clone)]
pub struct Caller(String);

impl tonic::service::Interceptor for Caller {
    fn call(&mut self, mut r: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let headers = r.metadata_mut();
        headers.insert(
            "authorization",
            format!("Bearer {}", self.0).parse().unwrap(),
        );
        headers.insert("x-onaltu-purpose", "checking a test".parse().unwrap());
        Ok(r)
    }
}

/// What one run of `onaltu` did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The lines of standard output.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Whether standard output has exactly this line.
    pub fn has_line(&self, line: &str) -> bool {
        self.stdout.lines().any(|l| l == line)
    }

    /// The one line of standard output starting with `prefix`.
    pub fn line_starting(&self, prefix: &str) -> &str {
        let found: Vec<&str> = self
            .stdout
            .lines()
            .filter(|l| l.starts_with(prefix))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one line starting {prefix:?} in\n{}",
            self.stdout
        );
        found[0]
    }
}

/// A running registry; dropping it stops the server first, then drops its schema and Redis.
pub struct Harness {
    served: Served,
    pub db: TestDb,
    pub redis: RedisServer,
    pub channel: Channel,
    pub addr: String,
}

impl Harness {
    pub async fn start() -> Self {
        let db = TestDb::new(&onaltu_registry::migrations()).await;
        let redis = RedisServer::start();
        let settings = onaltu_registry::settings::Settings::local(
            db.settings(),
            &redis.url(),
            onaltu_testkit::jwt_secret(),
        );
        let pool = db.pool();
        let served = Served::service("registry", settings, pool, onaltu_registry::serve).await;
        Self {
            channel: served.channel.clone(),
            addr: served.addr.clone(),
            served,
            db,
            redis,
        }
    }

    /// An ADMIN client.
    pub fn client(&self) -> Client {
        let token = onaltu_testkit::token(&onaltu_testkit::claims(Role::Admin));
        RegistryServiceClient::with_interceptor(self.channel.clone(), Caller(token))
    }

    /// Runs `onaltu ARGS --addr <this registry>` from the `cli/` directory, signing its token
    /// with the secret the registry checks.
    pub async fn onaltu(&self, args: &[&str]) -> Run {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_onaltu"))
            .args(args)
            .args(["--addr", &self.addr])
            .env("ONALTU_JWT_SECRET", onaltu_testkit::TEST_JWT_SECRET)
            .env_remove("ONALTU_TOKEN")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .await
            .expect("run onaltu");
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        // Shown when the test fails.
        println!("$ onaltu {}\n{}{}", args.join(" "), run.stdout, run.stderr);
        run
    }

    /// Every centre, page by page.
    pub async fn centres(&self) -> Vec<pb::Center> {
        let mut client = self.client();
        let mut centres = Vec::new();
        let mut page_token = String::new();
        loop {
            let page = client
                .list_centers(pb::ListCentersRequest {
                    page_size: 30,
                    page_token: page_token.clone(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            centres.extend(page.centers);
            if page.next_page_token.is_empty() {
                return centres;
            }
            page_token = page.next_page_token;
        }
    }

    /// Every episode, page by page, by id.
    pub async fn episodes(&self) -> Vec<pb::Episode> {
        let mut client = self.client();
        let mut episodes = Vec::new();
        let mut page_token = String::new();
        loop {
            let page = client
                .list_episodes(pb::ListEpisodesRequest {
                    page_size: 500,
                    page_token: page_token.clone(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            episodes.extend(page.episodes);
            if page.next_page_token.is_empty() {
                episodes.sort_by(|a, b| a.id.cmp(&b.id));
                return episodes;
            }
            page_token = page.next_page_token;
        }
    }

    /// The whole country's statistics as of today.
    pub async fn statistics(&self) -> pb::Statistics {
        self.client()
            .get_statistics(pb::GetStatisticsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .statistics
            .unwrap()
    }
}

/// A file in the temporary directory, removed when dropped.
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn new(name: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "onaltu-cli-{}-{}-{name}",
            std::process::id(),
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
