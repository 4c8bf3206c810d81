//! Who may see or act on what beyond their role: a passenger their own trips, a driver their
//! own vehicle's, a centre's staff their own centre's routes; the dispatch and oversight roles
//! everything.

use onaltu_auth::{Claims, Role};
use onaltu_errors::ApiError;
use uuid::Uuid;

fn denied(why: &str) -> ApiError {
    ApiError::PermissionDenied(why.into())
}

/// The parties of a trip that access is decided on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TripParties<'a> {
    /// The passenger.
    pub person: Uuid,
    /// Whoever booked it (a subject).
    pub booked_by: &'a str,
    /// The vehicle it is on.
    pub vehicle: Option<Uuid>,
}

/// Whether `c` may see or act on a trip: the passenger, whoever booked it, its vehicle's
/// driver, or the dispatch and oversight roles.
pub fn may_see_trip(c: &Claims, t: TripParties<'_>) -> Result<(), ApiError> {
    let ok = match c.role {
        Role::Dispatcher | Role::Auditor | Role::Admin => true,
        Role::Citizen => c.person_id == Some(t.person) || c.sub == t.booked_by,
        Role::Driver => c.vehicle_id.is_some() && c.vehicle_id == t.vehicle,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(denied("this trip is not yours"))
    }
}

/// The (person, vehicle) a trip list of `c` is narrowed to, from the ones asked for: a citizen
/// lists their own trips, a driver those of their own vehicle.
pub fn trip_list_scope(
    c: &Claims,
    person: Option<Uuid>,
    vehicle: Option<Uuid>,
) -> Result<(Option<Uuid>, Option<Uuid>), ApiError> {
    match c.role {
        Role::Dispatcher | Role::Auditor | Role::Admin => Ok((person, vehicle)),
        Role::Citizen => {
            let own = c
                .person_id
                .ok_or_else(|| denied("the token names no person"))?;
            match person {
                Some(p) if p != own => Err(denied("a citizen lists their own trips")),
                _ => Ok((Some(own), vehicle)),
            }
        }
        Role::Driver => {
            if vehicle.is_some_and(|x| Some(x) != c.vehicle_id) || c.vehicle_id.is_none() {
                return Err(denied("a driver lists the trips of their own vehicle"));
            }
            Ok((person, c.vehicle_id))
        }
        _ => Err(denied("trips are not for this role")),
    }
}

/// A driver reports the trips of their own vehicle; the dispatch any trip.
pub fn may_report(c: &Claims, vehicle: Option<Uuid>) -> Result<(), ApiError> {
    if c.role == Role::Driver && (c.vehicle_id.is_none() || c.vehicle_id != vehicle) {
        return Err(denied("a driver reports the trips of their own vehicle"));
    }
    Ok(())
}

/// A driver sees their own vehicle's route; the other roles any.
pub fn may_see_route(c: &Claims, vehicle: Uuid) -> Result<(), ApiError> {
    if c.role == Role::Driver && c.vehicle_id != Some(vehicle) {
        return Err(denied("a driver sees their own vehicle's route"));
    }
    Ok(())
}

/// The vehicle a shift list of `c` is narrowed to: a driver sees their own vehicle's shifts.
pub fn shift_list_vehicle(c: &Claims, vehicle: Option<Uuid>) -> Result<Option<Uuid>, ApiError> {
    if c.role != Role::Driver {
        return Ok(vehicle);
    }
    if vehicle.is_some_and(|x| Some(x) != c.vehicle_id) {
        return Err(denied("a driver sees the shifts of their own vehicle"));
    }
    match c.vehicle_id {
        Some(own) => Ok(Some(own)),
        None => Err(denied("the token names no vehicle")),
    }
}

/// The vehicles a dispatch watch of `c` covers: a driver watches their own vehicle only, the
/// dispatch the vehicles it names (every one when none).
pub fn watched_vehicles(c: &Claims, vehicles: Vec<Uuid>) -> Result<Vec<Uuid>, ApiError> {
    if c.role != Role::Driver {
        return Ok(vehicles);
    }
    let own = c
        .vehicle_id
        .ok_or_else(|| denied("the token names no vehicle"))?;
    if vehicles.iter().any(|v| *v != own) {
        return Err(denied("a driver watches their own vehicle"));
    }
    Ok(vec![own])
}

/// A centre's staff subscribe riders to routes to their own centre; the other roles to any.
pub fn may_subscribe_to(c: &Claims, center: Uuid) -> Result<(), ApiError> {
    if c.role == Role::CenterStaff && c.center_id != Some(center) {
        return Err(denied(
            "a centre's staff subscribe riders to routes to their own centre",
        ));
    }
    Ok(())
}

