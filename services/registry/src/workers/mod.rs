//! Background work of the registry beside its handlers: the audit trail writer, and retention.

pub mod audit;
pub mod retention;
