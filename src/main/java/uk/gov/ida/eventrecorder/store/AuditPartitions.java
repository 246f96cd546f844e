package uk.gov.ida.eventrecorder.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.OptionalLong;

/**
 * The monthly partitions of {@code audit.audit_events} (migrations V4-V6): creating the coming months ahead of time,
 * and saying how far they reach and what the default partition caught. Creating needs the tables' owner (migrate,
 * the scheduled maintenance function); reading the state needs no privilege beyond the catalog.
 */
public final class AuditPartitions {
    /** Months prepared beyond the current one: an hourly maintenance run that stops has this long to be noticed. */
    public static final int MONTHS_AHEAD = 3;

    private AuditPartitions() {
    }

    /**
     * @param preparedUntil  the end of the last month with its own partition ({@code null} before V6)
     * @param rowsInDefault  rows the default partition holds: events outside every prepared month
     * @param estimated      true when {@code rowsInDefault} is the statistics' estimate, because this login may not
     *                       read the table
     */
    public record State(LocalDateTime preparedUntil, long rowsInDefault, boolean estimated) {
    }

    /** Creates the partitions up to {@link #MONTHS_AHEAD} months ahead; returns how many it created. */
    public static int prepare(Connection connection) throws SQLException {
        return prepare(connection, Duration.ZERO);
    }

