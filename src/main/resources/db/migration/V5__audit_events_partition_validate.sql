-- Partitioning audit.audit_events, step 2 of 3: prove every existing row lies before the cut-over. VALIDATE reads the
-- whole table but takes only a SHARE UPDATE EXCLUSIVE lock, so inserts carry on meanwhile. It is its own migration
-- (own transaction) so that V4's brief exclusive lock is not held for the length of this scan.
ALTER TABLE audit.audit_events VALIDATE CONSTRAINT audit_events_before_cutover;
