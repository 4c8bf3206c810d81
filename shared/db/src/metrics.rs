//! The pool's metrics: connections open by state, the limit and the callers waiting, read from
//! the pool at each collection, and the time each checkout waited.

use std::time::Duration;

use onaltu_telemetry::metrics::{Counter, Histogram, Instruments, KeyValue, catalogue, meter};

use crate::Pool;

/// Bucket bounds (seconds) of the wait for a connection: 0.5 ms to the longest acquire timeout.
const WAIT_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

struct Checkouts {
    wait: Histogram<f64>,
    timeouts: Counter<u64>,
}

static CHECKOUTS: Instruments<Checkouts> = Instruments::new(|meter| Checkouts {
    wait: catalogue::DB_WAIT.histogram(meter, WAIT_BUCKETS),
    timeouts: catalogue::DB_TIMEOUTS.counter(meter),
});

/// Records one checkout that waited `waited` and got a connection or not.
pub(crate) fn checked_out(waited: Duration, failed: bool) {
    if let Some(checkouts) = CHECKOUTS.get() {
        checkouts.wait.record(waited.as_secs_f64(), &[]);
        if failed {
            checkouts.timeouts.add(1, &[]);
        }
    }
}

/// Reports `pool`'s connections under `name` for as long as the pool lives.
pub(crate) fn observe(pool: &Pool, name: &str) {
    let Some(meter) = meter() else {
        return;
    };
    if let Some(checkouts) = CHECKOUTS.get() {
        // A series from the start, so the first timeout is an increase a rate sees.
        checkouts.timeouts.add(0, &[]);
    }
    let name = KeyValue::new("db.client.connection.pool.name", name.to_string());
    let states = [
        [
            name.clone(),
            KeyValue::new("db.client.connection.state", "idle"),
        ],
        [
            name.clone(),
            KeyValue::new("db.client.connection.state", "used"),
        ],
    ];
    let weak = pool.weak();
    catalogue::DB_CONNECTIONS.observed(&meter, move |observer| {
        if let Some(status) = weak.upgrade().map(|p| p.status()) {
            observer.observe(status.available as f64, &states[0]);
            observer.observe(
                status.size.saturating_sub(status.available) as f64,
                &states[1],
            );
        }
    });
    let weak = pool.weak();
    let attributes = [name.clone()];
    catalogue::DB_CONNECTIONS_MAX.observed(&meter, move |observer| {
        if let Some(status) = weak.upgrade().map(|p| p.status()) {
            observer.observe(status.max_size as f64, &attributes);
        }
    });
    let weak = pool.weak();
    let attributes = [name];
    catalogue::DB_PENDING.observed(&meter, move |observer| {
        if let Some(status) = weak.upgrade().map(|p| p.status()) {
            observer.observe(status.waiting as f64, &attributes);
        }
    });
}
