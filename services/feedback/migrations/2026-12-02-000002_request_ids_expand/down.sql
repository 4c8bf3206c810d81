COMMENT ON COLUMN evaluations.request_id IS NULL;
CREATE UNIQUE INDEX evaluations_request_key ON evaluations (request_id) WHERE request_id IS NOT NULL;
