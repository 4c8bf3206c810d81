//! PlanDay, GetRoute and AssignTrip: the day's trips as a dial-a-ride problem, solved into
//! vehicle routes; a dispatcher's override checked for feasibility before it is kept.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel_async::AsyncConnection as _;
use onaltu_api::{date, now, parse_id, parse_opt_date, parse_opt_id, timestamp};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::GeoPoint;
use onaltu_proto::transport::{self as pb, TripState as S};
use prost::Message as _;
use uuid::Uuid;

use super::convert::{at_seconds, local_midnight, seconds_of_day};
use super::watch::{record, record_route};
use super::{DISPATCH, Transport};
use crate::domain::darp::model::{Problem, Solution};
use crate::domain::darp::solver::{self, Options};
use crate::domain::plan::{self, ShiftInput, TripInput};
use crate::domain::trip::{self, BookingRules, Requested};
use crate::store::routes::RouteRow;
use crate::store::shifts::ShiftRow;
use crate::store::trips::TripRow;
use crate::store::vehicles::VehicleRow;
use crate::store::{Conn, requests, routes, shifts, trips, vehicles};
use onaltu_api::Ctx;

const PLAN: &str = "PlanDay";
const PLANNABLE: [i16; 2] = [S::Requested as i16, S::Scheduled as i16];
/// Trips a vehicle has started on.
const UNDER_WAY: [i16; 3] = [
    S::DriverEnRoute as i16,
    S::Arrived as i16,
    S::OnBoard as i16,
];
/// Trips on a vehicle's route: scheduled or under way.
const ON_ROUTE: [i16; 4] = [
    S::Scheduled as i16,
    S::DriverEnRoute as i16,
    S::Arrived as i16,
    S::OnBoard as i16,
];
/// Search iterations when one vehicle's route is re-planned (an override, a cancellation).
const REPLAN_ITERATIONS: usize = 300;
/// Longest solve of one PlanDay.
const MAX_SOLVE_SECONDS: i32 = 25;

/// A day's fleet: each shift of the day of an active invataxi, with its vehicle, by plate and
/// then start (a vehicle's shifts side by side; shifts of one vehicle never overlap).
async fn fleet(conn: &mut Conn, day: NaiveDate) -> Result<Vec<(VehicleRow, ShiftRow)>, ApiError> {
    let from = local_midnight(day);
    let until = from + chrono::Duration::days(1);
    let mut out: Vec<(VehicleRow, ShiftRow)> = Vec::new();
    for s in shifts::between(conn, from, until, None, None, 0, 10_000).await? {
        let known = out
            .iter()
            .find(|(v, _)| v.id == s.vehicle_id)
            .map(|(v, _)| v.clone());
        let v = match known {
            Some(v) => v,
            None => match vehicles::get(conn, s.vehicle_id).await? {
                Some(v) => v,
                None => continue,
            },
        };
        if v.kind == pb::VehicleKind::Invataxi as i16
            && v.status == pb::VehicleStatus::Active as i16
        {
            out.push((v, s));
        }
    }
    out.sort_by(|a, b| {
        (&a.0.plate_number, a.1.start_time).cmp(&(&b.0.plate_number, b.1.start_time))
    });
    Ok(out)
}

/// The routes of `solution` by vehicle: the indices of its routes (one per shift used), for
/// each vehicle that has any, in the fleet's order.
fn by_vehicle(fleet: &[(VehicleRow, ShiftRow)], solution: &Solution) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut last: Option<Uuid> = None;
    for (k, r) in solution.routes.iter().enumerate() {
        let id = fleet[r.vehicle].0.id;
        match out.last_mut() {
            Some(group) if last == Some(id) => group.push(k),
            _ => out.push(vec![k]),
        }
        last = Some(id);
    }
    out
}

fn shift_input(day: NaiveDate, v: &VehicleRow, s: &ShiftRow) -> ShiftInput {
    ShiftInput {
        depot: (v.depot_latitude, v.depot_longitude),
        start: seconds_of_day(s.start_time, day).max(0.0),
        end: seconds_of_day(s.end_time, day).min(86_400.0),
        wheelchairs: v.wheelchair_places,
        seats: v.seats,
    }
}

