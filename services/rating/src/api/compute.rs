//! ComputeRatings (and the schedule that calls the same computation): gather the period's
//! inputs, rate every centre, and write a new version with its events, or return the latest
//! version when nothing changed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection as _;
use futures::{StreamExt as _, TryStreamExt as _};
use onaltu_api::{Ctx, Period, now};
use onaltu_errors::ApiError;
use onaltu_proto::rating as pb;
use prost::Message as _;
use uuid::Uuid;

use super::decode::ComputeInput;
use super::{OFFICIALS, Rating, convert};
use crate::clients::registry::CenterFacts;
use crate::domain::engine::{self, CenterInputs, Previous};
use crate::domain::events::{self, Snapshot};
use crate::domain::feedback as fb;
use crate::domain::indicators::{Recorded, RegistryFacts};
use crate::domain::schedule;
use crate::store::requests::Request;
use crate::store::{
    Conn, events as event_store, feedback, indicators, ratings, requests, violations,
};

const COMPUTE: &str = "ComputeRatings";
/// The cache generation every public rating read is filed under.
pub const RATINGS_GENERATION: &str = "ratings";

/// What is stored of the period being rated and of the one before it.
struct Stored {
    /// The period's latest computation.
    latest: Option<ratings::RunRow>,
    /// The ratings of that computation.
    current: Vec<ratings::RatingRow>,
    /// The previous period's latest ratings.
    previous: Vec<ratings::RatingRow>,
}

/// A new version, rated and encoded, before it is written.
struct Version<'a> {
    period: Period,
    number: i64,
    at: DateTime<Utc>,
    centers: &'a [CenterFacts],
    rated: Vec<engine::Rating>,
    bodies: Vec<pb::CenterRating>,
}

/// A stored rating body without what differs between two computations of the same inputs.
fn comparable(mut body: pb::CenterRating) -> Vec<u8> {
    body.rating_version = 0;
    body.compute_time = None;
    body.latest = false;
    body.encode_to_vec()
}

fn snapshot(row: &ratings::RatingRow) -> Snapshot {
    Snapshot {
        composite: row.composite,
        stars: row.stars,
        tier: convert::tier_of(i32::from(row.tier)),
    }
}

impl Rating {
    pub(crate) async fn compute_ratings(
        &self,
        ctx: &Ctx,
        req: pb::ComputeRatingsRequest,
    ) -> Result<pb::ComputeRatingsResponse, ApiError> {
        ctx.caller.require(OFFICIALS)?;
        let input = ComputeInput::decode(&req, &self.methodology, onaltu_api::today())?;
        let by = ctx.subject();
        let key = Request::new(&by, COMPUTE, input.request_id, &req);
        {
            let mut conn = self.conn().await?;
            if let Some(answer) = requests::answered(&mut conn, &key).await? {
                return decode_answer(&answer);
            }
        }
        self.compute(input.period, &by, Some(&key)).await
    }

    /// Rates `period` in the name of `by`; with `request`, the answer is remembered in the
    /// same transaction.
    pub async fn compute(
        &self,
        period: Period,
        by: &str,
        request: Option<&Request>,
    ) -> Result<pb::ComputeRatingsResponse, ApiError> {
        let mut conn = self.conn().await?;
        let (answer, created) = conn
            .transaction(async |conn| {
                // The registry is read under the lock, so a computation never writes inputs
                // older than the version before it.
                ratings::lock_computations(conn).await?;
                if let Some(key) = request
                    && let Some(answer) = requests::answered(conn, key).await?
                {
                    return Ok((decode_answer(&answer)?, false));
                }
                let (answer, created) = self.compute_locked(conn, period, by, false).await?;
                if let Some(key) = request {
                    requests::remember(conn, key, answer.encode_to_vec()).await?;
                }
                Ok::<_, ApiError>((answer, created))
            })
            .await?;
        self.announce(period, &answer, created).await;
        Ok(answer)
    }

    /// Rates `period` once more after it ended, in the name of `by`, unless that was done:
    /// whether it is due is decided under the computation lock, so replicas that all found it
    /// due compute it once and the others answer `None`. The final rating is a version of its
    /// own even when it equals the one before (computed before the end), so it is never due
    /// again.
    pub async fn compute_final(
        &self,
        period: Period,
        by: &str,
    ) -> Result<Option<pb::ComputeRatingsResponse>, ApiError> {
        let mut conn = self.conn().await?;
        let computed = conn
            .transaction(async |conn| {
                ratings::lock_computations(conn).await?;
                let last = ratings::latest_run(conn, &period.label()).await?;
                let last_computed = last.map(|r| onaltu_api::local_date(r.compute_time));
                if !schedule::needs_final_rating(period, last_computed) {
                    return Ok(None);
                }
                self.compute_locked(conn, period, by, true).await.map(Some)
            })
            .await?;
        let Some((answer, created)) = computed else {
            return Ok(None);
        };
        self.announce(period, &answer, created).await;
        Ok(Some(answer))
    }

