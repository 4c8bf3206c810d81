DROP INDEX processed_events_by_time;
DROP INDEX outbox_events_published;
