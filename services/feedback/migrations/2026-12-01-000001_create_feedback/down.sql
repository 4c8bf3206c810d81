DROP TABLE feedback_totals;
DROP TABLE complaints;
DROP TABLE evaluations;
