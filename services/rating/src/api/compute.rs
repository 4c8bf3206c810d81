//! ComputeRatings (and the schedule that calls the same computation): gather the period's
//! inputs, rate every centre, and write a new version with its events, or return the latest
//! version when nothing changed.

use std::collections::HashMap;

use diesel_async::AsyncConnection as _;
use futures::{StreamExt as _, TryStreamExt as _};
use onaltu_api::{Period, now, parse_id, timestamp};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::rating as pb;
use prost::Message as _;
use uuid::Uuid;

use super::{OFFICIALS, Rating, convert};
use crate::clients::registry::CenterFacts;
use crate::domain::engine::{self, CenterInputs, Previous};
use crate::domain::events::{self, Snapshot};
use crate::domain::feedback as fb;
use crate::domain::indicators::{Recorded, RegistryFacts};
use crate::domain::schedule;
use crate::store::{
    Conn, events as event_store, feedback, indicators, ratings, requests, violations,
};
use onaltu_api::Ctx;

const COMPUTE: &str = "ComputeRatings";
/// The cache generation every public rating read is filed under.
pub const RATINGS_GENERATION: &str = "ratings";

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
        let mut v = Violations::new();
        let request_id = parse_id("request_id", &req.request_id).map_err(|e| v.absorb(e));
        let period = match &req.period {
            Some(p) => Period::decode("period", p).map_err(|e| v.absorb(e)),
            None => {
                v.add("period", "is required");
                Err(())
            }
        };
        if let Ok(p) = period {
            schedule::check_period(&self.methodology, p, onaltu_api::today(), &mut v);
        }
        v.into_result()?;
        let (Ok(request_id), Ok(period)) = (request_id, period) else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let by = ctx.subject();
        {
            let mut conn = self.conn().await?;
            if let Some(answer) = requests::answered(&mut conn, request_id, COMPUTE, &by).await? {
                return decode_answer(&answer);
            }
        }
        self.compute(period, &by, Some(request_id)).await
    }

    /// Rates `period` in the name of `by`; with `request_id`, the answer is remembered in the
    /// same transaction.
    pub async fn compute(
        &self,
        period: Period,
        by: &str,
        request_id: Option<Uuid>,
    ) -> Result<pb::ComputeRatingsResponse, ApiError> {
        let mut conn = self.conn().await?;
        let (answer, created) = conn
            .transaction(async |conn| {
                // The registry is read under the lock, so a computation never writes inputs
                // older than the version before it.
                ratings::lock_computations(conn).await?;
                if let Some(id) = request_id
                    && let Some(answer) = requests::answered(conn, id, COMPUTE, by).await?
                {
                    return Ok((decode_answer(&answer)?, false));
                }
                let centers = self.registry.centers().await?;
                let ids: Vec<Uuid> = centers.iter().map(|c| c.id).collect();
                let registry = &self.registry;
                let facts: Vec<Option<RegistryFacts>> = futures::stream::iter(ids)
                    .map(|id| registry.indicators(id, period))
                    .buffered(self.registry_concurrency)
                    .try_collect()
                    .await?;
                let (answer, created) = self.rate(conn, period, by, &centers, facts).await?;
                if let Some(id) = request_id {
                    requests::remember(conn, id, COMPUTE, by, answer.encode_to_vec()).await?;
                }
                Ok::<_, ApiError>((answer, created))
            })
            .await?;
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
        Ok(answer)
    }

    /// Inside the computation lock: reads the stored inputs, rates, and writes the version
    /// unless it equals the latest one.
    async fn rate(
        &self,
        conn: &mut Conn,
        period: Period,
        by: &str,
        centers: &[CenterFacts],
        facts: Vec<Option<RegistryFacts>>,
    ) -> Result<(pb::ComputeRatingsResponse, bool), ApiError> {
        let m = &self.methodology;
        let label = period.label();
        let mut feedback =
            feedback::of_months(conn, period.start(), period.end_exclusive()).await?;
        let city = fb::city(feedback.values());
        let mut recorded: HashMap<Uuid, Vec<Recorded>> = HashMap::new();
        for row in indicators::of_period(conn, &label).await? {
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
        let previous_period = period.previous();
        let previous_rows = match ratings::latest_version(conn, &previous_period.label()).await? {
            Some(v) => ratings::of_version(conn, &previous_period.label(), v).await?,
            None => Vec::new(),
        };
        let latest = ratings::latest_run(conn, &label).await?;
        let current_rows = match &latest {
            Some(run) => ratings::of_version(conn, &label, run.version).await?,
            None => Vec::new(),
        };
        let previous: HashMap<Uuid, Previous> = previous_rows
            .iter()
            .map(|row| {
                (
                    row.center_id,
                    Previous {
                        period: previous_period,
                        composite: row.composite,
                        stars: row.stars,
                        tier: convert::tier_of(i32::from(row.tier)),
                        low_streak: row.low_streak.max(0) as u32,
                    },
                )
            })
            .collect();
        let inputs: Vec<CenterInputs> = centers
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
        let rated = engine::rate_all(m, &inputs, &city);
        let version = latest.as_ref().map_or(1, |r| r.version + 1);
        let at = now();
        let bodies: Vec<pb::CenterRating> = centers
            .iter()
            .zip(&rated)
            .map(|(c, r)| convert::rating(c, period, version, &m.version, r, at))
            .collect();

        if let Some(run) = &latest
            && run.methodology_version == m.version
            && current_rows.len() == bodies.len()
        {
            let stored: HashMap<Uuid, Vec<u8>> = current_rows
                .iter()
                .filter_map(|row| {
                    let body = pb::CenterRating::decode(row.body.as_slice()).ok()?;
                    Some((row.center_id, comparable(body)))
                })
                .collect();
            let unchanged = centers
                .iter()
                .zip(&bodies)
                .all(|(c, body)| stored.get(&c.id) == Some(&comparable(body.clone())));
            if unchanged {
                return Ok((
                    pb::ComputeRatingsResponse {
                        period: Some(period.encode()),
                        rating_version: run.version,
                        created: false,
                        methodology_version: run.methodology_version.clone(),
                        centers_rated: run.centers_rated,
                        events_emitted: 0,
                    },
                    false,
                ));
            }
        }

        let baseline: HashMap<Uuid, Snapshot> = events::baseline(&current_rows, &previous_rows)
            .iter()
            .map(|r| (r.center_id, snapshot(r)))
            .collect();
        let mut new_events = Vec::new();
        let mut rows = Vec::with_capacity(bodies.len());
        for ((c, r), body) in centers.iter().zip(&rated).zip(bodies) {
            let after = Snapshot {
                composite: r.composite,
                stars: r.stars,
                tier: r.tier,
            };
            let before = baseline.get(&c.id);
            let changes = events::changes(before, &after, m.event_composite_threshold);
            if !changes.is_empty() {
                let event = pb::RatingEvent {
                    sequence_number: 0,
                    event_time: Some(timestamp(at)),
                    center_id: c.id.to_string(),
                    region_code: c.region.clone(),
                    sector: c.sector,
                    kind: c.kind,
                    period: Some(period.encode()),
                    rating_version: version,
                    changes: changes
                        .iter()
                        .map(|ch| convert::change(*ch) as i32)
                        .collect(),
                    previous_composite: before.and_then(|b| b.composite),
                    composite: r.composite,
                    previous_stars: before.and_then(|b| b.stars),
                    stars: r.stars,
                    previous_tier: before.map_or(0, |b| convert::tier(b.tier) as i32),
                    tier: convert::tier(r.tier) as i32,
                };
                new_events.push(event_store::NewEvent {
                    center_id: c.id,
                    region_code: c.region.clone(),
                    sector: c.sector,
                    kind: c.kind,
                    body: event.encode_to_vec(),
                    event_time: at,
                });
            }
            rows.push(ratings::RatingRow {
                period: label.clone(),
                version,
                center_id: c.id,
                period_start: period.start(),
                region_code: c.region.clone(),
                sector: c.sector,
                kind: c.kind,
                tier: convert::tier(r.tier) as i16,
                composite: r.composite,
                stars: r.stars,
                low_streak: r.low_streak as i32,
                body: body.encode_to_vec(),
            });
        }
        let run = ratings::RunRow {
            period: label.clone(),
            version,
            period_start: period.start(),
            methodology_version: m.version.clone(),
            centers_rated: rows.len() as i32,
            events_emitted: new_events.len() as i32,
            computed_by: by.to_string(),
            compute_time: at,
        };
        ratings::insert(conn, &run, &rows).await?;
        event_store::insert(conn, &new_events).await?;
        for r in rated.iter().filter(|r| engine::asks_for_inspection(r.tier)) {
            let reason = r
                .explanations
                .iter()
                .find(|l| l.code == "tier")
                .map(|l| l.en.as_str())
                .unwrap_or("PENALTY");
            ratings::request_inspection(conn, r.center, &label, version, reason, at).await?;
        }
        Ok((
            pb::ComputeRatingsResponse {
                period: Some(period.encode()),
                rating_version: version,
                created: true,
                methodology_version: m.version.clone(),
                centers_rated: run.centers_rated,
                events_emitted: run.events_emitted,
            },
            true,
        ))
    }
}

