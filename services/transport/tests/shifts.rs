//! Shifts: a driver works one at a time; a vehicle with two shifts a day serves both in one
//! route, and a trip between them waits for a shift that covers it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::transport::{self as pb, TripState as S};
use tonic::Code;

#[tokio::test]
async fn a_driver_cannot_work_two_shifts_at_once() {
    let h = Harness::start().await;
    let day = tomorrow();
    let v1 = vehicle(&h, "101AAA01").await;
    let v2 = vehicle(&h, "202BBB01").await;
    shift(&h, &v1.id, "driver-1", day).await.unwrap();
    shift(&h, &v2.id, "driver-2", day).await.unwrap();
    let clash = shift(&h, &v2.id, "driver-1", day).await.unwrap_err();
    assert_eq!(clash.code(), Code::FailedPrecondition);
}

/// Tomorrow with a vehicle driven 9:00-12:00 and 14:00-18:00, and A's trips to the centre at
/// 10:00, home at 15:00, and home at 12:40 when no shift covers it.
struct TwoShifts {
    h: Harness,
    day: chrono::NaiveDate,
    v: pb::Vehicle,
    morning: pb::Trip,
    evening: pb::Trip,
    noon: pb::Trip,
}

impl TwoShifts {
    async fn start() -> Self {
        let h = Harness::start().await;
        let day = tomorrow();
        let v = vehicle(&h, "404DDD01").await;
        shift_hours(&h, &v.id, "driver-morning", day, (9, 12))
            .await
            .unwrap();
        shift_hours(&h, &v.id, "driver-evening", day, (14, 18))
            .await
            .unwrap();
        let a = wheelchair_user(&mut h.registry_operator(), 31).await.id;
        let mut dispatcher = h.dispatcher();
        let mut trips = Vec::new();
        for (hour, minute, from, to) in [
            (10, 0, HOME, CENTRE),
            (15, 0, CENTRE, HOME),
            (12, 40, CENTRE, HOME),
        ] {
            let t = trip(&a, Some(local(day, hour, minute)), None, from, to);
            trips.push(book(&mut dispatcher, t).await.unwrap());
        }
        let [morning, evening, noon] = <[pb::Trip; 3]>::try_from(trips).unwrap();
        Self {
            h,
            day,
            v,
            morning,
            evening,
            noon,
        }
    }

    async fn plan(&self) -> pb::PlanDayResponse {
        self.h
            .dispatcher()
            .plan_day(plan_request(self.day))
            .await
            .unwrap()
            .into_inner()
    }

    /// Places trip `id` on the vehicle.
    async fn assign(&self, id: &str) -> Result<pb::AssignTripResponse, tonic::Status> {
        self.h
            .dispatcher()
            .assign_trip(pb::AssignTripRequest {
                trip_id: id.to_string(),
                vehicle_id: self.v.id.clone(),
                force: false,
                reason: "a driver for noon".into(),
            })
            .await
            .map(|r| r.into_inner())
    }
}

#[tokio::test]
async fn a_vehicle_with_two_shifts_serves_both_in_one_route_back_at_the_depot_between() {
    let w = TwoShifts::start().await;
    let plan = w.plan().await;
    let m = plan.metrics.unwrap();
    // Between the shifts the vehicle has no driver: the noon trip is not planned.
    assert_eq!(
        (m.trips_planned, m.vehicles_used),
        (2, 1),
        "{:?}",
        plan.unassigned
    );
    assert_eq!(plan.unassigned.len(), 1);
    assert_eq!(plan.unassigned[0].trip_id, w.noon.id);
    assert_eq!(plan.routes.len(), 1);
    let route = &plan.routes[0];
    check_route(route, &w.v);
    let kinds: Vec<i32> = route.stops.iter().map(|st| st.kind).collect();
    let (start, end) = (
        pb::StopKind::DepotStart as i32,
        pb::StopKind::DepotEnd as i32,
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == start).count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == end).count(), 2, "{kinds:?}");
    let at = |id: &str| route.stops.iter().position(|st| st.trip_id == id).unwrap();
    let second_start = kinds.iter().rposition(|k| *k == start).unwrap();
    assert!(at(&w.morning.id) < second_start && second_start < at(&w.evening.id));
}

#[tokio::test]
async fn a_trip_between_shifts_is_turned_away_for_want_of_a_vehicle() {
    let w = TwoShifts::start().await;
    w.plan().await;
    let refused = get_trip(&w.h, &w.noon.id).await;
    assert_eq!(refused.state, S::Rejected as i32);
    assert_eq!(
        refused.rejection_reason,
        pb::TripRejectionReason::NoCapacity as i32
    );
    assert_eq!(refused.state_note, "OUTSIDE_SHIFTS");
}

#[tokio::test]
async fn a_trip_between_shifts_is_placed_once_a_shift_covers_it() {
    let w = TwoShifts::start().await;
    w.plan().await;
    // The dispatcher cannot force it onto the vehicle while no shift covers it...
    let err = w.assign(&w.noon.id).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("cannot take"), "{}", err.message());
    // ... but can once a noon shift is added.
    shift_hours(&w.h, &w.v.id, "driver-noon", w.day, (12, 14))
        .await
        .unwrap();
    let placed = w.assign(&w.noon.id).await.unwrap();
    let t = placed.trip.unwrap();
    assert_eq!(t.state, S::Scheduled as i32);
    assert_eq!(t.rejection_reason, 0);
    let route = placed.route.unwrap();
    check_route(&route, &w.v);
    for id in [&w.morning.id, &w.noon.id, &w.evening.id] {
        assert!(route.stops.iter().any(|st| &st.trip_id == id));
    }
}

#[tokio::test]
async fn a_trip_rejected_for_another_reason_is_not_assigned() {
    let w = TwoShifts::start().await;
    w.plan().await;
    shift_hours(&w.h, &w.v.id, "driver-noon", w.day, (12, 14))
        .await
        .unwrap();
    let a = get_trip(&w.h, &w.morning.id).await.person_id;
    // Karaganda is outside Astana's service area.
    let far = book(
        &mut w.h.dispatcher(),
        trip(
            &a,
            Some(local(w.day, 11, 0)),
            None,
            HOME,
            (49.8047, 73.1094),
        ),
    )
    .await
    .unwrap();
    let err = w.assign(&far.id).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(
        err.message().contains("trip is REJECTED"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn the_evening_trip_stays_on_the_vehicle_when_the_morning_one_is_cancelled() {
    let w = TwoShifts::start().await;
    w.plan().await;
    w.h.dispatcher()
        .cancel_trip(pb::CancelTripRequest {
            id: w.morning.id.clone(),
            reason: "ауырып қалдым".into(),
        })
        .await
        .unwrap();
    let after = route_of(&w.h, &w.v.id, w.day).await.unwrap();
    check_route(&after, &w.v);
    assert!(after.stops.iter().any(|st| st.trip_id == w.evening.id));
    assert!(after.stops.iter().all(|st| st.trip_id != w.morning.id));
}

#[tokio::test]
async fn shifts_are_listed_without_naming_dates() {
    let h = Harness::start().await;
    let v = vehicle(&h, "101AAA01").await;
    shift(&h, &v.id, "driver-1", tomorrow()).await.unwrap();
    let shifts = h
        .dispatcher()
        .list_shifts(pb::ListShiftsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .shifts;
    assert_eq!(shifts.len(), 1);
}
