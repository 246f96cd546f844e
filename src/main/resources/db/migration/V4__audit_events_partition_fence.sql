-- Partitioning audit.audit_events by month without rewriting its rows or stopping writes, step 1 of 3 (V4-V6).
--
-- The existing table becomes the partition for everything before a cut-over: the start of the day after tomorrow (UTC),
-- far enough for the validation (V5: one read of the table, minutes at 100 million rows) to finish before any event
-- is dated past it, near enough that new events soon go to small monthly partitions. The first of those runs from the
-- cut-over to the end of its month. Here: the cut-over is fixed and a CHECK constraint fences the table below it, NOT
-- VALID so that adding it does not scan the table (it holds the table's lock only for a moment). Should V6 not follow
-- in time, a new row past the cut-over is refused (SQLSTATE 23514), which the recorder treats as a database outage:
-- the message is backed off and retried, never dead-lettered (SqlFailure), until migrate has run again.
--
-- lock_timeout: if a long report holds the table, give up (and let the operator rerun migrate) rather than queue
-- every insert behind this statement's lock.
SET LOCAL lock_timeout = '10s';

CREATE TABLE audit.partition_cutover (cut_over timestamp NOT NULL);
INSERT INTO audit.partition_cutover
SELECT date_trunc('day', now() AT TIME ZONE 'UTC') + interval '2 days';

DO $$
BEGIN
    EXECUTE format('ALTER TABLE audit.audit_events ADD CONSTRAINT audit_events_before_cutover '
                   'CHECK (time_stamp < %L) NOT VALID', (SELECT cut_over FROM audit.partition_cutover));
END
$$;

-- Rows already dated at or after the cut-over (a producer's clock, a test) would fail the validation: they wait in a
-- side table, under the same lock, and V6 puts them back into the partitioned table.
CREATE TABLE audit.audit_events_held (LIKE audit.audit_events);
WITH moved AS (
    DELETE FROM audit.audit_events
     WHERE time_stamp >= (SELECT cut_over FROM audit.partition_cutover)
    RETURNING *
)
INSERT INTO audit.audit_events_held SELECT * FROM moved;
