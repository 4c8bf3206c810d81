//! The role sets of the transport service's calls, each named once.
//!
//! The principle: the DISPATCHER runs the day (books by phone, plans, overrides, reports for a
//! driver, watches); a DRIVER acts on the vehicles of the shifts they work; ADMIN sets up the
//! fleet and the bus network and reads everything for oversight, but does not run the day (no
//! booking, planning, override, report, subscription or live stream); AUDITOR reads everything
//! kept (trips, routes, shifts, manifests, measures), not the live stream; CITY_OPERATOR lays out
//! the bus network, subscribes riders and reads the fleet and the measures, not who rides on a
//! given day.

use onaltu_auth::Role;

/// Roles that set up the fleet: vehicles and drivers' shifts.
pub const FLEET: &[Role] = &[Role::Dispatcher, Role::Admin];

/// Roles that plan a day's routes.
pub const PLAN: &[Role] = &[Role::Dispatcher];

/// Roles that watch the dispatch as it happens (a driver the vehicles of their shifts that day).
pub const WATCHERS: &[Role] = &[Role::Dispatcher, Role::Driver];

/// Roles that place a dispatcher's override.
pub const ASSIGN: &[Role] = &[Role::Dispatcher];

/// Roles that book or cancel an invataxi trip (a citizen for themselves or a person they
/// represent).
pub const BOOK: &[Role] = &[Role::Citizen, Role::Dispatcher];

/// Roles that report a trip's progress (a driver in the shift that covers it).
pub const REPORT: &[Role] = &[Role::Driver, Role::Dispatcher];

/// Roles that read the fleet.
pub const READ_FLEET: &[Role] = &[
    Role::Dispatcher,
    Role::CityOperator,
    Role::Auditor,
    Role::Admin,
];

/// Roles that read shifts and routes (a driver their own shifts, and the routes of the
/// vehicles they drive that day).
pub const READ_ROUTES: &[Role] = &[Role::Dispatcher, Role::Driver, Role::Auditor, Role::Admin];

/// Roles that lay out bus routes to the centres.
pub const PLAN_BUSES: &[Role] = &[Role::Dispatcher, Role::CityOperator, Role::Admin];

/// Roles that subscribe riders to a bus route (a centre's staff to their own centre's, and only
/// riders in a live episode there).
pub const SUBSCRIBE: &[Role] = &[Role::Dispatcher, Role::CenterStaff, Role::CityOperator];

/// Roles that read a bus's manifest (the driver of its bus that day, its centre's staff).
pub const READ_MANIFEST: &[Role] = &[
    Role::Driver,
    Role::Dispatcher,
    Role::CenterStaff,
    Role::Auditor,
    Role::Admin,
];

/// Roles that read the service measures.
pub const READ_MEASURES: &[Role] = &[
    Role::Dispatcher,
    Role::CityOperator,
    Role::Integration,
    Role::Auditor,
    Role::Admin,
];