    /// Under the computation lock: reads the registry, rates and writes the version (a new one
    /// even when unchanged if `new_version`); the answer and whether a version was written.
    async fn compute_locked(
        &self,
        conn: &mut Conn,
        period: Period,
        by: &str,
        new_version: bool,
    ) -> Result<(pb::ComputeRatingsResponse, bool), ApiError> {
        let centers = self.registry.centers().await?;
        let facts = self.registry_facts(&centers, period).await?;
        self.rate(conn, period, by, &centers, facts, new_version)
            .await
    }

    /// After a computation committed: wakes the subscribers' tail and retires the cached reads
    /// when it wrote a version.
    async fn announce(&self, period: Period, answer: &pb::ComputeRatingsResponse, created: bool) {
        if created {
            self.hub.wake();
            self.cache.bump(RATINGS_GENERATION).await;
            tracing::info!(
                period = %period.label(),
                version = answer.rating_version,
                centers = answer.centers_rated,
                events = answer.events_emitted,
                "ratings computed"
            );
        }
    }

    /// The registry's facts of each of `centers` in `period`, a bounded number of calls at once.
    async fn registry_facts(
        &self,
        centers: &[CenterFacts],
        period: Period,
    ) -> Result<Vec<Option<RegistryFacts>>, ApiError> {
        let registry = &self.registry;
        let ids: Vec<Uuid> = centers.iter().map(|c| c.id).collect();
        futures::stream::iter(ids)
            .map(|id| registry.indicators(id, period))
            .buffered(self.registry_concurrency)
            .try_collect()
            .await
    }

    /// Inside the computation lock: reads the stored inputs, rates, and writes the version
    /// unless it equals the latest one (and `new_version` does not ask for one anyway).
    async fn rate(
        &self,
        conn: &mut Conn,
        period: Period,
        by: &str,
        centers: &[CenterFacts],
        facts: Vec<Option<RegistryFacts>>,
        new_version: bool,
    ) -> Result<(pb::ComputeRatingsResponse, bool), ApiError> {
        let m = &self.methodology;
        let stored = stored(conn, period).await?;
        let (inputs, city) = inputs(conn, period, centers, facts, &stored.previous).await?;
        let rated = engine::rate_all(m, &inputs, &city);
        let number = stored.latest.as_ref().map_or(1, |r| r.version + 1);
        let at = now();
        let bodies: Vec<pb::CenterRating> = centers
            .iter()
            .zip(&rated)
            .map(|(c, r)| convert::rating(c, period, number, &m.version, r, at))
            .collect();
        if let Some(run) = &stored.latest
            && !new_version
            && run.methodology_version == m.version
            && unchanged(&stored.current, centers, &bodies)
        {
            return Ok((answer(period, run, false), false));
        }
        let version = Version {
            period,
            number,
            at,
            centers,
            rated,
            bodies,
        };
        let run = self.write(conn, &version, &stored, by).await?;
        Ok((answer(period, &run, true), true))
    }

    /// Writes `v` with its events and the inspections its tiers ask for; the run written.
    async fn write(
        &self,
        conn: &mut Conn,
        v: &Version<'_>,
        stored: &Stored,
        by: &str,
    ) -> Result<ratings::RunRow, ApiError> {
        let m = &self.methodology;
        let label = v.period.label();
        let new_events = news(v, stored, m.event_composite_threshold);
        let rows: Vec<ratings::RatingRow> = v
            .centers
            .iter()
            .zip(&v.rated)
            .zip(&v.bodies)
            .map(|((c, r), body)| convert::rating_row(c, v.period, v.number, r, body))
            .collect();
        let run = ratings::RunRow {
            period: label.clone(),
            version: v.number,
            period_start: v.period.start(),
            methodology_version: m.version.clone(),
            centers_rated: rows.len() as i32,
            events_emitted: new_events.len() as i32,
            computed_by: by.to_string(),
            compute_time: v.at,
        };
        ratings::insert(conn, &run, &rows).await?;
        event_store::insert(conn, &new_events).await?;
        for r in &v.rated {
            if let Some(reason) = &r.inspection {
                let reason = reason.describe();
                ratings::request_inspection(conn, r.center, &label, v.number, &reason, v.at)
                    .await?;
            }
        }
        Ok(run)
    }
}

