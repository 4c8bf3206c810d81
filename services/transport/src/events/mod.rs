//! What the transport service publishes: the dispatch changes subscribers watch.

pub mod dispatch;
