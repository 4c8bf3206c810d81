//! Vehicles and shifts: what a vehicle must state, and that a driver's shifts on a vehicle do
//! not overlap.

use chrono::{DateTime, Duration, Utc};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport as pb;

/// Longest shift.
pub const MAX_SHIFT_HOURS: i64 = 14;

/// Whether a point is a real (latitude, longitude).
pub fn point_ok(p: Option<&onaltu_proto::common::GeoPoint>) -> bool {
    p.is_some_and(|p| {
        (-90.0..=90.0).contains(&p.latitude)
            && (-180.0..=180.0).contains(&p.longitude)
            && !(p.latitude == 0.0 && p.longitude == 0.0)
    })
}

/// Checks a vehicle: plate, kind, places, and a depot.
pub fn check_vehicle(v: &pb::Vehicle, violations: &mut Violations) {
    let plate = v.plate_number.trim();
    violations.check(
        !plate.is_empty()
            && plate.chars().count() <= 16
            && plate.chars().all(|c| c.is_ascii_alphanumeric()),
        "vehicle.plate_number",
        "is required: letters and digits, at most 16, e.g. 123ABC01",
    );
    violations.check(
        pb::VehicleKind::try_from(v.kind).is_ok_and(|k| k != pb::VehicleKind::Unspecified),
        "vehicle.kind",
        "is required (INVATAXI or BUS)",
    );
    violations.check(
        (0..=60).contains(&v.wheelchair_places),
        "vehicle.wheelchair_places",
        "0 to 60",
    );
    violations.check((0..=100).contains(&v.seats), "vehicle.seats", "0 to 100");
    violations.check(
        v.wheelchair_places.saturating_add(v.seats) > 0,
        "vehicle.seats",
        "a vehicle carries at least one passenger",
    );
    violations.check(
        v.wheelchair_places == 0 || v.has_ramp || v.has_lift,
        "vehicle.has_ramp",
        "wheelchair places need a ramp or a lift",
    );
    violations.check(
        point_ok(v.depot.as_ref()),
        "vehicle.depot",
        "is required: latitude and longitude",
    );
    violations.check(
        pb::VehicleStatus::try_from(v.status).is_ok(),
        "vehicle.status",
        "unknown value",
    );
}

/// Checks a shift's times.
pub fn check_shift_times(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    v: &mut Violations,
) {
    v.check(start.is_some(), "shift.start_time", "is required");
    v.check(end.is_some(), "shift.end_time", "is required");
    if let (Some(s), Some(e)) = (start, end) {
        v.check(e > s, "shift.end_time", "must be after the start");
        v.check(
            e - s <= Duration::hours(MAX_SHIFT_HOURS),
            "shift.end_time",
            format!("a shift lasts at most {MAX_SHIFT_HOURS} hours"),
        );
    }
}

/// Whether two half-open intervals overlap.
pub fn overlaps(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// A new shift may not overlap another of the same vehicle or the same driver.
pub fn check_no_overlap(
    new: (DateTime<Utc>, DateTime<Utc>),
    clash: Option<(String, &str)>,
) -> Result<(), ApiError> {
    match clash {
        None => Ok(()),
        Some((id, whose)) => Err(ApiError::precondition(
            "SHIFT_OVERLAP",
            format!("shifts/{id}"),
            format!(
                "the shift {} - {} overlaps shift {id} of the same {whose}",
                new.0.format("%Y-%m-%d %H:%M"),
                new.1.format("%H:%M UTC")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use onaltu_proto::common::GeoPoint;

    fn fields(v: Violations) -> Vec<String> {
        v.as_slice().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn a_vehicle_needs_a_plate_places_a_ramp_for_wheelchairs_and_a_depot() {
        let good = pb::Vehicle {
            plate_number: "123ABC01".into(),
            kind: pb::VehicleKind::Invataxi as i32,
            wheelchair_places: 2,
            seats: 3,
            has_ramp: true,
            depot: Some(GeoPoint {
                latitude: 51.13,
                longitude: 71.43,
            }),
            ..Default::default()
        };
        let mut v = Violations::new();
        check_vehicle(&good, &mut v);
        assert!(v.is_empty());
        let bad = pb::Vehicle {
            plate_number: "12 3".into(),
            has_ramp: false,
            depot: None,
            ..good
        };
        let mut v = Violations::new();
        check_vehicle(&bad, &mut v);
        assert_eq!(
            fields(v),
            ["vehicle.plate_number", "vehicle.has_ramp", "vehicle.depot"]
        );
    }

    #[test]
    fn shifts_are_short_ordered_and_do_not_overlap() {
        let t = |h| Utc.with_ymd_and_hms(2026, 12, 2, h, 0, 0).unwrap();
        let mut v = Violations::new();
        check_shift_times(Some(t(9)), Some(t(8)), &mut v);
        assert_eq!(fields(v), ["shift.end_time"]);
        assert!(overlaps((t(9), t(13)), (t(12), t(18))));
        assert!(!overlaps((t(9), t(13)), (t(13), t(18))));
        let err = check_no_overlap((t(9), t(13)), Some(("s1".into(), "driver"))).unwrap_err();
        assert!(
            err.to_string()
                .contains("overlaps shift s1 of the same driver"),
            "{err}"
        );
    }
}
