//! The rating service in process on its own Postgres schema, beside the registry it asks about
//! centres and episodes (served from `onaltu_testkit`), one private Redis between them, and
//! clients for any role.

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use onaltu_api::Period;
use onaltu_auth::{Claims, Role};
use onaltu_proto::rating as pb;
use onaltu_proto::rating::rating_service_client::RatingServiceClient;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_testkit::registry::Registry;
use onaltu_testkit::{AuthedChannel, RedisServer, Served, TestDb, authed};
use uuid::Uuid;

pub use onaltu_testkit::registry::{centre, date};
pub use onaltu_testkit::{bad_fields, citizen, claims, staff};

/// A rating client.
pub type Rating = RatingServiceClient<AuthedChannel>;

/// The registry and the rating service, running until dropped (servers first, then their
/// schemas and Redis).
pub struct Harness {
    /// The rating service.
    pub rating: Served,
    /// The registry.
    pub registry: Served,
    /// The rating service's database schema.
    pub db: TestDb,
    /// The registry's database schema.
    pub registry_db: TestDb,
    /// The Redis both use for their caches and event streams.
    pub redis: RedisServer,
}

impl Harness {
    /// Starts the registry and the rating service.
    pub async fn start() -> Self {
        let redis = RedisServer::start();
        let onaltu_testkit::registry::RegistryServed {
            served: registry,
            db: registry_db,
        } = onaltu_testkit::registry::serve(&redis).await;
        let db = TestDb::new(&onaltu_rating::migrations()).await;
        let rating = serve(&db, &redis, &registry.addr, |_| {}).await;
        Self {
            rating,
            registry,
            db,
            registry_db,
            redis,
        }
    }

    /// Stops the rating service and starts it again on the same database.
    pub async fn restart(&mut self) {
        let fresh = serve(&self.db, &self.redis, &self.registry.addr, |_| {}).await;
        // The old instance stops when dropped here, after the new one listens.
        self.rating = fresh;
    }

    /// A second rating service on its own schema, beside this registry, with settings adjusted
    /// by `adjust`.
    pub async fn another(
        &self,
        adjust: impl FnOnce(&mut onaltu_rating::settings::Settings),
    ) -> (Served, TestDb) {
        let db = TestDb::new(&onaltu_rating::migrations()).await;
        let served = serve(&db, &self.redis, &self.registry.addr, adjust).await;
        (served, db)
    }

    /// A rating client carrying `claims` (or no token).
    pub fn client(&self, claims: Option<&Claims>) -> Rating {
        RatingServiceClient::new(authed(&self.rating.channel, claims))
    }

    /// A rating client of `role`.
    pub fn as_role(&self, role: Role) -> Rating {
        self.client(Some(&claims(role)))
    }

    /// A rating client of the city's operator.
    pub fn operator(&self) -> Rating {
        self.as_role(Role::CityOperator)
    }

    /// A rating client without a token.
    pub fn public(&self) -> Rating {
        self.client(None)
    }

    /// A registry client of the city's operator, to set up centres.
    pub fn registry_operator(&self) -> Registry {
        RegistryServiceClient::new(authed(
            &self.registry.channel,
            Some(&claims(Role::CityOperator)),
        ))
    }

    /// Rows of `table` in the rating database.
    pub async fn count(&self, table: &str) -> i64 {
        self.db.count(table).await
    }
}

/// Starts the rating service on `db` asking the registry at `registry`, with settings
/// adjusted by `adjust`.
pub async fn serve(
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
    Served::service("rating", settings, pool, onaltu_rating::serve).await
}

/// Today's quarter.
pub fn current() -> Period {
    Period::quarter_of(onaltu_api::today())
}

/// A ComputeRatings request for `period`.
pub fn compute_request(period: Period) -> pb::ComputeRatingsRequest {
    pb::ComputeRatingsRequest {
        request_id: Uuid::now_v7().to_string(),
        period: Some(period.encode()),
    }
}

/// An indicator value with evidence.
pub fn value(code: &str, source: pb::IndicatorSource, value: f64) -> pb::IndicatorValue {
    pb::IndicatorValue {
        indicator_code: code.into(),
        value,
        source: source as i32,
        evidence_reference: "Акт №7/2026".into(),
        ..Default::default()
    }
}
