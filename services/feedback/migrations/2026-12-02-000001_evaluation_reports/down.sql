DROP INDEX evaluations_counted;
CREATE INDEX evaluations_published ON evaluations (center_id, submitted_on) INCLUDE (days_waited)
    WHERE status = 2;
DROP TABLE evaluation_reports;
