//! Storage: diesel queries, one module per table.

pub mod bus;
pub mod events;
pub mod routes;
pub mod shifts;
pub mod trips;
pub mod vehicles;

pub use diesel_async::AsyncPgConnection as Conn;
/// Request ids and first answers, shared by every service (`onaltu_db::requests`).
pub use onaltu_db::requests;