/// The events of the new version `v`: one for each centre whose rating moved enough since its
/// latest rating so far.
fn news(v: &Version<'_>, stored: &Stored, threshold: f64) -> Vec<event_store::NewEvent> {
    let baseline: HashMap<Uuid, Snapshot> = events::baseline(&stored.current, &stored.previous)
        .iter()
        .map(|r| (r.center_id, snapshot(r)))
        .collect();
    v.centers
        .iter()
        .zip(&v.rated)
        .filter_map(|(c, r)| {
            let news = events::news(baseline.get(&c.id), Snapshot::of(r), threshold)?;
            let event = convert::event(c, v.period, v.number, &news, v.at);
            Some(event_store::NewEvent {
                center_id: c.id,
                region_code: c.region.clone(),
                sector: c.sector,
                kind: c.kind,
                body: event.encode_to_vec(),
                event_time: v.at,
            })
        })
        .collect()
}

/// The period's latest computation and its ratings, and the previous period's latest ratings.
async fn stored(conn: &mut Conn, period: Period) -> Result<Stored, ApiError> {
    let label = period.label();
    let before = period.previous().label();
    let previous = match ratings::latest_version(conn, &before).await? {
        Some(v) => ratings::of_version(conn, &before, v).await?,
        None => Vec::new(),
    };
    let latest = ratings::latest_run(conn, &label).await?;
    let current = match &latest {
        Some(run) => ratings::of_version(conn, &label, run.version).await?,
        None => Vec::new(),
    };
    Ok(Stored {
        latest,
        current,
        previous,
    })
}

/// Everything each of `centers` is rated on in `period`, and the city's feedback totals.
async fn inputs(
    conn: &mut Conn,
    period: Period,
    centers: &[CenterFacts],
    facts: Vec<Option<RegistryFacts>>,
    previous_rows: &[ratings::RatingRow],
) -> Result<(Vec<CenterInputs>, fb::Totals), ApiError> {
    let mut feedback = feedback::of_months(conn, period.start(), period.end_exclusive()).await?;
    let city = fb::city(feedback.values());
    let mut recorded: HashMap<Uuid, Vec<Recorded>> = HashMap::new();
    for row in indicators::of_period(conn, &period.label()).await? {
        if let Some(source) = convert::source_of(i32::from(row.source)) {
            recorded.entry(row.center_id).or_default().push(Recorded {
                code: row.indicator_code,
                source,
                value: row.value,
                sample_size: row.sample_size,
            });
        }
    }
    let mut critical: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (center, id) in violations::critical_open_at(conn, period.end_exclusive()).await? {
        critical.entry(center).or_default().push(id);
    }
    let previous: HashMap<Uuid, Previous> = previous_rows
        .iter()
        .map(|row| (row.center_id, previous_of(period.previous(), row)))
        .collect();
    let inputs = centers
        .iter()
        .zip(facts)
        .map(|(c, registry)| CenterInputs {
            center: c.id,
            region: c.region.clone(),
            peer_group: (c.sector, c.kind),
            registry,
            feedback: feedback.remove(&c.id).unwrap_or_default(),
            recorded: recorded.remove(&c.id).unwrap_or_default(),
            critical_violations: critical.remove(&c.id).unwrap_or_default(),
            previous: previous.get(&c.id).cloned(),
        })
        .collect();
    Ok((inputs, city))
}

fn previous_of(period: Period, row: &ratings::RatingRow) -> Previous {
    Previous {
        period,
        composite: row.composite,
        stars: row.stars,
        tier: convert::tier_of(i32::from(row.tier)),
        low_streak: row.low_streak.max(0) as u32,
    }
}

/// Whether the newly rated `bodies` equal the stored `current` version, centre by centre.
fn unchanged(
    current: &[ratings::RatingRow],
    centers: &[CenterFacts],
    bodies: &[pb::CenterRating],
) -> bool {
    if current.len() != bodies.len() {
        return false;
    }
    let stored: HashMap<Uuid, Vec<u8>> = current
        .iter()
        .filter_map(|row| {
            let body = pb::CenterRating::decode(row.body.as_slice()).ok()?;
            Some((row.center_id, comparable(body)))
        })
        .collect();
    centers
        .iter()
        .zip(bodies)
        .all(|(c, body)| stored.get(&c.id) == Some(&comparable(body.clone())))
}

fn answer(period: Period, run: &ratings::RunRow, created: bool) -> pb::ComputeRatingsResponse {
    pb::ComputeRatingsResponse {
        period: Some(period.encode()),
        rating_version: run.version,
        created,
        methodology_version: run.methodology_version.clone(),
        centers_rated: run.centers_rated,
        events_emitted: if created { run.events_emitted } else { 0 },
    }
}

fn decode_answer(answer: &[u8]) -> Result<pb::ComputeRatingsResponse, ApiError> {
    pb::ComputeRatingsResponse::decode(answer)
        .map_err(|e| ApiError::Internal(format!("stored answer: {e}")))
}
