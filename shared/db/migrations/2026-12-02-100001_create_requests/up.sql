-- The first answer of each creating call, by the caller who made it, the method and the
-- caller's request id, with a fingerprint of the request it answered.
CREATE TABLE requests (
    caller      TEXT        NOT NULL,
    method      TEXT        NOT NULL,
    request_id  UUID        NOT NULL,
    fingerprint BYTEA       NOT NULL,
    answer      BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, method, request_id)
);
CREATE INDEX requests_by_age ON requests (created_at);
