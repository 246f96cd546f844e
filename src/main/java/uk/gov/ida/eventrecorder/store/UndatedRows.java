package uk.gov.ida.eventrecorder.store;

import uk.gov.ida.eventrecorder.event.TimestampRange;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows dated {@code -infinity} or {@code infinity}, which older versions of the recorder stored, or after
 * 294247-01-09, which Parquet's timestamp cannot hold: no day the daily export writes holds them, so it leaves them
 * out (and counts them in its report). {@code doctor} names the tables that hold them, so that an operator can decide
 * what their date should have been.
 */
public final class UndatedRows {
    /** The tables whose own {@code time_stamp} dates a row; the others take their parent row's day. */
    static final List<String> TABLES = List.of("audit.audit_events", "billing.billing_events", "billing.fraud_events",
            "idp_data.upload_sessions", "idp_data.idp_fraud_events");

    private UndatedRows() {
    }

    /** The tables that hold such rows, with how many; a table this login cannot read is counted as -1. */
    public static Map<String, Long> count(Connection connection) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : TABLES) {
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table + " WHERE time_stamp = '-infinity' "
                         + "OR time_stamp >= '" + TimestampRange.AFTER_LAST_DAY_SQL + "'")) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    counts.put(table, rs.getLong(1));
                }
            } catch (SQLException e) {
                if (!"42501".equals(e.getSQLState()) || !connection.getAutoCommit()) {
                    throw e;
                }
                counts.put(table, -1L); // insufficient privilege: this login cannot read it
            }
        }
        return counts;
    }

    /** doctor's line: a note, not a failure (the rows are recorded; only the export leaves them out). */
    public static String describe(Map<String, Long> counts) {
        if (counts.values().stream().noneMatch(n -> n > 0)) {
            return "✓ rows in no day: none dated -infinity, infinity or after 294247-01-09"
                    + (counts.isEmpty() ? "" : " in the tables this login can read");
        }
        StringBuilder line = new StringBuilder("! rows in no day:");
        counts.forEach((table, n) -> {
            if (n > 0) {
                line.append(' ').append(table).append(' ').append(n);
            }
        });
        return line.append(" row(s) dated -infinity, infinity or after 294247-01-09, which the export leaves out — "
                + "see them with: SELECT * FROM <table> WHERE time_stamp = '-infinity' OR time_stamp >= "
                + "'294247-01-10'").toString();
    }
}