fn decode_answer(answer: &[u8]) -> Result<pb::ComputeRatingsResponse, ApiError> {
    pb::ComputeRatingsResponse::decode(answer)
        .map_err(|e| ApiError::Internal(format!("stored answer: {e}")))
}

impl Rating {
    /// Rates the last ended quarter unless it was rated after it ended (the end-of-period
    /// computation); `None` when nothing was due.
    pub async fn rate_ended_quarter(&self) -> Result<Option<pb::ComputeRatingsResponse>, ApiError> {
        let period = schedule::ended_quarter(onaltu_api::today());
        let mut conn = self.conn().await?;
        let last = ratings::latest_run(&mut conn, &period.label()).await?;
        drop(conn);
        let last_computed = last.map(|r| onaltu_api::local_date(r.compute_time));
        if !schedule::needs_final_rating(period, last_computed) {
            return Ok(None);
        }
        self.compute(period, "schedule", None).await.map(Some)
    }

    /// Rates each quarter once it has ended, checking every `every` until `closing`.
    pub async fn run_schedule(
        self,
        every: std::time::Duration,
        mut closing: tokio::sync::watch::Receiver<bool>,
    ) {
        while !*closing.borrow() {
            if let Err(e) = self.rate_ended_quarter().await {
                tracing::warn!(error = %e, "scheduled rating failed; will retry");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = closing.changed() => {}
            }
        }
    }
}
