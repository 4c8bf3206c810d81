-- Retention deletes the audit events older than `[audit] keep_days`, oldest first, in batches.
CREATE INDEX audit_events_time ON audit_events (event_time);
