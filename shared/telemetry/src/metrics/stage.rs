//! Where a call's time goes: the stages of a method's handling (decoding, the lookups, the
//! writing transaction, a call to another service, the answer), each timed into
//! `onaltu.rpc.stage.duration` by method and stage. Set beside `rpc.server.duration` of the
//! same method, the stages' sums tell which of them a slow call spent its time in.
//!
//! A stage is two static names, so timing one allocates nothing of its own; before metrics have
//! started it does not read the clock.

use std::future::IntoFuture;
use std::time::Instant;

use super::{Histogram, Instruments, KeyValue, catalogue};

/// Bucket bounds (seconds) of a stage: 50 µs (decoding, encoding) to 30 s.
pub const STAGE_BUCKETS: &[f64] = &[
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0, 10.0, 30.0,
];

static STAGES: Instruments<Histogram<f64>> =
    Instruments::new(|meter| catalogue::RPC_STAGE.histogram(meter, STAGE_BUCKETS));

/// One stage of a method's handling: the method's gRPC name and the stage's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// The gRPC method (`rpc.method`), as `rpc.server.duration` names it.
    pub method: &'static str,
    /// The stage (`stage`), a fixed name in snake case.
    pub name: &'static str,
}

impl Stage {
    /// Stage `name` of `method`.
    pub const fn new(method: &'static str, name: &'static str) -> Self {
        Self { method, name }
    }

    /// Times this stage from now until the returned guard is dropped (also when the work
    /// fails, or its future is dropped unfinished).
    pub fn start(self) -> Timing {
        Timing {
            stage: self,
            started: STAGES.get().map(|_| Instant::now()),
        }
    }

    /// Runs `work`, timed as this stage.
    pub fn run<T>(self, work: impl FnOnce() -> T) -> T {
        let _timing = self.start();
        work()
    }

    /// Awaits `work`, timed as this stage.
    pub async fn time<F: IntoFuture>(self, work: F) -> F::Output {
        let _timing = self.start();
        work.await
    }
}

/// A stage being timed; dropping it records the time.
#[must_use = "the stage is timed until this is dropped"]
#[derive(Debug)]
pub struct Timing {
    stage: Stage,
    started: Option<Instant>,
}

impl Drop for Timing {
    fn drop(&mut self) {
        let (Some(started), Some(stages)) = (self.started, STAGES.get()) else {
            return;
        };
        stages.record(
            started.elapsed().as_secs_f64(),
            &[
                KeyValue::new("rpc.method", self.stage.method),
                KeyValue::new("stage", self.stage.name),
            ],
        );
    }
}
