DROP INDEX audit_events_time;
