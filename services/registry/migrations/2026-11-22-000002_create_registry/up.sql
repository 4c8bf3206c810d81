-- The registry of persons with disabilities and of rehabilitation centres.
-- Enumerations are stored as the numbers of their proto enums (onaltu.registry.v1), which
-- `buf breaking` keeps stable.

CREATE TABLE households (
    id                            UUID PRIMARY KEY,
    special_needs_children_count  INTEGER     NOT NULL DEFAULT 0 CHECK (special_needs_children_count >= 0),
    housing_status                SMALLINT    NOT NULL DEFAULT 0,
    benefits                      SMALLINT[]  NOT NULL DEFAULT '{}',
    create_time                   TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_time                   TIMESTAMPTZ NOT NULL DEFAULT now(),
    version                       INTEGER     NOT NULL DEFAULT 1
);

CREATE TABLE household_members (
    household_id    UUID     NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    position        INTEGER  NOT NULL,
    person_id       UUID,
    full_name       TEXT     NOT NULL,
    birth_date      DATE,
    relation        SMALLINT NOT NULL DEFAULT 0,
    has_disability  BOOLEAN  NOT NULL DEFAULT FALSE,
    PRIMARY KEY (household_id, position)
);

CREATE TABLE one_time_aid (
    household_id  UUID    NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    paid_on       DATE    NOT NULL,
    amount_minor  BIGINT  NOT NULL CHECK (amount_minor > 0),
    purpose       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (household_id, position)
);

CREATE TABLE persons (
    id                       UUID PRIMARY KEY,
    iin                      CHAR(12)    NOT NULL UNIQUE,
    surname                  TEXT        NOT NULL,
    given_name               TEXT        NOT NULL,
    patronymic               TEXT        NOT NULL DEFAULT '',
    birth_date               DATE        NOT NULL,
    sex                      SMALLINT    NOT NULL,
    region_code              TEXT        NOT NULL REFERENCES regions (code),
    district                 TEXT        NOT NULL DEFAULT '',
    address                  TEXT        NOT NULL DEFAULT '',
    latitude                 DOUBLE PRECISION,
    longitude                DOUBLE PRECISION,
    phone                    TEXT        NOT NULL DEFAULT '',
    preferred_language       SMALLINT    NOT NULL DEFAULT 0,
    wheelchair_user          BOOLEAN     NOT NULL DEFAULT FALSE,
    needs_escort             BOOLEAN     NOT NULL DEFAULT FALSE,
    visual_impairment        BOOLEAN     NOT NULL DEFAULT FALSE,
    hearing_impairment       BOOLEAN     NOT NULL DEFAULT FALSE,
    sign_language            BOOLEAN     NOT NULL DEFAULT FALSE,
    intellectual_disability  BOOLEAN     NOT NULL DEFAULT FALSE,
    legally_incapacitated    BOOLEAN     NOT NULL DEFAULT FALSE,
    household_id             UUID REFERENCES households (id) ON DELETE SET NULL,
    -- The current assessment, kept here so lists and statistics need no join.
    current_group            SMALLINT    NOT NULL DEFAULT 0,
    current_cause            SMALLINT    NOT NULL DEFAULT 0,
    current_nosology         SMALLINT    NOT NULL DEFAULT 0,
    registered_on            DATE        NOT NULL DEFAULT CURRENT_DATE,
    create_time              TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_time              TIMESTAMPTZ NOT NULL DEFAULT now(),
    version                  INTEGER     NOT NULL DEFAULT 1
);
CREATE INDEX persons_region ON persons (region_code, id);
CREATE INDEX persons_household ON persons (household_id) WHERE household_id IS NOT NULL;

-- Legal representatives (заңды өкіл): who may act for whom.
CREATE TABLE legal_representatives (
    person_id          UUID NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    representative_id  UUID NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, representative_id),
    CHECK (person_id <> representative_id)
);
CREATE INDEX legal_representatives_by_representative ON legal_representatives (representative_id);

