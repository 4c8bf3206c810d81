//! Storage: diesel queries, one module per table.

pub mod complaints;
pub mod eligibility;
pub mod evaluations;
pub mod reports;
pub mod totals;

pub use diesel_async::AsyncPgConnection as Conn;
