package uk.gov.ida.eventrecorder.verification;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.testing.ExportFixture;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_1;
import static uk.gov.ida.eventrecorder.verification.LedgerVerifierTest.checkpoint;
import static uk.gov.ida.eventrecorder.verification.LedgerVerifierTest.fixture;

/**
 * How verify-event finds a row's leaf without an index of the leaves by row: from the row's recorded_xid, the changes
 * noted under its key, and the checkpoints' snapshots, none of which a checkpoint signs. What it must still say when
 * those are honest but unusual, and when someone with the database owner's rights has changed them.
 */
class EventProofsLookupTest {
    private static final String EVENT = "evt-lookup-1";
    private static final String BEFORE_LEDGER = " was recorded before the ledger began: the export chain proves it, "
            + "no leaf will";

    @Test
    void aRowFromBeforeTheLedgerIsNotCalledAChangedLedgerBecauseASiblingRowOfItsEventWasUpdatedLater() {
        // Given two audit rows of one event, both recorded before the genesis
        ExportFixture f = fixture(false);
        f.seed();
        checkpoint(f);
        // When one of them is updated (honestly, noted) and the next checkpoint takes the change
        f.db.admin("UPDATE audit.audit_events SET details = '{\"b\": 1}' WHERE event_id = 'ev-2-" + DAY_1 + "' "
                + "AND time_stamp = '" + DAY_1 + " 00:00:00'");
        checkpoint(f);

        EventProofs.Outcome outcome = prove(f, "ev-2-" + DAY_1);

        // Then the updated row is proved by its REVISED leaf, and the other is before the ledger, not tampering
        assertEquals(1, outcome.proofs().size());
        assertEquals(List.of("audit.audit_events event_id=ev-2-" + DAY_1 + " time_stamp=" + DAY_1
                + "T23:59:59.999999Z" + BEFORE_LEDGER), outcome.unproved());
    }

    @Test
    void aRowWithNoRecordedXidOnADatabaseWhoseLedgerHasNotBegunIsSaidToWaitAndDoesNotBlameMissingCheckpoints() {
        // Given a row recorded before V9 gave rows their transaction, and no ledger run yet (no genesis)
        ExportFixture f = fixture(false);
        f.db.admin("INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, event_type, "
                + "recorded_xid) VALUES ('" + EVENT + "', '" + DAY_1 + " 10:00', 'hub', 'session_event', NULL)");

        // Then verify-event says why it cannot prove it, rather than throwing "rows removed from ledger.checkpoints"
        EventProofs.Outcome outcome = assertDoesNotThrow(() -> prove(f, EVENT));
        assertEquals(1, outcome.unproved().size());
    }

    @Test
    void aCheckpointThatTookARowsChangeButHoldsNoLeafOfItIsSaidToBeAChangedLedgerEvenWhenAnEarlierLeafMatches() {
        // Given an event whose billing row was changed, honestly, and whose change the ledger took (a REVISED leaf)
        ExportFixture f = withEvent();
        f.db.admin("UPDATE billing.billing_events SET transaction_entity_id = 'rp-b' WHERE event_id = '" + EVENT + "'");
        checkpoint(f);
        // When the database's owner re-keys that REVISED leaf (its hashes stay, so every root still holds) and puts
        // the row back, unnoted
        f.db.admin("UPDATE ledger.leaves SET row_key = ARRAY['another'] WHERE table_name = 'billing.billing_events' "
                        + "AND kind = 1",
                "SET session_replication_role = replica",
                "UPDATE billing.billing_events SET transaction_entity_id = 'rp-a' WHERE event_id = '" + EVENT + "'",
                "RESET session_replication_role");

        EventProofs.Outcome outcome = prove(f, EVENT);

        // Then, as docs/design.md says ("A checkpoint that took the row's transaction but holds no leaf of the row
        // is a changed ledger, and is said so"), it is said
        assertTrue(outcome.unproved().stream().anyMatch(u -> u.startsWith("billing.billing_events")
                && u.contains("the database's ledger was changed")), outcome.unproved().toString());
    }