fn trip_input(day: NaiveDate, t: &TripRow, rules: &BookingRules) -> TripInput {
    let direct = f64::from(t.direct_ride_seconds);
    let max_ride = trip::max_ride_seconds(direct, rules);
    let requested = match (t.requested_pickup_time, t.requested_arrival_time) {
        (Some(p), _) => Requested::Pickup(seconds_of_day(p, day)),
        (None, Some(a)) => Requested::Arrival(seconds_of_day(a, day)),
        _ => Requested::Pickup(seconds_of_day(t.window_start, day)),
    };
    let mut windows = trip::windows(requested, direct, max_ride, rules);
    if let Some(planned) = t
        .planned_pickup_time
        .filter(|_| UNDER_WAY.contains(&t.state))
    {
        windows = plan::keep_pickup(windows, seconds_of_day(planned, day));
    }
    TripInput {
        pickup: t.pickup_point(),
        dropoff: t.dropoff_point(),
        windows,
        max_ride,
        wheelchair: t.wheelchair,
        escorts: t.escorts,
    }
}

fn geo(p: (f64, f64)) -> Option<GeoPoint> {
    Some(GeoPoint {
        latitude: p.0,
        longitude: p.1,
    })
}

impl Transport {
    fn problem(
        &self,
        day: NaiveDate,
        fleet: &[(VehicleRow, ShiftRow)],
        day_trips: &[TripRow],
        rules: &BookingRules,
    ) -> Problem {
        let shifts: Vec<ShiftInput> = fleet.iter().map(|(v, s)| shift_input(day, v, s)).collect();
        let inputs: Vec<TripInput> = day_trips
            .iter()
            .map(|t| trip_input(day, t, rules))
            .collect();
        let travel = self.travel;
        plan::problem(&shifts, &inputs, |points| travel.matrix(points), rules)
    }

    /// The route message of a vehicle's day from its solution routes `ks` (one per shift it
    /// works, in order; back to the depot between shifts), with the trips' planned times.
    #[allow(clippy::too_many_arguments)]
    fn route_message(
        &self,
        day: NaiveDate,
        id: Uuid,
        version: i64,
        fleet: &[(VehicleRow, ShiftRow)],
        p: &Problem,
        solution: &Solution,
        ks: &[usize],
        day_trips: &[TripRow],
    ) -> pb::Route {
        let first = &solution.routes[ks[0]];
        let (v, s) = &fleet[first.vehicle];
        let mut stops = Vec::new();
        let mut metres = 0.0;
        for &k in ks {
            self.shift_stops(
                day,
                v,
                p,
                &solution.routes[k],
                day_trips,
                &mut stops,
                &mut metres,
            );
        }
        let last = &solution.routes[ks[ks.len() - 1]];
        pb::Route {
            id: id.to_string(),
            vehicle_id: v.id.to_string(),
            shift_id: s.id.to_string(),
            service_date: Some(date(day)),
            stops,
            start_time: Some(timestamp(at_seconds(day, first.departure))),
            end_time: Some(timestamp(at_seconds(day, last.arrival))),
            distance_meters: metres.round() as i64,
            version,
            update_time: Some(timestamp(now())),
        }
    }

