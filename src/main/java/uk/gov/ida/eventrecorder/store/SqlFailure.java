package uk.gov.ida.eventrecorder.store;

import org.postgresql.util.PSQLException;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * What a failed statement says about the batch: is it one row's content, or the database? Only a row's content may
 * send the batch into the halving search for the bad row; anything about the database fails the whole batch at once,
 * because halving a batch against a read-only or full database would fail every row as if its content were bad,
 * and each of them would end in the dead-letter queue
 * (<a href="https://www.postgresql.org/docs/15/errcodes-appendix.html">PostgreSQL error codes</a>).
 */
public enum SqlFailure {
    /**
     * Class 22 (data exception: a value out of range, a malformed timestamp), class 23 (integrity constraint) except
     * 23514, and 54000 (program limit: an index row larger than a B-tree page can hold, i.e. one oversized key).
     */
    ROW,
    /**
     * The connection cannot be used again: class 08 (connection exception), 57P01-57P03 (the server shut down or
     * cannot take connections now) and 25006 (read-only transaction: after a failover a pooled connection may sit on
     * the demoted primary or a replica). The connection is evicted and the statement tried once on a fresh one.
     */
    RECONNECT,
    /**
     * The statement lost a race with another transaction: deadlock (40P01), serialization failure (40001), or a row
     * routed to the default partition while the maintenance attached its month (23514 on the partition constraint).
     * Neither the rows nor the database are at fault, and PostgreSQL has already ended the other side's wait, so
     * the statement is tried again at once (twice at most) rather than counted as an outage. The recorder's own
     * batches never deadlock each other (they write in key order); another writer on the same rows can.
     */
    RACE,
    /**
     * The row's month is being attached as a partition this moment: the maintenance keeps it out of the default
     * partition by a CHECK ({@link AuditPartitions#EXCLUSION_PREFIX}) for the second or so that takes. Nothing is
     * wrong with the row or the database: the statement is tried again after a short wait, for a few seconds at most,
     * and then lands in the new partition.
     */
    ATTACHING,
    /**
     * Everything else is about the database, not the row: no connection to be had (the pool timed out), disk full
     * (53100), out of memory (53200), too many connections (53300), statement timeout (57014), a revoked
     * privilege (42501), a missing table (42P01), a race still lost after its retries, … and a named CHECK
     * violation (23514): the schema has no CHECK of its own on an event's values, only the partitioning migration's
     * fence (V4: no new row past the cut-over until V6 has run), so meeting it means a migration left half-done:
     * an outage of the schema, to be waited out with the back-off, not a bad event for the dead-letter queue.
     */
    DATABASE;

