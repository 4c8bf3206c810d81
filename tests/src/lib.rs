//! The suite served in-process for end-to-end tests: the registry, feedback and rating services
//! each on its own Postgres schema (as each has its own database in production), one private
//! Redis between them, clients for any role, and the registry flows other services' tests start
//! from. The transport service is tested beside it, in `services/transport/tests`. [`replicas`]
//! runs the services as processes instead, several replicas of each (`tests/scale_out.rs`).
//! [`Suite::start_with_portal`] adds the transport service and the web portal in front of all
//! four, for the browser tests (`tests/portal_browser.rs`).

#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod fixtures;
pub mod replicas;

use onaltu_auth::{Claims, Role};
use onaltu_proto::feedback::feedback_service_client::FeedbackServiceClient;
use onaltu_proto::rating::rating_service_client::RatingServiceClient;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_proto::transport::transport_service_client::TransportServiceClient;
use onaltu_testkit::{AuthedChannel, RedisServer, Served, TestDb, authed};

/// The services of the suite, running until dropped.
pub struct Suite {
    /// The registry.
    pub registry: Served,
    /// The feedback service.
    pub feedback: Served,
    /// The rating service.
    pub rating: Served,
    /// The registry's database schema.
    pub registry_db: TestDb,
    /// The feedback service's database schema.
    pub feedback_db: TestDb,
    /// The rating service's database schema.
    pub rating_db: TestDb,
    /// The Redis every service shares for its cache and event streams.
    pub redis: RedisServer,
}

impl Suite {
    /// Starts every service.
    pub async fn start() -> Self {
        let redis = RedisServer::start();
        let onaltu_testkit::registry::RegistryServed {
            served: registry,
            db: registry_db,
        } = onaltu_testkit::registry::serve(&redis).await;

        let feedback_db = TestDb::new(&onaltu_feedback::migrations()).await;
        let mut settings = onaltu_feedback::settings::Settings::local(
            feedback_db.settings(),
            &redis.url(),
            onaltu_testkit::jwt_secret(),
            &registry.addr,
        );
        settings.registry.backoff_ms = 20;
        let pool = feedback_db.pool();
        let feedback = Served::service("feedback", settings, pool, onaltu_feedback::serve).await;
        let rating_db = TestDb::new(&onaltu_rating::migrations()).await;
        let rating = serve_rating(&rating_db, &redis, &registry.addr).await;
        Self {
            registry,
            feedback,
            rating,
            registry_db,
            feedback_db,
            rating_db,
            redis,
        }
    }

    /// Every service, and the transport service and the portal in front of them. Drop the
    /// portal first (`let (suite, portal) = …` does: the later binding is dropped first).
    pub async fn start_with_portal() -> (Self, Portal) {
        let suite = Self::start().await;
        let portal = Portal::start(&suite).await;
        (suite, portal)
    }

    /// A rating client carrying `claims` (or no token).
    pub fn rating(&self, claims: Option<&Claims>) -> RatingServiceClient<AuthedChannel> {
        RatingServiceClient::new(authed(&self.rating.channel, claims))
    }

    /// Rows of `table` in the rating database.
    pub async fn rating_count(&self, table: &str) -> i64 {
        self.rating_db.count(table).await
    }

    /// Waits (up to ten seconds) until the rating service has counted `n` published
    /// evaluations (net of withdrawals) from the feedback events; returns how many it counts.
    pub async fn rating_counts_evaluations(&self, n: i64) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut counted = 0;
        for _ in 0..100 {
            let mut conn = self.rating_db.connect().await;
            counted =
                diesel::sql_query("SELECT count(*) AS n FROM feedback_evaluations WHERE counted")
                    .get_result::<N>(&mut conn)
                    .await
                    .unwrap()
                    .n;
            if counted == n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        counted
    }

    /// A registry client carrying `claims` (or no token).
    pub fn registry(&self, claims: Option<&Claims>) -> RegistryServiceClient<AuthedChannel> {
        RegistryServiceClient::new(authed(&self.registry.channel, claims))
    }

    /// A feedback client carrying `claims` (or no token).
    pub fn feedback(&self, claims: Option<&Claims>) -> FeedbackServiceClient<AuthedChannel> {
        FeedbackServiceClient::new(authed(&self.feedback.channel, claims))
    }
}

/// Starts the rating service on `db`, asking the registry at `registry`.
async fn serve_rating(db: &TestDb, redis: &RedisServer, registry: &str) -> Served {
    let settings = onaltu_rating::settings::Settings::local(
        db.settings(),
        &redis.url(),
        onaltu_testkit::jwt_secret(),
        registry,
    );
    let pool = db.pool();
    Served::service("rating", settings, pool, onaltu_rating::serve).await
}

/// Claims of `role`, for a test.
pub fn claims(role: Role) -> Claims {
    onaltu_testkit::claims(role)
}

pub use onaltu_testkit::{citizen, staff};

/// A token for `claims`, as a client would send it.
pub fn token(claims: &Claims) -> String {
    onaltu_testkit::token(claims)
}

/// The web portal served in-process over the suite, with the transport service it books trips
/// with, until dropped (the portal stops first, then the transport service and its schema).
pub struct Portal {
    /// `http://127.0.0.1:<port>`: where a browser reaches the portal.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The transport service.
    pub transport: Served,
    /// The transport service's database schema.
    pub transport_db: TestDb,
}

impl Portal {
    /// Starts the transport service (asking `suite`'s registry) and the portal over the four
    /// services, its sessions in `suite`'s Redis, its development sign-in signing tokens the
    /// services accept.
    pub async fn start(suite: &Suite) -> Self {
        let transport_db = TestDb::new(&onaltu_transport::migrations()).await;
        let settings = onaltu_transport::settings::Settings::local(
            transport_db.settings(),
            onaltu_testkit::jwt_secret(),
            &suite.registry.addr,
        );
        let pool = transport_db.pool();
        let transport = Served::service("transport", settings, pool, onaltu_transport::serve).await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let url = format!("http://{addr}");
        let mut settings = onaltu_portal::settings::Settings::local(
            &suite.redis.url(),
            onaltu_testkit::jwt_secret(),
            &suite.registry.addr,
            &suite.feedback.addr,
            &suite.rating.addr,
            &transport.addr,
        );
        settings.server.listen = addr;
        settings.server.public_url = url.clone();
        let state = onaltu_portal::state(settings)
            .await
            .expect("the portal's state");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // The listener is bound already: connections made before the server runs wait for it.
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(err) = onaltu_portal::serve(state, listener, shutdown).await {
                panic!("the portal stopped with an error: {err}");
            }
        });
        Self {
            url,
            stop: Some(stop),
            transport,
            transport_db,
        }
    }

    /// A transport client carrying `claims` (or no token).
    pub fn transport(&self, claims: Option<&Claims>) -> TransportServiceClient<AuthedChannel> {
        TransportServiceClient::new(authed(&self.transport.channel, claims))
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
