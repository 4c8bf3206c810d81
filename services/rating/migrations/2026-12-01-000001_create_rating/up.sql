-- Methodology versions, as served by GetMethodology: the protobuf body of each, immutable.
CREATE TABLE methodologies (
    version text PRIMARY KEY,
    effective_from date NOT NULL,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Values recorded by city inspections and by centres, one per centre, period, indicator and source.
CREATE TABLE indicator_values (
    center_id uuid NOT NULL,
    period text NOT NULL,
    indicator_code text NOT NULL,
    source smallint NOT NULL,
    value double precision NOT NULL,
    sample_size bigint,
    evidence_reference text NOT NULL DEFAULT '',
    recorded_by text NOT NULL,
    record_time timestamptz NOT NULL,
    PRIMARY KEY (center_id, period, indicator_code, source)
);
CREATE INDEX indicator_values_by_period ON indicator_values (period);

-- The first answer of each creating call, returned again for a retry with the same request id.
CREATE TABLE idempotent_requests (
    request_id uuid PRIMARY KEY,
    method text NOT NULL,
    response bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Violations found by the city (бұзушылық / нарушение).
CREATE TABLE violations (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL,
    critical boolean NOT NULL,
    description text NOT NULL,
    inspection_reference text NOT NULL,
    found_on date NOT NULL,
    resolved_on date,
    resolution_note text NOT NULL DEFAULT '',
    recorded_by text NOT NULL,
    create_time timestamptz NOT NULL
);
CREATE INDEX violations_critical ON violations (found_on) WHERE critical;

-- Published evaluations as the rating counts them (from feedback.evaluations events): no author,
-- no comment; kept so a withdrawal takes back exactly what the publication added.
CREATE TABLE feedback_evaluations (
    evaluation_id uuid PRIMARY KEY,
    center_id uuid NOT NULL,
    month date NOT NULL,
    scores smallint[] NOT NULL,
    would_recommend smallint,
    counted boolean NOT NULL
);

-- Their sums per centre, month and slot (eight score items, would-recommend, evaluations).
CREATE TABLE feedback_totals (
    center_id uuid NOT NULL,
    month date NOT NULL,
    slot smallint NOT NULL,
    n bigint NOT NULL,
    total double precision NOT NULL,
    PRIMARY KEY (month, center_id, slot)
);

-- One computation of a period: a rating version.
CREATE TABLE rating_runs (
    period text NOT NULL,
    version bigint NOT NULL,
    period_start date NOT NULL,
    methodology_version text NOT NULL REFERENCES methodologies (version),
    centers_rated integer NOT NULL,
    events_emitted integer NOT NULL,
    computed_by text NOT NULL,
    compute_time timestamptz NOT NULL,
    PRIMARY KEY (period, version)
);
CREATE INDEX rating_runs_latest ON rating_runs (period_start DESC, compute_time DESC);

-- Each centre's rating in a version, with its explanation (the protobuf body), immutable.
CREATE TABLE ratings (
    period text NOT NULL,
    version bigint NOT NULL,
    center_id uuid NOT NULL,
    period_start date NOT NULL,
    region_code text NOT NULL,
    sector integer NOT NULL,
    kind integer NOT NULL,
    tier smallint NOT NULL,
    composite double precision,
    stars integer,
    low_streak integer NOT NULL,
    body bytea NOT NULL,
    PRIMARY KEY (period, version, center_id),
    FOREIGN KEY (period, version) REFERENCES rating_runs (period, version)
);
CREATE INDEX ratings_by_center ON ratings (center_id, period_start DESC, version DESC);

-- Rating events in the order subscribers receive them.
CREATE TABLE rating_events (
    sequence_number bigserial PRIMARY KEY,
    center_id uuid NOT NULL,
    region_code text NOT NULL,
    sector integer NOT NULL,
    kind integer NOT NULL,
    body bytea NOT NULL,
    event_time timestamptz NOT NULL
);

-- Inspections a PENALTY tier asks for, one per centre and period.
CREATE TABLE inspection_tasks (
    center_id uuid NOT NULL,
    period text NOT NULL,
    rating_version bigint NOT NULL,
    reason text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (center_id, period)
);
