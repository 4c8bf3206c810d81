-- The feedback service's own copy of what the registry says decides who may evaluate which
-- episode, kept from the registry's events (and rebuilt from it on demand). Ids only.

-- Episodes: whose, at which centre, in which state, admitted when.
CREATE TABLE eligibility_episodes (
    episode_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    center_id uuid NOT NULL,
    -- Numbered as onaltu.registry.v1.EpisodeState.
    state smallint NOT NULL,
    -- Admission is never undone: once set, kept whatever the order events arrive in.
    admitted_on date,
    -- The registry's version of the episode's record this row reflects (0 when learned from a
    -- read of the episode): an event with a lower or equal version changes only admitted_on.
    version integer NOT NULL
);

-- Persons whose legal representatives are known, and the version of the person's record the
-- set below reflects. A person absent here has representatives this service does not know.
CREATE TABLE eligibility_persons (
    person_id uuid PRIMARY KEY,
    version integer NOT NULL
);

-- Who legally represents whom (заңды өкіл), as person ids.
CREATE TABLE eligibility_representatives (
    person_id uuid NOT NULL REFERENCES eligibility_persons (person_id) ON DELETE CASCADE,
    representative_id uuid NOT NULL,
    PRIMARY KEY (person_id, representative_id)
);
