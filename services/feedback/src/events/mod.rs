//! What the feedback service announces to other services, through its outbox in the writer's
//! transaction (the relay publishes it to Redis Streams), and the registry's events it applies
//! to its copy of who may evaluate which episode.

pub mod evaluations;
pub mod registry;
