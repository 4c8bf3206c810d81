//! The registry's rules, free of I/O and tested without a database.

pub mod access;
pub mod center;
pub mod eligibility;
pub mod episode;
pub mod household;
pub mod import;
pub mod indicators;
pub mod person;
pub mod queue;
pub mod statistics;
