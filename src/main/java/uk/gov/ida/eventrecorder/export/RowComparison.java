package uk.gov.ida.eventrecorder.export;

import java.sql.SQLException;
import java.util.Arrays;

/**
 * A day's rows in the database beside the rows its exported parts hold, both in key order: each key is either in both
 * and equal, in both and altered, only exported (deleted since), or only in the database (added since). The export
 * writes the added rows as an addendum; verification reports all three.
 */
public final class RowComparison {
    public interface Differences {
        void added(Object[] databaseRow, long dayMicros) throws java.io.IOException;

        void altered(Object[] exportedRow, Object[] databaseRow);

        void deleted(Object[] exportedRow);

        /** After each row of either side: a comparison that adds nothing still takes time, which may run out. */
        default void compared(long rows) {
        }
    }

    private RowComparison() {
    }

    /** @return the number of rows found equal */
    public static long compare(TableRows database, ExportedRows exported, Differences differences)
            throws SQLException, java.io.IOException {
        TableColumns columns = database.columns();
        long equal = 0;
        Object[] row = database.next();
        long rows = 0;
        while (row != null || exported.hasNext()) {
            differences.compared(++rows);
            Object[] old = exported.peek();
            int order = row == null ? 1 : old == null ? -1 : columns.compareKeys(row, old);
            if (order < 0) {
                differences.added(row, database.dayMicros());
                row = database.next();
            } else if (order > 0) {
                differences.deleted(exported.next());
            } else {
                exported.next();
                if (Arrays.deepEquals(row, old)) { // text is byte[]: compared by content
                    equal++;
                } else {
                    differences.altered(old, row);
                }
                row = database.next();
            }
        }
        return equal;
    }
}
