//! Background work of the registry beside its handlers: the audit trail writer.

pub mod audit;
