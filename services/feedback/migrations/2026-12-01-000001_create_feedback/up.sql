-- Recipients' evaluations of the centres that served them, their moderation and complaints.

CREATE TABLE evaluations (
    id uuid PRIMARY KEY,
    -- The client's request id of SubmitEvaluation: a retry returns this row.
    request_id text,
    -- One evaluation per episode of the registry.
    episode_id uuid NOT NULL,
    center_id uuid NOT NULL,
    recipient_person_id uuid NOT NULL,
    submitted_by_person_id uuid NOT NULL,
    legal_representative boolean NOT NULL,
    -- Date of submission in Kazakhstan: the period it counts in.
    submitted_on date NOT NULL,
    -- Scores 1-5 of results, activities, accessibility, information, comfort, waiting, courtesy.
    scores smallint[] NOT NULL CHECK (cardinality(scores) = 7),
    days_waited integer CHECK (days_waited BETWEEN 0 AND 3650),
    would_recommend smallint CHECK (would_recommend BETWEEN 0 AND 10),
    comment text NOT NULL DEFAULT '',
    language smallint NOT NULL DEFAULT 0,
    precheck_flags smallint[] NOT NULL DEFAULT '{}',
    status smallint NOT NULL CHECK (status BETWEEN 1 AND 4),
    moderation_action smallint,
    moderation_issue smallint,
    moderation_note text,
    moderator_subject text,
    moderate_time timestamptz,
    reply_text text,
    reply_author text,
    reply_time timestamptz,
    submit_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL,
    publish_time timestamptz,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT evaluations_episode_key UNIQUE (episode_id)
);
CREATE UNIQUE INDEX evaluations_request_key ON evaluations (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX evaluations_center ON evaluations (center_id, id DESC);
CREATE INDEX evaluations_status ON evaluations (status, id DESC);
CREATE INDEX evaluations_author ON evaluations (submitted_by_person_id, id DESC);
CREATE INDEX evaluations_recipient ON evaluations (recipient_person_id, id DESC);
-- The days waited of a centre's published evaluations, for the summary's median.
CREATE INDEX evaluations_published ON evaluations (center_id, submitted_on) INCLUDE (days_waited)
    WHERE status = 2;

CREATE TABLE complaints (
    id uuid PRIMARY KEY,
    evaluation_id uuid NOT NULL UNIQUE REFERENCES evaluations (id),
    episode_id uuid NOT NULL,
    center_id uuid NOT NULL,
    complainant_person_id uuid NOT NULL,
    text text NOT NULL,
    status smallint NOT NULL CHECK (status BETWEEN 1 AND 4),
    assignee_subject text NOT NULL DEFAULT '',
    deadline date NOT NULL,
    center_response text NOT NULL DEFAULT '',
    resolution text NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL,
    close_time timestamptz,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX complaints_deadline ON complaints (deadline, id);
CREATE INDEX complaints_center ON complaints (center_id, deadline, id);
CREATE INDEX complaints_complainant ON complaints (complainant_person_id);

-- Published evaluations summed per centre, month and item (criteria 1-7, 8 the overall score,
-- 9 would-recommend with `total` its promoters), kept in the transaction of every publication
-- and withdrawal, so summaries and city means read thousands of rows, not millions.
CREATE TABLE feedback_totals (
    center_id uuid NOT NULL,
    month date NOT NULL,
    item smallint NOT NULL CHECK (item BETWEEN 1 AND 9),
    n bigint NOT NULL,
    total double precision NOT NULL,
    score_1 bigint NOT NULL,
    score_2 bigint NOT NULL,
    score_3 bigint NOT NULL,
    score_4 bigint NOT NULL,
    score_5 bigint NOT NULL,
    PRIMARY KEY (center_id, month, item)
);
CREATE INDEX feedback_totals_month ON feedback_totals (month, item);
