//! Who may see or act on what beyond their role: a passenger their own trips; a driver the
//! vehicles of the shifts they work, for the days and hours they work them (never the vehicle a
//! token names); a centre's staff their own centre's routes; the dispatch and oversight roles
//! everything. Also who asks the registry, and in whose name, when a trip is booked or a rider
//! subscribed.

use chrono::{DateTime, NaiveDate, Utc};
use onaltu_auth::{Claims, Role};
use onaltu_errors::ApiError;
use uuid::Uuid;

fn denied(why: &str) -> ApiError {
    ApiError::PermissionDenied(why.into())
}

/// A span of time, `[from, until)`.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// A shift the calling driver works: the vehicle and its hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkedShift {
    /// The vehicle driven.
    pub vehicle: Uuid,
    /// Start of the shift.
    pub start: DateTime<Utc>,
    /// End of the shift.
    pub end: DateTime<Utc>,
}

/// Whether one of the shifts `worked` puts its driver on `vehicle` at some time in `span` (a
/// span of no length counts at its instant).
pub fn drives(worked: &[WorkedShift], vehicle: Uuid, (from, until): Span) -> bool {
    worked
        .iter()
        .any(|s| s.vehicle == vehicle && s.start <= until.max(from) && s.end > from)
}

/// The vehicles of the shifts `worked` in `span`, each once, in shift order.
pub fn vehicles_driven(worked: &[WorkedShift], (from, until): Span) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = Vec::new();
    for s in worked.iter().filter(|s| s.start < until && s.end > from) {
        if !out.contains(&s.vehicle) {
            out.push(s.vehicle);
        }
    }
    out
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
    /// When it is on the road: from its planned pickup (the pickup window's start before it is
    /// planned) to its planned drop-off (the window's end).
    pub hours: Span,
}

/// Whether the shifts `worked` make their driver the driver of trip `t`: on its vehicle, in a
/// shift that covers the trip's hours.
fn drives_trip(worked: &[WorkedShift], t: TripParties<'_>) -> bool {
    t.vehicle.is_some_and(|v| drives(worked, v, t.hours))
}

/// Whether `c` may see or act on a trip: the passenger, whoever booked it, the driver whose
/// shift on its vehicle covers it (`worked`: the caller's shifts), or the dispatch and
/// oversight roles.
pub fn may_see_trip(
    c: &Claims,
    t: TripParties<'_>,
    worked: &[WorkedShift],
) -> Result<(), ApiError> {
    let ok = match c.role {
        Role::Dispatcher | Role::Auditor | Role::Admin => true,
        Role::Citizen => c.person_id == Some(t.person) || c.sub == t.booked_by,
        Role::Driver => drives_trip(worked, t),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(denied("this trip is not yours"))
    }
}

/// The service day a trip list of `c` covers: a driver's is always one day (`today` unless they
/// name one), as their access follows that day's shifts; the other roles' the day asked, if any.
pub fn listing_day(c: &Claims, asked: Option<NaiveDate>, today: NaiveDate) -> Option<NaiveDate> {
    if c.role == Role::Driver {
        Some(asked.unwrap_or(today))
    } else {
        asked
    }
}

/// What a trip list of `c` is narrowed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripScope {
    /// Only this passenger's trips.
    pub person: Option<Uuid>,
    /// Only these vehicles' trips (`None`: any vehicle, or none).
    pub vehicles: Option<Vec<Uuid>>,
}

