//! What the transport service forgets, and when:
//!
//! | table             | kept                                   | then                          |
//! |-------------------|----------------------------------------|-------------------------------|
//! | `requests`        | `[retention] requests_days` (7)        | deleted                       |
//! | `dispatch_events` | `[records] dispatch_events_days` (365) | deleted                       |
//! | `trips`           | `[records] trip_addresses_days` (365) after the trip | places, notes, passenger and booker cleared; the row kept for the measures |
//! | `routes`          | `[records] trip_addresses_days` (365) after the day  | the stops' addresses and points cleared; times kept for the measures |
//!
//! Vehicles, shifts and bus routes hold no personal data. The SQL rules run through
//! `onaltu_db::retention`; a route's stops are inside its protobuf body, so they are cleared
//! here, on the same schedule.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use onaltu_api::local_date;
use onaltu_db::Pool;
use onaltu_db::retention::Rule;
use onaltu_proto::transport as pb;
use prost::Message as _;
use uuid::Uuid;

use crate::schema::routes as r;
use crate::settings::Settings;
use crate::store::Conn;

/// Routes cleared at a time.
const ROUTE_BATCH: i64 = 500;

/// The SQL rules of the transport database.
pub fn rules(settings: &Settings) -> Vec<Rule> {
    let records = &settings.records;
    vec![
        onaltu_db::requests::retention(&settings.retention),
        Rule {
            name: "dispatch_events",
            keep: Duration::days(i64::from(records.dispatch_events_days)),
            sql: "DELETE FROM dispatch_events WHERE sequence_number IN \
                  (SELECT sequence_number FROM dispatch_events WHERE event_time < $1 \
                   ORDER BY sequence_number LIMIT $2 FOR UPDATE SKIP LOCKED)",
        },
        Rule {
            name: "trip_addresses",
            keep: trip_addresses(settings),
            sql: "UPDATE trips SET pickup = ''::bytea, dropoff = ''::bytea, state_note = '', \
                  person_id = '00000000-0000-0000-0000-000000000000', requested_by = '', \
                  anonymised_at = now() \
                  WHERE id IN (SELECT id FROM trips WHERE anonymised_at IS NULL \
                  AND window_end < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
        },
    ]
}

/// How long a trip's places are kept after the trip.
fn trip_addresses(settings: &Settings) -> Duration {
    Duration::days(i64::from(settings.records.trip_addresses_days))
}

/// A route's body with its stops' places cleared (the depot's kept: it is no one's home); the
/// times and loads the measures read stay.
pub fn without_places(body: &[u8]) -> Vec<u8> {
    let Ok(mut route) = pb::Route::decode(body) else {
        // Not a route: nothing of it can be read back either.
        return Vec::new();
    };
    for stop in &mut route.stops {
        let depot = stop.kind == pb::StopKind::DepotStart as i32
            || stop.kind == pb::StopKind::DepotEnd as i32;
        if !depot {
            stop.address.clear();
            stop.location = None;
        }
    }
    route.encode_to_vec()
}

/// Clears the stops' places of every route of a day before the local day of `cutoff`, a batch
/// at a time; the routes cleared.
pub async fn anonymise_routes(conn: &mut Conn, cutoff: DateTime<Utc>) -> QueryResult<usize> {
    let before = local_date(cutoff);
    let mut total = 0;
    loop {
        let done = conn
            .transaction(async |conn| {
                let batch: Vec<(Uuid, Vec<u8>)> = r::table
                    .filter(r::anonymised_at.is_null().and(r::service_date.lt(before)))
                    .select((r::id, r::body))
                    .limit(ROUTE_BATCH)
                    .for_update()
                    .skip_locked()
                    .load(conn)
                    .await?;
                for (id, body) in &batch {
                    diesel::update(r::table.find(id))
                        .set((
                            r::body.eq(without_places(body)),
                            r::anonymised_at.eq(Some(Utc::now())),
                        ))
                        .execute(conn)
                        .await?;
                }
                Ok::<_, diesel::result::Error>(batch.len())
            })
            .await?;
        total += done;
        if (done as i64) < ROUTE_BATCH {
            return Ok(total);
        }
    }
}

/// Everything retention does at `now`: the SQL rules, then the routes; the rows each touched.
pub async fn run_once(
    conn: &mut Conn,
    settings: &Settings,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(&'static str, usize)>> {
    let mut done = onaltu_db::retention::run_once(conn, &rules(settings), now).await?;
    let routes = anonymise_routes(conn, now - trip_addresses(settings)).await?;
    done.push(("route_places", routes));
    Ok(done)
}

/// Runs the rules on their schedule (`onaltu_db::retention::spawn`), and the routes' clearing
/// on the same interval, for as long as the runtime lives.
pub fn spawn(pool: Pool, settings: &Settings) {
    onaltu_db::retention::spawn(pool.clone(), &settings.retention, rules(settings));
    let every = StdDuration::from_secs(settings.retention.interval_secs);
    let keep = trip_addresses(settings);
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + every.min(StdDuration::from_secs(60));
        let mut ticks = tokio::time::interval_at(start, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let outcome = match pool.get().await {
                Ok(mut conn) => anonymise_routes(&mut conn, Utc::now() - keep)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match outcome {
                Ok(0) => {}
                Ok(rows) => {
                    tracing::info!(rule = "route_places", rows, "retention: routes cleared")
                }
                Err(error) => tracing::warn!(%error, "route retention failed; trying next time"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_routes_stops_lose_their_places_and_keep_their_times() {
        let at = |seconds| Some(prost_types::Timestamp { seconds, nanos: 0 });
        let stop = |kind: pb::StopKind, address: &str, seconds| pb::Stop {
            kind: kind as i32,
            address: address.into(),
            location: Some(onaltu_proto::common::GeoPoint {
                latitude: 51.11,
                longitude: 71.4,
            }),
            planned_arrival_time: at(seconds),
            ..Default::default()
        };
        let route = pb::Route {
            stops: vec![
                stop(pb::StopKind::DepotStart, "депо", 100),
                stop(pb::StopKind::Pickup, "үй, 3-подъезд", 200),
                stop(pb::StopKind::Dropoff, "орталық", 300),
                stop(pb::StopKind::DepotEnd, "депо", 400),
            ],
            ..Default::default()
        };
        let cleared = pb::Route::decode(without_places(&route.encode_to_vec()).as_slice()).unwrap();
        let addresses: Vec<&str> = cleared.stops.iter().map(|s| s.address.as_str()).collect();
        assert_eq!(addresses, ["депо", "", "", "депо"]);
        assert!(cleared.stops[1].location.is_none() && cleared.stops[2].location.is_none());
        assert!(cleared.stops[0].location.is_some());
        let times: Vec<i64> = cleared
            .stops
            .iter()
            .map(|s| s.planned_arrival_time.unwrap().seconds)
            .collect();
        assert_eq!(times, [100, 200, 300, 400]);
        assert!(without_places(b"\xff\xff").is_empty());
    }
}
