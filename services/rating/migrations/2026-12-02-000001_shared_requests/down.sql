CREATE TABLE idempotent_requests (
    request_id uuid PRIMARY KEY,
    method text NOT NULL,
    response bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    caller text NOT NULL DEFAULT ''
);
