//! Work beside the handlers: the retention job, and the rebuild of the eligibility copy (a
//! command of its own).

pub mod rebuild_eligibility;
pub mod retention;