    @Test
    void aRowAlteredUnnotedWithItsRecordedXidClearedIsNotSaidToBeBeforeTheLedger() {
        // Given an event the ledger holds
        ExportFixture f = withEvent();
        // When the database's owner changes its billing row unnoted and clears its recorded_xid
        f.db.admin("SET session_replication_role = replica",
                "UPDATE billing.billing_events SET transaction_entity_id = 'rp-x', recorded_xid = NULL "
                        + "WHERE event_id = '" + EVENT + "'",
                "RESET session_replication_role");

        EventProofs.Outcome outcome = prove(f, EVENT);

        // Then verify-event does not explain it away: the row has a leaf, from which it differs
        assertEquals(1, outcome.unproved().size(), outcome.unproved().toString());
        assertFalse(outcome.unproved().get(0).endsWith(BEFORE_LEDGER), outcome.unproved().get(0));
    }

    @Test
    void aGenesisSnapshotWidenedInTheDatabaseDoesNotMakeAnAlteredRowBeforeTheLedger() {
        // Given an event the ledger holds
        ExportFixture f = withEvent();
        // When the database's owner changes its billing row unnoted, and widens the genesis's snapshot (which no
        // checkpoint signs, and which a run compares with the bucket only while the genesis is the last checkpoint)
        f.db.admin("SET session_replication_role = replica",
                "UPDATE billing.billing_events SET transaction_entity_id = 'rp-x' WHERE event_id = '" + EVENT + "'",
                "RESET session_replication_role",
                "UPDATE ledger.checkpoints SET snapshot = '9000000000:9000000000:' WHERE sequence = 0");

        EventProofs.Outcome outcome = prove(f, EVENT);

        // Then the altered row is not explained away as before the ledger
        assertTrue(outcome.unproved().stream().noneMatch(u -> u.endsWith(BEFORE_LEDGER)), outcome.unproved().toString());
        assertTrue(outcome.unproved().stream().anyMatch(u -> u.startsWith("billing.billing_events")),
                outcome.unproved().toString());
    }

    // ---- helpers

    /** A ledger begun before an event whose audit, billing and fraud rows the next checkpoint holds. */
    @Test
    void aRowDatedAfterTheLedgerBeganThatClaimsToBeOlderThanItIsSaidToBeAChangedDatabase() {
        // Given a ledger begun now, and a row dated two hours later with no recorded_xid (as only rows recorded
        // before V9 have), which no leaf holds
        ExportFixture f = fixture(false);
        checkpoint(f);
        f.db.admin("INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, event_type, "
                + "recorded_xid) VALUES ('" + EVENT + "', (now() AT TIME ZONE 'UTC') + interval '2 hours', 'hub', "
                + "'session_event', NULL)");

        EventProofs.Outcome outcome = prove(f, EVENT);

        // Then it is not excused as older than the ledger
        assertEquals(1, outcome.unproved().size());
        assertTrue(outcome.unproved().get(0).matches("audit\\.audit_events event_id=" + EVENT + " time_stamp=\\S+ "
                + "has no recorded_xid, which only rows recorded before the ledger lack, but is dated \\S+Z, after "
                + "the ledger began \\(\\S+\\): the row or the database's ledger was changed \\(run verify on the "
                + "bucket\\)"), outcome.unproved().get(0));
    }

    @Test
    void aRowNamingATransactionThatHasNotBegunIsSaidToBeChangedNotToWaitForACheckpoint() {
        ExportFixture f = withEvent();
        f.db.admin("UPDATE billing.billing_events SET recorded_xid = 1000000000000 WHERE event_id = '" + EVENT + "'");

        EventProofs.Outcome outcome = prove(f, EVENT);

        assertEquals(List.of("billing.billing_events event_id=" + EVENT + " names transaction 1000000000000 (its "
                + "recorded_xid or a change noted under its key), which had not begun when this proof's snapshot was "
                + "taken: the row or the database's ledger was changed (run verify on the bucket)"),
                outcome.unproved());
    }

    private static ExportFixture withEvent() {
        return EventProofsTest.withEvent(EVENT);
    }

    private static EventProofs.Outcome prove(ExportFixture f, String eventId) {
        return EventProofsTest.prove(f, eventId);
    }
}
