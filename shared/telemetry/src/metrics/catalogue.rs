//! Every metric the services export: its OpenTelemetry name (semantic-convention names where
//! one exists, `onaltu.*` otherwise), unit, attributes and the name Prometheus scrapes it under
//! (dots to underscores, the unit as a suffix, `_total` on counters; histograms add `_bucket`,
//! `_sum` and `_count`). Instruments are built only through the functions below, so a metric
//! cannot be exported under a name missing here; `deploy/check/manifests.py` reads the
//! `prometheus:` names of this file to check the alert rules and dashboards against them.

use opentelemetry::metrics::{
    AsyncInstrument, Counter, Gauge, Histogram, Meter, ObservableGauge, UpDownCounter,
};

/// How a metric is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (Prometheus `counter`).
    Counter,
    /// A value now (Prometheus `gauge`).
    Gauge,
    /// A distribution in buckets (Prometheus `histogram`).
    Histogram,
}

/// One exported metric.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// The OpenTelemetry instrument name.
    pub name: &'static str,
    /// The name a Prometheus scrape shows.
    pub prometheus: &'static str,
    /// How it is kept.
    pub kind: Kind,
    /// UCUM unit (`s`), or an annotation (`{call}`) that adds no suffix.
    pub unit: &'static str,
    /// The attributes (Prometheus labels, dots as underscores) it carries.
    pub attributes: &'static [&'static str],
    /// What it measures.
    pub description: &'static str,
}

/// Name of [`RPC_SERVER_DURATION`], for code that records it.
pub const RPC_SERVER_DURATION: &str = "rpc.server.duration";

/// Every incoming gRPC call, by method and status code, with its duration: the rate, the errors
/// and the latency.
pub const RPC_SERVER: Metric = Metric {
    name: RPC_SERVER_DURATION,
    prometheus: "rpc_server_duration_seconds",
    kind: Kind::Histogram,
    unit: "s",
    attributes: &[
        "rpc.system",
        "rpc.service",
        "rpc.method",
        "rpc.grpc.status_code",
    ],
    description: "Duration of incoming gRPC calls until the response headers (a stream: until it starts); its count is the number of calls",
};

/// The time of each stage of an incoming call's handling, by method: where its duration goes.
pub const RPC_STAGE: Metric = Metric {
    name: "onaltu.rpc.stage.duration",
    prometheus: "onaltu_rpc_stage_duration_seconds",
    kind: Kind::Histogram,
    unit: "s",
    attributes: &["rpc.method", "stage"],
    description: "Time an incoming call spent in one stage of its handling, by method and stage (SubmitEvaluation: authorise_decode, replay_lookup, decide_write, registry_fallback, encode); the waits for a database connection are db.client.connection.wait_time, and what the stages and those waits leave of rpc.server.duration is the server's own layers",
};

/// Database connections open, by state.
pub const DB_CONNECTIONS: Metric = Metric {
    name: "db.client.connection.count",
    prometheus: "db_client_connection_count",
    kind: Kind::Gauge,
    unit: "{connection}",
    attributes: &[
        "db.client.connection.pool.name",
        "db.client.connection.state",
    ],
    description: "Database connections open in the pool: state idle or used",
};

/// The pool's size limit.
pub const DB_CONNECTIONS_MAX: Metric = Metric {
    name: "db.client.connection.max",
    prometheus: "db_client_connection_max",
    kind: Kind::Gauge,
    unit: "{connection}",
    attributes: &["db.client.connection.pool.name"],
    description: "Most database connections the pool may open ([database] max_connections)",
};

/// Callers waiting for a connection.
pub const DB_PENDING: Metric = Metric {
    name: "db.client.connection.pending_requests",
    prometheus: "db_client_connection_pending_requests",
    kind: Kind::Gauge,
    unit: "{request}",
    attributes: &["db.client.connection.pool.name"],
    description: "Callers waiting for a free database connection",
};

/// Time to get a connection.
pub const DB_WAIT: Metric = Metric {
    name: "db.client.connection.wait_time",
    prometheus: "db_client_connection_wait_time_seconds",
    kind: Kind::Histogram,
    unit: "s",
    attributes: &["db.client.connection.pool.name"],
    description: "Time a handler waited for a database connection from the pool",
};

/// Connections not had in time.
pub const DB_TIMEOUTS: Metric = Metric {
    name: "db.client.connection.timeouts",
    prometheus: "db_client_connection_timeouts_total",
    kind: Kind::Counter,
    unit: "{timeout}",
    attributes: &["db.client.connection.pool.name"],
    description: "Handlers that got no database connection (none free within [database] acquire_timeout_ms, or none could be opened)",
};

