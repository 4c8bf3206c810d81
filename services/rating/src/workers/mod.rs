//! Background work beside the handlers.

pub mod retention;
pub mod schedule;
