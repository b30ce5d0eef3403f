-- Serializes the gates releasing dispatches of one agent type until the
-- transaction ends, so two of them do not both hand out the same free slot.
-- The two-key form (class 7421) keeps clear of the migration lock.
SELECT pg_advisory_xact_lock(7421, hashtext(cast(:agent_type AS text)))
