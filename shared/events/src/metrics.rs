//! What the relay and the consumers report: the outbox backlog and the age of its oldest event,
//! events published and consumed, each consumer group's lag, and the events a group lost because
//! the stream was trimmed (`MAXLEN`) before it read them, which is detected here from
//! `XINFO STREAM` and `XINFO GROUPS` before every read of new entries.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Weak};

use chrono::{DateTime, Utc};
use onaltu_telemetry::metrics::{Counter, Gauge, Instruments, KeyValue, catalogue, meter};
use redis::Value;
use redis::streams::StreamInfoGroup;

pub(crate) struct Relayed {
    pub published: Counter<u64>,
}

pub(crate) static RELAYED: Instruments<Relayed> = Instruments::new(|meter| Relayed {
    published: catalogue::OUTBOX_PUBLISHED.counter(meter),
});

pub(crate) struct Consumed {
    pub lag: Gauge<i64>,
    pub pending: Gauge<i64>,
    pub outcomes: Counter<u64>,
    pub lost: Counter<u64>,
    pub recreated: Counter<u64>,
}

pub(crate) static CONSUMED: Instruments<Consumed> = Instruments::new(|meter| Consumed {
    lag: catalogue::CONSUMER_LAG.gauge(meter),
    pending: catalogue::CONSUMER_PENDING.gauge(meter),
    outcomes: catalogue::EVENTS_CONSUMED.counter(meter),
    lost: catalogue::EVENTS_LOST.counter(meter),
    recreated: catalogue::GROUPS_RECREATED.counter(meter),
});

/// The attributes of one stream read by one group.
pub(crate) fn stream_group(stream: &str, group: &str) -> [KeyValue; 2] {
    [
        KeyValue::new("messaging.destination.name", stream.to_string()),
        KeyValue::new("messaging.consumer.group.name", group.to_string()),
    ]
}

/// The outbox as the relay last measured it, read by the gauges at each collection.
pub(crate) struct Backlog {
    /// Events waiting; -1 until first measured.
    events: AtomicI64,
    /// When the oldest waiting event occurred (Unix milliseconds); 0 when none waits.
    oldest_ms: AtomicI64,
}

impl Backlog {
    /// A backlog not yet measured, reported by the outbox gauges for as long as it lives.
    pub fn observed() -> Arc<Self> {
        let backlog = Arc::new(Self {
            events: AtomicI64::new(-1),
            oldest_ms: AtomicI64::new(0),
        });
        if let Some(meter) = meter() {
            let weak: Weak<Self> = Arc::downgrade(&backlog);
            catalogue::OUTBOX_BACKLOG.observed(&meter, move |observer| {
                if let Some(events) = weak.upgrade().and_then(|b| b.events()) {
                    observer.observe(events as f64, &[]);
                }
            });
            let weak: Weak<Self> = Arc::downgrade(&backlog);
            catalogue::OUTBOX_OLDEST_AGE.observed(&meter, move |observer| {
                if let Some(age) = weak.upgrade().and_then(|b| b.oldest_age(Utc::now())) {
                    observer.observe(age, &[]);
                }
            });
        }
        backlog
    }

    pub fn set(&self, events: i64, oldest: Option<DateTime<Utc>>) {
        self.oldest_ms.store(
            oldest.map_or(0, |t| t.timestamp_millis()),
            Ordering::Relaxed,
        );
        self.events.store(events, Ordering::Relaxed);
    }

    fn events(&self) -> Option<i64> {
        let events = self.events.load(Ordering::Relaxed);
        (events >= 0).then_some(events)
    }

    /// Seconds since the oldest waiting event occurred, as of `now`: it grows between
    /// measurements, so a relay that cannot measure any more still shows its backlog ageing.
    fn oldest_age(&self, now: DateTime<Utc>) -> Option<f64> {
        self.events()?;
        let oldest = self.oldest_ms.load(Ordering::Relaxed);
        if oldest == 0 {
            return Some(0.0);
        }
        Some((now.timestamp_millis() - oldest).max(0) as f64 / 1000.0)
    }
}

