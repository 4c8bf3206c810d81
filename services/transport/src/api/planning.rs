//! PlanDay, GetRoute and AssignTrip: the day's trips as a dial-a-ride problem, solved into
//! vehicle routes; a dispatcher's override checked for feasibility before it is kept. PlanDay's
//! first answer (the encoded response) is kept under the caller's request key.

mod decode;
mod encode;
mod write;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel_async::AsyncConnection as _;
use onaltu_api::{Ctx, date, now};
use onaltu_errors::ApiError;
use onaltu_proto::transport::{self as pb, TripState as S};
use onaltu_telemetry::metrics::{Histogram, Instruments, catalogue};
use prost::Message as _;
use uuid::Uuid;

use super::Transport;
use super::convert::{self, local_midnight};
use super::duty::{self, day_span};
use super::roles::{ASSIGN, PLAN, READ_ROUTES};
use super::trips::{lock_trip, state_of};
use crate::domain::access;
use crate::domain::darp::model::{Problem, Solution};
use crate::domain::darp::solver::{self, Options};
use crate::domain::plan;
use crate::domain::trip::{self, BookingRules, ON_ROUTE, PLANNABLE, UNDER_WAY};
use crate::events::dispatch::record;
use crate::store::requests::Request;
use crate::store::shifts::ShiftRow;
use crate::store::trips::TripRow;
use crate::store::vehicles::VehicleRow;
use crate::store::{Conn, requests, routes, shifts, trips, vehicles};

const PLAN_DAY: &str = "PlanDay";
/// Search iterations of a whole day's plan.
const PLAN_ITERATIONS: usize = 200_000;
/// Search iterations when one vehicle's route is re-planned (an override, a cancellation).
const REPLAN_ITERATIONS: usize = 300;

/// The stored codes of `states`.
fn codes(states: &[S]) -> Vec<i16> {
    states.iter().map(|&s| s as i16).collect()
}

/// A day as planned: its fleet (each shift with its vehicle, a vehicle's shifts side by side),
/// its trips, and the dial-a-ride problem they make.
pub(crate) struct DayPlan {
    day: NaiveDate,
    fleet: Vec<(VehicleRow, ShiftRow)>,
    trips: Vec<TripRow>,
    problem: Problem,
}

impl DayPlan {
    fn new(
        day: NaiveDate,
        fleet: Vec<(VehicleRow, ShiftRow)>,
        trips: Vec<TripRow>,
        t: &Transport,
        rules: &BookingRules,
    ) -> Self {
        let shifts: Vec<_> = fleet
            .iter()
            .map(|(v, s)| convert::shift_input(day, v, s))
            .collect();
        let day_trips: Vec<_> = trips.iter().map(|r| convert::day_trip(day, r)).collect();
        let problem = plan::day_problem(&shifts, &day_trips, &t.travel, rules);
        Self {
            day,
            fleet,
            trips,
            problem,
        }
    }

    /// The vehicle of each shift.
    fn shift_vehicles(&self) -> Vec<Uuid> {
        self.fleet.iter().map(|(v, _)| v.id).collect()
    }

    /// The trips as the planner sees them.
    fn day_trips(&self) -> Vec<plan::DayTrip> {
        self.trips
            .iter()
            .map(|r| convert::day_trip(self.day, r))
            .collect()
    }
}

