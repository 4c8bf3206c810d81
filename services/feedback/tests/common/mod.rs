//! The feedback service in process on its own Postgres schema, beside the registry it asks about
//! episodes (served from `onaltu_testkit`), one private Redis between them, clients for any role,
//! the registry flows and the feedback flows the tests start from.

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use onaltu_auth::{Claims, Role};
use onaltu_proto::feedback as fb;
use onaltu_proto::feedback::feedback_service_client::FeedbackServiceClient;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_testkit::registry::Registry;
use onaltu_testkit::{AuthedChannel, RedisServer, Served, TestDb, authed};
use uuid::Uuid;

pub use onaltu_testkit::feedback::{
    Feedback, evaluation, get, publish, submit, submit_with_complaint,
};
pub use onaltu_testkit::registry::{admitted, adult, centre, child, date, discharged, queued};
pub use onaltu_testkit::{bad_fields, citizen, claims, staff};

/// How long a test waits for something the service does in the background.
const PATIENCE: Duration = Duration::from_secs(10);

/// The registry and the feedback service, running until dropped (servers first, then their
/// schemas and Redis).
pub struct Harness {
    /// The feedback service.
    pub feedback: Served,
    /// The registry.
    pub registry: Served,
    /// The feedback service's database schema.
    pub db: TestDb,
    /// The registry's database schema.
    pub registry_db: TestDb,
    /// The Redis both use for their caches and event streams.
    pub redis: RedisServer,
}

impl Harness {
    /// Starts the registry and the feedback service.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts the registry and the feedback service with settings adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut onaltu_feedback::settings::Settings)) -> Self {
        let redis = RedisServer::start();
        let onaltu_testkit::registry::RegistryServed {
            served: registry,
            db: registry_db,
        } = onaltu_testkit::registry::serve(&redis).await;
        let db = TestDb::new(&onaltu_feedback::migrations()).await;
        let mut settings = onaltu_feedback::settings::Settings::local(
            db.settings(),
            &redis.url(),
            onaltu_testkit::jwt_secret(),
            &registry.addr,
        );
        settings.registry.backoff_ms = 20;
        adjust(&mut settings);
        let pool = db.pool();
        let feedback = Served::service("feedback", settings, pool, onaltu_feedback::serve).await;
        Self {
            feedback,
            registry,
            db,
            registry_db,
            redis,
        }
    }

    /// A feedback client carrying `claims` (or no token).
    pub fn client(&self, claims: Option<&Claims>) -> Feedback {
        FeedbackServiceClient::new(authed(&self.feedback.channel, claims))
    }

    /// A feedback client of `role`.
    pub fn as_role(&self, role: Role) -> Feedback {
        self.client(Some(&claims(role)))
    }

    /// A feedback client of the city's operator (a moderator).
    pub fn moderator(&self) -> Feedback {
        self.as_role(Role::CityOperator)
    }

    /// A feedback client of citizen `person`.
    pub fn citizen(&self, person: &str) -> Feedback {
        self.client(Some(&citizen(person)))
    }

    /// A feedback client of the staff of `centre`.
    pub fn staff(&self, centre: &str) -> Feedback {
        self.client(Some(&staff(centre)))
    }

    /// A feedback client without a token.
    pub fn public(&self) -> Feedback {
        self.client(None)
    }

    /// A registry client of the city's operator, to set up persons, centres and episodes.
    pub fn registry_operator(&self) -> Registry {
        RegistryServiceClient::new(authed(
            &self.registry.channel,
            Some(&claims(Role::CityOperator)),
        ))
    }

    /// Rows of `table` in the feedback database.
    pub async fn count(&self, table: &str) -> i64 {
        self.db.count(table).await
    }

    /// The events in the outbox, oldest first.
    pub async fn outbox(&self) -> Vec<Outboxed> {
        use diesel_async::RunQueryDsl;
        let mut conn = self.db.connect().await;
        diesel::sql_query("SELECT event_type, payload FROM outbox_events ORDER BY seq")
            .load(&mut conn)
            .await
            .unwrap()
    }

    /// The types of the events in the outbox, oldest first.
    pub async fn outbox_types(&self) -> Vec<String> {
        self.outbox()
            .await
            .into_iter()
            .map(|e| e.event_type)
            .collect()
    }

    /// Waits (with a deadline) until the Redis stream `stream` holds at least `n` entries;
    /// returns how many it holds.
    pub async fn stream_len(&self, stream: &str, n: i64) -> i64 {
        let client = redis::Client::open(self.redis.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let len = redis::cmd("XLEN")
                .arg(stream)
                .query_async::<i64>(&mut conn)
                .await
                .unwrap();
            if len >= n || Instant::now() >= deadline {
                return len;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `sql` on the feedback database (to move the clock of a record).
    pub async fn sql(&self, sql: &str) {
        use diesel_async::RunQueryDsl;
        let mut conn = self.db.connect().await;
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
}

/// An event of the outbox.
#[derive(diesel::QueryableByName)]
pub struct Outboxed {
    /// Its type name.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event_type: String,
    /// Its encoded message.
    #[diesel(sql_type = diesel::sql_types::Binary)]
    pub payload: Vec<u8>,
}

/// The registry and the feedback service with one person who was served: an adult discharged
/// from a centre.
pub struct OneServed {
    /// The running services.
    pub h: Harness,
    /// The centre.
    pub centre: String,
    /// The person served.
    pub person: String,
    /// The discharged episode.
    pub episode: String,
}

impl OneServed {
    /// Starts the services and takes one adult through `centre_name` to discharge.
    pub async fn start(centre_name: &str) -> Self {
        let h = Harness::start().await;
        let mut op = h.registry_operator();
        let centre = centre(&mut op, centre_name, 10).await.id;
        let person = adult(&mut op, 1).await.id;
        let episode = discharged(&mut op, &person, &centre).await.id;
        Self {
            h,
            centre,
            person,
            episode,
        }
    }

    /// A feedback client of the person served.
    pub fn author(&self) -> Feedback {
        self.h.citizen(&self.person)
    }

    /// A feedback client of the centre's staff.
    pub fn centre_staff(&self) -> Feedback {
        self.h.staff(&self.centre)
    }
}
