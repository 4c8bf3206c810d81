-- Retention deletes delivered events and processed-event records by age; these keep each batch
-- from reading the whole table.
CREATE INDEX outbox_events_published ON outbox_events (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX processed_events_by_time ON processed_events (processed_at);
