-- Whether the centre itself made the referral an episode was queued by: such a referral ties
-- nothing while it waits (centre staff see a person only while the person has a live tie to
-- their centre). Centres no longer refer; the referrals their staff made before are found in
-- the audit trail: an allowed EnqueueReferral by CENTER_STAFF (role 2) of that person at that
-- centre, by the subject that recorded the episode's QUEUED event (kind 1).
ALTER TABLE episodes ADD COLUMN referred_by_center BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE episodes e SET referred_by_center = TRUE
WHERE EXISTS (
    SELECT 1
    FROM episode_events q
    JOIN audit_events a
      ON a.actor_subject = q.recorded_by
     AND a.action = 'EnqueueReferral'
     AND a.actor_role = 2
     AND a.allowed
     AND a.person_id = e.person_id
     AND a.center_id = e.center_id
    WHERE q.episode_id = e.id AND q.kind = 1
);
