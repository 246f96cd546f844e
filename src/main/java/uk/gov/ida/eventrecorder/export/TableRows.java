package uk.gov.ida.eventrecorder.export;

import uk.gov.ida.eventrecorder.digest.ColumnType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * One table's rows of one UTC day, read through a server-side cursor ({@code fetchSize} rows at a time, in the
 * caller's transaction), in key order: memory does not grow with the day.
 */
public final class TableRows implements AutoCloseable {
    static final int FETCH_SIZE = 5_000;

    private final PreparedStatement statement;
    private final ResultSet rows;
    private final TableColumns columns;
    private final List<ColumnType> types;
    private final int[] sources;
    private final int width;
    private final int dayColumn;
    private final int recordedXidColumn;
    private final int ledgerChangesColumn;
    private LocalDateTime dayTime;
    private Long recordedXid;

    public TableRows(Connection connection, ExportedTable table, LocalDate day) throws SQLException {
        this(connection, table, day, day);
    }

    /** The rows of the days {@code day} to {@code through}, both included. */
    public TableRows(Connection connection, ExportedTable table, LocalDate day, LocalDate through)
            throws SQLException {
        this(connection, table, table.rowsQuery(), day.atStartOfDay(), through.plusDays(1).atStartOfDay());
    }

    /**
     * The rows of one of the table's queries that select {@code t.*} and the day column last (the ledger's
     * {@link ExportedTable#recordedSinceQuery}, {@link ExportedTable#revisedSinceQuery}), with its parameters.
     */
    public TableRows(Connection connection, ExportedTable table, String query, Object... parameters)
            throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("a cursor needs a transaction: autocommit must be off");
        }
        this.statement = connection.prepareStatement(query);
        statement.setFetchSize(FETCH_SIZE);
        // Binary results from the first execution (the driver's default waits for the fifth): timestamps arrive as
        // eight bytes, not text the driver parses (a seventh of the export's time when they were text).
        statement.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
        this.rows = statement.executeQuery();
        this.columns = TableColumns.of(table, rows.getMetaData());
        this.types = columns.types();
        this.sources = columns.sources();
        this.width = types.size();
        this.dayColumn = rows.getMetaData().getColumnCount(); // export_day_time, last
        this.recordedXidColumn = columns.recordedXidSource();
        int changes = 0;
        for (int i = 1; i < dayColumn; i++) {
            if (rows.getMetaData().getColumnName(i).equals(ExportedTable.LEDGER_CHANGES)) {
                changes = i;
            }
        }
        this.ledgerChangesColumn = changes;
    }

    public TableColumns columns() {
        return columns;
    }

    /** The next row's values (a new array), or null at the end. */
    public Object[] next() throws SQLException {
        if (!rows.next()) {
            return null;
        }
        Object[] values = new Object[width];
        for (int i = 0; i < width; i++) {
            values[i] = read(sources[i], types.get(i));
        }
        dayTime = rows.getObject(dayColumn, LocalDateTime.class);
        if (recordedXidColumn > 0) {
            long xid = rows.getLong(recordedXidColumn);
            recordedXid = rows.wasNull() ? null : xid;
        }
        return values;
    }

    /**
     * The {@link ExportedTable#RECORDED_XID} of the row {@link #next} returned last: the transaction that inserted
     * it, or null for a row recorded before the column existed.
     */
    public Long recordedXid() {
        return recordedXid;
    }

    /**
     * The transactions that noted the key of the row {@link #next} returned last in {@code ledger.row_changes}, for
     * a query that adds {@link ExportedTable#LEDGER_CHANGES} ({@link ExportedTable#eventRowsWithChangesQuery}).
     */
    public List<Long> ledgerChanges() throws SQLException {
        if (ledgerChangesColumn == 0) {
            throw new IllegalStateException("the query adds no " + ExportedTable.LEDGER_CHANGES);
        }
        java.sql.Array array = rows.getArray(ledgerChangesColumn);
        return array == null ? List.of() : List.of((Long[]) array.getArray());
    }

    /** The day column of the row {@link #next} returned last, in microseconds. */
    public long dayMicros() {
        return ColumnType.microsOf(dayTime.toInstant(ZoneOffset.UTC));
    }

    /**
     * The day column of the row {@link #next} returned last, as the driver reads it: {@link LocalDateTime#MAX} and
     * {@link LocalDateTime#MIN} for infinity and -infinity, which the ledger's rows may be dated and the export's never.
     */
    public LocalDateTime dayTime() {
        return dayTime;
    }

    private Object read(int column, ColumnType type) throws SQLException {
        return read(rows, column, type);
    }

    /** One column of a result, in its type's Java form ({@link ColumnType}); null for NULL. */
    public static Object read(ResultSet rows, int column, ColumnType type) throws SQLException {
        Object value = switch (type) {
            // The bytes as the database sent them (UTF-8, the text format): the digest hashes them and Parquet stores
            // them as they are; decoding them to a String only to encode them again was a fifth of the export.
            case TEXT, JSON -> rows.getBytes(column);
            case INT32 -> rows.getInt(column);
            case INT64 -> rows.getLong(column);
            case BOOLEAN -> rows.getBoolean(column);
            case TIMESTAMP -> {
                LocalDateTime time = rows.getObject(column, LocalDateTime.class);
                yield time == null ? null : ColumnType.microsOf(time.toInstant(ZoneOffset.UTC));
            }
        };
        return rows.wasNull() ? null : value;
    }

    @Override
    public void close() throws SQLException {
        try (statement) {
            rows.close();
        }
    }
}
