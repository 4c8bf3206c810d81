//! The suite served in-process for end-to-end tests: every service on its own Postgres schema (as
//! each has its own database in production), one private Redis between them, clients for any
//! role, and the registry flows other services' tests start from.

#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod fixtures;

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
    /// The transport service.
    pub transport: Served,
    /// The registry's database schema.
    pub registry_db: TestDb,
    /// The feedback service's database schema.
    pub feedback_db: TestDb,
    /// The rating service's database schema.
    pub rating_db: TestDb,
    /// The transport service's database schema.
    pub transport_db: TestDb,
    /// The Redis every service shares for its cache and event streams.
    pub redis: RedisServer,
}

impl Suite {
    /// Starts every service.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts every service, the feedback service with settings adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut onaltu_feedback::settings::Settings)) -> Self {
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
        adjust(&mut settings);
        let pool = feedback_db.pool();
        let feedback = Served::start("feedback", move |listener, shutdown| {
            onaltu_feedback::serve(settings, pool, listener, shutdown)
        })
        .await;
        let rating_db = TestDb::new(&onaltu_rating::migrations()).await;
        let rating = serve_rating(&rating_db, &redis, &registry.addr).await;
        let transport_db = TestDb::new(&onaltu_transport::migrations()).await;
        let settings = onaltu_transport::settings::Settings::local(
            transport_db.settings(),
            onaltu_testkit::jwt_secret(),
            &registry.addr,
        );
        let pool = transport_db.pool();
        let transport = Served::start("transport", move |listener, shutdown| {
            onaltu_transport::serve(settings, pool, listener, shutdown)
        })
        .await;
        Self {
            registry,
            feedback,
            rating,
            transport,
            registry_db,
            feedback_db,
            rating_db,
            transport_db,
            redis,
        }
    }

    /// Stops the rating service and starts it again on the same database.
    pub async fn restart_rating(&mut self) {
        let fresh = serve_rating(&self.rating_db, &self.redis, &self.registry.addr).await;
        // The old instance stops when dropped here, after the new one listens.
        self.rating = fresh;
    }

    /// A rating client carrying `claims` (or no token).
    pub fn rating(&self, claims: Option<&Claims>) -> RatingServiceClient<AuthedChannel> {
        RatingServiceClient::new(authed(&self.rating.channel, claims))
    }

    /// A transport client carrying `claims` (or no token).
    pub fn transport(&self, claims: Option<&Claims>) -> TransportServiceClient<AuthedChannel> {
        TransportServiceClient::new(authed(&self.transport.channel, claims))
    }

    /// Rows of `table` in the transport database.
    pub async fn transport_count(&self, table: &str) -> i64 {
        count(&self.transport_db, table).await
    }

    /// Rows of `table` in the rating database.
    pub async fn rating_count(&self, table: &str) -> i64 {
        count(&self.rating_db, table).await
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

    /// Rows of `table` in the feedback database.
    pub async fn feedback_count(&self, table: &str) -> i64 {
        count(&self.feedback_db, table).await
    }

    /// The types of the events in the feedback service's outbox, oldest first.
    pub async fn outbox_types(&self) -> Vec<String> {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            event_type: String,
        }
        let mut conn = self.feedback_db.connect().await;
        diesel::sql_query("SELECT event_type FROM outbox_events ORDER BY seq")
            .load::<Row>(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.event_type)
            .collect()
    }

    /// Waits (up to ten seconds) until the Redis stream `stream` holds `n` entries; returns
    /// how many it holds.
    pub async fn stream_len(&self, stream: &str, n: i64) -> i64 {
        let client = redis::Client::open(self.redis.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let mut len = 0;
        for _ in 0..100 {
            len = redis::cmd("XLEN")
                .arg(stream)
                .query_async::<i64>(&mut conn)
                .await
                .unwrap();
            if len >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        len
    }

    /// Runs `sql` on the feedback database (to move the clock of a record).
    pub async fn feedback_sql(&self, sql: &str) {
        use diesel_async::RunQueryDsl;
        let mut conn = self.feedback_db.connect().await;
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
}

/// Starts the rating service on `db`, asking the registry at `registry`.
async fn serve_rating(db: &TestDb, redis: &RedisServer, registry: &str) -> Served {
    serve_rating_with(db, redis, registry, |_| {}).await
}

/// Starts the rating service on `db` with settings adjusted by `adjust`.
pub async fn serve_rating_with(
    db: &TestDb,
    redis: &RedisServer,
    registry: &str,
    adjust: impl FnOnce(&mut onaltu_rating::settings::Settings),
) -> Served {
    let mut settings = onaltu_rating::settings::Settings::local(
        db.settings(),
        &redis.url(),
        onaltu_testkit::jwt_secret(),
        registry,
    );
    adjust(&mut settings);
    let pool = db.pool();
    Served::start("rating", move |listener, shutdown| {
        onaltu_rating::serve(settings, pool, listener, shutdown)
    })
    .await
}

async fn count(db: &TestDb, table: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = db.connect().await;
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n
}

/// The suite with one person who was served: an adult discharged from a centre.
pub struct OneServed {
    /// The running suite.
    pub suite: Suite,
    /// The centre.
    pub centre: String,
    /// The person served.
    pub person: String,
    /// The discharged episode.
    pub episode: String,
}

impl OneServed {
    /// Starts the suite and takes one adult through `centre_name` to discharge.
    pub async fn start(centre_name: &str) -> Self {
        let suite = Suite::start().await;
        let mut op = suite.registry(Some(&claims(Role::CityOperator)));
        let centre = fixtures::centre(&mut op, centre_name, 10).await.id;
        let person = fixtures::adult(&mut op, 1).await.id;
        let episode = fixtures::discharged(&mut op, &person, &centre).await.id;
        Self {
            suite,
            centre,
            person,
            episode,
        }
    }
}

/// Claims of `role`, for a test.
pub fn claims(role: Role) -> Claims {
    onaltu_testkit::claims(role)
}

pub use onaltu_testkit::{citizen, driver, staff};

/// A token for `claims`, as a client would send it.
pub fn token(claims: &Claims) -> String {
    onaltu_testkit::token(claims)
}
