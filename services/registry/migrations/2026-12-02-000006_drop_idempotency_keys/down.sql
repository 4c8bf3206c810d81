-- Client request ids of creating calls: a retry returns the first result.
CREATE TABLE idempotency_keys (
    rpc          TEXT        NOT NULL,
    request_id   TEXT        NOT NULL,
    resource_id  UUID        NOT NULL,
    create_time  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (rpc, request_id)
);
