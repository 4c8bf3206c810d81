//! Who may make which call: each set of roles named once.

use onaltu_auth::Role;

/// Roles that moderate evaluations and handle complaints.
pub const MODERATORS: &[Role] = &[Role::CityOperator, Role::Admin];
/// Who submits and edits evaluations: the recipient or their legal representative, as a
/// citizen.
pub const EVALUATORS: &[Role] = &[Role::Citizen];
/// Who replies to an evaluation: the evaluated centre's staff.
pub const REPLIERS: &[Role] = &[Role::CenterStaff];
/// Who may report an evaluation for a moderator to look at again.
pub const REPORTERS: &[Role] = &[
    Role::Citizen,
    Role::CenterStaff,
    Role::CityOperator,
    Role::Admin,
];
/// Who lists complaints, each within their scope (`complaint::scope`).
pub const COMPLAINT_READERS: &[Role] = &[
    Role::Citizen,
    Role::CenterStaff,
    Role::CityOperator,
    Role::Auditor,
    Role::Admin,
];
/// Who changes complaints: the centre's staff their own centre's, the city every one.
pub const COMPLAINT_HANDLERS: &[Role] = &[Role::CenterStaff, Role::CityOperator, Role::Admin];
