//! The rating's rules as pure functions (RATING.md), tested without I/O.

pub mod engine;
pub mod events;
pub mod explain;
pub mod feedback;
pub mod indicators;
pub mod methodology;
pub mod record;
pub mod schedule;
