//! Events from other services the rating consumes.

pub mod feedback;
