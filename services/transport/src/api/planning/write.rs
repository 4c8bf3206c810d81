//! Writing a solved plan: each vehicle's route, its trips placed on it, the trips left out
//! turned away; every change recorded for the dispatch watch.

use chrono::NaiveDate;
use onaltu_api::now;
use onaltu_errors::ApiError;
use onaltu_proto::transport::{self as pb, TripState as S};
use prost::Message as _;
use uuid::Uuid;

use super::{DayPlan, encode};
use crate::api::Transport;
use crate::api::convert::at_seconds;
use crate::api::trips::state_of;
use crate::domain::darp::model::Solution;
use crate::domain::plan;
use crate::domain::trip;
use crate::events::dispatch::{record, record_route};
use crate::store::routes::RouteRow;
use crate::store::trips::TripRow;
use crate::store::{Conn, routes, trips};

/// Places the trips of `solution`'s routes `ks` (all of `vehicle`, route `route`) with their
/// planned times; `manual` is the trip a dispatcher placed.
fn place_trips(
    trips: &mut [TripRow],
    day: NaiveDate,
    solution: &Solution,
    ks: &[usize],
    (vehicle, route): (Uuid, Uuid),
    manual: Option<Uuid>,
) {
    for r in ks.iter().map(|&k| &solution.routes[k]) {
        for (visit, &start) in r.visits.iter().zip(&r.service_starts) {
            let t = &mut trips[visit.request];
            if visit.pickup {
                t.planned_pickup_time = Some(at_seconds(day, start));
            } else {
                t.planned_dropoff_time = Some(at_seconds(day, start));
            }
            t.state = trip::placed_state(state_of(t)) as i16;
            t.vehicle_id = Some(vehicle);
            t.route_id = Some(route);
            if manual == Some(t.id) {
                t.manually_assigned = true;
            }
        }
    }
}

/// Turns away the trips `solution` left out of a day's plan.
pub fn turn_away(plan: &mut DayPlan, solution: &Solution) {
    for &r in &solution.unassigned {
        let why = plan::unserved(&plan.problem, r);
        let t = &mut plan.trips[r];
        t.state = S::Rejected as i16;
        t.rejection_reason = why.reason as i16;
        t.state_note = why.note;
        t.vehicle_id = None;
        t.route_id = None;
        t.planned_pickup_time = None;
        t.planned_dropoff_time = None;
    }
}

/// Stores every trip of `rows` as it now is.
pub async fn save_trips(conn: &mut Conn, rows: &mut [TripRow]) -> Result<(), ApiError> {
    for t in rows.iter_mut() {
        t.update_time = now();
        trips::update(conn, t).await?;
        record(conn, t, pb::DispatchChangeKind::TripUpdated).await?;
    }
    Ok(())
}

impl Transport {
    /// Writes the route of each vehicle of `solution` and places its trips on it (`manual`:
    /// the trip a dispatcher placed); the route messages and the vehicles that have a route.
    pub(super) async fn write_routes(
        &self,
        conn: &mut Conn,
        plan: &mut DayPlan,
        solution: &Solution,
        manual: Option<Uuid>,
        kind: pb::DispatchChangeKind,
    ) -> Result<(Vec<pb::Route>, Vec<Uuid>), ApiError> {
        let (mut out, mut kept) = (Vec::new(), Vec::new());
        let day = plan.day;
        for ks in plan::by_vehicle(&plan.shift_vehicles(), solution) {
            let vehicle = plan.fleet[solution.routes[ks[0]].vehicle].0.id;
            let existing = routes::get(conn, vehicle, day).await?;
            let (id, version) = existing.map_or((Uuid::now_v7(), 1), |e| (e.id, e.version + 1));
            let message = encode::route_message(plan, &self.travel, solution, &ks, (id, version));
            let row = RouteRow {
                id,
                vehicle_id: vehicle,
                service_date: day,
                body: message.encode_to_vec(),
                version,
                update_time: now(),
            };
            routes::put(conn, &row).await?;
            record_route(conn, day, vehicle, &message, kind).await?;
            kept.push(vehicle);
            place_trips(&mut plan.trips, day, solution, &ks, (vehicle, id), manual);
            out.push(message);
        }
        Ok((out, kept))
    }
}