    /**
     * Creates every month from the end of the last partition through {@link #MONTHS_AHEAD} months after the current
     * one (UTC), without stopping recording however far behind it is. Each month is its own work:
     *
     * <ol>
     * <li>its table is created detached, with the partitioned table's indexes and a CHECK of its bounds, so that
     *     attaching it later neither builds an index nor scans it;</li>
     * <li>the rows the default partition caught for that month are moved into it in steps of {@link #MOVE_STEP}
     *     rows, each step its own short transaction (inserts into the default partition carry on between steps);</li>
     * <li>one short transaction, with a {@code lock_timeout}, moves what arrived since and attaches it. Attaching
     *     locks the default partition while PostgreSQL checks it holds nothing of the month: its cost is what the
     *     default partition still holds, the later months' rows, so the oldest month goes first.</li>
     * </ol>
     *
     * <p>Between steps 2 and 3 the month's moved rows are readable in {@code audit.audit_events_YYYY_MM} but not
     * through {@code audit.audit_events}; a redelivered event recorded meanwhile lands in the default partition again
     * and is dropped as the duplicate it is when moved. A run that stops half-way leaves a detached table that the next
     * run finishes. Safe to run any number of times, and concurrently (one run works, the others return 0).
     *
     * @param timeout cancel any one statement after this long ({@link Duration#ZERO}: no limit)
     * @return how many months it created
     */
    public static int prepare(Connection connection, Duration timeout) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(true);
        try {
            if (!tryLock(connection, "pg_try_advisory_lock")) {
                return 0; // another maintenance run is at it
            }
            try {
                int created = 0;
                LocalDateTime last = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1)
                        .plusMonths(MONTHS_AHEAD);
                LocalDateTime month = state(connection).preparedUntil();
                while (!month.isAfter(last)) {
                    LocalDateTime end = month.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).plusMonths(1);
                    createMonth(connection, month, end, timeout);
                    created++;
                    month = end;
                }
                return created;
            } finally {
                tryLock(connection, "pg_advisory_unlock");
            }
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** Rows moved out of the default partition per transaction while recording carries on. */
    static final int MOVE_STEP = 5_000;
    /** How long the attaching transaction waits for the default partition's lock before it tries again. */
    private static final String LOCK_TIMEOUT = "5s";
    private static final int ATTACH_ATTEMPTS = 5;
    private static final long LOCK_KEY = 0x6576656e745f7061L; // "event_pa": this maintenance, in pg_locks

    private static void createMonth(Connection c, LocalDateTime from, LocalDateTime to, Duration timeout)
            throws SQLException {
        String part = "audit.audit_events_" + String.format("%04d_%02d", from.getYear(), from.getMonthValue());
        String bound = "audit_events_" + String.format("%04d_%02d", from.getYear(), from.getMonthValue()) + "_bound";
        String range = "time_stamp >= '" + from + "' AND time_stamp < '" + to + "'";
        int seconds = (int) Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000);
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(seconds);
            // 1. Detached, with the indexes the partitioned table has (ATTACH adopts them) and its bounds as a CHECK
            //    (ATTACH then need not scan it). A table left by a run that stopped is taken as it is.
            s.execute("CREATE TABLE IF NOT EXISTS " + part
                    + " (LIKE audit.audit_events INCLUDING DEFAULTS INCLUDING INDEXES)");
            s.execute("ALTER TABLE " + part + " DROP CONSTRAINT IF EXISTS " + bound + ", ADD CONSTRAINT " + bound
                    + " CHECK (" + range + ")");
            // 2. The month's rows out of the default partition, a step at a time, each step committed, until a step
            //    finds fewer than a full step: what arrives from then on is the final transaction's. Waiting for the
            //    default partition to hold none of the month would never end while that month is being recorded.
            String move = "WITH moved AS (DELETE FROM audit.audit_events_default WHERE ctid IN (SELECT ctid FROM "
                    + "audit.audit_events_default WHERE " + range + " LIMIT " + MOVE_STEP + ") RETURNING *), "
                    + "kept AS (INSERT INTO " + part + " SELECT * FROM moved ON CONFLICT DO NOTHING) "
                    + "SELECT count(*) FROM moved";
            long moved;
            do {
                try (ResultSet rs = s.executeQuery(move)) {
                    rs.next();
                    moved = rs.getLong(1);
                }
            } while (moved == MOVE_STEP);
        }
        // 3. What arrived since, and the attach, in one short transaction.
        for (int attempt = 1; ; attempt++) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(seconds);
                s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                // No new row of the month may slip into the default partition between the move and the attach.
                s.execute("LOCK TABLE audit.audit_events_default IN SHARE ROW EXCLUSIVE MODE");
                s.executeUpdate("WITH moved AS (DELETE FROM audit.audit_events_default WHERE " + range
                        + " RETURNING *) INSERT INTO " + part + " SELECT * FROM moved ON CONFLICT DO NOTHING");
                s.execute("ALTER TABLE audit.audit_events ATTACH PARTITION " + part + " FOR VALUES FROM ('" + from
                        + "') TO ('" + to + "')");
                // The partition bound says what the CHECK said.
                s.execute("ALTER TABLE " + part + " DROP CONSTRAINT " + bound);
                c.commit();
                return;
            } catch (SQLException e) {
                c.rollback();
                if (!"55P03".equals(e.getSQLState()) || attempt == ATTACH_ATTEMPTS) {
                    throw e;
                }
                // A long transaction holds the default partition: give way to it (and to recording), then again.
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static boolean tryLock(Connection c, String function) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + function + "(?)")) {
            s.setLong(1, LOCK_KEY);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** True once the partitioning migration has run (its function exists). */
    public static boolean partitioned(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT to_regprocedure('audit.prepare_partitions(integer)') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    public static State state(Connection connection) throws SQLException {
        LocalDateTime until;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT audit.partitions_prepared_until()")) {
            rs.next();
            until = rs.getObject(1, LocalDateTime.class);
        }
        OptionalLong exact = countDefault(connection);
        if (exact.isPresent()) {
            return new State(until, exact.getAsLong(), false);
        }
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(n_live_tup, 0) FROM pg_stat_all_tables "
                     + "WHERE relid = 'audit.audit_events_default'::regclass")) {
            return new State(until, rs.next() ? rs.getLong(1) : 0, true);
        }
    }

    private static OptionalLong countDefault(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement s = connection.createStatement()) {
            s.execute("SAVEPOINT count_default");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM audit.audit_events_default")) {
                rs.next();
                return OptionalLong.of(rs.getLong(1));
            } catch (SQLException e) {
                if (!"42501".equals(e.getSQLState())) {
                    throw e;
                }
                // Not readable by this login (the functions' INSERT-only role): fall back to the statistics.
                s.execute("ROLLBACK TO SAVEPOINT count_default");
                return OptionalLong.empty();
            }
        } finally {
            connection.commit();
            connection.setAutoCommit(autoCommit);
        }
    }
}
