ALTER TABLE feedback_evaluations DROP COLUMN as_of;
ALTER TABLE idempotent_requests DROP COLUMN caller;