/// A stream entry id, `<milliseconds>-<sequence>`, ordered as Redis orders them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct EntryId(u64, u64);

impl EntryId {
    fn parse(text: &str) -> Option<Self> {
        let (ms, seq) = text.split_once('-')?;
        Some(Self(ms.parse().ok()?, seq.parse().ok()?))
    }
}

impl std::fmt::Display for EntryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0, self.1)
    }
}

/// What `XINFO STREAM` tells of a stream.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StreamInfo {
    /// Entries in it now.
    pub length: u64,
    /// Entries ever added.
    pub added: u64,
    /// Its first entry, if any.
    pub first: Option<EntryId>,
    /// The id of the last entry ever added.
    pub last_generated: EntryId,
    /// The highest id removed by XDEL (not by trimming).
    pub max_deleted: EntryId,
}

impl StreamInfo {
    /// From an `XINFO STREAM` reply.
    pub fn from_reply(reply: &HashMap<String, Value>) -> Option<Self> {
        let number = |key: &str| -> Option<u64> {
            reply
                .get(key)
                .and_then(|v| redis::FromRedisValue::from_redis_value_ref(v).ok())
        };
        let id = |value: &Value| -> Option<EntryId> {
            let text: String = redis::FromRedisValue::from_redis_value_ref(value).ok()?;
            EntryId::parse(&text)
        };
        let first = match reply.get("first-entry") {
            Some(Value::Array(entry)) => entry.first().and_then(id),
            _ => None,
        };
        Some(Self {
            length: number("length")?,
            added: number("entries-added")?,
            first,
            last_generated: reply.get("last-generated-id").and_then(id)?,
            max_deleted: reply
                .get("max-deleted-entry-id")
                .and_then(id)
                .unwrap_or_default(),
        })
    }
}

/// What `XINFO GROUPS` tells of one group.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GroupInfo {
    /// The last entry delivered to the group.
    pub last_delivered: EntryId,
    /// How many entries the group has read, when Redis knows.
    pub entries_read: Option<u64>,
    /// Entries not yet delivered, when Redis knows.
    pub lag: Option<u64>,
    /// Delivered, not acknowledged.
    pub pending: u64,
}

impl GroupInfo {
    pub fn from_reply(group: &StreamInfoGroup) -> Option<Self> {
        Some(Self {
            last_delivered: EntryId::parse(&group.last_delivered_id)?,
            entries_read: group.entries_read.map(|n| n as u64),
            lag: group.lag.map(|n| n as u64),
            pending: group.pending as u64,
        })
    }
}

/// How a group is moved past the entries it lost, so that neither they nor its lag are counted
/// again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mend {
    /// `XGROUP SETID <stream> <group> <last delivered> ENTRIESREAD <n>`: the group has now
    /// "read" everything before the first entry.
    EntriesRead(u64),
    /// `XGROUP SETID <stream> <group> <last delivered>`: Redis estimates the read counter again
    /// (exactly once the group reaches the end of the stream).
    Estimate,
}

