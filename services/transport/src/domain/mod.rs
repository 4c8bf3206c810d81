//! The transport rules as pure functions, tested without I/O.

pub mod darp;