/// Cache lookups by result.
pub const CACHE_LOOKUPS: Metric = Metric {
    name: "onaltu.cache.lookups",
    prometheus: "onaltu_cache_lookups_total",
    kind: Kind::Counter,
    unit: "{lookup}",
    attributes: &["cache.name", "cache.result"],
    description: "Cache lookups by kind of entry (cache.name: person, center, summary, ...) and result: hit, miss, or bypassed (Redis down, or its entries distrusted after missed invalidations: answered from the database)",
};

/// Outbox rows waiting.
pub const OUTBOX_BACKLOG: Metric = Metric {
    name: "onaltu.outbox.backlog",
    prometheus: "onaltu_outbox_backlog",
    kind: Kind::Gauge,
    unit: "{event}",
    attributes: &[],
    description: "Events in the outbox not yet published to Redis Streams",
};

/// Age of the oldest waiting outbox row.
pub const OUTBOX_OLDEST_AGE: Metric = Metric {
    name: "onaltu.outbox.oldest_age",
    prometheus: "onaltu_outbox_oldest_age_seconds",
    kind: Kind::Gauge,
    unit: "s",
    attributes: &[],
    description: "Age of the oldest event in the outbox not yet published (0 when none waits); keeps growing while the relay is stuck",
};

/// Events the relay published.
pub const OUTBOX_PUBLISHED: Metric = Metric {
    name: "onaltu.outbox.published",
    prometheus: "onaltu_outbox_published_total",
    kind: Kind::Counter,
    unit: "{event}",
    attributes: &["messaging.destination.name"],
    description: "Events the relay published, by stream",
};

/// Entries a consumer group has yet to read.
pub const CONSUMER_LAG: Metric = Metric {
    name: "onaltu.events.consumer.lag",
    prometheus: "onaltu_events_consumer_lag",
    kind: Kind::Gauge,
    unit: "{event}",
    attributes: &[
        "messaging.destination.name",
        "messaging.consumer.group.name",
    ],
    description: "Entries of the stream not yet delivered to the consumer group (Redis XINFO GROUPS lag)",
};

/// Entries delivered but not acknowledged.
pub const CONSUMER_PENDING: Metric = Metric {
    name: "onaltu.events.consumer.pending",
    prometheus: "onaltu_events_consumer_pending",
    kind: Kind::Gauge,
    unit: "{event}",
    attributes: &[
        "messaging.destination.name",
        "messaging.consumer.group.name",
    ],
    description: "Entries delivered to the consumer group and not yet acknowledged",
};

/// Events handled by outcome.
pub const EVENTS_CONSUMED: Metric = Metric {
    name: "onaltu.events.consumed",
    prometheus: "onaltu_events_consumed_total",
    kind: Kind::Counter,
    unit: "{event}",
    attributes: &[
        "messaging.destination.name",
        "messaging.consumer.group.name",
        "onaltu.events.outcome",
    ],
    description: "Events a consumer group handled: outcome applied, duplicate (already applied) or dead_lettered",
};

/// Events trimmed from a stream before the group read them.
pub const EVENTS_LOST: Metric = Metric {
    name: "onaltu.events.lost",
    prometheus: "onaltu_events_lost_total",
    kind: Kind::Counter,
    unit: "{event}",
    attributes: &[
        "messaging.destination.name",
        "messaging.consumer.group.name",
    ],
    description: "Events trimmed from the stream (MAXLEN) before the consumer group read them: lost to it for good",
};

/// Consumer groups found missing and made again.
pub const GROUPS_RECREATED: Metric = Metric {
    name: "onaltu.events.consumer.groups_recreated",
    prometheus: "onaltu_events_consumer_groups_recreated_total",
    kind: Kind::Counter,
    unit: "{group}",
    attributes: &[
        "messaging.destination.name",
        "messaging.consumer.group.name",
    ],
    description: "Consumer groups that had processed events yet were missing from Redis and were created again (Redis lost its data: the events not yet consumed are gone)",
};

/// Open Watch streams.
pub const WATCH_SUBSCRIBERS: Metric = Metric {
    name: "onaltu.watch.subscribers",
    prometheus: "onaltu_watch_subscribers",
    kind: Kind::Gauge,
    unit: "{subscriber}",
    attributes: &["rpc.method"],
    description: "Open streams of a Watch method (WatchRatings, WatchDispatch) on this instance",
};

/// PlanDay's solver time.
pub const PLAN_DAY: Metric = Metric {
    name: "onaltu.transport.plan_day.duration",
    prometheus: "onaltu_transport_plan_day_duration_seconds",
    kind: Kind::Histogram,
    unit: "s",
    attributes: &[],
    description: "Time PlanDay's solver searched one day's routes",
};

