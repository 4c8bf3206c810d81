-- Reports of evaluations, one row each: who reported (kept for the moderator, never shown
-- publicly), why, and the moderator's decision on it once made.
CREATE TABLE evaluation_reports (
    id uuid PRIMARY KEY,
    evaluation_id uuid NOT NULL REFERENCES evaluations (id),
    -- The reporting account (token subject): one report per account per evaluation.
    reporter_subject text NOT NULL,
    -- The reporter's role, numbered as onaltu.common.v1.Role.
    reporter_role smallint NOT NULL CHECK (reporter_role IN (1, 2, 3, 8)),
    -- The reporter's centre, for CENTER_STAFF.
    reporter_center_id uuid,
    -- The content issue reported, numbered as onaltu.feedback.v1.ContentIssue.
    issue smallint NOT NULL CHECK (issue BETWEEN 1 AND 8),
    note text NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL,
    -- 1 open, 2 dismissed (the moderator published), 3 upheld (the moderator rejected).
    decision smallint NOT NULL DEFAULT 1 CHECK (decision BETWEEN 1 AND 3),
    decide_time timestamptz,
    decided_by text,
    CONSTRAINT evaluation_reports_once UNIQUE (evaluation_id, reporter_subject),
    CHECK ((decision = 1) = (decide_time IS NULL))
);
-- An account's reports of the last day, for its daily limit.
CREATE INDEX evaluation_reports_reporter ON evaluation_reports (reporter_subject, create_time);
-- Evaluations waiting for a moderator's decision on their reports.
CREATE INDEX evaluation_reports_open ON evaluation_reports (evaluation_id) WHERE decision = 1;
-- Decided reports, by age, for retention.
CREATE INDEX evaluation_reports_decided ON evaluation_reports (decide_time) WHERE decision <> 1;

-- A hidden evaluation keeps counting until a moderator rejects it: the summary's median of days
-- waited reads published and hidden ones alike.
DROP INDEX evaluations_published;
CREATE INDEX evaluations_counted ON evaluations (center_id, submitted_on) INCLUDE (days_waited)
    WHERE status IN (2, 4);
