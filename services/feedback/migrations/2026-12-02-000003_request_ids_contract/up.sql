-- Request ids live in the shared `requests` table only.
ALTER TABLE evaluations DROP COLUMN request_id;
