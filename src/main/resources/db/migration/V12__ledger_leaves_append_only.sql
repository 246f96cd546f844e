-- ledger.leaves takes a checkpoint's leaves as appends to its primary key (position) and nothing else. V11 also
-- indexed them by row (table_name, row_key), for verify-event alone; each leaf's key went anywhere in that index, a
-- random page per leaf, and at 100 million leaves (an 11 GB index) that was most of a checkpoint's time and of the
-- database CPU the ledger added to recording (docs/performance.md, "The ledger"). verify-event now finds a row's
-- leaves from the transactions that wrote it instead: the row's recorded_xid and the changes noted under its key in
-- ledger.row_changes, each taken by the first checkpoint whose snapshot sees it (verification.EventProofs). That
-- small table is indexed by key here so that the lookup stays a probe; it takes a row per UPDATE or DELETE only.
-- CONCURRENTLY, so no transaction (the .conf file): neither statement blocks the run's inserts or the recorder's.
DROP INDEX CONCURRENTLY IF EXISTS ledger.leaves_row;
CREATE INDEX CONCURRENTLY IF NOT EXISTS row_changes_row ON ledger.row_changes (table_name, row_key);
