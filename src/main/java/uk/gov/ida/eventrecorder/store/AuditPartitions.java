package uk.gov.ida.eventrecorder.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
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

    /** @param timeout cancel after this long ({@link Duration#ZERO}: no limit) */
    public static int prepare(Connection connection, Duration timeout) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("SELECT audit.prepare_partitions(?)")) {
            s.setInt(1, MONTHS_AHEAD);
            s.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
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
