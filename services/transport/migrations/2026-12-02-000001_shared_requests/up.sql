-- Request ids now live in the shared `requests` table, keyed by caller, method and request id.
DROP TABLE idempotent_requests;
