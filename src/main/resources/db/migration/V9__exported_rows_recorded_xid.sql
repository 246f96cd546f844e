-- The export finds what changed on days it has already exported without reading those days (README, "Export and
-- verification"):
--
-- * recorded_xid, on every exported table: the id of the transaction that inserted the row
--   (pg_current_xact_id(), the top-level transaction's, even inside a savepoint). A run asks for the rows its previous
--   complete run's snapshot (which every manifest records) could not see: recorded_xid >= that snapshot's xmin and
--   not visible in it (https://www.postgresql.org/docs/15/functions-info.html#FUNCTIONS-PG-SNAPSHOT). Exact: a
--   transaction still open when that snapshot was taken is in its xip list, whatever its rows' times. bigint rather
--   than xid8, which has no BRIN operator class; xid8 is 64 bits and never wraps. Rows from before this migration keep
--   NULL: the export has seen them all. Adding a column without a default rewrites nothing; SET DEFAULT applies to new
--   rows only (https://www.postgresql.org/docs/15/sql-altertable.html, Notes). Both recurse to the partitions.
-- * audit.export_changes: a row per (table, day, transaction) in which an UPDATE or DELETE changed an exported
--   table's rows, noted by a statement trigger, which the export reads the same way.
--
-- V10 indexes recorded_xid (BRIN, built CONCURRENTLY): what keeps the search as short as the rows since the last run.
--
-- Each ALTER takes ACCESS EXCLUSIVE for a moment: lock_timeout, so that a long report holding a table makes migrate
-- fail (and it can simply be run again) rather than queue every insert behind it.
SET LOCAL lock_timeout = '10s';

-- Small: UPDATE and DELETE are rare on these tables (the fraud import's finish, an operator's repair). The key leads
-- with the transaction, which is what the export searches by.
CREATE TABLE audit.export_changes (
    changed_xid bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    table_name  text   NOT NULL,
    day         date   NOT NULL,
    PRIMARY KEY (changed_xid, table_name, day)
);

-- Notes the days an UPDATE or DELETE statement changed: the days its rows were on, and are on after an UPDATE. A
-- child's day is its parent's, so a change of a parent notes its children's table too.
--
-- * Once per statement, from its transition tables: a row trigger cost the partition maintenance's moves about 18 us a
--   row (measured: 50,000 rows moved in 1.9-2.3 s against 1.1-1.3 s without).
-- * On the table named in the statement, so on audit.audit_events and not on its partitions
--   (https://www.postgresql.org/docs/15/sql-createtrigger.html, Notes: statement triggers are not cloned). That is
--   every path of the functions' roles, whose privileges are on the partitioned table only; the maintenance, which
--   moves rows between partitions without changing them, writes to partitions and is not noted. The tables' owner and
--   a superuser can change rows unnoted (a partition directly, a disabled trigger): verify --against-database sees it.
-- * SECURITY DEFINER: the functions' roles may change their own tables (the fraud import finishes its session) but
--   need no privilege on audit.export_changes.
CREATE FUNCTION audit.note_export_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    days date[];
BEGIN
    IF TG_ARGV[0] = 'idp_data.upload_session_validation_failures' THEN
        SELECT array_agg(DISTINCT p.time_stamp::date) INTO days FROM idp_data.upload_sessions p
         WHERE p.id IN (SELECT upload_session_id FROM old_rows)
            OR (TG_OP = 'UPDATE' AND p.id IN (SELECT upload_session_id FROM new_rows));
    ELSIF TG_ARGV[0] = 'idp_data.idp_fraud_event_contraindicators' THEN
        SELECT array_agg(DISTINCT p.time_stamp::date) INTO days FROM idp_data.idp_fraud_events p
         WHERE p.id IN (SELECT idp_fraud_events_id FROM old_rows)
            OR (TG_OP = 'UPDATE' AND p.id IN (SELECT idp_fraud_events_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT d) INTO days
          FROM (SELECT time_stamp::date FROM old_rows UNION SELECT time_stamp::date FROM new_rows) x(d);
    ELSE
        SELECT array_agg(DISTINCT time_stamp::date) INTO days FROM old_rows;
    END IF;
    INSERT INTO audit.export_changes (table_name, day)
    SELECT t, d FROM unnest(days) d,
           unnest(ARRAY[TG_ARGV[0]] || CASE TG_ARGV[0]
               WHEN 'idp_data.upload_sessions' THEN ARRAY['idp_data.upload_session_validation_failures']
               WHEN 'idp_data.idp_fraud_events' THEN ARRAY['idp_data.idp_fraud_event_contraindicators']
               ELSE ARRAY[]::text[] END) t
     WHERE d IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

-- Every exported table: the column, its default for new rows, the triggers.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit.audit_events', 'billing.billing_events', 'billing.fraud_events',
                             'idp_data.upload_sessions', 'idp_data.upload_session_validation_failures',
                             'idp_data.idp_fraud_events', 'idp_data.idp_fraud_event_contraindicators']
    LOOP
        EXECUTE format('ALTER TABLE %s ADD COLUMN recorded_xid bigint', t);
        EXECUTE format('ALTER TABLE %s ALTER COLUMN recorded_xid SET DEFAULT pg_current_xact_id()::text::bigint', t);
        EXECUTE format('CREATE TRIGGER export_deleted AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION audit.note_export_changes(%L)', t, t);
        EXECUTE format('CREATE TRIGGER export_updated AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows '
                       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.note_export_changes(%L)', t, t);
    END LOOP;
END
$$;
