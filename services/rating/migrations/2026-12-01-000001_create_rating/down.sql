DROP TABLE inspection_tasks, rating_events, ratings, rating_runs, feedback_totals,
    feedback_evaluations, violations, idempotent_requests, indicator_values, methodologies;
