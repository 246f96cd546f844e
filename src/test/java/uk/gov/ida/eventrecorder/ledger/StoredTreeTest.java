package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The leaves a run writes are the entries it hashed, column for column, whatever their keys hold: they travel to the
 * database as a binary COPY stream, and a key with a tab, a newline, a quote, a backslash, braces or a comma (all
 * special to COPY's text format or to an array literal) must arrive as it left. A leaf whose columns differ from its
 * hash stops the next run, so a mangled key would stop the ledger.
 */
class StoredTreeTest {
    private final TestDatabase db = TestDatabase.get();

    @Test
    void leavesWithKeysThatTextFormatsWouldMangleAreStoredAsTheirEntriesSay() throws Exception {
        db.truncateAll();
        List<LeafEntry> entries = List.of(
                entry(LeafEntry.Kind.RECORDED, "audit.audit_events", List.of("tab\there", "2026-12-07T10:00:00Z")),
                entry(LeafEntry.Kind.REVISED, "billing.billing_events", List.of("new\nline\r\"quoted\" \\back\\")),
                entry(LeafEntry.Kind.RECORDED, "billing.fraud_events", List.of("{braces,comma}")),
                entry(LeafEntry.Kind.RECORDED, "audit.audit_events", List.of("NULL", "\\N")),
                LeafEntry.removed("idp_data.idp_fraud_event_contraindicators", "2026-12-06", List.of("42", "ünï ✓")),
                entry(LeafEntry.Kind.RECORDED, "billing.fraud_events", List.of("")));
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            StoredTree tree = new StoredTree(c, 0);
            entries.forEach(tree::append);
            tree.write();
            c.commit();
        }

        List<LeafEntry> stored = new ArrayList<>();
        List<byte[]> hashes = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement("SELECT "
                + "position, leaf_hash, kind, table_name, day, row_key, row_hash FROM ledger.leaves ORDER BY 1");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                assertEquals(stored.size(), rs.getLong(1));
                stored.add(StoredTree.leaf(rs));
                hashes.add(rs.getBytes(2));
            }
        }
        assertEquals(entries.size(), stored.size());
        for (int i = 0; i < entries.size(); i++) {
            assertEquals(entries.get(i).kind(), stored.get(i).kind(), "leaf " + i);
            assertEquals(entries.get(i).table(), stored.get(i).table(), "leaf " + i);
            assertEquals(entries.get(i).day(), stored.get(i).day(), "leaf " + i);
            assertEquals(entries.get(i).key(), stored.get(i).key(), "leaf " + i);
            assertArrayEquals(entries.get(i).rowHash(), stored.get(i).rowHash(), "leaf " + i);
            assertArrayEquals(entries.get(i).leafHash(), hashes.get(i), "leaf " + i);
        }
    }

    @Test
    void aLargeCopyOvertakenByLeavesAnotherRunCommittedFailsAsAUniqueViolation() throws Exception {
        // Given leaf 0 committed by another run (this one's lock lost meanwhile)
        db.truncateAll();
        try (Connection other = db.dataSource().getConnection()) {
            other.setAutoCommit(false);
            StoredTree tree = new StoredTree(other, 0);
            tree.append(entry(LeafEntry.Kind.RECORDED, "audit.audit_events", List.of("theirs")));
            tree.write();
            other.commit();
        }
        // When this run streams a checkpoint's worth of leaves from position 0: megabytes, so that the server's
        // error reaches the driver while the stream is still being written, not at its end
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            StoredTree tree = new StoredTree(c, 0);
            for (int i = 0; i < Checkpointer.MAX_ROWS; i++) {
                tree.append(entry(LeafEntry.Kind.RECORDED, "audit.audit_events", List.of("ours-" + i,
                        "2026-12-07T10:00:00.000000Z")));
            }
            java.sql.SQLException failed = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    tree::write);
            c.rollback();
            // Then the caller sees the database's unique violation, which Checkpointer counts as an overtaken run
            assertEquals("23505", failed.getSQLState(), failed.toString());
        }
    }

    private static LeafEntry entry(LeafEntry.Kind kind, String table, List<String> key) {
        return new LeafEntry(kind, table, "2026-12-07", key, HexFormat.of().parseHex(
                "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
    }
}
