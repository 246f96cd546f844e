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
     * one (UTC), without stopping recording however far behind it is, and however many rows the default partition
     * holds:
     *
     * <ol>
     * <li>each month's table is created detached, with the partitioned table's indexes and a CHECK of its bounds, so
     *     that attaching it later neither builds an index nor scans it, and the rows the default partition caught for
     *     it are moved into it in steps of {@link #MOVE_STEP} rows, each step its own short transaction. Every month
     *     is filled before any is attached, so the default partition then holds only what arrived meanwhile;</li>
     * <li>each month is attached ({@link #attachMonth}): a month not being recorded now behind a validated CHECK
     *     that keeps it out of the default partition, so that PostgreSQL does not scan the default partition under
     *     its lock; the current month under a short lock, over a default partition emptied of the other months.</li>
     * </ol>
     *
     * <p>Until its month is attached, a month's moved rows are readable in {@code audit.audit_events_YYYY_MM} but not
     * through {@code audit.audit_events}; a redelivered event recorded meanwhile lands in the default partition again
     * and is dropped as the duplicate it is when moved. A run that stops half-way leaves detached tables (and perhaps
     * a CHECK) that the next run finishes. Safe to run any number of times, and concurrently (one run works, the
     * others return 0).
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
                LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
                LocalDateTime last = now.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).plusMonths(MONTHS_AHEAD);
                java.util.List<LocalDateTime> months = new java.util.ArrayList<>();
                for (LocalDateTime month = state(connection).preparedUntil(); !month.isAfter(last);
                     month = month.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).plusMonths(1)) {
                    months.add(month);
                }
                // Every month's rows leave the default partition before any month is attached: each attach then
                // meets a default partition holding only what arrived meanwhile, whatever it held before.
                for (LocalDateTime month : months) {
                    fillMonth(connection, month, endOf(month), timeout);
                }
                for (LocalDateTime month : months) {
                    attachMonth(connection, month, endOf(month), timeout, now);
                }
                return months.size();
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

    private static LocalDateTime endOf(LocalDateTime month) {
        return month.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).plusMonths(1);
    }

    /** Prefix of the CHECK that keeps a month out of the default partition while that month is attached. */
    public static final String EXCLUSION_PREFIX = "audit_events_default_excludes_";

    private record Month(String table, String bound, String exclusion, String range) {
        static Month of(LocalDateTime from, LocalDateTime to) {
            String name = String.format("%04d_%02d", from.getYear(), from.getMonthValue());
            return new Month("audit.audit_events_" + name, "audit_events_" + name + "_bound", EXCLUSION_PREFIX + name,
                    "time_stamp >= '" + from + "' AND time_stamp < '" + to + "'");
        }

        String moveAll() {
            return "WITH moved AS (DELETE FROM audit.audit_events_default WHERE " + range + " RETURNING *) "
                    + "INSERT INTO " + table + " SELECT * FROM moved ON CONFLICT DO NOTHING";
        }
    }

    private static int seconds(Duration timeout) {
        return (int) Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000);
    }

    /**
     * The month's table, detached, with the partitioned table's indexes (ATTACH adopts them) and its bounds as a CHECK
     * (ATTACH then need not scan it), and the month's rows moved into it out of the default partition, a step at a
     * time, each step committed, until a step finds fewer than a full step: what arrives from then on is the attach's.
     * Waiting for the default partition to hold none of the month would never end while that month is recorded. A
     * table left by a run that stopped is taken as it is.
     */
    private static void fillMonth(Connection c, LocalDateTime from, LocalDateTime to, Duration timeout)
            throws SQLException {
        Month m = Month.of(from, to);
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(seconds(timeout));
            s.execute("CREATE TABLE IF NOT EXISTS " + m.table()
                    + " (LIKE audit.audit_events INCLUDING DEFAULTS INCLUDING INDEXES)");
            s.execute("ALTER TABLE " + m.table() + " DROP CONSTRAINT IF EXISTS " + m.bound() + ", ADD CONSTRAINT "
                    + m.bound() + " CHECK (" + m.range() + ")");
            String move = "WITH moved AS (DELETE FROM audit.audit_events_default WHERE ctid IN (SELECT ctid FROM "
                    + "audit.audit_events_default WHERE " + m.range() + " LIMIT " + MOVE_STEP + ") RETURNING *), "
                    + "kept AS (INSERT INTO " + m.table() + " SELECT * FROM moved ON CONFLICT DO NOTHING) "
                    + "SELECT count(*) FROM moved";
            long moved;
            do {
                try (ResultSet rs = s.executeQuery(move)) {
                    rs.next();
                    moved = rs.getLong(1);
                }
            } while (moved == MOVE_STEP);
        }
    }

    /**
     * Attaches the month. {@code ATTACH PARTITION} holds the default partition under {@code ACCESS EXCLUSIVE} while it
     * checks that the default partition holds no row of the month, a scan of all it holds (millions of rows, after a
     * long stop of the maintenance), and every insert routed there waits. It skips that scan when a valid CHECK on the
     * default partition excludes the month (<a href="https://www.postgresql.org/docs/15/sql-altertable.html">ALTER
     * TABLE, ATTACH PARTITION</a>). So a month that is not being recorded now gets one: added {@code NOT VALID} (a
     * moment's lock), the month's last rows moved, validated by a scan that takes no lock inserts wait for, then the
     * attach and the CHECK's removal in one short transaction. An insert of that month meanwhile (a late event) is
     * refused by the CHECK, tried again and, if the attach is still running, backed off like a lost race.
     *
     * <p>The month being recorded now (within a day of it) cannot be refused for the seconds of a validation: it is
     * attached under a lock that holds its inserts a moment while the default partition, emptied of every other
     * month's rows by then, is checked.
     */
    private static void attachMonth(Connection c, LocalDateTime from, LocalDateTime to, Duration timeout,
                                    LocalDateTime now) throws SQLException {
        Month m = Month.of(from, to);
        boolean live = !from.isAfter(now.plusDays(1)) && to.isAfter(now.minusDays(1));
        if (!live) {
            inShortTransaction(c, timeout, s -> s.execute("ALTER TABLE audit.audit_events_default DROP CONSTRAINT IF "
                    + "EXISTS " + m.exclusion() + ", ADD CONSTRAINT " + m.exclusion() + " CHECK (NOT (" + m.range()
                    + ")) NOT VALID"));
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(seconds(timeout));
                s.executeUpdate(m.moveAll());
                s.execute("ALTER TABLE audit.audit_events_default VALIDATE CONSTRAINT " + m.exclusion());
            }
        }
        if (live) {
            // What was recorded into the month since it was filled (the other months' work took that long): moved in
            // steps again, so that the lock below is held for a last step's rows only.
            fillMonth(c, from, to, timeout);
        }
        inShortTransaction(c, timeout, s -> {
            if (live) {
                // No new row of the month may slip into the default partition between the move and the attach.
                s.execute("LOCK TABLE audit.audit_events_default IN SHARE ROW EXCLUSIVE MODE");
                s.executeUpdate(m.moveAll());
            }
            s.execute("ALTER TABLE audit.audit_events ATTACH PARTITION " + m.table() + " FOR VALUES FROM ('" + from
                    + "') TO ('" + to + "')");
            // The partition bound says what the CHECKs said.
            s.execute("ALTER TABLE " + m.table() + " DROP CONSTRAINT " + m.bound());
            if (!live) {
                s.execute("ALTER TABLE audit.audit_events_default DROP CONSTRAINT " + m.exclusion());
            }
        });
    }

    private interface Work {
        void run(Statement s) throws SQLException;
    }

    /**
     * One transaction that waits at most {@link #LOCK_TIMEOUT} for its locks, tried again up to
     * {@link #ATTACH_ATTEMPTS} times: a long transaction that holds the table is given way to (and so is recording).
     */
    private static void inShortTransaction(Connection c, Duration timeout, Work work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(seconds(timeout));
                s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                work.run(s);
                c.commit();
                return;
            } catch (SQLException e) {
                c.rollback();
                if (!"55P03".equals(e.getSQLState()) || attempt == ATTACH_ATTEMPTS) {
                    throw e;
                }
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