/// The events `group` lost because `stream` was trimmed before it read them, and how to mend
/// its counters; `None` when it lost none.
///
/// Trimming removes entries from the head. A group whose last delivered entry is older than the
/// stream's first lost every removed entry it had not read (`entries-added - length -
/// entries-read`). A group already past the first entry (the trimming came between this look and
/// its last read) has a read counter short of its position: exactly so when it has read to the
/// end (`entries-added - entries-read`), and at least when it has read fewer entries than were
/// removed before the first (`entries-added - length + 1 - entries-read`).
pub(crate) fn trimmed(stream: &StreamInfo, group: &GroupInfo) -> Option<(u64, Mend)> {
    let first = stream.first?;
    let removed = stream.added.saturating_sub(stream.length);
    if removed == 0 {
        return None;
    }
    if group.last_delivered < first {
        let lost = match group.entries_read {
            Some(read) => removed.saturating_sub(read),
            // Never read: everything removed was lost to it.
            None if group.last_delivered == EntryId::default() => removed,
            // Its counter is unknown: at least one was lost.
            None => 1,
        };
        return (lost > 0).then_some((lost, Mend::EntriesRead(removed)));
    }
    // Entries deleted one by one (XDEL) make the counters inexact; the suite never deletes.
    if stream.max_deleted >= first {
        return None;
    }
    let read = group.entries_read?;
    let lost = if group.last_delivered == stream.last_generated {
        stream.added.saturating_sub(read)
    } else {
        (removed + 1).saturating_sub(read)
    };
    (lost > 0).then_some((lost, Mend::Estimate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64) -> EntryId {
        EntryId(ms, 0)
    }

    /// A stream of `added` entries with ids 1..=added, trimmed to its last `length`.
    fn stream(added: u64, length: u64) -> StreamInfo {
        StreamInfo {
            length,
            added,
            first: (length > 0).then(|| id(added - length + 1)),
            last_generated: id(added),
            max_deleted: EntryId::default(),
        }
    }

    fn group(last: u64, read: Option<u64>) -> GroupInfo {
        GroupInfo {
            last_delivered: id(last),
            entries_read: read,
            lag: None,
            pending: 0,
        }
    }

    #[test]
    fn a_group_behind_the_first_entry_lost_what_it_had_not_read() {
        // 10 added, 2 read, trimmed to the last 3: entries 3..=7 are gone unread.
        assert_eq!(
            trimmed(&stream(10, 3), &group(2, Some(2))),
            Some((5, Mend::EntriesRead(7)))
        );
        // A group that never read anything lost all that was removed.
        assert_eq!(
            trimmed(&stream(10, 3), &group(0, None)),
            Some((7, Mend::EntriesRead(7)))
        );
    }

    #[test]
    fn a_group_that_jumped_a_gap_is_caught_by_its_read_counter() {
        // 10 added, 4 read (1, 2, then 6, 7 after entries 3..=5 were trimmed), 5 left (6..=10).
        assert_eq!(
            trimmed(&stream(10, 5), &group(7, Some(4))),
            Some((2, Mend::Estimate))
        );
        // Read to the end, the count is exact: 10 added, 7 read.
        assert_eq!(
            trimmed(&stream(10, 5), &group(10, Some(7))),
            Some((3, Mend::Estimate))
        );
    }

    #[test]
    fn trimming_what_a_group_has_read_loses_nothing() {
        assert_eq!(trimmed(&stream(10, 3), &group(8, Some(8))), None);
        assert_eq!(trimmed(&stream(10, 3), &group(7, Some(7))), None);
        assert_eq!(trimmed(&stream(10, 10), &group(0, None)), None);
        assert_eq!(trimmed(&stream(0, 0), &group(0, None)), None);
        // Once mended (entries-read set to what was removed), nothing is counted again.
        assert_eq!(trimmed(&stream(10, 3), &group(2, Some(7))), None);
    }

    #[test]
    fn the_outbox_age_grows_from_the_oldest_waiting_event() {
        let backlog = Backlog {
            events: AtomicI64::new(-1),
            oldest_ms: AtomicI64::new(0),
        };
        let now = Utc::now();
        assert_eq!(backlog.oldest_age(now), None, "not measured yet");
        backlog.set(0, None);
        assert_eq!(backlog.oldest_age(now), Some(0.0));
        backlog.set(3, Some(now - chrono::Duration::seconds(90)));
        assert_eq!(backlog.events(), Some(3));
        let age = backlog
            .oldest_age(now + chrono::Duration::seconds(30))
            .unwrap();
        assert!((age - 120.0).abs() < 0.01, "{age}");
    }

    #[test]
    fn entry_ids_order_as_redis_orders_them() {
        let a = EntryId::parse("1700000000000-5").unwrap();
        let b = EntryId::parse("1700000000001-0").unwrap();
        assert!(a < b);
        assert_eq!(a.to_string(), "1700000000000-5");
        assert_eq!(EntryId::parse("0-0"), Some(EntryId::default()));
        assert_eq!(EntryId::parse("x"), None);
    }
}
