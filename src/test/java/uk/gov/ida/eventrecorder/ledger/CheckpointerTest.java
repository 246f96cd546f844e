package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LedgerFixture;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoint run against real PostgreSQL, moto's Object Lock bucket and moto's KMS: rows recorded through the
 * recorder's own repository become leaves exactly once, changes become REVISED and REMOVED leaves, an idle run costs
 * no write, and what the bucket holds rebuilds the database's root; a changed leaf or node stops the ledger.
 */
class CheckpointerTest {
    private final LedgerFixture ledger = new LedgerFixture();

    @Test
    void rowsRecordedThroughTheRepositoryAreLeavesOfTheNextCheckpointExactlyOnce() {
        // Given a ledger started before the rows
        LedgerReport genesis = ledger.run();
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, genesis.outcome());
        assertEquals(0, genesis.sequence());

        // When events are recorded (a billing event implies an audit and a billing row; a fraud event, a fraud row)
        List<AuditEvent> first = ledger.record(EventBuilder.billing(), EventBuilder.fraud(),
                EventBuilder.otherSession());
        LedgerReport one = ledger.run();
        List<AuditEvent> second = ledger.record(EventBuilder.billing(), EventBuilder.billing());
        LedgerReport two = ledger.run();

        // Then each checkpoint holds the rows recorded since the one before, each once, as RECORDED
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, one.outcome());
        assertEquals(5, one.newLeaves()); // 3 audit, 1 billing, 1 fraud
        assertEquals(4, two.newLeaves()); // 2 audit, 2 billing
        assertEquals(9, two.treeSize());
        List<LeafEntry> published = ledger.publishedEntries();
        assertEquals(9, published.size());
        Set<String> keys = new HashSet<>();
        for (LeafEntry entry : published) {
            assertEquals(LeafEntry.Kind.RECORDED, entry.kind());
            assertTrue(keys.add(entry.table() + " " + entry.key()), "twice: " + entry);
        }
        for (AuditEvent event : concat(first, second)) {
            assertTrue(keys.stream().anyMatch(k -> k.startsWith("audit.audit_events [" + event.eventId() + ", ")),
                    event.eventId());
            assertEquals(event.billing().isPresent(), keys.contains("billing.billing_events [" + event.eventId()
                    + "]"), event.eventId());
            assertEquals(event.fraud().isPresent(), keys.contains("billing.fraud_events [" + event.eventId() + "]"),
                    event.eventId());
        }
        assertEquals("2018-02-10", published.get(0).day());
        assertEquals(List.of(), ledger.auditBucket());
        assertEquals(3, ledger.objects().size());
    }

    @Test
    void anIdleRunSignsNothingAndWritesNothing() {
        ledger.run();
        ledger.record(EventBuilder.billing());
        ledger.run();
        int puts = ledger.puts.get();
        int signs = ledger.signs.get();
        long checkpoints = ledger.tables.count("ledger.checkpoints");

        LedgerReport idle = ledger.run();

        assertEquals(LedgerReport.Outcome.IDLE, idle.outcome());
        assertEquals(puts, ledger.puts.get());
        assertEquals(signs, ledger.signs.get());
        assertEquals(checkpoints, ledger.tables.count("ledger.checkpoints"));
        assertEquals(List.of(), idle.warnings());
    }

    @Test
    void anUpdateAndADeleteGiveRevisedAndRemovedLeavesAndAMovedParentMovesItsChildrensDays() throws Exception {
        // Given rows of every kind in the ledger: an audit event, and a fraud upload's session, failure, fraud event
        // and contra-indicators
        ledger.run();
        List<AuditEvent> recorded = ledger.record(EventBuilder.billing());
        String eventId = recorded.get(0).eventId();
        ledger.db.admin("WITH s AS (INSERT INTO idp_data.upload_sessions (time_stamp, source_file_name, idp_entity_id, "
                + "userid, passed_validation, source_object) VALUES ('2026-12-01 09:00', 'f.csv', 'idp-a', 'u', "
                + "false, 'upload/f.csv') RETURNING id), f AS (INSERT INTO idp_data.upload_session_validation_failures "
                + "(upload_session_id, row, field, message) SELECT id, 3, 'pid', 'is required' FROM s) "
                + "INSERT INTO idp_data.idp_fraud_events (idp_entity_id, idp_event_id, time_stamp, fid_code, "
                + "request_id, pid, client_ip_address, contra_score, upload_session_id) SELECT 'idp-a', 'e-1', "
                + "'2026-12-01 08:00', 'F1', 'r', 'p', '10.0.0.1', -3, id FROM s",
                "INSERT INTO idp_data.idp_fraud_event_contraindicators SELECT id, c, 2 FROM idp_data.idp_fraud_events, "
                        + "(VALUES ('V1'), ('T1')) v(c)");
        assertEquals(7, ledger.run().newLeaves());

        // When the fraud upload finishes its session (its role's UPDATE), an operator moves a fraud event to
        // another day and deletes a contra-indicator and the billing row
        ledger.db.admin("UPDATE idp_data.upload_sessions SET passed_validation = true, finished_at = "
                        + "'2026-12-01 09:00:01'",
                "UPDATE idp_data.idp_fraud_events SET time_stamp = '2026-12-03 08:00'",
                "DELETE FROM idp_data.idp_fraud_event_contraindicators WHERE contraindicator_code = 'T1'",
                "DELETE FROM billing.billing_events WHERE event_id = '" + eventId + "'");
        LedgerReport changed = ledger.run();

        // Then: the session and the fraud event REVISED as they are now, the remaining contra-indicator REVISED on
        // its parent's new day, the deleted ones REMOVED on the day they were on when deleted
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, changed.outcome());
        Map<String, LeafEntry> latest = ledger.publishedEntries().stream().skip(7)
                .collect(Collectors.toMap(e -> e.table() + " " + e.key(), e -> e, (a, b) -> b));
        assertEquals(5, latest.size(), latest.toString());
        LeafEntry session = only(latest, "idp_data.upload_sessions");
        assertEquals(LeafEntry.Kind.REVISED, session.kind());
        LeafEntry fraudEvent = only(latest, "idp_data.idp_fraud_events");
        assertEquals(LeafEntry.Kind.REVISED, fraudEvent.kind());
        assertEquals("2026-12-03", fraudEvent.day());
        LeafEntry kept = latest.values().stream().filter(e -> e.key().contains("V1")).findFirst().orElseThrow();
        assertEquals(LeafEntry.Kind.REVISED, kept.kind());
        assertEquals("2026-12-03", kept.day());
        LeafEntry gone = latest.values().stream().filter(e -> e.key().contains("T1")).findFirst().orElseThrow();
        assertEquals(LeafEntry.Kind.REMOVED, gone.kind());
        assertEquals("2026-12-03", gone.day());
        LeafEntry billing = only(latest, "billing.billing_events");
        assertEquals(LeafEntry.Kind.REMOVED, billing.kind());
        assertEquals(List.of(eventId), billing.key());
        assertArrayEquals(new byte[32], billing.rowHash());
        // the session's REVISED hash is the row as it is now, not as it was recorded
        LeafEntry sessionBefore = ledger.publishedEntries().stream().filter(e -> e.table().equals(
                "idp_data.upload_sessions")).findFirst().orElseThrow();
        assertTrue(!java.util.Arrays.equals(sessionBefore.rowHash(), session.rowHash()));
        assertEquals(List.of(), ledger.auditBucket());
    }

    @Test
    void aRowStillUncommittedWhenASnapshotIsTakenIsInTheNextCheckpointAndOnlyThere() throws Exception {
        ledger.run();
        try (Connection open = ledger.db.dataSource().getConnection()) {
            // Given a transaction that inserted a row and has not committed, begun before one that has
            open.setAutoCommit(false);
            try (Statement s = open.createStatement()) {
                s.execute("INSERT INTO billing.fraud_events (event_id, time_stamp, session_id, hashed_persistent_id, "
                        + "request_id, entity_id, fraud_event_id, fraud_indicator, transaction_entity_id) VALUES "
                        + "('late', '2026-12-07 03:59', 's', 'p', 'r', 'e', 'f', 'FI01', 't')");
            }
            ledger.record(EventBuilder.otherSession());

            // When a checkpoint is taken meanwhile
            LedgerReport before = ledger.run();
            assertEquals(1, before.newLeaves());
            open.commit();
        }
        // Then the late row is in the next one, once
        LedgerReport after = ledger.run();
        assertEquals(1, after.newLeaves());
        assertEquals(1, ledger.publishedEntries().stream().filter(e -> e.key().equals(List.of("late"))).count());
        assertEquals(LedgerReport.Outcome.IDLE, ledger.run().outcome());
    }

    @Test
    void theRootIsTheMerkleTreeOverTheEntriesTheBucketPublishes() {
        ledger.run();
        // Enough leaves for stored nodes at levels 4 and 8 (over 256), over checkpoints of uneven sizes
        for (int round = 0; round < 7; round++) {
            EventBuilder[] events = new EventBuilder[13 + round * 7];
            for (int i = 0; i < events.length; i++) {
                events[i] = i % 2 == 0 ? EventBuilder.billing() : EventBuilder.otherSession();
            }
            ledger.record(events);
            assertEquals(LedgerReport.Outcome.CHECKPOINTED, ledger.run().outcome());
        }

        List<CheckpointObject> objects = ledger.objects();
        TreeBuilder tree = new TreeBuilder();
        ledger.publishedEntries().forEach(e -> tree.append(e.leafHash()));
        byte[] databaseRoot = (byte[]) ledger.tables.query("SELECT root FROM ledger.checkpoints ORDER BY sequence DESC "
                + "LIMIT 1").get(0).get("root");

        assertTrue(tree.size() > 256, "size " + tree.size());
        assertEquals(HexFormat.of().formatHex(databaseRoot), HexFormat.of().formatHex(tree.root()));
        assertArrayEquals(objects.get(objects.size() - 1).checkpoint().root(), tree.root());
        assertEquals(List.of(), ledger.auditBucket());
        assertTrue(ledger.tables.count("ledger.nodes") >= tree.size() / 16);
    }

    @Test
    void aCheckpointOfThousandsOfRowsIsOneObjectThatRebuildsItsRootAndTheNextStaysSmall() {
        ledger.run();
        EventBuilder[] events = new EventBuilder[2_000];
        for (int i = 0; i < events.length; i++) {
            events[i] = i % 3 == 0 ? EventBuilder.fraud() : EventBuilder.billing();
        }
        for (int from = 0; from < events.length; from += 500) {
            ledger.record(java.util.Arrays.copyOfRange(events, from, from + 500));
        }

        LedgerReport big = ledger.run();
        ledger.record(EventBuilder.billing());
        LedgerReport small = ledger.run();

        assertEquals(4_000, big.newLeaves());
        assertEquals(2, small.newLeaves());
        assertEquals(List.of(), ledger.auditBucket());
    }

    @Test
    void aChangedLeafOrNodeInTheDatabaseStopsTheLedgerWithAWarningAndNoCheckpoint() {
        ledger.run();
        for (int i = 0; i < 4; i++) { // 20 leaves: the first 16 under a stored node
            ledger.record(EventBuilder.billing(), EventBuilder.billing(), EventBuilder.otherSession());
            ledger.run();
        }
        int objects = ledger.objects().size();
        ledger.record(EventBuilder.billing());

        // A leaf of the last checkpoint: its row hash changed, its stored leaf hash left as it was
        String lastLeaf = "position = (SELECT max(position) FROM ledger.leaves)";
        byte[] rowHash = (byte[]) ledger.tables.query("SELECT row_hash FROM ledger.leaves WHERE " + lastLeaf).get(0)
                .get("row_hash");
        ledger.db.admin("UPDATE ledger.leaves SET row_hash = sha256(row_hash) WHERE " + lastLeaf);
        LedgerReport leaf = ledger.run();
        assertEquals(LedgerReport.Outcome.STOPPED, leaf.outcome());
        assertEquals(1, leaf.warnings().size(), leaf.warnings().toString());
        ledger.db.admin("UPDATE ledger.leaves SET row_hash = '\\x" + HexFormat.of().formatHex(rowHash) + "' WHERE "
                + lastLeaf);

        // A stored node, over leaves of an earlier checkpoint
        byte[] node = (byte[]) ledger.tables.query("SELECT hash FROM ledger.nodes WHERE level = 4 AND idx = 0")
                .get(0).get("hash");
        ledger.db.admin("UPDATE ledger.nodes SET hash = sha256(hash) WHERE level = 4 AND idx = 0");
        LedgerReport changedNode = ledger.run();
        assertEquals(LedgerReport.Outcome.STOPPED, changedNode.outcome());
        assertTrue(changedNode.warnings().get(0).contains("another root"), changedNode.warnings().toString());

        // Nothing was appended while stopped; mended, the ledger goes on from where it was
        assertEquals(objects, ledger.objects().size());
        ledger.db.admin("UPDATE ledger.nodes SET hash = '\\x" + HexFormat.of().formatHex(node)
                + "' WHERE level = 4 AND idx = 0");
        LedgerReport mended = ledger.run();
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, mended.outcome());
        assertEquals(2, mended.newLeaves());
        assertEquals(List.of(), ledger.auditBucket());
    }

    @Test
    void aNodeBeyondTheLastCheckpointStopsTheLedgerSinceNoCheckpointSignedIt() {
        ledger.run();
        ledger.record(EventBuilder.billing());
        ledger.run();
        ledger.db.admin("INSERT INTO ledger.nodes (level, idx, hash) VALUES (4, 1000, sha256('\\x00'))");
        LedgerReport beyond = ledger.run();
        assertEquals(LedgerReport.Outcome.STOPPED, beyond.outcome(), beyond.toString());
        assertTrue(beyond.warnings().get(0).contains("which no checkpoint signed"), beyond.warnings().toString());
        ledger.db.admin("DELETE FROM ledger.nodes WHERE level = 4 AND idx = 1000");
        assertEquals(LedgerReport.Outcome.IDLE, ledger.run().outcome());
    }

    @Test
    void aCheckpointsSnapshotMovedInTheDatabaseStopsTheLedgerRatherThanLetTheRowsBetweenGoUnrecorded() {
        ledger.run();
        ledger.record(EventBuilder.billing());
        ledger.run();
        int objects = ledger.objects().size();
        // A row committed after the last checkpoint, then the owner moves that checkpoint's snapshot past it: were
        // the next run to trust the stored snapshot, the row would be visible in it and never become a leaf.
        ledger.record(EventBuilder.otherSession());
        String last = "sequence = (SELECT max(sequence) FROM ledger.checkpoints)";
        String snapshot = (String) ledger.tables.query("SELECT snapshot FROM ledger.checkpoints WHERE " + last).get(0)
                .get("snapshot");
        ledger.db.admin("UPDATE ledger.checkpoints SET snapshot = pg_current_snapshot()::text WHERE " + last);

        LedgerReport moved = ledger.run();
        assertEquals(LedgerReport.Outcome.STOPPED, moved.outcome(), moved.toString());
        assertEquals(objects, ledger.objects().size());

        ledger.db.admin("UPDATE ledger.checkpoints SET snapshot = '" + snapshot + "' WHERE " + last);
        LedgerReport mended = ledger.run();
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, mended.outcome());
        assertEquals(1, mended.newLeaves());
    }

    @Test
    void rowsThatWaitedMoreThanTwoIntervalsAreCountedLateAndCheckpointedWithoutAnIntegrityWarning() {
        ledger.run();
        // Given a row dated after the last checkpoint, and the next run ten minutes later (the schedule stalled)
        ledger.record(EventBuilder.billing().timestampIso(ledger.clock.instant().plusSeconds(30).toString()));
        ledger.clock.advance(Duration.ofMinutes(10));

        LedgerReport late = ledger.run();

        // Then it is committed, counted late (LedgerLateRows), and not a warning: LedgerWarnings pages for the
        // ledger's integrity, which an outage of the schedule or the database does not touch
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, late.outcome());
        assertEquals(2, late.lateRows()); // the audit row and the billing row
        assertEquals(List.of(), late.warnings());
    }

    @Test
    void aBacklogLargerThanACheckpointTakesIsCommittedInPartsEachRowExactlyOnceAndATransactionHeldOpenAcrossThemToo()
            throws Exception {
        // Given a run that takes at most 10 rows a checkpoint (the function's is Checkpointer.MAX_ROWS), the genesis,
        // a transaction that inserted a row and stays open, and a backlog of six transactions of six rows each
        Checkpointer bounded = bounded(10);
        bounded.run();
        try (Connection open = ledger.db.dataSource().getConnection()) {
            open.setAutoCommit(false);
            try (Statement s = open.createStatement()) {
                s.execute("INSERT INTO billing.fraud_events (event_id, time_stamp, session_id, hashed_persistent_id, "
                        + "request_id, entity_id, fraud_event_id, fraud_indicator, transaction_entity_id) VALUES "
                        + "('held', '2026-12-07 03:59', 's', 'p', 'r', 'e', 'f', 'FI01', 't')");
            }
            for (int batch = 0; batch < 6; batch++) {
                ledger.record(EventBuilder.billing(), EventBuilder.billing(), EventBuilder.billing());
            }

            // When a run meets the backlog
            LedgerReport backlog = bounded.run();

            // Then it commits it in checkpoints of at most 10 rows (a transaction is never split), all of it here
            assertEquals(LedgerReport.Outcome.CHECKPOINTED, backlog.outcome());
            assertEquals(36, backlog.newLeaves());
            List<CheckpointObject> objects = ledger.objects();
            assertTrue(objects.size() >= 4, objects.size() + " checkpoints");
            for (CheckpointObject o : objects) {
                assertTrue(o.entries().size() <= 10, o.entries().size() + " entries in " + o.checkpoint().sequence());
            }
            open.commit();
        }
        // And the row of the transaction that stayed open through every part is in the next, once; then nothing
        LedgerReport held = bounded.run();
        assertEquals(1, held.newLeaves());
        assertEquals(LedgerReport.Outcome.IDLE, bounded.run().outcome());
        List<LeafEntry> published = ledger.publishedEntries();
        assertEquals(37, published.size());
        assertEquals(37, published.stream().map(e -> e.table() + " " + e.key()).distinct().count());
        assertEquals(List.of(), ledger.auditBucket());
    }

    @Test
    void aBacklogOfRowsAndChangesCommittedInPartsGivesEachRowOneRecordedLeafAndEachChangeItsLatestState()
            throws Exception {
        Checkpointer bounded = bounded(3);
        bounded.run();
        // Given a backlog: three transactions of two rows, then a DELETE of the first's billing row and an UPDATE of
        // the last's, each its own transaction
        String first = ledger.record(EventBuilder.billing()).get(0).eventId();
        ledger.record(EventBuilder.billing());
        String last = ledger.record(EventBuilder.billing()).get(0).eventId();
        ledger.db.admin("DELETE FROM billing.billing_events WHERE event_id = '" + first + "'");
        ledger.db.admin("UPDATE billing.billing_events SET request_id = 'changed' WHERE event_id = '" + last + "'");

        LedgerReport backlog = bounded.run();

        // Then in parts, each at most one transaction over the bound
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, backlog.outcome());
        assertTrue(ledger.objects().size() >= 4, ledger.objects().size() + " checkpoints");
        assertEquals(LedgerReport.Outcome.IDLE, bounded.run().outcome());
        List<LeafEntry> published = ledger.publishedEntries();
        List<String> recorded = published.stream().filter(e -> e.kind() == LeafEntry.Kind.RECORDED)
                .map(e -> e.table() + " " + e.key()).toList();
        assertEquals(recorded.size(), new HashSet<>(recorded).size(), "a row recorded twice: " + recorded);
        assertEquals(5, recorded.size(), recorded.toString()); // 3 audit rows, 2 billing rows still there
        Map<String, LeafEntry> latest = published.stream()
                .collect(Collectors.toMap(e -> e.table() + " " + e.key(), e -> e, (a, b) -> b));
        assertEquals(LeafEntry.Kind.REMOVED, latest.get("billing.billing_events [" + first + "]").kind());
        LeafEntry changed = latest.get("billing.billing_events [" + last + "]");
        byte[] recordedHash = published.stream().filter(e -> e.kind() == LeafEntry.Kind.RECORDED
                && e.key().equals(List.of(last)) && e.table().equals("billing.billing_events")).findFirst()
                .orElseThrow().rowHash();
        // the row as it is now: the UPDATE is in the leaf that holds it last, whichever part took it
        assertArrayEquals(recordedHash, changed.rowHash());
        assertEquals(List.of(), ledger.auditBucket());
    }

    @Test
    void aBacklogsPartWhoseLeafTheDatabaseStoresOtherwiseThanTheRunHashedItIsNeverWrittenToTheBucket()
            throws Exception {
        // Given a run that takes at most 16 rows a checkpoint, the genesis, and a backlog of three transactions of 8,
        // 8 and 3 rows: two checkpoints in one run, the first of 16 leaves (a stored node holds them all)
        Checkpointer bounded = bounded(16);
        bounded.run();
        auditRows("bulk-", "2026-12-07 03:00", 8);
        auditRows("more-", "2026-12-07 03:00", 8);
        auditRows("next-", "2026-12-07 03:01", 3);
        // and the database storing leaf 0 otherwise than the run streams it (any difference between what a run
        // wrote and what the database holds: here a trigger the tables' owner added)
        ledger.db.admin("CREATE FUNCTION public.review_forge() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        + "IF NEW.position = 0 THEN NEW.row_key[1] := 'forged'; END IF; RETURN NEW; END $$",
                "CREATE TRIGGER review_forge BEFORE INSERT ON ledger.leaves FOR EACH ROW EXECUTE FUNCTION "
                        + "public.review_forge()");
        try {
            // When the run takes the backlog
            LedgerReport backlog = bounded.run();

            // Then it stops before writing the first part's object, whose leaf 0 the database holds otherwise than
            // the hash it signed: the bucket never holds the changed leaf under that signature
            assertEquals(LedgerReport.Outcome.STOPPED, backlog.outcome(), backlog.toString());
            assertEquals(List.of("the database's leaf 0 does not hash to its stored leaf hash: its row was changed "
                    + "after it was written"), backlog.warnings());
            assertEquals(1, ledger.objects().size(), "the genesis alone");
            // And so does the next run, which finds the part still to be published
            assertEquals(LedgerReport.Outcome.STOPPED, bounded.run().outcome());
        } finally {
            ledger.db.admin("DROP TRIGGER review_forge ON ledger.leaves", "DROP FUNCTION public.review_forge()");
        }
    }

    @Test
    void aBacklogWhoseFirstTransactionAloneIsLargerThanACheckpointTakesStillLeavesTheTransactionsAfterItForLaterParts()
            throws Exception {
        // Given a run that takes at most 10 rows a checkpoint, the genesis, and a backlog in one table: a transaction
        // of 20 rows, then one of 3
        Checkpointer bounded = bounded(10);
        bounded.run();
        auditRows("big-", "2026-12-07 03:00", 20);
        auditRows("after-", "2026-12-07 03:01", 3);

        bounded.run();

        // Then the large transaction is a checkpoint of its own (never split), and the rest another: the bound still
        // holds after it (the xids each table's query returns are its lowest 11, all the large transaction's here)
        assertEquals(List.of(0, 20, 3), ledger.objects().stream().map(o -> o.entries().size()).toList());
    }

    @Test
    void aSnapshotSeenThroughABoundSeesWhatItSawBelowTheBoundAndNothingAbove() {
        assertEquals("100:110:100,105,108", Checkpointer.below("100:110:100,105,108", 110));
        assertEquals("100:106:100,105", Checkpointer.below("100:110:100,105,108", 106));
        assertEquals("90:90:", Checkpointer.below("100:110:100,105,108", 90));
        assertEquals("100:101:100", Checkpointer.below("100:110:100,105,108", 101));
    }

    private static LeafEntry only(Map<String, LeafEntry> latest, String table) {
        List<LeafEntry> found = new ArrayList<>(latest.values().stream().filter(e -> e.table().equals(table))
                .toList());
        assertEquals(1, found.size(), table + ": " + found);
        return found.get(0);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** A run that takes at most {@code maxRows} rows a checkpoint, on the test bed's database, bucket and key. */
    private Checkpointer bounded(int maxRows) {
        return new Checkpointer(ledger.db.dataSource(), ledger.s3, new ManifestSigner(ledger.kms, ledger.keyId),
                new Checkpointer.Settings(ledger.bucket, ledger.prefix, Duration.ofSeconds(60), maxRows), ledger.clock);
    }

    /** {@code n} audit rows in one transaction, their ids the prefix and a number. */
    private void auditRows(String prefix, String time, int n) {
        ledger.db.admin("INSERT INTO audit.audit_events SELECT '" + prefix + "' || g, '" + time + "', 'hub', NULL, "
                + "'session_event', NULL FROM generate_series(1, " + n + ") g");
    }
}