-- Disability assessments (МӘС шешімі), history kept, one current per person.
CREATE TABLE assessments (
    id                          UUID PRIMARY KEY,
    person_id                   UUID        NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    decision_number             TEXT        NOT NULL DEFAULT '',
    disability_group            SMALLINT    NOT NULL,
    cause                       SMALLINT    NOT NULL,
    nosology_class              SMALLINT    NOT NULL DEFAULT 0,
    established_on              DATE        NOT NULL,
    re_examination_due          DATE,
    indefinite                  BOOLEAN     NOT NULL DEFAULT FALSE,
    work_capacity_loss_percent  SMALLINT CHECK (work_capacity_loss_percent BETWEEN 0 AND 100),
    ipr_number                  TEXT        NOT NULL DEFAULT '',
    ipr_valid_from              DATE,
    ipr_valid_until             DATE,
    ipr_service_forms           SMALLINT[]  NOT NULL DEFAULT '{}',
    is_current                  BOOLEAN     NOT NULL DEFAULT TRUE,
    create_time                 TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX assessments_person ON assessments (person_id, established_on DESC, id DESC);
CREATE UNIQUE INDEX assessments_one_current ON assessments (person_id) WHERE is_current;

-- Children's education (балалардың білімі).
CREATE TABLE education (
    person_id                   UUID PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    status                      SMALLINT    NOT NULL,
    has_tutor                   BOOLEAN     NOT NULL DEFAULT FALSE,
    home_schooling_quality_note TEXT        NOT NULL DEFAULT '',
    as_of                       DATE        NOT NULL,
    update_time                 TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Rehabilitation centres (оңалту орталықтары).
CREATE TABLE centers (
    id                    UUID PRIMARY KEY,
    bin                   CHAR(12) UNIQUE,
    name_kk               TEXT        NOT NULL,
    name_ru               TEXT        NOT NULL DEFAULT '',
    sector                SMALLINT    NOT NULL,
    kind                  SMALLINT    NOT NULL,
    level                 SMALLINT    NOT NULL DEFAULT 0,
    ownership             SMALLINT    NOT NULL DEFAULT 0,
    region_code           TEXT        NOT NULL REFERENCES regions (code),
    district              TEXT        NOT NULL DEFAULT '',
    address               TEXT        NOT NULL DEFAULT '',
    latitude              DOUBLE PRECISION,
    longitude             DOUBLE PRECISION,
    emails                TEXT[]      NOT NULL DEFAULT '{}',
    phones                TEXT[]      NOT NULL DEFAULT '{}',
    website               TEXT        NOT NULL DEFAULT '',
    service_forms         SMALLINT[]  NOT NULL DEFAULT '{}',
    beds                  INTEGER CHECK (beds >= 0),
    places                INTEGER CHECK (places >= 0),
    admissions_per_month  INTEGER CHECK (admissions_per_month >= 0),
    min_age_years         INTEGER     NOT NULL DEFAULT 0,
    max_age_years         INTEGER,
    groups_served         SMALLINT[]  NOT NULL DEFAULT '{}',
    -- Nested checklists and bed profiles: read whole, never filtered on.
    details               JSONB       NOT NULL DEFAULT '{}',
    serves_children       BOOLEAN     NOT NULL DEFAULT FALSE,
    serves_adults         BOOLEAN     NOT NULL DEFAULT FALSE,
    create_time           TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_time           TIMESTAMPTZ NOT NULL DEFAULT now(),
    version               INTEGER     NOT NULL DEFAULT 1
);
CREATE INDEX centers_region ON centers (region_code, id);
-- The published lists carry no BIN: such centres are matched by Kazakh name within a region.
CREATE UNIQUE INDEX centers_name_region ON centers (region_code, name_kk);

-- Service episodes: from referral through the queue to the end of service (the electronic
-- journal of special social service organisations).
CREATE SEQUENCE queue_receipt_seq;
CREATE TABLE episodes (
    id                  UUID PRIMARY KEY,
    person_id           UUID        NOT NULL REFERENCES persons (id),
    center_id           UUID        NOT NULL REFERENCES centers (id),
    service_form        SMALLINT    NOT NULL,
    referral_date       DATE        NOT NULL,
    referral_number     TEXT        NOT NULL DEFAULT '',
    assessment_id       UUID REFERENCES assessments (id),
    renews_episode_id   UUID REFERENCES episodes (id),
    -- Order of receipt; a renewal of an expired ЖОБ keeps the original's number.
    queue_receipt       BIGINT      NOT NULL,
    out_of_turn         BOOLEAN     NOT NULL DEFAULT FALSE,
    out_of_turn_reason  SMALLINT    NOT NULL DEFAULT 0,
    out_of_turn_note    TEXT        NOT NULL DEFAULT '',
    state               SMALLINT    NOT NULL,
    arrival_due_date    DATE,
    postponed           BOOLEAN     NOT NULL DEFAULT FALSE,
    admitted_on         DATE,
    ended_on            DATE,
    discharge_outcome   SMALLINT    NOT NULL DEFAULT 0,
    create_time         TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_time         TIMESTAMPTZ NOT NULL DEFAULT now(),
    version             INTEGER     NOT NULL DEFAULT 1
);
-- Waiting (QUEUED 1, OFFERED 2, POSTPONED 3) episodes per queue, in queue order.
CREATE INDEX episodes_queue ON episodes (center_id, service_form, out_of_turn DESC, queue_receipt, id)
    WHERE state IN (1, 2, 3);
-- Occupying (ADMITTED 4, TEMPORARY_LEAVE 5, RETURNED 6, SUSPENDED 7) episodes per centre.
CREATE INDEX episodes_occupying ON episodes (center_id, service_form) WHERE state IN (4, 5, 6, 7);
CREATE INDEX episodes_person ON episodes (person_id, referral_date DESC);
CREATE INDEX episodes_center_dates ON episodes (center_id, admitted_on, ended_on);

CREATE TABLE episode_events (
    id                  UUID PRIMARY KEY,
    episode_id          UUID        NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    kind                SMALLINT    NOT NULL,
    event_date          DATE        NOT NULL,
    order_number        TEXT        NOT NULL DEFAULT '',
    reason              TEXT        NOT NULL DEFAULT '',
    discharge_outcome   SMALLINT    NOT NULL DEFAULT 0,
    transfer_center_id  UUID REFERENCES centers (id),
    arrival_due_date    DATE,
    recorded_by         TEXT        NOT NULL DEFAULT '',
    create_time         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX episode_events_episode ON episode_events (episode_id, create_time, id);

-- Who read or changed whose record: written before the answer leaves the service.
CREATE TABLE audit_events (
    id             UUID PRIMARY KEY,
    event_time     TIMESTAMPTZ NOT NULL,
    actor_subject  TEXT        NOT NULL,
    actor_role     SMALLINT    NOT NULL,
    action         TEXT        NOT NULL,
    person_id      UUID,
    center_id      UUID,
    purpose        TEXT        NOT NULL DEFAULT '',
    allowed        BOOLEAN     NOT NULL,
    status_code    INTEGER     NOT NULL DEFAULT 0,
    trace_id       TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_person ON audit_events (person_id, event_time, id) WHERE person_id IS NOT NULL;
CREATE INDEX audit_events_actor ON audit_events (actor_subject, event_time, id);

-- Client request ids of creating calls: a retry returns the first result.
CREATE TABLE idempotency_keys (
    rpc          TEXT        NOT NULL,
    request_id   TEXT        NOT NULL,
    resource_id  UUID        NOT NULL,
    create_time  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (rpc, request_id)
);