    /// The stops of one shift's route, depot to depot, appended to `stops`.
    #[allow(clippy::too_many_arguments)]
    fn shift_stops(
        &self,
        day: NaiveDate,
        v: &VehicleRow,
        p: &Problem,
        r: &crate::domain::darp::model::PlannedRoute,
        day_trips: &[TripRow],
        stops: &mut Vec<pb::Stop>,
        metres: &mut f64,
    ) {
        let depot = (v.depot_latitude, v.depot_longitude);
        stops.push(pb::Stop {
            sequence: stops.len() as i32,
            kind: pb::StopKind::DepotStart as i32,
            location: geo(depot),
            address: v.depot_address.clone(),
            planned_arrival_time: Some(timestamp(at_seconds(day, r.departure))),
            ..Default::default()
        });
        let (mut wheelchairs, mut seats) = (0, 0);
        let mut at = depot;
        for (visit, &start) in r.visits.iter().zip(&r.service_starts) {
            let t = &day_trips[visit.request];
            let req = &p.requests[visit.request];
            let sign = if visit.pickup { 1 } else { -1 };
            wheelchairs += sign * req.wheelchairs;
            seats += sign * req.seats;
            let (point, address, window) = if visit.pickup {
                (
                    t.pickup_point(),
                    t.pickup_place().address,
                    // A trip under way is planned at its kept time; the driver sees its window.
                    if UNDER_WAY.contains(&t.state) {
                        (
                            seconds_of_day(t.window_start, day),
                            seconds_of_day(t.window_end, day),
                        )
                    } else {
                        (req.pickup.earliest, req.pickup.latest)
                    },
                )
            } else {
                (
                    t.dropoff_point(),
                    t.dropoff_place().address,
                    (req.dropoff.earliest, req.dropoff.latest),
                )
            };
            *metres += self.travel.road_m(at, point);
            at = point;
            stops.push(pb::Stop {
                sequence: stops.len() as i32,
                kind: if visit.pickup {
                    pb::StopKind::Pickup
                } else {
                    pb::StopKind::Dropoff
                } as i32,
                trip_id: t.id.to_string(),
                location: geo(point),
                address,
                planned_arrival_time: Some(timestamp(at_seconds(day, start))),
                window: Some(pb::TimeWindow {
                    start_time: Some(timestamp(at_seconds(day, window.0))),
                    end_time: Some(timestamp(at_seconds(day, window.1))),
                }),
                load_after: Some(pb::Load { wheelchairs, seats }),
                actual_arrival_time: None,
            });
        }
        *metres += self.travel.road_m(at, depot);
        stops.push(pb::Stop {
            sequence: stops.len() as i32,
            kind: pb::StopKind::DepotEnd as i32,
            location: geo(depot),
            address: v.depot_address.clone(),
            planned_arrival_time: Some(timestamp(at_seconds(day, r.arrival))),
            ..Default::default()
        });
    }

    /// Writes the routes of `solution` and the planned trips; returns the route messages. For
    /// the `whole_day` (PlanDay) the other vehicles' routes go and unserved trips are rejected;
    /// otherwise (one vehicle re-timed) the rest of the day stays as it is.
    #[allow(clippy::too_many_arguments)]
    async fn write_plan(
        &self,
        conn: &mut Conn,
        day: NaiveDate,
        fleet: &[(VehicleRow, ShiftRow)],
        p: &Problem,
        solution: &Solution,
        day_trips: &mut [TripRow],
        manual: Option<Uuid>,
        whole_day: bool,
    ) -> Result<Vec<pb::Route>, ApiError> {
        let kind = if whole_day {
            pb::DispatchChangeKind::RoutePlanned
        } else {
            pb::DispatchChangeKind::RouteUpdated
        };
        let mut out = Vec::new();
        let mut kept = Vec::new();
        for ks in by_vehicle(fleet, solution) {
            let vehicle = fleet[solution.routes[ks[0]].vehicle].0.id;
            let existing = routes::get(conn, vehicle, day).await?;
            let (id, version) = existing.map_or((Uuid::now_v7(), 1), |e| (e.id, e.version + 1));
            let message = self.route_message(day, id, version, fleet, p, solution, &ks, day_trips);
            routes::put(
                conn,
                &RouteRow {
                    id,
                    vehicle_id: vehicle,
                    service_date: day,
                    body: message.encode_to_vec(),
                    version,
                    update_time: now(),
                },
            )
            .await?;
            record_route(conn, day, vehicle, &message, kind).await?;
            kept.push(vehicle);
            for r in ks.iter().map(|&k| &solution.routes[k]) {
                for (visit, &start) in r.visits.iter().zip(&r.service_starts) {
                    let t = &mut day_trips[visit.request];
                    if visit.pickup {
                        t.planned_pickup_time = Some(at_seconds(day, start));
                    } else {
                        t.planned_dropoff_time = Some(at_seconds(day, start));
                    }
                    // A trip under way keeps its state; the others are now scheduled.
                    if PLANNABLE.contains(&t.state) {
                        t.state = S::Scheduled as i16;
                    }
                    t.vehicle_id = Some(vehicle);
                    t.route_id = Some(id);
                    if manual == Some(t.id) {
                        t.manually_assigned = true;
                    }
                }
            }
            out.push(message);
        }
        if !whole_day {
            for t in day_trips.iter_mut() {
                t.update_time = now();
                trips::update(conn, t).await?;
                record(conn, t, pb::DispatchChangeKind::TripUpdated).await?;
            }
            return Ok(out);
        }
        routes::remove_others(conn, day, &kept).await?;
        for &r in &solution.unassigned {
            let reason = plan::why_unplanned(p, r);
            let t = &mut day_trips[r];
            t.state = S::Rejected as i16;
            // No vehicle could take it (the note says why): a dispatcher may still place it.
            t.rejection_reason = pb::TripRejectionReason::NoCapacity as i16;
            t.state_note = reason
                .as_str_name()
                .trim_start_matches("UNASSIGNED_REASON_")
                .to_string();
            t.vehicle_id = None;
            t.route_id = None;
            t.planned_pickup_time = None;
            t.planned_dropoff_time = None;
        }
        for t in day_trips.iter_mut() {
            t.update_time = now();
            trips::update(conn, t).await?;
            record(conn, t, pb::DispatchChangeKind::TripUpdated).await?;
        }
        Ok(out)
    }