/// A day's fleet: each shift of the day of an active invataxi, with its vehicle, by plate and
/// then start (a vehicle's shifts side by side; shifts of one vehicle never overlap).
async fn fleet(conn: &mut Conn, day: NaiveDate) -> Result<Vec<(VehicleRow, ShiftRow)>, ApiError> {
    let from = local_midnight(day);
    let until = from + chrono::Duration::days(1);
    let mut out: Vec<(VehicleRow, ShiftRow)> = Vec::new();
    for s in shifts::between(conn, Some(from), Some(until), None, None, 0, 10_000).await? {
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

/// The solution of `problem`, searched off the async workers (it is CPU work).
async fn solve(
    problem: &Problem,
    options: Options,
    pins: Vec<(usize, usize)>,
) -> Result<Solution, ApiError> {
    let problem = problem.clone();
    tokio::task::spawn_blocking(move || solver::solve(&problem, &options, &pins))
        .await
        .map_err(|e| ApiError::Internal(format!("the planner stopped: {e}")))
}

/// A day with trips under way is re-planned trip by trip, not as a whole.
async fn check_not_under_way(conn: &mut Conn, day: NaiveDate) -> Result<(), ApiError> {
    let under_way = trips::of_day(conn, day, &codes(&UNDER_WAY)).await?;
    match under_way.first() {
        None => Ok(()),
        Some(t) => Err(ApiError::precondition(
            "DAY_UNDER_WAY",
            format!("trips/{}", t.id),
            format!(
                "{} trip(s) of {day} are under way; re-plan single trips with AssignTrip",
                under_way.len()
            ),
        )),
    }
}

/// Bucket bounds (seconds) of PlanDay's solve time: up to the longest time limit and beyond.
const SOLVE_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 60.0,
];

/// Time each PlanDay solve took (`onaltu.transport.plan_day.duration`).
static SOLVES: Instruments<Histogram<f64>> =
    Instruments::new(|meter| catalogue::PLAN_DAY.histogram(meter, SOLVE_BUCKETS));

/// Solves a PlanDay makes before it gives up on a day whose trips keep changing meanwhile.
const PLAN_ATTEMPTS: usize = 3;

/// A day as a plan reads it, under the day's lock: its fleet and its plannable trips; refused
/// while trips are under way.
async fn read_day(
    conn: &mut Conn,
    day: NaiveDate,
) -> Result<(Vec<(VehicleRow, ShiftRow)>, Vec<TripRow>), ApiError> {
    check_not_under_way(conn, day).await?;
    let fleet = fleet(conn, day).await?;
    let trips = trips::of_day(conn, day, &codes(&PLANNABLE)).await?;
    Ok((fleet, trips))
}

/// Whether every trip `planned` is still as it was read (trips booked since are left to the
/// next plan).
fn unchanged(planned: &[TripRow], now: &[TripRow]) -> bool {
    planned.iter().all(|t| now.contains(t))
}

fn stored_answer(answer: &[u8]) -> Result<pb::PlanDayResponse, ApiError> {
    pb::PlanDayResponse::decode(answer)
        .map_err(|e| ApiError::Internal(format!("stored answer: {e}")))
}

impl Transport {
    /// PlanDay: the day is read under its lock, solved with no lock (nor connection) held, so a
    /// driver's report or a booking meanwhile neither waits for the solver nor is overwritten,
    /// then written under the lock if the trips it planned are as they were read; otherwise it
    /// is solved again, up to [`PLAN_ATTEMPTS`] times.
    pub(crate) async fn plan_day(
        &self,
        ctx: &Ctx,
        req: pb::PlanDayRequest,
    ) -> Result<pb::PlanDayResponse, ApiError> {
        ctx.caller.require(PLAN)?;
        let input = decode::plan_day(req.clone())?;
        let key = Request::new(&ctx.subject(), PLAN_DAY, input.request_id, &req);
        for _ in 0..PLAN_ATTEMPTS {
            if let Some(answer) = self.plan_once(&input, &key).await? {
                return Ok(answer);
            }
        }
        Err(ApiError::Aborted(format!(
            "the trips of {} changed while it was being planned, {PLAN_ATTEMPTS} times; plan it again",
            input.day
        )))
    }

    /// One attempt at `input`'s day: the plan answered (and, unless only validated, written),
    /// or `None` when a trip it planned changed while it was solved.
    async fn plan_once(
        &self,
        input: &decode::PlanDay,
        key: &Request,
    ) -> Result<Option<pb::PlanDayResponse>, ApiError> {
        let day = input.day;
        let (fleet, day_trips) = match self.read_to_plan(day, key).await? {
            Ok(read) => read,
            Err(answered) => return Ok(Some(answered)),
        };
        let rules = plan::tuned(self.rules, &input.tuning);
        let mut p = DayPlan::new(day, fleet, day_trips, self, &rules);
        let (solution, solve_time) = self.solve_day(input, &p).await?;
        let unassigned = encode::unassigned(&p, &solution);
        let answer = |p: &DayPlan, routes: Vec<pb::Route>| pb::PlanDayResponse {
            service_date: Some(date(day)),
            metrics: Some(encode::plan_metrics(p, &solution, &routes, solve_time)),
            routes,
            unassigned: unassigned.clone(),
        };
        if input.validate_only {
            let routes = plan::by_vehicle(&p.shift_vehicles(), &solution)
                .iter()
                .map(|ks| encode::route_message(&p, &self.travel, &solution, ks, (Uuid::nil(), 0)))
                .collect();
            return Ok(Some(answer(&p, routes)));
        }
        let written = self.write_plan(key, &mut p, &solution, answer).await?;
        if written.is_some() {
            self.watch.wake();
        }
        Ok(written)
    }

    /// The day to plan, read under its lock; `Err` with the stored answer when `key` was
    /// answered before.
    async fn read_to_plan(
        &self,
        day: NaiveDate,
        key: &Request,
    ) -> Result<Result<(Vec<(VehicleRow, ShiftRow)>, Vec<TripRow>), pb::PlanDayResponse>, ApiError>
    {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            if let Some(answer) = requests::answered(conn, key).await? {
                return Ok(Err(stored_answer(&answer)?));
            }
            routes::lock_day(conn, day).await?;
            read_day(conn, day).await.map(Ok)
        })
        .await
    }

    /// Solves `p` with `input`'s limits (manual assignments kept when asked), holding no lock;
    /// the solution and the time it took.
    async fn solve_day(
        &self,
        input: &decode::PlanDay,
        p: &DayPlan,
    ) -> Result<(Solution, Duration), ApiError> {
        let pins = if input.keep_manual {
            plan::manual_pins(&p.problem, &p.shift_vehicles(), &p.day_trips())
        } else {
            Vec::new()
        };
        let options = Options {
            seed: self.planning.seed,
            iterations: PLAN_ITERATIONS,
            time_limit: Duration::from_secs(
                input.time_limit.unwrap_or(self.planning.time_limit_seconds),
            ),
            unserved_penalty: 1e7,
            threads: self.planning.threads,
            duration_weight: 1.0,
        };
        tracing::info!(
            day = %p.day,
            trips = p.trips.len(),
            shifts = p.fleet.len(),
            time_limit_secs = options.time_limit.as_secs(),
            "planning the day"
        );
        let started = Instant::now();
        let solution = solve(&p.problem, options, pins).await?;
        let solve_time = started.elapsed();
        if let Some(solves) = SOLVES.get() {
            solves.record(solve_time.as_secs_f64(), &[]);
        }
        Ok((solution, solve_time))
    }

    /// Writes the plan under the day's lock if the fleet and the trips it planned are as they
    /// were read (`None` otherwise), remembering the answer under `key`.
    async fn write_plan(
        &self,
        key: &Request,
        p: &mut DayPlan,
        solution: &Solution,
        answer: impl Fn(&DayPlan, Vec<pb::Route>) -> pb::PlanDayResponse + Sync,
    ) -> Result<Option<pb::PlanDayResponse>, ApiError> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            if let Some(answer) = requests::answered(conn, key).await? {
                return Ok(Some(stored_answer(&answer)?));
            }
            routes::lock_day(conn, p.day).await?;
            let (fleet, now) = read_day(conn, p.day).await?;
            if fleet != p.fleet || !unchanged(&p.trips, &now) {
                return Ok(None);
            }
            let routes = self.write_day(conn, p, solution).await?;
            let answer = answer(p, routes);
            requests::remember(conn, key, answer.encode_to_vec()).await?;
            Ok::<_, ApiError>(Some(answer))
        })
        .await
    }

    /// Writes a whole day's plan: the routes of `solution`, the other vehicles' routes gone,
    /// the trips it left out turned away.
    async fn write_day(
        &self,
        conn: &mut Conn,
        p: &mut DayPlan,
        solution: &Solution,
    ) -> Result<Vec<pb::Route>, ApiError> {
        let kind = pb::DispatchChangeKind::RoutePlanned;
        let (routes, kept) = self.write_routes(conn, p, solution, None, kind).await?;
        routes::remove_others(conn, p.day, &kept).await?;
        write::turn_away(p, solution);
        write::save_trips(conn, &mut p.trips).await?;
        Ok(routes)
    }

    pub(crate) async fn get_route(
        &self,
        ctx: &Ctx,
        req: pb::GetRouteRequest,
    ) -> Result<pb::GetRouteResponse, ApiError> {
        let claims = ctx.caller.require(READ_ROUTES)?;
        let q = decode::route_query(&req, onaltu_api::today())?;
        let mut conn = self.conn().await?;
        let day = day_span(q.day);
        let worked = duty::worked(&mut conn, claims, day).await?;
        access::may_see_route(claims, q.vehicle, day, &worked)?;
        let row = routes::get(&mut conn, q.vehicle, q.day)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "route",
                id: format!("{} on {}", q.vehicle, q.day),
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
        on_route: Vec<TripRow>,
        manual: Option<Uuid>,
    ) -> Result<Vec<pb::Route>, ApiError> {
        let mut p = DayPlan::new(day, fleet, on_route, self, &self.rules);
        let pins = plan::under_way_pins(&p.problem, &p.day_trips());
        let options = Options {
            seed: self.planning.seed,
            iterations: REPLAN_ITERATIONS,
            time_limit: Duration::from_secs(1),
            unserved_penalty: 1e7,
            threads: 1,
            duration_weight: 1.0,
        };
        let solution = solve(&p.problem, options, pins).await?;
        if let Some(&r) = solution.unassigned.first() {
            let reason = plan::why_unplanned(&p.problem, r);
            let trip = p.trips[r].id;
            return Err(ApiError::precondition(
                "ASSIGNMENT",
                format!("trips/{trip}"),
                format!(
                    "vehicle {} cannot take trip {trip} on {day}: {}",
                    p.fleet[0].0.plate_number,
                    plan::reason_words(reason)
                ),
            ));
        }
        if solution.routes.is_empty() {
            return Ok(Vec::new());
        }
        let kind = pb::DispatchChangeKind::RouteUpdated;
        let (routes, _) = self
            .write_routes(conn, &mut p, &solution, manual, kind)
            .await?;
        write::save_trips(conn, &mut p.trips).await?;
        Ok(routes)
    }

    /// `vehicle`'s shifts of `day`, if it is an active invataxi working that day.
    async fn shifts_of(
        conn: &mut Conn,
        day: NaiveDate,
        vehicle: Uuid,
    ) -> Result<Vec<(VehicleRow, ShiftRow)>, ApiError> {
        Ok(fleet(conn, day)
            .await?
            .into_iter()
            .filter(|(v, _)| v.id == vehicle)
            .collect())
    }

    /// `vehicle`'s route of `day` without trip `id` (cancelled or moved): the other trips
    /// re-planned (those under way kept at their pickup times), or the route removed when none
    /// is left. When the rest cannot be re-timed (which removing a trip should not cause), the
    /// route is kept as it was and the dispatcher's next PlanDay or AssignTrip settles it.
    pub(crate) async fn without_trip(
        &self,
        conn: &mut Conn,
        day: NaiveDate,
        vehicle: Uuid,
        id: Uuid,
    ) -> Result<(), ApiError> {
        let rest: Vec<TripRow> = trips::on_vehicle(conn, vehicle, day, &codes(&ON_ROUTE))
            .await?
            .into_iter()
            .filter(|x| x.id != id)
            .collect();
        if rest.is_empty() {
            routes::remove(conn, vehicle, day).await?;
            return Ok(());
        }
        let shifts = Self::shifts_of(conn, day, vehicle).await?;
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
        ctx.caller.require(ASSIGN)?;
        let input = decode::assignment(&req)?;
        let mut conn = self.conn().await?;
        let (t, route) = conn
            .transaction(async |conn| self.assign(conn, input).await)
            .await?;
        self.watch.wake();
        Ok(pb::AssignTripResponse {
            trip: Some(convert::trip(&t)),
            route,
            warnings: Vec::new(),
        })
    }

    /// Places trip `a.trip` on `a.vehicle` (or takes it off its vehicle) under the day's lock;
    /// the trip as it now is and its new route.
    async fn assign(
        &self,
        conn: &mut Conn,
        a: decode::Assignment,
    ) -> Result<(TripRow, Option<pb::Route>), ApiError> {
        let id = a.trip;
        let mut t = lock_trip(conn, id).await?;
        let reason = pb::TripRejectionReason::try_from(i32::from(t.rejection_reason))
            .unwrap_or(pb::TripRejectionReason::Unspecified);
        trip::check_assignable(&id.to_string(), state_of(&t), reason)?;
        // A trip turned away by a plan is requested again: placed now, or left to the next plan.
        if t.state == S::Rejected as i16 {
            t.state = S::Requested as i16;
            t.rejection_reason = pb::TripRejectionReason::Unspecified as i16;
            t.state_note.clear();
        }
        let (day, old) = (t.service_date, t.vehicle_id);
        let route = match a.vehicle {
            Some(target) => self.place_on(conn, t, target).await?,
            None => {
                unassign(&mut t);
                trips::update(conn, &t).await?;
                record(conn, &t, pb::DispatchChangeKind::TripUpdated).await?;
                None
            }
        };
        // The vehicle the trip left: its route without it.
        if let Some(old) = old.filter(|o| Some(*o) != a.vehicle) {
            self.without_trip(conn, day, old, id).await?;
        }
        let t = trips::get(conn, id)
            .await?
            .ok_or_else(|| ApiError::Internal("trip vanished".into()))?;
        Ok((t, route))
    }

    /// Re-plans `target`'s route of the trip's day with trip `t` on it; its new route.
    async fn place_on(
        &self,
        conn: &mut Conn,
        mut t: TripRow,
        target: Uuid,
    ) -> Result<Option<pb::Route>, ApiError> {
        let day = t.service_date;
        let shifts = Self::shifts_of(conn, day, target).await?;
        if shifts.is_empty() {
            return Err(ApiError::precondition(
                "ASSIGNMENT",
                format!("vehicles/{target}"),
                format!("vehicle {target} has no shift on {day} (or is not an active invataxi)"),
            ));
        }
        let mut on_route: Vec<TripRow> = trips::on_vehicle(conn, target, day, &codes(&ON_ROUTE))
            .await?
            .into_iter()
            .filter(|x| x.id != t.id)
            .collect();
        let id = t.id;
        t.vehicle_id = Some(target);
        on_route.push(t);
        let written = self
            .replan_vehicle(conn, day, shifts, on_route, Some(id))
            .await?;
        Ok(written.into_iter().next())
    }
}

/// Takes a trip off its vehicle: requested again, for the next plan.
fn unassign(t: &mut TripRow) {
    t.state = S::Requested as i16;
    t.vehicle_id = None;
    t.route_id = None;
    t.planned_pickup_time = None;
    t.planned_dropoff_time = None;
    t.manually_assigned = false;
    t.update_time = now();
}
