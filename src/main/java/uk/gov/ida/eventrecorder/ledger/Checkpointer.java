package uk.gov.ida.eventrecorder.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import uk.gov.ida.eventrecorder.OutsideCall;
import uk.gov.ida.eventrecorder.digest.ColumnType;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.digest.RowDigest;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.TableColumns;
import uk.gov.ida.eventrecorder.export.TableRows;

import javax.sql.DataSource;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One run of the ledger's checkpoint (docs/design.md, "The ledger"), as the schedule starts it every minute:
 * <ol>
 *   <li>takes the ledger's advisory lock on a connection of its own; another run holding it, this one returns;</li>
 *   <li>writes to the bucket any checkpoint a run committed but did not write (it stopped in between);</li>
 *   <li>checks the past: the bucket's last checkpoint is the database's last, byte for byte, and the root the
 *       database's leaves and nodes give is the one signed; otherwise it warns and appends nothing;</li>
 *   <li>in one REPEATABLE READ transaction, finds the rows its snapshot sees and the last checkpoint's could not, and
 *       the keys an UPDATE or DELETE changed since; appends them as leaves, signs the new tree head with KMS and
 *       commits it (a KMS or database failure rolls all of it back);</li>
 *   <li>writes the checkpoint's object once ({@code If-None-Match: *}), then marks it published.</li>
 * </ol>
 * Each write is one that only one writer can win (the lock, the checkpoint's and leaves' keys, the conditional PUT),
 * and each step begins by finishing or checking what the one before it left, so a run may stop anywhere.
 */
public final class Checkpointer {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    /** The ledger's advisory lock ({@code pg_try_advisory_lock}): "LEDGER" in ASCII, then 1. */
    public static final long LOCK = 0x4C45444745520001L;

    /**
     * The rows (and noted changes) one checkpoint takes at most, give or take one transaction's: a backlog larger than
     * this (after an outage) is committed in checkpoints of about this size, several a run, so that each fits well
     * within the function's time and the database's statement timeout, and the backlog drains.
     */
    public static final int MAX_ROWS = 20_000;
    /** A run that took a part of a backlog goes on to the next part while it has run less than this. */
    static final long BACKLOG_MILLIS = 20_000;

    /**
     * @param bucket   the export bucket
     * @param prefix   the export's folder in it: checkpoints go under {@code <prefix>_ledger/}
     * @param interval how often the schedule runs: rows that waited more than two intervals are counted late
     * @param maxRows  {@link #MAX_ROWS}, or fewer (tests)
     */
    public record Settings(String bucket, String prefix, Duration interval, int maxRows) {
        public Settings(String bucket, String prefix, Duration interval) {
            this(bucket, prefix, interval, MAX_ROWS);
        }
    }

    private final DataSource dataSource;
    private final S3Client s3;
    private final ManifestSigner signer;
    private final Settings settings;
    private final Clock clock;

    public Checkpointer(DataSource dataSource, S3Client s3, ManifestSigner signer, Settings settings, Clock clock) {
        this.dataSource = dataSource;
        this.s3 = s3;
        this.signer = signer;
        this.settings = settings;
        this.clock = clock;
    }

    /** The ledger disagrees with itself or with the bucket: the run warns and appends nothing. */
    private static final class Stop extends RuntimeException {
        Stop(String message) {
            super(message, null, false, false);
        }
    }

    /** A checkpoint as the database holds it. */
    private record Stored(long sequence, long size, byte[] root, String snapshot, String note, String keyId,
                          byte[] signature, byte[] consistency, boolean published) {
        Checkpoint checkpoint() {
            Checkpoint checkpoint;
            try {
                checkpoint = Checkpoint.parse(note);
            } catch (LedgerFormatException e) {
                throw new Stop("the database's checkpoint " + sequence + " does not parse: " + e.getMessage());
            }
            if (checkpoint.sequence() != sequence || checkpoint.size() != size
                    || !Arrays.equals(checkpoint.root(), root)) {
                throw new Stop("the database's checkpoint " + sequence + " does not match its own signed text");
            }
            return checkpoint;
        }
    }

