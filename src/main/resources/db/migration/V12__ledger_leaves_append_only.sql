-- ledger.leaves takes a checkpoint's leaves as appends to its primary key (position) and nothing else. V11 also
-- indexed them by row (table_name, row_key), for verify-event alone; each leaf's key went anywhere in that index, a
-- random page per leaf, and at 100 million leaves (an 11 GB index) that was most of a checkpoint's time and of the
-- database CPU the ledger added to recording (docs/performance.md, "The ledger"). verify-event now finds a row's
-- leaves from the transactions that wrote it instead: the row's recorded_xid and the changes noted under its key in
-- ledger.row_changes, each taken by the first checkpoint whose snapshot sees it (verification.EventProofs). That
-- small table is indexed by key here so that the lookup stays a probe; it takes a row per UPDATE or DELETE only.
--
-- CONCURRENTLY, so no transaction (the .conf file): neither statement blocks the recorder's inserts or the run's.
-- A concurrent build waits for the transactions older than it to end, an export's or a checkpoint run's among them
-- (minutes at most); it takes no lock they wait for. The new index first and the old one dropped last, so that a
-- migrate stopped midway leaves verify-event with an index to use. A build stopped midway (a statement timeout, a
-- killed step) leaves an INVALID index of the name, which IF NOT EXISTS would take for the finished one: the next
-- migrate (after flyway repair) drops it first. A plain DROP, in a transaction of its own, on a table only UPDATE and
-- DELETE write to, with lock_timeout so that it gives up rather than queue writers behind it.
DO $$
BEGIN
    PERFORM set_config('lock_timeout', '10s', true);
    IF EXISTS (SELECT FROM pg_index WHERE indexrelid = to_regclass('ledger.row_changes_row') AND NOT indisvalid) THEN
        DROP INDEX ledger.row_changes_row;
    END IF;
END
$$;
CREATE INDEX CONCURRENTLY IF NOT EXISTS row_changes_row ON ledger.row_changes (table_name, row_key);
DROP INDEX CONCURRENTLY IF EXISTS ledger.leaves_row;
