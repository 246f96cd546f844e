package uk.gov.ida.eventrecorder.export;

import uk.gov.ida.eventrecorder.digest.ColumnType;
import uk.gov.ida.eventrecorder.digest.Manifest;

import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * An exported table's columns as the database describes them (name, type, nullability), in the table's order, and
 * the key that orders and identifies its rows.
 *
 * @param sources          each column's place in the query's result (1-based): the table's own columns less
 *                         {@link ExportedTable#RECORDED_XID}, which says when a row was written, not what it holds
 * @param recordedXidSource the place of {@link ExportedTable#RECORDED_XID} in the query's result (0: none, as in rows
 *                         read back from the export)
 */
public record TableColumns(List<String> names, List<ColumnType> types, List<Boolean> nullable, int[] keyIndexes,
                           int[] sources, int recordedXidSource) {
    public static TableColumns of(ExportedTable table, ResultSetMetaData meta) throws SQLException {
        List<String> names = new ArrayList<>();
        List<ColumnType> types = new ArrayList<>();
        List<Boolean> nullable = new ArrayList<>();
        List<Integer> sources = new ArrayList<>();
        int recordedXid = 0;
        // The last column is the day column the query adds (export_day_time), not one of the table's.
        for (int i = 1; i < meta.getColumnCount(); i++) {
            if (meta.getColumnName(i).equals(ExportedTable.RECORDED_XID)) {
                recordedXid = i;
                continue;
            }
            if (meta.getColumnName(i).equals(ExportedTable.LEDGER_CHANGES)) {
                continue; // a query's, not the table's (TableRows.ledgerChanges)
            }
            names.add(meta.getColumnName(i));
            types.add(ColumnType.ofPostgres(meta.getColumnTypeName(i)));
            nullable.add(meta.isNullable(i) != ResultSetMetaData.columnNoNulls);
            sources.add(i);
        }
        return new TableColumns(List.copyOf(names), List.copyOf(types), List.copyOf(nullable),
                keyIndexes(table.name(), names, table.keyColumns()),
                sources.stream().mapToInt(Integer::intValue).toArray(), recordedXid);
    }

    /**
     * The columns a signed manifest describes, as rows read back from its Parquet objects carry them: how the ledger's
     * leaves are compared with the exported rows without the database.
     */
    public static TableColumns of(Manifest manifest) {
        List<String> names = new ArrayList<>();
        List<ColumnType> types = new ArrayList<>();
        List<Boolean> nullable = new ArrayList<>();
        for (Manifest.Column column : manifest.columns()) {
            names.add(column.name());
            types.add(ColumnType.valueOf(column.type().toUpperCase(java.util.Locale.ROOT)));
            nullable.add(true);
        }
        return new TableColumns(List.copyOf(names), List.copyOf(types), List.copyOf(nullable),
                keyIndexes(manifest.table(), names, manifest.keyColumns()), new int[0], 0);
    }

    private static int[] keyIndexes(String table, List<String> names, List<String> keyColumns) {
        int[] keys = keyColumns.stream().mapToInt(names::indexOf).toArray();
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] < 0) {
                throw new IllegalStateException(table + " has no column " + keyColumns.get(i));
            }
        }
        return keys;
    }

    /** The PostgreSQL type of each key column, as a cast names it ({@code text}, {@code bigint}, {@code timestamp}). */
    public List<String> keySqlTypes() {
        List<String> sql = new ArrayList<>();
        for (int k : keyIndexes) {
            sql.add(switch (types.get(k)) {
                case TEXT -> "text";
                case JSON -> "jsonb";
                case INT32 -> "integer";
                case INT64 -> "bigint";
                case BOOLEAN -> "boolean";
                case TIMESTAMP -> "timestamp";
            });
        }
        return List.copyOf(sql);
    }

    /** The canonical text of each key column of a row, in key order ({@link ColumnType#canonical}). */
    public List<String> canonicalKey(Object[] row) {
        List<String> key = new ArrayList<>(keyIndexes.length);
        for (int k : keyIndexes) {
            key.add(types.get(k).canonical(row[k]));
        }
        return key;
    }

    public List<Manifest.Column> described() {
        List<Manifest.Column> columns = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            columns.add(new Manifest.Column(names.get(i), types.get(i).name().toLowerCase(java.util.Locale.ROOT)));
        }
        return columns;
    }

    /** Orders rows by key as the query does: text by UTF-8 bytes ({@code COLLATE "C"}), numbers and times by value. */
    public int compareKeys(Object[] a, Object[] b) {
        for (int k : keyIndexes) {
            int c = switch (types.get(k)) {
                case TEXT, JSON -> java.util.Arrays.compareUnsigned(utf8(a[k]), utf8(b[k]));
                case INT32 -> Integer.compare((Integer) a[k], (Integer) b[k]);
                case INT64, TIMESTAMP -> Long.compare((Long) a[k], (Long) b[k]);
                case BOOLEAN -> Boolean.compare((Boolean) a[k], (Boolean) b[k]);
            };
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** The key as a finding names it: {@code event_id=…} (identifiers, never the row's content). */
    public String describeKey(Object[] row) {
        StringBuilder s = new StringBuilder();
        for (int k : keyIndexes) {
            if (!s.isEmpty()) {
                s.append(' ');
            }
            s.append(names.get(k)).append('=').append(types.get(k).canonical(row[k]));
        }
        return s.toString();
    }

    // COLLATE "C" orders by the bytes: UTF-8's byte order, which String.compareTo (UTF-16 units) does not keep above
    // U+FFFF.
    private static byte[] utf8(Object text) {
        return text instanceof byte[] b ? b : ((String) text).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
