//! The dial-a-ride problem (DARP) the dispatcher solves each day: requests with a pickup and a
//! drop-off, each with a time window and service time, a maximum ride time per passenger, and
//! vehicles with a start and end depot, a shift, a maximum route duration and capacity by seat
//! type (wheelchair places and seats). Pure and deterministic for a seed and an iteration limit.
//!
//! - [`model`]: the problem and a solution.
//! - [`schedule`]: whether one vehicle's sequence of stops can be served, and when (the
//!   eight-step scheduling of Cordeau and Laporte, 2003: start as late as the slack allows, then
//!   delay each pickup to shorten ride times).
//! - [`solver`]: cheapest and regret insertion, then large-neighbourhood search (random, worst
//!   and related removal; simulated-annealing acceptance).
//! - [`check`]: an independent feasibility checker of a finished solution, used by every test.
//! - [`cordeau`]: the text format of Cordeau's benchmark instances.

pub mod check;
pub mod cordeau;
pub mod model;
pub mod schedule;
pub mod solver;
