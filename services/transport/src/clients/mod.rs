//! Calls to other services.

pub mod registry;