/// The trips a list of `c` is narrowed to, from the passenger and vehicle asked for: a citizen
/// lists their own trips, a driver those of the vehicles of their shifts `worked` that day (a
/// driver with no shift that day lists nothing), the dispatch and oversight roles any.
pub fn trip_list_scope(
    c: &Claims,
    person: Option<Uuid>,
    vehicle: Option<Uuid>,
    worked: &[WorkedShift],
) -> Result<TripScope, ApiError> {
    match c.role {
        Role::Dispatcher | Role::Auditor | Role::Admin => Ok(TripScope {
            person,
            vehicles: vehicle.map(|v| vec![v]),
        }),
        Role::Citizen => {
            let own = c
                .person_id
                .ok_or_else(|| denied("the token names no person"))?;
            match person {
                Some(p) if p != own => Err(denied("a citizen lists their own trips")),
                _ => Ok(TripScope {
                    person: Some(own),
                    vehicles: vehicle.map(|v| vec![v]),
                }),
            }
        }
        Role::Driver => {
            let mut driven: Vec<Uuid> = Vec::new();
            for s in worked {
                if !driven.contains(&s.vehicle) {
                    driven.push(s.vehicle);
                }
            }
            let vehicles = match vehicle {
                Some(v) if !driven.contains(&v) => {
                    return Err(denied(
                        "a driver lists the trips of the vehicle they drive that day",
                    ));
                }
                Some(v) => vec![v],
                None => driven,
            };
            Ok(TripScope {
                person,
                vehicles: Some(vehicles),
            })
        }
        _ => Err(denied("trips are not for this role")),
    }
}

/// A driver reports the trips their shift covers (`worked`: their shifts); the dispatch any.
pub fn may_report(c: &Claims, t: TripParties<'_>, worked: &[WorkedShift]) -> Result<(), ApiError> {
    if c.role == Role::Driver && !drives_trip(worked, t) {
        return Err(denied(
            "a driver reports the trips of the vehicle their shift is on",
        ));
    }
    Ok(())
}

/// A driver sees a vehicle's route of a day (`day`: its span) only when one of their shifts
/// `worked` is on that vehicle that day; the other roles let through to GetRoute any.
pub fn may_see_route(
    c: &Claims,
    vehicle: Uuid,
    day: Span,
    worked: &[WorkedShift],
) -> Result<(), ApiError> {
    if c.role == Role::Driver && !drives(worked, vehicle, day) {
        return Err(denied(
            "a driver sees the route of the vehicle they drive that day",
        ));
    }
    Ok(())
}

/// The (vehicle, driver) a shift list of `c` is narrowed to: a driver lists their own shifts
/// (their subject), the other roles whatever they ask.
pub fn shift_list_scope(
    c: &Claims,
    vehicle: Option<Uuid>,
    driver: Option<String>,
) -> Result<(Option<Uuid>, Option<String>), ApiError> {
    if c.role != Role::Driver {
        return Ok((vehicle, driver));
    }
    if driver.as_ref().is_some_and(|d| *d != c.sub) {
        return Err(denied("a driver lists their own shifts"));
    }
    Ok((vehicle, Some(c.sub.clone())))
}

/// The vehicles a dispatch watch of `c` covers: a driver watches the vehicles of their shifts
/// `worked` on the day watched (PERMISSION_DENIED with none, or naming another vehicle); the
/// dispatch the vehicles it names (every one when none).
pub fn watched_vehicles(
    c: &Claims,
    vehicles: Vec<Uuid>,
    worked: &[WorkedShift],
    day: Span,
) -> Result<Vec<Uuid>, ApiError> {
    if c.role != Role::Driver {
        return Ok(vehicles);
    }
    let driven = vehicles_driven(worked, day);
    if driven.is_empty() {
        return Err(denied("a driver watches the day of a shift they work"));
    }
    if vehicles.iter().any(|v| !driven.contains(v)) {
        return Err(denied("a driver watches the vehicles they drive that day"));
    }
    Ok(if vehicles.is_empty() {
        driven
    } else {
        vehicles
    })
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

/// What must be known of the rider before `c` subscribes them to a bus route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiderCheck {
    /// Nothing more: the dispatch and the city arrange any person's transport.
    None,
    /// The registry, asked with the caller's own token, must show the rider with a live episode
    /// at the route's centre: the registry decides whether the caller may read the person (a
    /// citizen themselves or a person they represent, a centre's staff a person in a live
    /// relationship with their centre) and audits the read.
    LiveEpisodeAsCaller,
}

