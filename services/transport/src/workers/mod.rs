//! Work the transport service does on a schedule, beside its handlers.

pub mod retention;