/// The whole catalogue, in the order deploy/README.md lists it.
pub const ALL: &[Metric] = &[
    RPC_SERVER,
    RPC_STAGE,
    DB_CONNECTIONS,
    DB_CONNECTIONS_MAX,
    DB_PENDING,
    DB_WAIT,
    DB_TIMEOUTS,
    CACHE_LOOKUPS,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PUBLISHED,
    CONSUMER_LAG,
    CONSUMER_PENDING,
    EVENTS_CONSUMED,
    EVENTS_LOST,
    GROUPS_RECREATED,
    WATCH_SUBSCRIBERS,
    PLAN_DAY,
];

impl Metric {
    /// Every name a scrape may show for it (a histogram's series).
    pub fn series(&self) -> Vec<String> {
        match self.kind {
            Kind::Histogram => ["_bucket", "_sum", "_count"]
                .iter()
                .map(|suffix| format!("{}{suffix}", self.prometheus))
                .collect(),
            Kind::Counter | Kind::Gauge => vec![self.prometheus.to_string()],
        }
    }

    /// A counter of this metric.
    pub fn counter(&self, meter: &Meter) -> Counter<u64> {
        debug_assert_eq!(self.kind, Kind::Counter, "{}", self.name);
        meter
            .u64_counter(self.name)
            .with_unit(self.unit)
            .with_description(self.description)
            .build()
    }

    /// A histogram of this metric with bucket bounds `buckets`.
    pub fn histogram(&self, meter: &Meter, buckets: &[f64]) -> Histogram<f64> {
        debug_assert_eq!(self.kind, Kind::Histogram, "{}", self.name);
        meter
            .f64_histogram(self.name)
            .with_unit(self.unit)
            .with_description(self.description)
            .with_boundaries(buckets.to_vec())
            .build()
    }

    /// A gauge of this metric set by the code that knows the value.
    pub fn gauge(&self, meter: &Meter) -> Gauge<i64> {
        debug_assert_eq!(self.kind, Kind::Gauge, "{}", self.name);
        meter
            .i64_gauge(self.name)
            .with_unit(self.unit)
            .with_description(self.description)
            .build()
    }

    /// A gauge of this metric moved up and down by the code that opens and closes things.
    pub fn up_down(&self, meter: &Meter) -> UpDownCounter<i64> {
        debug_assert_eq!(self.kind, Kind::Gauge, "{}", self.name);
        meter
            .i64_up_down_counter(self.name)
            .with_unit(self.unit)
            .with_description(self.description)
            .build()
    }

    /// A gauge of this metric that `observe` reads at each collection.
    pub fn observed<F>(&self, meter: &Meter, observe: F) -> ObservableGauge<f64>
    where
        F: Fn(&dyn AsyncInstrument<f64>) + Send + Sync + 'static,
    {
        debug_assert_eq!(self.kind, Kind::Gauge, "{}", self.name);
        meter
            .f64_observable_gauge(self.name)
            .with_unit(self.unit)
            .with_description(self.description)
            .with_callback(observe)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exporter's translation of a name: dots to underscores, the unit's suffix, `_total`.
    fn prometheus_name(m: &Metric) -> String {
        let mut name = m.name.replace('.', "_");
        if m.unit == "s" {
            name.push_str("_seconds");
        }
        if m.kind == Kind::Counter {
            name.push_str("_total");
        }
        name
    }

    #[test]
    fn each_prometheus_name_is_what_the_exporter_makes_of_the_instrument() {
        for m in ALL {
            assert_eq!(m.prometheus, prometheus_name(m), "{}", m.name);
            assert!(
                m.unit == "s" || (m.unit.starts_with('{') && m.unit.ends_with('}')),
                "{}: unit {} would add a suffix this catalogue does not expect",
                m.name,
                m.unit
            );
        }
    }

    #[test]
    fn the_stage_histogram_is_catalogued_under_the_name_the_exporter_gives_it() {
        let stage = ALL
            .iter()
            .find(|m| m.name == "onaltu.rpc.stage.duration")
            .expect("the stage histogram in ALL");
        assert_eq!(stage.kind, Kind::Histogram);
        assert_eq!(stage.unit, "s");
        assert_eq!(stage.prometheus, "onaltu_rpc_stage_duration_seconds");
        assert_eq!(stage.prometheus, prometheus_name(stage));
        assert_eq!(stage.attributes, &["rpc.method", "stage"]);
        assert_eq!(
            stage.series(),
            [
                "onaltu_rpc_stage_duration_seconds_bucket",
                "onaltu_rpc_stage_duration_seconds_sum",
                "onaltu_rpc_stage_duration_seconds_count",
            ]
        );
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = ALL.iter().map(|m| m.prometheus).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}