/// The check SubscribeRider makes of the rider for `c`.
pub fn rider_check(c: &Claims) -> RiderCheck {
    match c.role {
        Role::Dispatcher | Role::CityOperator => RiderCheck::None,
        _ => RiderCheck::LiveEpisodeAsCaller,
    }
}

/// In whose name transport asks the registry about a person: whether a trip's passenger is
/// eligible, or the episode a bus subscription follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asker {
    /// With the caller's own token: the registry decides whether the caller may read the person
    /// (a citizen themselves or a person they represent, a centre's staff a person tied to their
    /// centre, the city office anyone) and audits the read in the caller's name.
    Caller,
    /// In the transport service's own name, for the purpose named (what transport handles and
    /// who handles it), which the registry audits: the dispatch, which may read no person's
    /// record itself, reads only what a trip or subscription it handles needs.
    Service {
        /// The `x-onaltu-purpose` of the call: printable ASCII, at most [`PURPOSE_MAX`] bytes,
        /// nothing personal.
        purpose: String,
    },
}

/// Longest purpose transport sends the registry.
pub const PURPOSE_MAX: usize = 200;

/// The purpose of a call in the service's name about `what`, handled by `c`: `what`, then the
/// caller's role and subject (non-printable or non-ASCII characters as `_`), at most
/// [`PURPOSE_MAX`] bytes.
fn service_purpose(c: &Claims, what: &str) -> String {
    let subject: String = c
        .sub
        .chars()
        .map(|ch| if ch.is_ascii_graphic() { ch } else { '_' })
        .collect();
    let mut purpose = format!("{what} for {} {subject}", c.role.as_str().to_lowercase());
    purpose.truncate(PURPOSE_MAX);
    purpose
}

/// In whose name eligibility is asked when `c` books trip `trip`: a citizen's own, the
/// dispatch's in the service's name for this trip.
pub fn eligibility_asker(c: &Claims, trip: Uuid) -> Asker {
    if c.role == Role::Citizen {
        return Asker::Caller;
    }
    Asker::Service {
        purpose: service_purpose(c, &format!("trip {trip}")),
    }
}

/// Whether `c` may have a bus subscription follow a registry episode (the course's dates read
/// from it, with the caller's own token): the centre's staff and the city office, who may read
/// the episode. A dispatcher reads no registry record, so subscribes with the course's dates
/// given; naming an episode is PERMISSION_DENIED, and the registry is not asked.
pub fn may_name_episode(c: &Claims) -> Result<(), ApiError> {
    if c.role == Role::Dispatcher {
        return Err(denied(
            "subscription.episode_id: a dispatcher reads no registry episode; give the course's \
             start_date and end_date instead",
        ));
    }
    Ok(())
}

