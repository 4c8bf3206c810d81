-- SubmitEvaluation's request ids now live in the shared `requests` table, keyed by the caller,
-- the method and the request id. The column is no longer written nor read; its uniqueness goes
-- first, so a release still writing it and one no longer writing it can run side by side.
DROP INDEX evaluations_request_key;
COMMENT ON COLUMN evaluations.request_id IS 'unused: request ids live in the requests table';
