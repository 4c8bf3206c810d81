//! The transport rules as pure functions, tested without I/O.

pub mod access;
pub mod bus;
pub mod darp;
pub mod fleet;
pub mod metrics;
pub mod plan;
pub mod travel;
pub mod trip;