    public static SqlFailure of(SQLException e) {
        if (e instanceof SQLTransientConnectionException) {
            // The pool could not lend a connection within its timeout: it has already retried inside that time.
            return DATABASE;
        }
        String state = e.getSQLState();
        if (state == null) {
            return DATABASE;
        }
        if (state.equals("23514")) {
            // A partition's own constraint (no constraint name): the statement routed its row to the default partition,
            // then waited for the lock the partition maintenance held while it attached the row's month. Planned
            // again, the row goes to the new partition: a lost race, not an outage.
            return partitionConstraint(e) ? RACE : maintenanceExclusion(e) ? ATTACHING : DATABASE;
        }
        if (state.startsWith("22") || state.startsWith("23") || state.equals("54000")) {
            return ROW;
        }
        if (state.equals("40P01") || state.equals("40001")) {
            return RACE;
        }
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")
                || state.equals("25006")) {
            return RECONNECT;
        }
        return DATABASE;
    }

    /**
     * The maintenance's CHECK that keeps a month out of the default partition for the seconds it takes to attach that
     * month ({@link AuditPartitions#EXCLUSION_PREFIX}): a late event of that month lost a race with the attach.
     */
    private static boolean maintenanceExclusion(SQLException e) {
        SQLException server = !(e instanceof PSQLException) && e.getNextException() != null ? e.getNextException() : e;
        return server instanceof PSQLException p && p.getServerErrorMessage() != null
                && p.getServerErrorMessage().getConstraint() != null
                && p.getServerErrorMessage().getConstraint().startsWith(AuditPartitions.EXCLUSION_PREFIX);
    }

    private static boolean partitionConstraint(SQLException e) {
        return e instanceof PSQLException p && p.getServerErrorMessage() != null
                && p.getServerErrorMessage().getConstraint() == null
                && String.valueOf(p.getServerErrorMessage().getMessage()).contains("partition constraint");
    }

    /**
     * A row's failure without PostgreSQL's message: for data exceptions its first line quotes the value refused
     * ({@code invalid input syntax for type timestamp: "…"}), which is event content. The SQLSTATE, its class and the
     * schema's names (column, constraint) say enough.
     */
    public static String describeRow(SQLException e) {
        String state = String.valueOf(e.getSQLState());
        String kind = state.startsWith("22") ? "data exception: a value the column cannot hold"
                : state.startsWith("23") ? "integrity constraint violation"
                : state.equals("54000") ? "program limit exceeded: an index row too large (one oversized key)"
                : "refused";
        StringBuilder detail = new StringBuilder("SQLSTATE ").append(state).append(" (").append(kind).append(')');
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            var message = p.getServerErrorMessage();
            if (message.getColumn() != null) {
                detail.append(", column ").append(message.getColumn());
            }
            if (message.getConstraint() != null) {
                detail.append(", constraint ").append(message.getConstraint());
            }
        }
        return detail.toString();
    }

    /**
     * A failure of the database, in words that quote nothing the statement carried. The driver's text cannot be
     * passed on: a batch's {@code Batch entry 0 INSERT … VALUES ('…')} holds every value of the row, and a server
     * message's {@code Detail} quotes the failing row. So: the SQLSTATE and its condition, the schema's names
     * (table, column, constraint) the server reported, and the driver's first line only for a failure of the
     * connection or login itself (classes 08, 28, 53, 57 and 3D), which is about the server, never a row.
     */
    public static String describe(SQLException e) {
        String state = e.getSQLState();
        StringBuilder out = new StringBuilder("SQLSTATE ").append(state);
        String condition = CONDITIONS.get(state);
        if (condition != null) {
            out.append(" (").append(condition).append(')');
        }
        SQLException server = !(e instanceof PSQLException) && e.getNextException() != null ? e.getNextException() : e;
        if (server instanceof PSQLException p && p.getServerErrorMessage() != null) {
            var message = p.getServerErrorMessage();
            if (message.getTable() != null) {
                out.append(", table ").append(message.getSchema() != null ? message.getSchema() + "." : "")
                        .append(message.getTable());
            }
            if (message.getColumn() != null) {
                out.append(", column ").append(message.getColumn());
            }
            if (message.getConstraint() != null) {
                out.append(", constraint ").append(message.getConstraint());
            }
        }
        if (state == null || state.startsWith("08") || state.startsWith("28") || state.startsWith("53")
                || state.startsWith("57") || state.startsWith("3D")) {
            String text = e.getMessage() == null ? "" : e.getMessage();
            int newline = text.indexOf('\n');
            out.append(": ").append(newline < 0 ? text : text.substring(0, newline));
        }
        return out.toString();
    }

    /** The conditions an operator meets most, by name (PostgreSQL's error codes appendix). */
    private static final java.util.Map<String, String> CONDITIONS = java.util.Map.ofEntries(
            java.util.Map.entry("23514", "check_violation"),
            java.util.Map.entry("23505", "unique_violation"),
            java.util.Map.entry("23503", "foreign_key_violation"),
            java.util.Map.entry("23502", "not_null_violation"),
            java.util.Map.entry("25006", "read_only_sql_transaction"),
            java.util.Map.entry("40001", "serialization_failure"),
            java.util.Map.entry("40P01", "deadlock_detected"),
            java.util.Map.entry("42501", "insufficient_privilege"),
            java.util.Map.entry("42P01", "undefined_table"),
            java.util.Map.entry("42703", "undefined_column"),
            java.util.Map.entry("53100", "disk_full"),
            java.util.Map.entry("53200", "out_of_memory"),
            java.util.Map.entry("53300", "too_many_connections"),
            java.util.Map.entry("55P03", "lock_not_available"),
            java.util.Map.entry("57014", "query_canceled"),
            java.util.Map.entry("57P01", "admin_shutdown"),
            java.util.Map.entry("57P03", "cannot_connect_now"));
}
