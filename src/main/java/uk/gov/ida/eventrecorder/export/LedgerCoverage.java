package uk.gov.ida.eventrecorder.export;

import uk.gov.ida.eventrecorder.digest.Manifest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What a run's manifests say of the ledger (the auditor's guide, "The ledger and the export"): the latest published
 * checkpoint the run's snapshot can see, whose rows are therefore all in the run's snapshot, and for each part how
 * many of its rows no checkpoint is expected to cover yet: those recorded before the ledger began (genesis's
 * snapshot could see them, or they have no {@link ExportedTable#RECORDED_XID}) and those that checkpoint's snapshot
 * could not see. The export role reads {@code ledger.checkpoints} only.
 */
public final class LedgerCoverage {
    private final long sequence;
    private final long size;
    private final String root;
    private final Snapshot genesis;
    private final Snapshot checkpoint;

    private LedgerCoverage(long sequence, long size, byte[] root, Snapshot genesis, Snapshot checkpoint) {
        this.sequence = sequence;
        this.size = size;
        this.root = HexFormat.of().formatHex(root);
        this.genesis = genesis;
        this.checkpoint = checkpoint;
    }

    /**
     * The ledger as the transaction's snapshot sees it; empty where the database has no ledger or no genesis yet, or
     * where the export's role may not read it (then {@code warn} is told: a statement refused would end the run's
     * transaction, so the privileges are asked first, by oid, which needs no privilege on the schema).
     */
    public static Optional<LedgerCoverage> read(Connection c, java.util.function.Consumer<String> warn)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT has_schema_privilege(n.oid, 'USAGE') "
                + "AND has_table_privilege(r.oid, 'SELECT') FROM pg_class r JOIN pg_namespace n "
                + "ON n.oid = r.relnamespace WHERE n.nspname = 'ledger' AND r.relname = 'checkpoints'");
             ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            if (!rs.getBoolean(1)) {
                warn.accept("the export's role may not read ledger.checkpoints (USAGE on schema ledger, SELECT on "
                        + "the table: docs/deploying.md): its manifests name no checkpoint, and verify cannot tie "
                        + "their rows to the ledger");
                return Optional.empty();
            }
        }
        String genesis;
        try (PreparedStatement s = c.prepareStatement("SELECT snapshot FROM ledger.checkpoints WHERE sequence = 0 "
                + "AND published_at IS NOT NULL"); ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            genesis = rs.getString(1);
        }
        // Published only: a checkpoint committed but not yet written to the bucket (its run stopped between the two)
        // is one an auditor could not find.
        try (PreparedStatement s = c.prepareStatement("SELECT sequence, tree_size, root, snapshot FROM "
                + "ledger.checkpoints WHERE published_at IS NOT NULL ORDER BY sequence DESC LIMIT 1");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return Optional.of(new LedgerCoverage(rs.getLong(1), rs.getLong(2), rs.getBytes(3),
                    Snapshot.parse(genesis), Snapshot.parse(rs.getString(4))));
        }
    }

    /** One part's count of the rows its checkpoint need not cover, row by row as the part is written. */
    public final class Tally {
        private long beforeLedger;
        private long afterCheckpoint;

        /** @param recordedXid the row's {@link ExportedTable#RECORDED_XID} (null: recorded before the column) */
        public void count(Long recordedXid) {
            if (recordedXid == null || genesis.sees(recordedXid)) {
                beforeLedger++;
            } else if (!checkpoint.sees(recordedXid)) {
                afterCheckpoint++;
            }
        }

        public Manifest.Ledger field() {
            return new Manifest.Ledger(sequence, size, root, beforeLedger, afterCheckpoint);
        }
    }

    public Tally tally() {
        return new Tally();
    }

    /** True when a transaction had finished before the snapshot (its text, as the ledger stores it) was taken. */
    public static boolean visible(String snapshot, long xid) {
        return Snapshot.parse(snapshot).sees(xid);
    }

    /**
     * {@code pg_current_snapshot()}'s text, {@code xmin:xmax:xip,…}, and the test {@code pg_visible_in_snapshot}
     * makes of a transaction id: finished before the snapshot was taken (below xmin, or below xmax and not in
     * progress) (<a href="https://www.postgresql.org/docs/15/functions-info.html#FUNCTIONS-PG-SNAPSHOT">PostgreSQL</a>).
     */
    public record Snapshot(long xmin, long xmax, long[] inProgress) {
        /** @throws IllegalArgumentException (also a NumberFormatException) for text that is no pg_snapshot */
        public static Snapshot parse(String text) {
            String[] parts = text.split(":", -1);
            if (parts.length != 3) {
                throw new IllegalArgumentException("not a pg_snapshot: " + parts.length + " field(s)");
            }
            long[] xip = parts[2].isEmpty() ? new long[0]
                    : Arrays.stream(parts[2].split(",")).mapToLong(Long::parseLong).sorted().toArray();
            return new Snapshot(Long.parseLong(parts[0]), Long.parseLong(parts[1]), xip);
        }

        boolean sees(long xid) {
            return xid < xmin || xid < xmax && Arrays.binarySearch(inProgress, xid) < 0;
        }

        /**
         * True when every transaction {@code earlier} had seen finish, this one sees finished too: nothing at or
         * beyond earlier's xmax, and of those this one sees in progress, none that earlier saw finish.
         */
        public boolean seesAllOf(Snapshot earlier) {
            if (earlier.xmax > xmax) {
                return false;
            }
            for (long xid : inProgress) {
                if (earlier.sees(xid)) {
                    return false;
                }
            }
            return true;
        }
    }
}
