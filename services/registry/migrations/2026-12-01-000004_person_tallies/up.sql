-- Persons counted by region, sex, current group, cause, nosology and month of birth, so the
-- coordinator's statistics add up tallies instead of reading every person. Triggers on persons
-- append signed deltas (no writer waits on another for a shared tally row); the statistics fold
-- the deltas into the tallies, and read both.
CREATE TABLE person_tallies (
    region_code  TEXT     NOT NULL,
    sex          SMALLINT NOT NULL,
    grp          SMALLINT NOT NULL,
    cause        SMALLINT NOT NULL,
    nosology     SMALLINT NOT NULL,
    birth_month  DATE     NOT NULL,
    n            BIGINT   NOT NULL,
    PRIMARY KEY (region_code, sex, grp, cause, nosology, birth_month)
);

CREATE TABLE person_tally_deltas (
    region_code  TEXT     NOT NULL,
    sex          SMALLINT NOT NULL,
    grp          SMALLINT NOT NULL,
    cause        SMALLINT NOT NULL,
    nosology     SMALLINT NOT NULL,
    birth_month  DATE     NOT NULL,
    n            BIGINT   NOT NULL
);

CREATE FUNCTION person_tallies_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_tally_deltas
    SELECT region_code, sex, current_group, current_cause, current_nosology,
           date_trunc('month', birth_date)::date, count(*)
    FROM new_rows
    GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

CREATE FUNCTION person_tallies_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_tally_deltas
    SELECT region_code, sex, grp, cause, nosology, birth_month, sum(n)
    FROM (
        SELECT region_code, sex, current_group AS grp, current_cause AS cause,
               current_nosology AS nosology, date_trunc('month', birth_date)::date AS birth_month,
               1 AS n
        FROM new_rows
        UNION ALL
        SELECT region_code, sex, current_group, current_cause, current_nosology,
               date_trunc('month', birth_date)::date, -1
        FROM old_rows
    ) changed
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION person_tallies_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_tally_deltas
    SELECT region_code, sex, current_group, current_cause, current_nosology,
           date_trunc('month', birth_date)::date, -count(*)
    FROM old_rows
    GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

CREATE TRIGGER persons_tally_insert AFTER INSERT ON persons
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION person_tallies_inserted();
CREATE TRIGGER persons_tally_update AFTER UPDATE ON persons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION person_tallies_updated();
CREATE TRIGGER persons_tally_delete AFTER DELETE ON persons
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION person_tallies_deleted();

-- Counted once the triggers are in place: CREATE TRIGGER locks out writers until this migration
-- commits, so no person is written between the count and the triggers.
INSERT INTO person_tallies
SELECT region_code, sex, current_group, current_cause, current_nosology,
       date_trunc('month', birth_date)::date, count(*)
FROM persons
GROUP BY 1, 2, 3, 4, 5, 6;

-- The persons the tallies cannot answer for: born in a month an age threshold falls in, or
-- registered after the date asked about.
CREATE INDEX persons_birth_date ON persons (birth_date);
CREATE INDEX persons_registered_on ON persons (registered_on);
