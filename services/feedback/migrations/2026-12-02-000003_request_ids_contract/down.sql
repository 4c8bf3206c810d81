ALTER TABLE evaluations ADD COLUMN request_id text;