    /**
     * One run.
     *
     * @throws SQLException when the database fails; nothing is left half done (the next run carries on)
     */
    public LedgerReport run() throws SQLException {
        long started = System.nanoTime();
        try (Connection lock = dataSource.getConnection()) {
            if (!advisoryLock(lock, "pg_try_advisory_lock")) {
                LOG.info("another ledger run holds the lock: this one does nothing");
                return new LedgerReport(LedgerReport.Outcome.BUSY, -1, 0, 0, 0, List.of(), 0, millis(started));
            }
            try (Connection c = dataSource.getConnection()) {
                return locked(c, started);
            } finally {
                unlock(lock);
            }
        }
    }

    private LedgerReport locked(Connection c, long started) throws SQLException {
        int published = 0;
        List<String> warnings = new ArrayList<>();
        long[] lateRows = new long[1];
        Optional<Stored> last;
        try {
            // 2. What an earlier run committed but did not write.
            for (Stored pending : stored(c, "WHERE published_at IS NULL ORDER BY sequence")) {
                publish(c, pending, Optional.empty());
                published++;
            }
            // 3. The past.
            last = stored(c, "ORDER BY sequence DESC LIMIT 1").stream().findFirst();
            if (last.isPresent()) {
                checkPast(c, last.get());
            } else {
                checkNoLedgerInBucket();
            }
        } catch (Stop | StoredTree.Tampered e) {
            return stopped(e.getMessage(), published, started);
        } catch (StoredTree.StoreFailure e) {
            throw e.sql();
        }
        // 4. The new checkpoint; a backlog larger than a checkpoint takes, a part at a time while the run has time.
        Appended appended = null;
        long newLeaves = 0;
        Optional<Instant> waitedSince = last.map(l -> l.checkpoint().time());
        while (true) {
            Appended next = null;
            try {
                next = append(c, last, waitedSince, lateRows);
            } catch (SQLException e) {
                if (uniqueViolation(e)) {
                    Optional<Stored> l = last;
                    LOG.info("another ledger run wrote checkpoint {} first (this run's lock was lost meanwhile): this "
                            + "run's is rolled back", l.map(s -> s.sequence() + 1).orElse(0L));
                    return new LedgerReport(LedgerReport.Outcome.OVERTAKEN, l.map(Stored::sequence).orElse(-1L),
                            l.map(Stored::size).orElse(0L), newLeaves, published, warnings, lateRows[0],
                            millis(started));
                }
                throw e;
            } catch (StoredTree.Tampered e) {
                return stopped(e.getMessage(), published, started);
            } catch (StoredTree.StoreFailure e) {
                throw e.sql();
            }
            if (next == null) {
                break;
            }
            // 5. Its object.
            try {
                // A run's own entries make the object only when the next run will compare it with the database
                // byte for byte, which it does for the last checkpoint alone: a backlog's parts are read back.
                publish(c, next.stored(), next.part() ? Optional.empty() : Optional.of(next.entries()));
                published++;
            } catch (Stop | StoredTree.Tampered e) {
                return stopped(e.getMessage(), published, started);
            }
            appended = next;
            newLeaves += next.newLeaves();
            last = Optional.of(next.stored());
            LOG.info("ledger checkpoint {}: {} leaves, {} new{}", next.stored().sequence(), next.stored().size(),
                    next.newLeaves(), next.part() ? " (a part of a backlog)" : "");
            if (!next.part() || millis(started) >= BACKLOG_MILLIS) {
                break;
            }
        }
        if (appended == null) {
            Stored l = last.orElseThrow();
            return new LedgerReport(LedgerReport.Outcome.IDLE, l.sequence(), l.size(), 0, published, warnings, 0,
                    millis(started));
        }
        if (appended.part()) {
            LOG.info("ledger: rows wait beyond checkpoint {}, a part of a backlog: the next run goes on",
                    appended.stored().sequence());
        }
        return new LedgerReport(LedgerReport.Outcome.CHECKPOINTED, appended.stored().sequence(),
                appended.stored().size(), newLeaves, published, warnings, lateRows[0], millis(started));
    }

