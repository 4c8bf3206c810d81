//! Storage: diesel queries, one module per table (or group of tables that change together).

pub mod audit;
pub mod centers;
pub mod episodes;
pub mod households;
pub mod persons;
pub mod regions;
pub mod reporting;

pub use diesel_async::AsyncPgConnection as Conn;