    pub(crate) async fn plan_day(
        &self,
        ctx: &Ctx,
        req: pb::PlanDayRequest,
    ) -> Result<pb::PlanDayResponse, ApiError> {
        ctx.caller.require(DISPATCH)?;
        let mut v = Violations::new();
        let request_id = parse_id("request_id", &req.request_id).map_err(|e| v.absorb(e));
        let day = parse_opt_date("service_date", req.service_date.as_ref(), &mut v);
        v.check(req.service_date.is_some(), "service_date", "is required");
        let o = req.options.unwrap_or_default();
        v.check(
            (0..=MAX_SOLVE_SECONDS).contains(&o.time_limit_seconds),
            "options.time_limit_seconds",
            format!("must be 0-{MAX_SOLVE_SECONDS}"),
        );
        v.check(
            o.max_ride_time_factor == 0.0 || o.max_ride_time_factor >= 1.0,
            "options.max_ride_time_factor",
            "must be >= 1",
        );
        v.check(
            (0..=300).contains(&o.max_ride_minutes),
            "options.max_ride_minutes",
            "must be 0-300",
        );
        v.check(
            (0..=1800).contains(&o.stop_service_seconds),
            "options.stop_service_seconds",
            "must be 0-1800",
        );
        v.check(
            o.pickup_window_minutes == 0 || (5..=180).contains(&o.pickup_window_minutes),
            "options.pickup_window_minutes",
            "must be 5-180",
        );
        v.into_result()?;
        let (Ok(request_id), Some(day)) = (request_id, day) else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let mut rules = self.rules;
        if o.max_ride_time_factor >= 1.0 {
            rules.max_ride_factor = o.max_ride_time_factor;
        }
        if o.max_ride_minutes > 0 {
            rules.max_ride_minutes = i64::from(o.max_ride_minutes);
        }
        if o.stop_service_seconds > 0 {
            rules.stop_service_seconds = i64::from(o.stop_service_seconds);
        }
        if o.pickup_window_minutes > 0 {
            rules.pickup_window_minutes = i64::from(o.pickup_window_minutes);
        }
        let limit = if o.time_limit_seconds > 0 {
            o.time_limit_seconds as u64
        } else {
            self.planning.time_limit_seconds
        };
        let by = ctx.subject();
        let mut conn = self.conn().await?;
        let answer = conn
            .transaction(async |conn| {
                if let Some(answer) = requests::answered(conn, request_id, PLAN, &by).await? {
                    return pb::PlanDayResponse::decode(answer.as_slice())
                        .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
                }
                routes::lock_day(conn, day).await?;
                let under_way = trips::of_day(conn, day, &UNDER_WAY).await?;
                if let Some(t) = under_way.first() {
                    return Err(ApiError::precondition(
                        "DAY_UNDER_WAY",
                        format!("trips/{}", t.id),
                        format!(
                            "{} trip(s) of {day} are under way; re-plan single trips with AssignTrip",
                            under_way.len()
                        ),
                    ));
                }
                let fleet = fleet(conn, day).await?;
                let mut day_trips = trips::of_day(conn, day, &PLANNABLE).await?;
                let p = self.problem(day, &fleet, &day_trips, &rules);
                let fixed: Vec<(usize, usize)> = if o.keep_manual_assignments {
                    day_trips
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| t.manually_assigned)
                        .filter_map(|(i, t)| {
                            let theirs: Vec<usize> = (0..fleet.len())
                                .filter(|&k| Some(fleet[k].0.id) == t.vehicle_id)
                                .collect();
                            Some((i, plan::shift_for(&p, &theirs, i)?))
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let started = Instant::now();
                let options = Options {
                    seed: self.planning.seed,
                    iterations: 200_000,
                    time_limit: Duration::from_secs(limit),
                    unserved_penalty: 1e7,
                    threads: self.planning.threads,
                    duration_weight: 1.0,
                };
                // The search is CPU work: off the async workers.
                let problem = p.clone();
                let solution = tokio::task::spawn_blocking(move || solver::solve(&problem, &options, &fixed))
                    .await
                    .map_err(|e| ApiError::Internal(format!("the planner stopped: {e}")))?;
                let solve_millis = started.elapsed().as_millis() as i64;
                let unassigned: Vec<pb::UnassignedTrip> = solution
                    .unassigned
                    .iter()
                    .map(|&r| {
                        let reason = plan::why_unplanned(&p, r);
                        pb::UnassignedTrip {
                            trip_id: day_trips[r].id.to_string(),
                            reason: reason as i32,
                            note: reason
                                .as_str_name()
                                .trim_start_matches("UNASSIGNED_REASON_")
                                .to_lowercase()
                                .replace('_', " "),
                        }
                    })
                    .collect();
                let (shared, ratio) = plan::ride_measures(&p, &solution);
                let routes = if o.validate_only {
                    by_vehicle(&fleet, &solution)
                        .iter()
                        .map(|ks| {
                            self.route_message(
                                day,
                                Uuid::nil(),
                                0,
                                &fleet,
                                &p,
                                &solution,
                                ks,
                                &day_trips,
                            )
                        })
                        .collect()
                } else {
                    self.write_plan(conn, day, &fleet, &p, &solution, &mut day_trips, None, true)
                        .await?
                };
                let answer = pb::PlanDayResponse {
                    service_date: Some(date(day)),
                    metrics: Some(pb::PlanMetrics {
                        trips_total: day_trips.len() as i32,
                        trips_planned: (day_trips.len() - solution.unassigned.len()) as i32,
                        trips_unassigned: solution.unassigned.len() as i32,
                        vehicles_used: by_vehicle(&fleet, &solution).len() as i32,
                        vehicle_seconds: solution
                            .routes
                            .iter()
                            .map(|r| (r.arrival - r.departure).round() as i64)
                            .sum(),
                        distance_meters: routes.iter().map(|r: &pb::Route| r.distance_meters).sum(),
                        lateness_seconds: 0,
                        shared_ride_share: shared,
                        mean_ride_time_ratio: ratio,
                        cost: solution.cost,
                        solve_millis,
                    }),
                    routes,
                    unassigned,
                };
                if !o.validate_only {
                    requests::remember(conn, request_id, PLAN, &by, answer.encode_to_vec()).await?;
                }
                Ok(answer)
            })
            .await?;
        self.changed.notify_waiters();
        Ok(answer)
    }

    pub(crate) async fn get_route(
        &self,
        ctx: &Ctx,
        req: pb::GetRouteRequest,
    ) -> Result<pb::GetRouteResponse, ApiError> {
        let claims = ctx
            .caller
            .require(&[Role::Driver, Role::Dispatcher, Role::Auditor, Role::Admin])?
            .clone();
        let mut v = Violations::new();
        let vehicle = parse_id("vehicle_id", &req.vehicle_id).map_err(|e| v.absorb(e));
        // Today unless a day is named; a malformed one is refused below.
        let day = parse_opt_date("service_date", req.service_date.as_ref(), &mut v)
            .unwrap_or_else(onaltu_api::today);
        v.into_result()?;
        let Ok(vehicle) = vehicle else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        if claims.role == Role::Driver && claims.vehicle_id != Some(vehicle) {
            return Err(ApiError::PermissionDenied(
                "a driver sees their own vehicle's route".into(),
            ));
        }
        let mut conn = self.conn().await?;
        let row =
            routes::get(&mut conn, vehicle, day)
                .await?
                .ok_or_else(|| ApiError::NotFound {
                    resource: "route",
                    id: format!("{vehicle} on {day}"),
                })?;
        let route = pb::Route::decode(row.body.as_slice())
            .map_err(|e| ApiError::Internal(format!("stored route: {e}")))?;
        Ok(pb::GetRouteResponse { route: Some(route) })
    }

    /// Re-plans one vehicle's route of `day` (its shifts `fleet`) with exactly `on_route`, the
    /// trips under way kept at their pickup times, or says why it cannot take them all.
    async fn replan_vehicle(
        &self,
        conn: &mut Conn,
        day: NaiveDate,
        fleet: Vec<(VehicleRow, ShiftRow)>,
        mut on_route: Vec<TripRow>,
        manual: Option<Uuid>,
    ) -> Result<Vec<pb::Route>, ApiError> {
        let p = self.problem(day, &fleet, &on_route, &self.rules);
        // Trips under way stay on the shift that holds them; only the others may be left out.
        let shifts: Vec<usize> = (0..fleet.len()).collect();
        let fixed: Vec<(usize, usize)> = on_route
            .iter()
            .enumerate()
            .filter(|(_, t)| UNDER_WAY.contains(&t.state))
            .filter_map(|(i, _)| Some((i, plan::shift_for(&p, &shifts, i)?)))
            .collect();
        let options = Options {
            seed: self.planning.seed,
            iterations: REPLAN_ITERATIONS,
            time_limit: Duration::from_secs(1),
            unserved_penalty: 1e7,
            threads: 1,
            duration_weight: 1.0,
        };
        let problem = p.clone();
        let solution =
            tokio::task::spawn_blocking(move || solver::solve(&problem, &options, &fixed))
                .await
                .map_err(|e| ApiError::Internal(format!("the planner stopped: {e}")))?;
        if let Some(&r) = solution.unassigned.first() {
            let reason = plan::why_unplanned(&p, r);
            return Err(ApiError::precondition(
                "ASSIGNMENT",
                format!("trips/{}", on_route[r].id),
                format!(
                    "vehicle {} cannot take trip {} on {day}: {}",
                    fleet[0].0.plate_number,
                    on_route[r].id,
                    reason
                        .as_str_name()
                        .trim_start_matches("UNASSIGNED_REASON_")
                        .to_lowercase()
                        .replace('_', " ")
                ),
            ));
        }
        if solution.routes.is_empty() {
            return Ok(Vec::new());
        }
        self.write_plan(
            conn,
            day,
            &fleet,
            &p,
            &solution,
            &mut on_route,
            manual,
            false,
        )
        .await
    }

    /// `vehicle`'s route of `day` without trip `id` (cancelled or moved): the other trips
    /// re-planned (those under way kept at their pickup times), or the route removed when none
    /// is left. When the rest cannot
    /// be re-timed (which removing a trip should not cause), the route is kept as it was and the
    /// dispatcher's next PlanDay or AssignTrip settles it.
    pub(crate) async fn without_trip(
        &self,
        conn: &mut Conn,
        day: NaiveDate,
        vehicle: Uuid,
        id: Uuid,
    ) -> Result<(), ApiError> {
        let rest: Vec<TripRow> = trips::on_vehicle(conn, vehicle, day, &ON_ROUTE)
            .await?
            .into_iter()
            .filter(|x| x.id != id)
            .collect();
        if rest.is_empty() {
            routes::remove(conn, vehicle, day).await?;
            return Ok(());
        }
        let shifts: Vec<(VehicleRow, ShiftRow)> = fleet(conn, day)
            .await?
            .into_iter()
            .filter(|(v, _)| v.id == vehicle)
            .collect();
        if shifts.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.replan_vehicle(conn, day, shifts, rest, None).await {
            tracing::warn!(error = %e, %vehicle, %day, "the route without a trip could not be re-timed; kept as it was");
        }
        Ok(())
    }

    pub(crate) async fn assign_trip(
        &self,
        ctx: &Ctx,
        req: pb::AssignTripRequest,
    ) -> Result<pb::AssignTripResponse, ApiError> {
        ctx.caller.require(&[Role::Dispatcher])?;
        let mut v = Violations::new();
        let id = parse_id("trip_id", &req.trip_id).map_err(|e| v.absorb(e));
        let vehicle = parse_opt_id("vehicle_id", &req.vehicle_id, &mut v);
        v.check(
            req.reason.chars().count() <= 500,
            "reason",
            "at most 500 characters",
        );
        v.into_result()?;
        let Ok(id) = id else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let mut conn = self.conn().await?;
        let (t, route) = conn
            .transaction(async |conn| {
                // The day's lock first, then the trip's (as CancelTrip does).
                let t0 = trips::get(conn, id).await?.ok_or_else(|| ApiError::NotFound {
                    resource: "trip",
                    id: id.to_string(),
                })?;
                routes::lock_day(conn, t0.service_date).await?;
                let mut t = trips::get_for_update(conn, id).await?.ok_or_else(|| ApiError::NotFound {
                    resource: "trip",
                    id: id.to_string(),
                })?;
                trip::check_assignable(
                    &id.to_string(),
                    S::try_from(i32::from(t.state)).unwrap_or(S::Unspecified),
                    pb::TripRejectionReason::try_from(i32::from(t.rejection_reason))
                        .unwrap_or(pb::TripRejectionReason::Unspecified),
                )?;
                // A trip turned away by a plan is requested again: placed now, or left to the
                // next plan.
                if t.state == S::Rejected as i16 {
                    t.state = S::Requested as i16;
                    t.rejection_reason = pb::TripRejectionReason::Unspecified as i16;
                    t.state_note.clear();
                }
                let day = t.service_date;
                let fleet = fleet(conn, day).await?;
                let old = t.vehicle_id;
                let mut route = None;
                if let Some(target) = vehicle {
                    let shifts: Vec<(VehicleRow, ShiftRow)> =
                        fleet.iter().filter(|(v, _)| v.id == target).cloned().collect();
                    if shifts.is_empty() {
                        return Err(ApiError::precondition(
                            "ASSIGNMENT",
                            format!("vehicles/{target}"),
                            format!("vehicle {target} has no shift on {day} (or is not an active invataxi)"),
                        ));
                    }
                    let mut on_route: Vec<TripRow> = trips::on_vehicle(conn, target, day, &ON_ROUTE).await?
                        .into_iter()
                        .filter(|x| x.id != id)
                        .collect();
                    t.vehicle_id = Some(target);
                    on_route.push(t.clone());
                    let written = self.replan_vehicle(conn, day, shifts, on_route, Some(id)).await?;
                    route = written.into_iter().next();
                } else {
                    t.state = S::Requested as i16;
                    t.vehicle_id = None;
                    t.route_id = None;
                    t.planned_pickup_time = None;
                    t.planned_dropoff_time = None;
                    t.manually_assigned = false;
                    t.update_time = now();
                    trips::update(conn, &t).await?;
                    record(conn, &t, pb::DispatchChangeKind::TripUpdated).await?;
                }
                // The vehicle the trip left: its route without it.
                if let Some(old) = old.filter(|o| Some(*o) != vehicle) {
                    self.without_trip(conn, day, old, id).await?;
                }
                let t = trips::get(conn, id).await?.ok_or_else(|| ApiError::Internal("trip vanished".into()))?;
                Ok::<_, ApiError>((t, route))
            })
            .await?;
        self.changed.notify_waiters();
        Ok(pb::AssignTripResponse {
            trip: Some(super::convert::trip(&t)),
            route,
            warnings: Vec::new(),
        })
    }
}
