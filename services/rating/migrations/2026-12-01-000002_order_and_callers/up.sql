-- Who made each creating call, so a request id reused by someone else is refused.
ALTER TABLE idempotent_requests ADD COLUMN caller text NOT NULL DEFAULT '';
-- When the event that last changed an evaluation happened: events from several consumers may
-- arrive out of order, and an older one must not undo a newer one.
ALTER TABLE feedback_evaluations ADD COLUMN as_of timestamptz;
