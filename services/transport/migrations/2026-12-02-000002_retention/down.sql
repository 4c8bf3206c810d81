DROP INDEX dispatch_events_by_time;
ALTER TABLE routes DROP COLUMN anonymised_at;
DROP INDEX trips_to_anonymise;
ALTER TABLE trips DROP COLUMN anonymised_at;
