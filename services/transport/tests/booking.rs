//! Booking an invataxi trip: eligibility and needs come from the registry, the booking window
//! and the service area are the transport service's own, bad input is named and not written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::transport::{self as pb, TripState as S};
use tonic::Code;

#[tokio::test]
async fn a_citizen_books_their_own_trip_with_the_needs_the_registry_knows() {
    let h = Harness::start().await;
    let a = wheelchair_user(&mut h.registry_operator(), 11).await.id;
    let t = book(
        &mut h.citizen(&a),
        trip("", Some(local(tomorrow(), 10, 0)), None, HOME, CENTRE),
    )
    .await
    .unwrap();
    assert_eq!(t.state, S::Requested as i32);
    assert!(t.wheelchair, "the registry says A uses a wheelchair");
    assert_eq!(t.person_id, a);
}

#[tokio::test]
async fn a_person_without_an_assessment_is_recorded_as_not_eligible() {
    let h = Harness::start().await;
    let c = adult(&mut h.registry_operator(), 13).await.id;
    let t = book(
        &mut h.citizen(&c),
        trip("", Some(local(tomorrow(), 11, 0)), None, HOME, CENTRE),
    )
    .await
    .unwrap();
    assert_eq!(t.state, S::Rejected as i32);
    assert_eq!(
        t.rejection_reason,
        pb::TripRejectionReason::NotEligible as i32
    );
    assert!(t.state_note.contains("NO_ASSESSMENT"), "{}", t.state_note);
}

#[tokio::test]
async fn a_citizen_cannot_book_for_someone_they_do_not_represent() {
    let h = Harness::start().await;
    let mut op = h.registry_operator();
    let a = wheelchair_user(&mut op, 11).await.id;
    let c = adult(&mut op, 13).await.id;
    let stranger = book(
        &mut h.citizen(&c),
        trip(&a, Some(local(tomorrow(), 11, 0)), None, HOME, CENTRE),
    )
    .await
    .unwrap_err();
    assert_eq!(stranger.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn a_trip_today_is_outside_the_booking_window() {
    let h = Harness::start().await;
    let a = wheelchair_user(&mut h.registry_operator(), 11).await.id;
    let same_day = book(
        &mut h.citizen(&a),
        trip(
            "",
            Some(local(onaltu_api::today(), 17, 0)),
            None,
            HOME,
            CENTRE,
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(same_day.code(), Code::FailedPrecondition);
    assert!(
        same_day.message().contains("book from"),
        "{}",
        same_day.message()
    );
}

#[tokio::test]
async fn a_bad_booking_names_every_field_and_writes_nothing() {
    let h = Harness::start().await;
    let a = wheelchair_user(&mut h.registry_operator(), 11).await.id;
    let before = h.count("trips").await;
    let mut bad = trip("", None, None, (0.0, 0.0), CENTRE);
    bad.escorts = 9;
    bad.purpose = 0;
    let err = book(&mut h.citizen(&a), bad).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let fields = bad_fields(&err);
    for f in [
        "trip.pickup.location",
        "trip.requested_pickup_time",
        "trip.escorts",
        "trip.purpose",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    assert_eq!(h.count("trips").await, before);
}

#[tokio::test]
async fn a_trip_outside_the_service_area_is_recorded_as_rejected_naming_the_point() {
    let h = Harness::start().await;
    let a = wheelchair_user(&mut h.registry_operator(), 31).await.id;
    // Karaganda is outside Astana's service area.
    let far = book(
        &mut h.dispatcher(),
        trip(
            &a,
            Some(local(tomorrow(), 11, 0)),
            None,
            HOME,
            (49.8047, 73.1094),
        ),
    )
    .await
    .unwrap();
    assert_eq!(far.state, S::Rejected as i32);
    assert_eq!(
        far.rejection_reason,
        pb::TripRejectionReason::OutsideServiceArea as i32
    );
    assert!(
        far.state_note.starts_with("trip.dropoff is"),
        "{}",
        far.state_note
    );
}
