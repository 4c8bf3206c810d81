//! What the feedback service announces to other services, through its outbox in the writer's
//! transaction (the relay publishes it to Redis Streams).

pub mod evaluations;