/// A bus route's manifest is read by its centre's staff, its bus's driver, and the dispatch.
pub fn may_read_manifest(c: &Claims, center: Uuid, vehicle: Option<Uuid>) -> Result<(), ApiError> {
    let allowed = match c.role {
        Role::CenterStaff => c.center_id == Some(center),
        Role::Driver => c.vehicle_id.is_some() && c.vehicle_id == vehicle,
        _ => true,
    };
    if allowed {
        Ok(())
    } else {
        Err(denied("this route's manifest is not yours"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_driver_watches_their_own_vehicle_and_the_dispatch_what_it_names() {
        let mine = Uuid::now_v7();
        let other = Uuid::now_v7();
        let mut driver = claims(Role::Driver);
        driver.vehicle_id = Some(mine);
        assert_eq!(watched_vehicles(&driver, vec![]).unwrap(), vec![mine]);
        assert_eq!(watched_vehicles(&driver, vec![mine]).unwrap(), vec![mine]);
        assert!(watched_vehicles(&driver, vec![other]).is_err());
        driver.vehicle_id = None;
        assert!(watched_vehicles(&driver, vec![]).is_err());
        let dispatcher = claims(Role::Dispatcher);
        assert_eq!(
            watched_vehicles(&dispatcher, vec![other]).unwrap(),
            vec![other]
        );
        assert!(watched_vehicles(&dispatcher, vec![]).unwrap().is_empty());
    }

    fn claims(role: Role) -> Claims {
        Claims {
            sub: "me".into(),
            role,
            person_id: None,
            center_id: None,
            vehicle_id: None,
            exp: 0,
            iss: None,
            aud: None,
        }
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_trip_is_seen_by_its_passenger_its_booker_its_driver_and_the_dispatch() {
        let trip = TripParties {
            person: id(1),
            booked_by: "clerk",
            vehicle: Some(id(2)),
        };
        let passenger = Claims {
            person_id: Some(id(1)),
            ..claims(Role::Citizen)
        };
        let booker = Claims {
            sub: "clerk".into(),
            ..claims(Role::Citizen)
        };
        let driver = Claims {
            vehicle_id: Some(id(2)),
            ..claims(Role::Driver)
        };
        for c in [passenger, booker, driver, claims(Role::Dispatcher)] {
            assert!(may_see_trip(&c, trip).is_ok(), "{:?}", c.role);
        }
        for c in [
            claims(Role::Citizen),
            claims(Role::Driver),
            claims(Role::CenterStaff),
        ] {
            assert!(may_see_trip(&c, trip).is_err(), "{:?}", c.role);
        }
    }

    #[test]
    fn a_citizen_lists_their_own_trips_and_a_driver_their_vehicles() {
        let citizen = Claims {
            person_id: Some(id(1)),
            ..claims(Role::Citizen)
        };
        assert_eq!(
            trip_list_scope(&citizen, None, None).unwrap(),
            (Some(id(1)), None)
        );
        assert!(trip_list_scope(&citizen, Some(id(9)), None).is_err());
        assert!(trip_list_scope(&claims(Role::Citizen), None, None).is_err());
        let driver = Claims {
            vehicle_id: Some(id(2)),
            ..claims(Role::Driver)
        };
        assert_eq!(
            trip_list_scope(&driver, None, None).unwrap(),
            (None, Some(id(2)))
        );
        assert!(trip_list_scope(&driver, None, Some(id(3))).is_err());
        assert!(trip_list_scope(&claims(Role::Driver), None, None).is_err());
        assert_eq!(
            trip_list_scope(&claims(Role::Auditor), Some(id(1)), None).unwrap(),
            (Some(id(1)), None)
        );
        assert!(trip_list_scope(&claims(Role::CityOperator), None, None).is_err());
    }

    #[test]
    fn a_driver_acts_on_their_own_vehicle_only() {
        let driver = Claims {
            vehicle_id: Some(id(2)),
            ..claims(Role::Driver)
        };
        assert!(may_report(&driver, Some(id(2))).is_ok());
        assert!(may_report(&driver, Some(id(3))).is_err());
        assert!(may_report(&claims(Role::Driver), None).is_err());
        assert!(may_report(&claims(Role::Dispatcher), None).is_ok());
        assert!(may_see_route(&driver, id(2)).is_ok());
        assert!(may_see_route(&driver, id(3)).is_err());
        assert_eq!(shift_list_vehicle(&driver, None).unwrap(), Some(id(2)));
        assert!(shift_list_vehicle(&driver, Some(id(3))).is_err());
        assert!(shift_list_vehicle(&claims(Role::Driver), None).is_err());
        assert_eq!(
            shift_list_vehicle(&claims(Role::Auditor), Some(id(3))).unwrap(),
            Some(id(3))
        );
    }

    #[test]
    fn a_centres_staff_work_with_their_own_centres_routes() {
        let staff = Claims {
            center_id: Some(id(5)),
            ..claims(Role::CenterStaff)
        };
        assert!(may_subscribe_to(&staff, id(5)).is_ok());
        assert!(may_subscribe_to(&staff, id(6)).is_err());
        assert!(may_subscribe_to(&claims(Role::CityOperator), id(6)).is_ok());
        assert!(may_read_manifest(&staff, id(5), None).is_ok());
        assert!(may_read_manifest(&staff, id(6), None).is_err());
        let driver = Claims {
            vehicle_id: Some(id(2)),
            ..claims(Role::Driver)
        };
        assert!(may_read_manifest(&driver, id(6), Some(id(2))).is_ok());
        assert!(may_read_manifest(&driver, id(6), None).is_err());
        assert!(may_read_manifest(&claims(Role::Dispatcher), id(6), None).is_ok());
    }
}
