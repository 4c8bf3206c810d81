//! The feedback rules, pure: no I/O, each module tested on its own.

pub mod answers;
pub mod calendar;
pub mod complaint;
pub mod eligibility;
pub mod evaluation;
pub mod moderation;
pub mod precheck;
pub mod report;
pub mod summary;
