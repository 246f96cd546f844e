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
            return partitionConstraint(e) ? RACE : DATABASE;
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

    static String describe(SQLException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        int newline = message.indexOf('\n');
        return "SQLSTATE " + e.getSQLState() + ": " + (newline < 0 ? message : message.substring(0, newline));
    }
}
