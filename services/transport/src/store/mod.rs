//! Storage: diesel queries, one module per table.

pub mod bus;
pub mod events;
pub mod requests;
pub mod routes;
pub mod shifts;
pub mod trips;
pub mod vehicles;

pub use diesel_async::AsyncPgConnection as Conn;