/// A bus route's manifest of a day (`day`: its span) is read by its centre's staff, the driver
/// of its bus with a shift on it that day (`worked`: their shifts), and the other roles let
/// through to GetBusManifest.
pub fn may_read_manifest(
    c: &Claims,
    center: Uuid,
    vehicle: Option<Uuid>,
    day: Span,
    worked: &[WorkedShift],
) -> Result<(), ApiError> {
    let allowed = match c.role {
        Role::CenterStaff => c.center_id == Some(center),
        Role::Driver => vehicle.is_some_and(|v| drives(worked, v, day)),
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
    use chrono::TimeZone;

    use super::*;

    fn claims(role: Role) -> Claims {
        Claims {
            sub: "me".into(),
            role,
            person_id: None,
            center_id: None,
            vehicle_id: None,
            exp: 0,
            iat: None,
            iss: None,
            aud: None,
        }
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// An instant of the 1st of June 2027, UTC.
    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 6, 1, h, m, 0).unwrap()
    }

    /// The 1st of June 2027 as a span (UTC here; the handlers use local days).
    fn day() -> Span {
        (at(0, 0), at(23, 59))
    }

    /// The next day.
    fn next_day() -> Span {
        let (a, b) = day();
        (a + chrono::Duration::days(1), b + chrono::Duration::days(1))
    }

    fn shift(vehicle: u128, from: u32, to: u32) -> WorkedShift {
        WorkedShift {
            vehicle: id(vehicle),
            start: at(from, 0),
            end: at(to, 0),
        }
    }

    fn trip_on(vehicle: Option<u128>, from: (u32, u32), to: (u32, u32)) -> TripParties<'static> {
        TripParties {
            person: id(1),
            booked_by: "clerk",
            vehicle: vehicle.map(id),
            hours: (at(from.0, from.1), at(to.0, to.1)),
        }
    }

    fn driver() -> Claims {
        claims(Role::Driver)
    }

    #[test]
    fn a_trip_is_seen_by_its_passenger_its_booker_its_driver_and_the_dispatch() {
        let trip = trip_on(Some(2), (10, 0), (10, 40));
        let worked = [shift(2, 9, 18)];
        let passenger = Claims {
            person_id: Some(id(1)),
            ..claims(Role::Citizen)
        };
        let booker = Claims {
            sub: "clerk".into(),
            ..claims(Role::Citizen)
        };
        for c in [passenger, booker, driver(), claims(Role::Dispatcher)] {
            assert!(may_see_trip(&c, trip, &worked).is_ok(), "{:?}", c.role);
        }
        for c in [
            claims(Role::Citizen),
            claims(Role::CenterStaff),
            claims(Role::CityOperator),
        ] {
            assert!(may_see_trip(&c, trip, &worked).is_err(), "{:?}", c.role);
        }
    }

    #[test]
    fn a_driver_reaches_a_trip_only_through_a_shift_covering_it() {
        let trip = trip_on(Some(2), (10, 0), (10, 40));
        // The shift on another vehicle, another day, or other hours of the same day.
        for worked in [
            vec![],
            vec![shift(3, 9, 18)],
            vec![WorkedShift {
                start: at(9, 0) + chrono::Duration::days(1),
                end: at(18, 0) + chrono::Duration::days(1),
                ..shift(2, 0, 0)
            }],
            vec![shift(2, 13, 18)],
            vec![shift(2, 6, 10)],
        ] {
            assert!(
                may_see_trip(&driver(), trip, &worked).is_err(),
                "{worked:?}"
            );
            assert!(may_report(&driver(), trip, &worked).is_err(), "{worked:?}");
        }
        // A shift that covers part of the trip's hours covers the trip.
        for worked in [
            vec![shift(2, 9, 18)],
            vec![shift(2, 10, 11)],
            vec![shift(2, 6, 11)],
        ] {
            assert!(may_see_trip(&driver(), trip, &worked).is_ok(), "{worked:?}");
            assert!(may_report(&driver(), trip, &worked).is_ok(), "{worked:?}");
        }
        // A trip on no vehicle is no driver's.
        let loose = trip_on(None, (10, 0), (10, 40));
        assert!(may_see_trip(&driver(), loose, &[shift(2, 9, 18)]).is_err());
        assert!(may_report(&driver(), loose, &[shift(2, 9, 18)]).is_err());
        // The token's vehicle counts for nothing.
        let named = Claims {
            vehicle_id: Some(id(2)),
            ..driver()
        };
        assert!(may_see_trip(&named, trip, &[]).is_err());
        assert!(may_report(&named, trip, &[]).is_err());
        assert!(may_report(&claims(Role::Dispatcher), loose, &[]).is_ok());
    }

    #[test]
    fn a_citizen_lists_their_own_trips_and_a_driver_the_vehicles_of_the_day() {
        let citizen = Claims {
            person_id: Some(id(1)),
            ..claims(Role::Citizen)
        };
        assert_eq!(
            trip_list_scope(&citizen, None, None, &[]).unwrap(),
            TripScope {
                person: Some(id(1)),
                vehicles: None
            }
        );
        assert!(trip_list_scope(&citizen, Some(id(9)), None, &[]).is_err());
        assert!(trip_list_scope(&claims(Role::Citizen), None, None, &[]).is_err());
        let worked = [shift(2, 9, 13), shift(3, 13, 18)];
        assert_eq!(
            trip_list_scope(&driver(), None, None, &worked).unwrap(),
            TripScope {
                person: None,
                vehicles: Some(vec![id(2), id(3)])
            }
        );
        assert_eq!(
            trip_list_scope(&driver(), None, Some(id(3)), &worked)
                .unwrap()
                .vehicles,
            Some(vec![id(3)])
        );
        assert!(trip_list_scope(&driver(), None, Some(id(4)), &worked).is_err());
        // No shift that day: nothing, whatever the token's vehicle.
        let named = Claims {
            vehicle_id: Some(id(2)),
            ..driver()
        };
        assert_eq!(
            trip_list_scope(&named, None, None, &[]).unwrap().vehicles,
            Some(vec![])
        );
        assert!(trip_list_scope(&named, None, Some(id(2)), &[]).is_err());
        assert_eq!(
            trip_list_scope(&claims(Role::Auditor), Some(id(1)), None, &[]).unwrap(),
            TripScope {
                person: Some(id(1)),
                vehicles: None
            }
        );
        assert!(trip_list_scope(&claims(Role::CityOperator), None, None, &[]).is_err());
    }

    #[test]
    fn a_driver_lists_one_day_at_a_time() {
        let today = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
        let other = NaiveDate::from_ymd_opt(2027, 6, 3).unwrap();
        assert_eq!(listing_day(&driver(), None, today), Some(today));
        assert_eq!(listing_day(&driver(), Some(other), today), Some(other));
        assert_eq!(listing_day(&claims(Role::Dispatcher), None, today), None);
        assert_eq!(
            listing_day(&claims(Role::Citizen), Some(other), today),
            Some(other)
        );
    }

    #[test]
    fn a_driver_sees_a_route_on_the_days_they_drive_its_vehicle() {
        let worked = [shift(2, 9, 18)];
        assert!(may_see_route(&driver(), id(2), day(), &worked).is_ok());
        assert!(may_see_route(&driver(), id(3), day(), &worked).is_err());
        assert!(may_see_route(&driver(), id(2), next_day(), &worked).is_err());
        let named = Claims {
            vehicle_id: Some(id(3)),
            ..driver()
        };
        assert!(may_see_route(&named, id(3), day(), &[]).is_err());
        assert!(may_see_route(&claims(Role::Auditor), id(3), day(), &[]).is_ok());
    }

    #[test]
    fn a_driver_lists_their_own_shifts() {
        assert_eq!(
            shift_list_scope(&driver(), Some(id(2)), None).unwrap(),
            (Some(id(2)), Some("me".to_string()))
        );
        assert_eq!(
            shift_list_scope(&driver(), None, Some("me".into())).unwrap(),
            (None, Some("me".to_string()))
        );
        assert!(shift_list_scope(&driver(), None, Some("other".into())).is_err());
        assert_eq!(
            shift_list_scope(&claims(Role::Auditor), Some(id(3)), Some("x".into())).unwrap(),
            (Some(id(3)), Some("x".to_string()))
        );
    }

    #[test]
    fn a_driver_watches_the_vehicles_of_their_shifts_that_day() {
        let worked = [shift(2, 9, 13), shift(3, 13, 18)];
        assert_eq!(
            watched_vehicles(&driver(), vec![], &worked, day()).unwrap(),
            vec![id(2), id(3)]
        );
        assert_eq!(
            watched_vehicles(&driver(), vec![id(3)], &worked, day()).unwrap(),
            vec![id(3)]
        );
        assert!(watched_vehicles(&driver(), vec![id(4)], &worked, day()).is_err());
        // Another day, or no shift at all, is never "every vehicle".
        assert!(watched_vehicles(&driver(), vec![], &worked, next_day()).is_err());
        assert!(watched_vehicles(&driver(), vec![], &[], day()).is_err());
        let dispatcher = claims(Role::Dispatcher);
        assert_eq!(
            watched_vehicles(&dispatcher, vec![id(4)], &[], day()).unwrap(),
            vec![id(4)]
        );
        assert!(
            watched_vehicles(&dispatcher, vec![], &[], day())
                .unwrap()
                .is_empty()
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
        assert!(may_read_manifest(&staff, id(5), None, day(), &[]).is_ok());
        assert!(may_read_manifest(&staff, id(6), None, day(), &[]).is_err());
        let worked = [shift(2, 7, 10)];
        assert!(may_read_manifest(&driver(), id(6), Some(id(2)), day(), &worked).is_ok());
        assert!(may_read_manifest(&driver(), id(6), Some(id(2)), next_day(), &worked).is_err());
        assert!(may_read_manifest(&driver(), id(6), None, day(), &worked).is_err());
        assert!(may_read_manifest(&claims(Role::Dispatcher), id(6), None, day(), &[]).is_ok());
    }

    #[test]
    fn staff_and_citizens_subscribe_riders_the_registry_shows_at_the_centre() {
        assert_eq!(
            rider_check(&claims(Role::CenterStaff)),
            RiderCheck::LiveEpisodeAsCaller
        );
        assert_eq!(
            rider_check(&claims(Role::Citizen)),
            RiderCheck::LiveEpisodeAsCaller
        );
        assert_eq!(rider_check(&claims(Role::Dispatcher)), RiderCheck::None);
        assert_eq!(rider_check(&claims(Role::CityOperator)), RiderCheck::None);
    }

    #[test]
    fn the_dispatch_asks_eligibility_in_the_services_name_for_the_trip() {
        let trip = id(7);
        assert_eq!(
            eligibility_asker(&claims(Role::Citizen), trip),
            Asker::Caller
        );
        let Asker::Service { purpose } = eligibility_asker(&claims(Role::Dispatcher), trip) else {
            panic!("a dispatcher asks in the service's name");
        };
        assert_eq!(purpose, format!("trip {trip} for dispatcher me"));
        // A subject of any length or alphabet stays a short printable header.
        let odd = Claims {
            sub: format!("Ерлан\n{}", "x".repeat(500)),
            ..claims(Role::Dispatcher)
        };
        let Asker::Service { purpose } = eligibility_asker(&odd, trip) else {
            panic!("a dispatcher asks in the service's name");
        };
        assert_eq!(purpose.len(), PURPOSE_MAX);
        assert!(purpose.chars().all(|c| c.is_ascii_graphic() || c == ' '));
        assert!(purpose.starts_with(&format!("trip {trip} for dispatcher ______")));
    }

    #[test]
    fn a_dispatcher_does_not_have_a_subscription_follow_an_episode() {
        for role in [Role::CenterStaff, Role::CityOperator] {
            assert!(may_name_episode(&claims(role)).is_ok(), "{role:?}");
        }
        let refused = may_name_episode(&claims(Role::Dispatcher)).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::PermissionDenied);
        assert!(refused.to_string().contains("episode_id"), "{refused}");
    }

    #[test]
    fn shifts_cover_the_spans_they_overlap() {
        let worked = [shift(2, 9, 13)];
        assert!(drives(&worked, id(2), (at(12, 59), at(13, 30))));
        assert!(!drives(&worked, id(2), (at(13, 0), at(13, 30))));
        assert!(drives(&worked, id(2), (at(8, 0), at(9, 0))));
        assert!(!drives(&worked, id(2), (at(8, 0), at(8, 59))));
        // An instant.
        assert!(drives(&worked, id(2), (at(10, 0), at(10, 0))));
        assert_eq!(vehicles_driven(&worked, next_day()), Vec::<Uuid>::new());
    }
}