    private static LedgerReport stopped(String why, int published, long started) {
        LOG.error("the ledger stopped: {}. No checkpoint is appended until this is resolved (docs/operating.md, "
                + "\"LedgerWarnings\")", why);
        return new LedgerReport(LedgerReport.Outcome.STOPPED, -1, 0, 0, published, List.of(why), 0, millis(started));
    }

    /** @param part the checkpoint took a backlog's first part: rows below a bound; more wait */
    /** @param entries the checkpoint's entries, as this run wrote them: its object, without reading them back */
    private record Appended(Stored stored, long newLeaves, boolean part, List<LeafEntry> entries) {
    }

    /** Step 4: the new checkpoint, committed; null when there is nothing new. */
    private Appended append(Connection c, Optional<Stored> last, Optional<Instant> waitedSince, long[] lateRows)
            throws SQLException {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try {
            // The transaction's snapshot is taken by its first statement: every read below sees exactly it.
            String snapshot = single(c, "SELECT pg_current_snapshot()::text");
            Instant now = clock.instant();
            Checkpoint checkpoint;
            StoredTree tree;
            List<byte[]> consistency;
            String stored = snapshot;
            long below = Long.MAX_VALUE;
            if (last.isEmpty()) {
                // The genesis: rows this snapshot sees are before the ledger (the export's chain proves them).
                checkpoint = Checkpoint.genesis(now);
                tree = new StoredTree(c, 0);
                consistency = List.of();
            } else {
                Stored previous = last.get();
                tree = new StoredTree(c, previous.size());
                long xmin;
                try (PreparedStatement s = c.prepareStatement("SELECT pg_snapshot_xmin(?::pg_snapshot)::text")) {
                    s.setString(1, previous.snapshot());
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        xmin = Long.parseLong(rs.getString(1));
                    }
                }
                Instant previousTime = waitedSince.orElseGet(() -> previous.checkpoint().time());
                Stall stall = new Stall(previousTime, now, settings.interval());
                below = bound(c, xmin, previous.snapshot(), settings.maxRows());
                if (below != Long.MAX_VALUE) {
                    // A backlog's first part: what the transactions below the bound wrote. The checkpoint's snapshot
                    // is this one's seen through the bound, so that the next finds exactly the rest.
                    stored = below(snapshot, below);
                }
                for (LeafEntry entry : entries(c, xmin, previous.snapshot(), below, stall)) {
                    tree.append(entry);
                }
                if (tree.size() == previous.size()) {
                    c.rollback();
                    return null;
                }
                if (stall.rows > 0) {
                    // Late, not wrong: runs failed or did not happen (an outage), and this one commits what waited.
                    // LedgerLateRows, apart from LedgerWarnings, whose alarm means the ledger's integrity.
                    LOG.warn("ledger: {} row(s) waited more than two schedule intervals ({} s) for a checkpoint: the "
                            + "previous was at {} (the schedule stalled, or runs failed)", stall.rows,
                            settings.interval().multipliedBy(2).toSeconds(), previousTime);
                    lateRows[0] += stall.rows;
                }
                tree.write();
                checkpoint = previous.checkpoint().next(tree.size(), MerkleTree.root(tree.size(), tree), now);
                consistency = MerkleTree.consistencyProof(previous.size(), tree.size(), tree);
            }
            // Signed inside the transaction: a KMS failure rolls back the leaves with it.
            byte[] signature = signer.signStatement(checkpoint.signedBytes());
            Stored row = new Stored(checkpoint.sequence(), checkpoint.size(), checkpoint.root(), stored,
                    checkpoint.text(), signer.keyId(), signature, concat(consistency), false);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO ledger.checkpoints (sequence, tree_size, root, "
                    + "snapshot, note, key_id, signature, consistency) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setLong(1, row.sequence());
                s.setLong(2, row.size());
                s.setBytes(3, row.root());
                s.setString(4, stored);
                s.setString(5, row.note());
                s.setString(6, row.keyId());
                s.setBytes(7, signature);
                s.setBytes(8, row.consistency());
                s.executeUpdate();
            }
            c.commit();
            return new Appended(row, tree.size() - last.map(Stored::size).orElse(0L), below != Long.MAX_VALUE,
                    tree.added());
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Rows that waited more than two intervals: dated after the previous checkpoint and before now less two. */
    private static final class Stall {
        private final LocalDateTime after;
        private final LocalDateTime before;
        private long rows;

        Stall(Instant previous, Instant now, Duration interval) {
            Instant late = now.minus(interval.multipliedBy(2));
            this.after = LocalDateTime.ofInstant(previous, ZoneOffset.UTC);
            this.before = previous.isBefore(late) ? LocalDateTime.ofInstant(late, ZoneOffset.UTC) : after;
        }

        void saw(LocalDateTime day) {
            if (day.isAfter(after) && day.isBefore(before)) {
                rows++;
            }
        }
    }

    /**
     * The entries of the rows recorded since the previous checkpoint's snapshot and of the keys changed since, table by
     * table: RECORDED in key order, then REVISED (a changed row as it is now; not one recorded in this same checkpoint,
     * whose RECORDED entry already is the row as it is now), then REMOVED (a changed key no row has now).
     */
    private static List<LeafEntry> entries(Connection c, long xmin, String snapshot, long below, Stall stall)
            throws SQLException {
        List<LeafEntry> entries = new ArrayList<>();
        for (ExportedTable table : ExportedTable.ALL) {
            Set<List<String>> recorded = new HashSet<>();
            TableColumns columns;
            try (TableRows rows = new TableRows(c, table, table.recordedSinceBelowQuery(), xmin, snapshot,
                    below)) {
                columns = rows.columns();
                RowDigest digest = new RowDigest(columns.types());
                for (Object[] row = rows.next(); row != null; row = rows.next()) {
                    List<String> key = columns.canonicalKey(row);
                    recorded.add(key);
                    stall.saw(rows.dayTime());
                    entries.add(new LeafEntry(LeafEntry.Kind.RECORDED, table.name(), day(rows.dayTime()), key,
                            digest.rowHash(row)));
                }
            }
            List<String> keyTypes = columns.keySqlTypes();
            try (TableRows rows = new TableRows(c, table, table.revisedSinceBelowQuery(keyTypes), table.name(),
                    xmin, snapshot, below)) {
                RowDigest digest = new RowDigest(columns.types());
                for (Object[] row = rows.next(); row != null; row = rows.next()) {
                    List<String> key = columns.canonicalKey(row);
                    if (!recorded.contains(key)) {
                        entries.add(new LeafEntry(LeafEntry.Kind.REVISED, table.name(), day(rows.dayTime()), key,
                                digest.rowHash(row)));
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement(table.removedSinceBelowQuery(keyTypes))) {
                s.setString(1, table.name());
                s.setLong(2, xmin);
                s.setString(3, snapshot);
                s.setLong(4, below);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        List<String> key = new ArrayList<>();
                        for (int i = 0; i < keyTypes.size(); i++) {
                            ColumnType type = columns.types().get(columns.keyIndexes()[i]);
                            key.add(type.canonical(TableRows.read(rs, i + 1, type)));
                        }
                        LocalDateTime day = rs.getObject(keyTypes.size() + 1, LocalDateTime.class);
                        if (day == null) {
                            // Its day is not known (a child row whose parent went first): not a row the ledger can
                            // place. Its key is noted in ledger.row_changes all the same.
                            LOG.warn("ledger: a removed row of {} has no day noted; no REMOVED leaf", table.name());
                            continue;
                        }
                        entries.add(LeafEntry.removed(table.name(), day(day), key));
                    }
                }
            }
        }
        return entries;
    }

    /**
     * The bound below which a backlog's first part lies: the lowest transaction id such that the rows and noted
     * changes of the transactions below it are more than {@code maxRows}, never below the previous snapshot's xmax
     * (every transaction below it that the previous checkpoint did not take, one still in progress then, is in this
     * part, so that the bound never goes back), and above at least one transaction's; {@link Long#MAX_VALUE} when
     * everything new fits. A transaction is never split.
     */
    private static long bound(Connection c, long xmin, String previous, int maxRows) throws SQLException {
        long floor = Long.parseLong(previous.split(":", -1)[1]);
        List<Long> xids = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        for (ExportedTable table : ExportedTable.ALL) {
            queries.add(table.recordedXidsSinceQuery());
        }
        queries.add(ExportedTable.CHANGED_XIDS_SINCE);
        // Below the lowest of the last ids read from each list cut short, every id is counted; at it, its own
        // transaction may have more rows than were read, and past it, any number.
        long exact = Long.MAX_VALUE;
        for (String query : queries) {
            try (PreparedStatement s = c.prepareStatement(query)) {
                s.setLong(1, xmin);
                s.setString(2, previous);
                s.setInt(3, maxRows + 1);
                int read = 0;
                long lastRead = 0;
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        lastRead = rs.getLong(1);
                        xids.add(lastRead);
                        read++;
                    }
                }
                if (read > maxRows) {
                    exact = Math.min(exact, lastRead);
                }
            }
        }
        if (xids.size() <= maxRows) {
            return Long.MAX_VALUE;
        }
        // Never past what was counted: the transaction at the edge is taken whole, what lies beyond waits.
        long cap = exact == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(exact + 1, floor);
        return Math.min(counted(xids, floor, maxRows), cap);
    }

    /** The bound the counted ids give: the first id (not below {@code floor}) whose rows would pass maxRows. */
    private static long counted(List<Long> xids, long floor, int maxRows) {
        // Each list holds its table's lowest maxRows + 1: the count below any id is exact up to where it passes
        // maxRows, which is as far as this looks.
        xids.sort(null);
        int taken = 0;
        for (int i = 0; i < xids.size(); ) {
            long xid = xids.get(i);
            int j = i;
            while (j < xids.size() && xids.get(j) == xid) {
                j++;
            }
            if (xid >= floor && taken > 0 && taken + (j - i) > maxRows) {
                return xid;
            }
            taken += j - i;
            i = j;
        }
        return Long.MAX_VALUE;
    }

    /**
     * A snapshot ({@code xmin:xmax:xip,…}) seen through a bound: it sees a transaction when the snapshot does and its
     * id is below the bound ({@code pg_visible_in_snapshot}'s test: below xmin, or below xmax and not in xip).
     */
    static String below(String snapshot, long bound) {
        String[] parts = snapshot.split(":", -1);
        long xmin = Long.parseLong(parts[0]);
        long xmax = Long.parseLong(parts[1]);
        if (bound >= xmax) {
            return snapshot;
        }
        long newMin = Math.min(xmin, bound);
        StringBuilder xip = new StringBuilder();
        if (!parts[2].isEmpty()) {
            for (String x : parts[2].split(",")) {
                if (Long.parseLong(x) < bound) {
                    xip.append(xip.length() == 0 ? "" : ",").append(x);
                }
            }
        }
        return newMin + ":" + bound + ":" + xip;
    }

    /**
     * A row's day as the export's layout writes it ({@link java.time.LocalDate#toString()}: {@code +10000-01-01}
     * beyond year 9999), or {@code infinity} / {@code -infinity}.
     */
    static String day(LocalDateTime time) {
        if (LocalDateTime.MAX.equals(time)) {
            return "infinity";
        }
        if (LocalDateTime.MIN.equals(time)) {
            return "-infinity";
        }
        return time.toLocalDate().toString();
    }

    /** Step 3: the bucket's last checkpoint is the database's, and the database's tree gives its root. */
    private void checkPast(Connection c, Stored last) {
        Checkpoint checkpoint = last.checkpoint();
        String key = LedgerLayout.checkpointKey(settings.prefix(), last.sequence());
        List<S3Object> later = s3.listObjectsV2(r -> r.bucket(settings.bucket())
                .prefix(LedgerLayout.ledgerPrefix(settings.prefix())).startAfter(key).maxKeys(1)
                .overrideConfiguration(OutsideCall.within(OutsideCall.S3))).contents();
        if (!later.isEmpty()) {
            throw new Stop("the bucket holds " + later.get(0).key() + " after the database's last checkpoint, "
                    + last.sequence() + ": the database is behind the bucket (restored from a backup, or a replica "
                    + "promoted without it), or another writer uses this prefix; appending would fork the ledger");
        }
        byte[] there;
        try {
            there = s3.getObjectAsBytes(r -> r.bucket(settings.bucket()).key(key)
                    .overrideConfiguration(OutsideCall.within(OutsideCall.S3))).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new Stop("the bucket has no " + key + ", which the database's checkpoint " + last.sequence()
                    + " says was written (a delete marker hides it, or the bucket or prefix changed)");
        }
        if (!Arrays.equals(there, object(c, last))) {
            throw new Stop(key + " in the bucket is not the database's checkpoint " + last.sequence()
                    + " byte for byte: one of the two was changed");
        }
        byte[] root = MerkleTree.root(checkpoint.size(), new StoredTree(c, checkpoint.size()));
        if (!Arrays.equals(root, checkpoint.root())) {
            throw new Stop("the database's leaves and nodes give another root than checkpoint " + last.sequence()
                    + " signed: a stored leaf or node was changed");
        }
        // Each as the largest key the primary key holds, one probe of its index: asked as EXISTS (… idx >= n), the
        // planner expects many matches and scans the level's nodes in full, seconds at 100 million leaves
        // (docs/performance.md, "The ledger").
        StringBuilder beyond = new StringBuilder("SELECT coalesce((SELECT max(position) FROM ledger.leaves), -1) >= ?");
        for (int level = StoredTree.STEP; level < 63; level += StoredTree.STEP) {
            beyond.append(" OR coalesce((SELECT max(idx) FROM ledger.nodes WHERE level = ").append(level)
                    .append("), -1) >= ").append(checkpoint.size() >> level);
        }
        try (PreparedStatement s = c.prepareStatement(beyond.toString())) {
            s.setLong(1, checkpoint.size());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    throw new Stop("the database holds leaves or nodes beyond checkpoint " + last.sequence()
                            + "'s size, " + checkpoint.size() + ", which no checkpoint signed");
                }
            }
        } catch (SQLException e) {
            throw new StoredTree.StoreFailure(e);
        }
    }

    /** No checkpoint in the database: none may be in the bucket either, or a genesis would fork it. */
    private void checkNoLedgerInBucket() {
        List<S3Object> any = s3.listObjectsV2(r -> r.bucket(settings.bucket())
                .prefix(LedgerLayout.ledgerPrefix(settings.prefix())).maxKeys(1)
                .overrideConfiguration(OutsideCall.within(OutsideCall.S3))).contents();
        if (!any.isEmpty()) {
            throw new Stop("the bucket holds " + any.get(0).key() + " but the database has no checkpoint: the "
                    + "database is not the one that started this ledger (or was restored from before it); a new "
                    + "genesis would fork it");
        }
    }

    /** Steps 2 and 5: the object written once, or found already written byte for byte; then marked published. */
    /**
     * @param entries the checkpoint's entries when this run has just written them (the same bytes as read back: the
     *                next run rebuilds this object from the database and compares); empty to read them
     */
    private void publish(Connection c, Stored stored, Optional<List<LeafEntry>> entries) throws SQLException {
        stored.checkpoint();
        byte[] bytes = entries.isPresent() ? object(stored, encoded(entries.get())) : object(c, stored);
        String key = LedgerLayout.checkpointKey(settings.prefix(), stored.sequence());
        try {
            s3.putObject(r -> r.bucket(settings.bucket()).key(key).ifNoneMatch("*").contentType("application/json")
                    .overrideConfiguration(OutsideCall.within(OutsideCall.S3)), RequestBody.fromBytes(bytes));
        } catch (S3Exception e) {
            if (e.statusCode() != 412) {
                throw e;
            }
            // Written already: by this run's earlier attempt, or a run that stopped before marking it. Anything else
            // there is another writer's.
            byte[] there = s3.getObjectAsBytes(r -> r.bucket(settings.bucket()).key(key)
                    .overrideConfiguration(OutsideCall.within(OutsideCall.S3))).asByteArray();
            if (!Arrays.equals(there, bytes)) {
                throw new Stop(key + " in the bucket is not the database's checkpoint " + stored.sequence()
                        + ": another writer took its place (a fork attempt, or another database on this prefix)");
            }
        }
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE ledger.checkpoints SET published_at = now() WHERE sequence = ? AND published_at IS NULL")) {
            s.setLong(1, stored.sequence());
            s.executeUpdate();
        }
    }

    private static List<byte[]> encoded(List<LeafEntry> entries) {
        List<byte[]> encoded = new ArrayList<>(entries.size());
        for (LeafEntry entry : entries) {
            encoded.add(entry.encode());
        }
        return encoded;
    }

    /** The checkpoint's object, from its row and its leaves: the same bytes whenever it is built. */
    private static byte[] object(Connection c, Stored stored) {
        Checkpoint checkpoint = stored.checkpoint();
        List<byte[]> entries = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT position, leaf_hash, kind, table_name, day, row_key, "
                + "row_hash FROM ledger.leaves WHERE position >= ? AND position < ? ORDER BY position")) {
            s.setLong(1, checkpoint.previousSize());
            s.setLong(2, checkpoint.size());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    // As the tree's reads do: a leaf whose columns are not what its stored hash was made from is
                    // not written to the bucket under a signature over that hash.
                    LeafEntry entry = StoredTree.leaf(rs);
                    if (!Arrays.equals(entry.leafHash(), rs.getBytes(2))) {
                        throw new StoredTree.Tampered("the database's leaf " + rs.getLong(1) + " does not hash to "
                                + "its stored leaf hash: its row was changed after it was written");
                    }
                    entries.add(entry.encode());
                }
            }
        } catch (SQLException e) {
            throw new StoredTree.StoreFailure(e);
        }
        return object(stored, entries);
    }

    private static byte[] object(Stored stored, List<byte[]> entries) {
        Checkpoint checkpoint = stored.checkpoint();
        if (entries.size() != checkpoint.size() - checkpoint.previousSize()) {
            throw new Stop("the database holds " + entries.size() + " of checkpoint " + stored.sequence() + "'s "
                    + (checkpoint.size() - checkpoint.previousSize()) + " leaves");
        }
        List<byte[]> consistency = new ArrayList<>();
        ByteBuffer proof = ByteBuffer.wrap(stored.consistency());
        while (proof.remaining() >= MerkleTree.HASH_BYTES) {
            byte[] hash = new byte[MerkleTree.HASH_BYTES];
            proof.get(hash);
            consistency.add(hash);
        }
        return CheckpointObject.signed(checkpoint, stored.snapshot(), stored.keyId(), stored.signature(), consistency, entries).encode();
    }

    private static List<Stored> stored(Connection c, String where) throws SQLException {
        List<Stored> found = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT sequence, tree_size, root, "
                + "snapshot, note, key_id, signature, consistency, published_at IS NOT NULL FROM ledger.checkpoints "
                + where)) {
            while (rs.next()) {
                found.add(new Stored(rs.getLong(1), rs.getLong(2), rs.getBytes(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getBytes(7), rs.getBytes(8), rs.getBoolean(9)));
            }
        }
        return found;
    }

    private static byte[] concat(List<byte[]> hashes) {
        ByteBuffer all = ByteBuffer.allocate(hashes.size() * MerkleTree.HASH_BYTES);
        hashes.forEach(all::put);
        return all.array();
    }

    private static boolean advisoryLock(Connection c, String function) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + function + "(?)")) {
            s.setLong(1, LOCK);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Another run's row already holds a key this run's insert needs (SQLSTATE 23505), on the exception or, for a
     * batch, on the one it chains (pgjdbc's BatchUpdateException carries the server's error as its next exception).
     */
    private static boolean uniqueViolation(SQLException e) {
        for (SQLException each = e; each != null; each = each.getNextException()) {
            if ("23505".equals(each.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** The lock goes with its connection: one lost meanwhile (the run's database failed) has nothing to release. */
    private static void unlock(Connection lock) {
        try {
            advisoryLock(lock, "pg_advisory_unlock");
        } catch (SQLException e) {
            LOG.warn("the ledger's lock connection was lost during the run (SQLSTATE {}): its lock went with it",
                    e.getSQLState());
        }
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone: its transaction with it
        }
    }

    private static long millis(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
