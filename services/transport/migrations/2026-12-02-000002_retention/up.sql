-- When a trip's places, notes and passenger were cleared, a year after the trip; the row stays
-- for the service measures.
ALTER TABLE trips ADD COLUMN anonymised_at timestamptz;
CREATE INDEX trips_to_anonymise ON trips (window_end) WHERE anonymised_at IS NULL;

-- When a route's stops lost their places (addresses and points), a year after its day.
ALTER TABLE routes ADD COLUMN anonymised_at timestamptz;

-- Dispatch changes are forgotten by age.
CREATE INDEX dispatch_events_by_time ON dispatch_events (event_time);
