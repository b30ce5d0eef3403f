-- Whether this gate may release dispatches of one agent type now. The lock,
-- held until the transaction ends, keeps two gates from both handing out the
-- same free slot. A gate that does not get it skips the type, whose holder
-- is counting it already (a commit after that count notifies every gate
-- again). The two-key form (class 7421) keeps clear of the migration lock.
SELECT pg_try_advisory_xact_lock(7421, hashtext(cast(:agent_type AS text)))
