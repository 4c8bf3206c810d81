-- Request ids of creating calls now live in the shared `requests` table, keyed by caller, call
-- and request id with a fingerprint of the request (`onaltu_db::requests`).
DROP TABLE idempotency_keys;
