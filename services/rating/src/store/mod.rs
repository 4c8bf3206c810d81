//! Storage: diesel queries, one module per table.

pub mod events;
pub mod feedback;
pub mod indicators;
pub mod methodologies;
pub mod ratings;
pub mod violations;

pub use diesel_async::AsyncPgConnection as Conn;
/// Request ids and first answers, shared by every service (`onaltu_db::requests`).
pub use onaltu_db::requests;
