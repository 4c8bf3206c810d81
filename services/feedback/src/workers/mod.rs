//! Background work beside the handlers.

pub mod retention;
