//! The role sets of the transport service's calls, each named once.

use onaltu_auth::Role;

/// Roles that run the dispatch: the fleet, its shifts, the day's plan.
pub const DISPATCH: &[Role] = &[Role::Dispatcher, Role::Admin];

/// Roles that watch the dispatch (a driver only their own vehicle).
pub const WATCHERS: &[Role] = &[Role::Dispatcher, Role::Admin, Role::Driver];

/// Roles that place a dispatcher's override.
pub const ASSIGN: &[Role] = &[Role::Dispatcher];

/// Roles that book or cancel an invataxi trip (a citizen their own).
pub const BOOK: &[Role] = &[Role::Citizen, Role::Dispatcher, Role::Admin];

/// Roles that report a trip's progress (a driver on their own vehicle).
pub const REPORT: &[Role] = &[Role::Driver, Role::Dispatcher];

/// Roles that read the fleet.
pub const READ_FLEET: &[Role] = &[
    Role::Dispatcher,
    Role::CityOperator,
    Role::Auditor,
    Role::Admin,
];

/// Roles that read shifts and routes (a driver their own vehicle's).
pub const READ_ROUTES: &[Role] = &[Role::Dispatcher, Role::Driver, Role::Auditor, Role::Admin];

/// Roles that lay out bus routes to the centres.
pub const PLAN_BUSES: &[Role] = &[Role::Dispatcher, Role::CityOperator, Role::Admin];

/// Roles that subscribe riders to a bus route (a centre's staff to their own centre's).
pub const SUBSCRIBE: &[Role] = &[
    Role::Dispatcher,
    Role::CenterStaff,
    Role::CityOperator,
    Role::Admin,
];

/// Roles that read a bus's manifest (its driver, its centre's staff).
pub const READ_MANIFEST: &[Role] = &[
    Role::Driver,
    Role::Dispatcher,
    Role::CenterStaff,
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
