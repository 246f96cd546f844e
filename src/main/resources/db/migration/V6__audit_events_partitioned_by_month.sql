-- Partitioning audit.audit_events, step 3 of 3: swap in a table partitioned by month on time_stamp, with the old table
-- attached, as it is, as the partition for everything before the cut-over. Nothing is copied: thanks to V5's validated
-- constraint, ATTACH need not scan the old rows, and its indexes become the new table's (same definitions). Readers
-- keep the table name and columns; the primary key still contains time_stamp, so ON CONFLICT stays exact.
SET LOCAL lock_timeout = '10s';

ALTER TABLE audit.audit_events RENAME TO audit_events_history;
ALTER INDEX audit.audit_events_pkey RENAME TO audit_events_history_pkey;
ALTER INDEX audit.audit_events_time_stamp_idx RENAME TO audit_events_history_time_stamp_idx;
ALTER INDEX audit.audit_events_session_id_idx RENAME TO audit_events_history_session_id_idx;

CREATE TABLE audit.audit_events (
    event_id            text      NOT NULL,
    time_stamp          timestamp NOT NULL,
    originating_service text      NOT NULL,
    session_id          text,
    event_type          text      NOT NULL,
    details             jsonb,
    PRIMARY KEY (event_id, time_stamp)
) PARTITION BY RANGE (time_stamp);
CREATE INDEX audit_events_time_stamp_idx ON audit.audit_events (time_stamp);
CREATE INDEX audit_events_session_id_idx ON audit.audit_events (session_id);

-- Same owner and the same grants (table and column) as the table it replaces: the functions' role keeps exactly the
-- privileges it had, on the name it uses; partitions need none, PostgreSQL checks the partitioned table only.
DO $$
DECLARE
    history oid := 'audit.audit_events_history'::regclass;
    owner   oid := (SELECT relowner FROM pg_class WHERE oid = history);
    g       record;
BEGIN
    IF owner <> (SELECT relowner FROM pg_class WHERE oid = 'audit.audit_events'::regclass) THEN
        EXECUTE format('ALTER TABLE audit.audit_events OWNER TO %I', pg_get_userbyid(owner));
    END IF;
    FOR g IN SELECT a.grantee, a.privilege_type, a.is_grantable
               FROM pg_class c, aclexplode(c.relacl) a
              WHERE c.oid = history AND a.grantee <> owner
    LOOP
        EXECUTE format('GRANT %s ON audit.audit_events TO %s%s', g.privilege_type,
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
                       CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    FOR g IN SELECT t.attname, a.grantee, a.privilege_type, a.is_grantable
               FROM pg_attribute t, aclexplode(t.attacl) a
              WHERE t.attrelid = history AND t.attacl IS NOT NULL AND a.grantee <> owner
    LOOP
        EXECUTE format('GRANT %s (%I) ON audit.audit_events TO %s%s', g.privilege_type, g.attname,
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
                       CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    EXECUTE format('ALTER TABLE audit.audit_events ATTACH PARTITION audit.audit_events_history '
                   'FOR VALUES FROM (MINVALUE) TO (%L)', (SELECT cut_over FROM audit.partition_cutover));
END
$$;
-- The partition bound now says what the fence said.
ALTER TABLE audit.audit_events_history DROP CONSTRAINT audit_events_before_cutover;

-- Anything outside the prepared months (a producer's clock years out, maintenance that stopped running) lands here
-- rather than failing: no event is ever refused for want of a partition. The doctor and the maintenance function's
-- RowsInDefaultPartition metric report rows here; audit.prepare_partitions() moves them out when it creates their month.
CREATE TABLE audit.audit_events_default PARTITION OF audit.audit_events DEFAULT;

-- The end of the last month that has its own partition: partitions run without gaps from MINVALUE to here.
CREATE FUNCTION audit.partitions_prepared_until() RETURNS timestamp
    LANGUAGE sql STABLE AS $$
    SELECT max((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamp)
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit.audit_events'::regclass
$$;

-- Creates the monthly partitions from the end of the last one through months_ahead months after the current one (UTC),
-- moving into each any rows the default partition holds for its month. Run by migrate and by the scheduled
-- maintenance function, as the tables' owner; safe to run any number of times. Returns how many it created.
CREATE FUNCTION audit.prepare_partitions(months_ahead integer DEFAULT 3) RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    last_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => months_ahead);
    m          timestamp := audit.partitions_prepared_until();
    month_end  timestamp;
    part       text;
    created    integer := 0;
BEGIN
    WHILE m <= last_month LOOP
        -- Months from the first day to the first of the next; only the first after the cut-over may start mid-month.
        month_end := date_trunc('month', m) + interval '1 month';
        part := 'audit_events_' || to_char(m, 'YYYY_MM');
        EXECUTE format('CREATE TABLE audit.%I (LIKE audit.audit_events INCLUDING DEFAULTS)', part);
        -- ATTACH checks that the default partition holds nothing of this month: move what it holds first, with the
        -- default partition locked so that no row of this month slips in between.
        LOCK TABLE audit.audit_events_default IN SHARE ROW EXCLUSIVE MODE;
        EXECUTE format('WITH moved AS (DELETE FROM audit.audit_events_default WHERE time_stamp >= %L AND time_stamp < %L '
                       'RETURNING *) INSERT INTO audit.%I SELECT * FROM moved', m, month_end, part);
        EXECUTE format('ALTER TABLE audit.audit_events ATTACH PARTITION audit.%I FOR VALUES FROM (%L) TO (%L)',
                       part, m, month_end);
        created := created + 1;
        m := month_end;
    END LOOP;
    RETURN created;
END
$$;

SELECT audit.prepare_partitions(3);

-- The rows V4 set aside go back, each into its month's partition or the default one.
INSERT INTO audit.audit_events SELECT * FROM audit.audit_events_held;
DROP TABLE audit.audit_events_held;
DROP TABLE audit.partition_cutover;
