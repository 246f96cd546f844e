package uk.gov.ida.eventrecorder.export;

import uk.gov.ida.eventrecorder.event.TimestampRange;

import java.time.LocalDate;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One table the export writes, with what decides a row's day and its order.
 *
 * @param name       {@code schema.table}
 * @param parentJoin for a table without a time of its own, the join to the row that has it (its day is its parent's)
 * @param dayColumn  the timestamp that decides the row's UTC day
 * @param keyColumns the primary key: rows are written and compared in this order, text keys byte-wise
 *                   ({@code COLLATE "C"}), so that the order does not depend on the database's collation
 * @param textKeys   which of the key columns are text
 * @param finalState a condition a row meets once the system no longer changes it ("" for every row): an upload
 *                   session is exported once its import has finished, so that the export never holds the unfinished
 *                   row the import then updates. Sessions from before V8 have no source object and are finished.
 *                   Their fraud events, contra-indicators and validation failures are written in the same
 *                   transaction as the finish, so none is ever seen before it
 */
public record ExportedTable(String name, String parentJoin, String dayColumn, List<String> keyColumns,
                            List<String> textKeys, String finalState) {
    /**
     * The column (migration V9) holding the id of the transaction that inserted the row: how a run finds the rows its
     * previous run could not see. Never exported: it says when a row was written, not what it holds.
     */
    public static final String RECORDED_XID = "recorded_xid";
    /**
     * The column {@link #eventRowsWithChangesQuery} adds: the transactions whose UPDATE or DELETE noted the row's key
     * in {@code ledger.row_changes} (V11), lowest first.
     */
    public static final String LEDGER_CHANGES = "ledger_changes";

    /**
     * Every table the recorder's functions write ({@code billing.billing_status} is written by none of them). Their
     * columns are read from the database, in the table's own order.
     */
    public static final List<ExportedTable> ALL = List.of(
            new ExportedTable("audit.audit_events", "", "t.time_stamp", List.of("event_id", "time_stamp"),
                    List.of("event_id"), ""),
            new ExportedTable("billing.billing_events", "", "t.time_stamp", List.of("event_id"), List.of("event_id"),
                    ""),
            new ExportedTable("billing.fraud_events", "", "t.time_stamp", List.of("event_id"), List.of("event_id"),
                    ""),
            new ExportedTable("idp_data.upload_sessions", "", "t.time_stamp", List.of("id"), List.of(),
                    "(t.finished_at IS NOT NULL OR t.source_object IS NULL)"),
            new ExportedTable("idp_data.upload_session_validation_failures",
                    "JOIN idp_data.upload_sessions p ON p.id = t.upload_session_id", "p.time_stamp", List.of("id"),
                    List.of(), "(p.finished_at IS NOT NULL OR p.source_object IS NULL)"),
            new ExportedTable("idp_data.idp_fraud_events", "", "t.time_stamp", List.of("id"), List.of(), ""),
            new ExportedTable("idp_data.idp_fraud_event_contraindicators",
                    "JOIN idp_data.idp_fraud_events p ON p.id = t.idp_fraud_events_id", "p.time_stamp",
                    List.of("idp_fraud_events_id", "contraindicator_code"), List.of("contraindicator_code"), ""));

    /**
     * The last day the export writes. Parquet's timestamp (microseconds since 1970 in 64 bits) ends on 294247-01-10,
     * three decades before PostgreSQL's (294276 AD, counted from 2000): a row dated later has no Parquet form, and
     * is counted with the infinite ones ({@link #nonFiniteCountQuery}) rather than stall every run.
     */
    public static final LocalDate LAST_DAY = TimestampRange.LAST_DAY;
    private static final String AFTER_LAST_DAY = TimestampRange.AFTER_LAST_DAY_SQL;

    public static ExportedTable named(String name) {
        return ALL.stream().filter(t -> t.name().equals(name) || t.shortName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not an exported table: " + name + " (one of "
                        + ALL.stream().map(ExportedTable::name).collect(Collectors.joining(", ")) + ")"));
    }

    public String shortName() {
        return name.substring(name.indexOf('.') + 1);
    }

    /** The day's rows, the day column last (as {@code export_day_time}), in key order; two parameters: [from, to). */
    public String rowsQuery() {
        return "SELECT t.*, " + dayColumn + " AS export_day_time FROM " + name + " t " + parentJoin
                + " WHERE " + dayColumn + " >= ? AND " + dayColumn + " < ?" + andFinal() + " ORDER BY " + orderBy();
    }

    /** True for the tables whose rows carry the {@code event_id} of the event that made them. */
    public boolean hasEventId() {
        return keyColumns.get(0).equals("event_id");
    }

    /**
     * One event's rows, whatever their state, the day column last (as {@link #rowsQuery}), in key order; one
     * parameter: the event id. Only for a table {@link #hasEventId}.
     */
    public String eventRowsQuery() {
        return "SELECT t.*, " + dayColumn + " AS export_day_time FROM " + name + " t " + parentJoin
                + " WHERE t.event_id = ? ORDER BY " + orderBy();
    }

    /**
     * {@link #eventRowsQuery}, each row with the transactions that noted its key in {@code ledger.row_changes}
     * ({@link #LEDGER_CHANGES}, before the day column), the key made as the statement trigger makes it: how
     * verify-event finds the checkpoints that took the row's changes.
     */
    public String eventRowsWithChangesQuery() {
        String columns = keyColumns.stream().map(k -> "'" + k + "'").collect(Collectors.joining(", "));
        return "SELECT t.*, ARRAY(SELECT c.changed_xid FROM ledger.row_changes c WHERE c.table_name = '" + name
                + "' AND c.row_key = ledger.row_key(to_jsonb(t), ARRAY[" + columns + "]) ORDER BY 1) AS "
                + LEDGER_CHANGES + ", " + dayColumn + " AS export_day_time FROM " + name + " t " + parentJoin
                + " WHERE t.event_id = ? ORDER BY " + orderBy();
    }

    /** Rows per UTC day over [from, to), in their final state. */
    public String dayCountsQuery() {
        return "SELECT (" + dayColumn + ")::date, count(*) FROM " + name + " t " + parentJoin
                + " WHERE " + dayColumn + " >= ? AND " + dayColumn + " < ?" + andFinal() + " GROUP BY 1";
    }

    /**
     * The first day that has a row the export writes: rows that older versions stored as -infinity, and rows after
     * {@link #LAST_DAY}, are in no day. Bounds rather than {@code isfinite()}, so that an index on the day column
     * (and partition pruning) still serves it.
     */
    public String firstDayQuery() {
        return "SELECT min(" + dayColumn + ")::date FROM " + name + " t " + parentJoin + " WHERE " + dayColumn
                + " > '-infinity' AND " + dayColumn + " < '" + AFTER_LAST_DAY + "'" + andFinal();
    }

    /**
     * Rows dated -infinity or infinity (which older versions stored), or after {@link #LAST_DAY}: no day the export
     * writes holds them; the export counts them, doctor names them.
     */
    public String nonFiniteCountQuery() {
        return "SELECT count(*) FROM " + name + " t " + parentJoin + " WHERE " + dayColumn + " = '-infinity' OR "
                + dayColumn + " >= '" + AFTER_LAST_DAY + "'";
    }

    /** The same rows as {@link #rowsQuery} without the day column: what the benchmark's ceiling copies. */
    public String plainRowsQuery() {
        return "SELECT t.* FROM " + name + " t " + parentJoin + " WHERE " + dayColumn + " >= ? AND " + dayColumn
                + " < ?" + andFinal() + " ORDER BY " + orderBy();
    }

    /**
     * The UTC days that hold a row an earlier snapshot could not see, or that an UPDATE or DELETE changed since
     * (noted in {@code audit.export_changes} by V9's trigger). Four parameters: that snapshot's xmin (bigint) and the
     * snapshot ({@code pg_current_snapshot()}'s text), twice. Every transaction that snapshot could not see has an id
     * of at least its xmin, so the BRIN index on {@link #RECORDED_XID} (V10) skips every range written before
     * (<a href="https://www.postgresql.org/docs/15/functions-info.html#FUNCTIONS-PG-SNAPSHOT">pg_visible_in_snapshot</a>).
     */
    public String changedDaysQuery() {
        return "SELECT (" + dayColumn + ")::date FROM " + name + " t " + parentJoin + " WHERE t." + RECORDED_XID
                + " >= ? AND NOT pg_visible_in_snapshot(t." + RECORDED_XID + "::text::xid8, ?::pg_snapshot)"
                + " UNION SELECT day FROM audit.export_changes WHERE table_name = '" + name + "' AND changed_xid >= ?"
                + " AND NOT pg_visible_in_snapshot(changed_xid::text::xid8, ?::pg_snapshot)";
    }

    /**
     * How many of a day's rows (in their final state) a snapshot could see, or were recorded before the export tracked
     * rows ({@link #RECORDED_XID} NULL): every one of them should be in the day's exported parts. Three parameters:
     * [from, to) and the snapshot's text.
     */
    public String seenRowsQuery() {
        return "SELECT count(*) FROM " + name + " t " + parentJoin + " WHERE " + dayColumn + " >= ? AND " + dayColumn
                + " < ?" + andFinal() + " AND (t." + RECORDED_XID + " IS NULL OR pg_visible_in_snapshot(t."
                + RECORDED_XID + "::text::xid8, ?::pg_snapshot))";
    }

    /**
     * The ledger's new rows: every row (in whatever state) an earlier snapshot could not see, with its day column
     * last (as {@code export_day_time}), in key order. Two parameters: that snapshot's xmin (bigint) and its text, as
     * {@link #changedDaysQuery}. The caller's own snapshot bounds the rest: a row it cannot see waits for the next.
     */
    public String recordedSinceQuery() {
        return recordedSince("");
    }

    /**
     * {@link #recordedSinceQuery}, of the transactions below a bound only: a third parameter, the bound (bigint). The
     * ledger's run takes a long backlog a part at a time, each part the transactions below a bound.
     */
    public String recordedSinceBelowQuery() {
        return recordedSince(" AND t." + RECORDED_XID + " < ?");
    }

    private String recordedSince(String below) {
        return "SELECT t.*, " + dayColumn + " AS export_day_time FROM " + name + " t " + parentJoin + " WHERE t."
                + RECORDED_XID + " >= ? AND NOT pg_visible_in_snapshot(t." + RECORDED_XID
                + "::text::xid8, ?::pg_snapshot)" + below + " ORDER BY " + orderBy();
    }

    /**
     * The ids of the transactions that recorded the rows an earlier snapshot could not see, one per row, lowest
     * first, at most a number: three parameters, that snapshot's xmin and text, and the number. How the ledger's run
     * finds the bound below which a backlog's first part lies.
     */
    public String recordedXidsSinceQuery() {
        return "SELECT t." + RECORDED_XID + " FROM " + name + " t WHERE t." + RECORDED_XID + " >= ? AND NOT "
                + "pg_visible_in_snapshot(t." + RECORDED_XID + "::text::xid8, ?::pg_snapshot) ORDER BY 1 LIMIT ?";
    }

    /**
     * The rows as they are now whose keys an UPDATE or DELETE noted (V11, {@code ledger.row_changes}) since an earlier
     * snapshot, with the day column last, in key order. Three parameters: the table's name, the snapshot's xmin and
     * its text. {@code keyTypes}: each key column's PostgreSQL type, to read the noted key back.
     */
    public String revisedSinceQuery(List<String> keyTypes) {
        return revisedSince(keyTypes, CHANGED_SINCE);
    }

    /** {@link #revisedSinceQuery}, of the transactions below a bound only: a fourth parameter, the bound (bigint). */
    public String revisedSinceBelowQuery(List<String> keyTypes) {
        return revisedSince(keyTypes, CHANGED_SINCE + CHANGED_BELOW);
    }

    private String revisedSince(List<String> keyTypes, String changed) {
        return "SELECT t.*, " + dayColumn + " AS export_day_time FROM " + name + " t " + parentJoin + " WHERE ("
                + keyColumns.stream().map(k -> "t." + k).collect(Collectors.joining(", ")) + ") IN (SELECT "
                + notedKey(keyTypes) + " FROM ledger.row_changes c WHERE " + changed + ") ORDER BY " + orderBy();
    }

    /**
     * The keys an UPDATE or DELETE noted since an earlier snapshot that no row has now, each with the day column of
     * the row as it was ({@code day_time}) at its latest note, last; in key order. Parameters as
     * {@link #revisedSinceQuery}.
     */
    public String removedSinceQuery(List<String> keyTypes) {
        return removedSince(keyTypes, CHANGED_SINCE);
    }

    /** {@link #removedSinceQuery}, of the transactions below a bound only: a fourth parameter, the bound (bigint). */
    public String removedSinceBelowQuery(List<String> keyTypes) {
        return removedSince(keyTypes, CHANGED_SINCE + CHANGED_BELOW);
    }

    private String removedSince(List<String> keyTypes, String changed) {
        StringBuilder same = new StringBuilder();
        for (int i = 0; i < keyColumns.size(); i++) {
            same.append(i == 0 ? "" : " AND ").append("r.").append(keyColumns.get(i)).append(" = (c.row_key ->> ")
                    .append(i).append(")::").append(keyTypes.get(i));
        }
        return "SELECT k.* FROM (SELECT DISTINCT ON (c.row_key) " + notedKey(keyTypes) + ", c.day_time "
                + "FROM ledger.row_changes c WHERE " + changed + " AND NOT EXISTS (SELECT FROM " + name
                + " r WHERE " + same + ") ORDER BY c.row_key, c.changed_xid DESC) k ORDER BY "
                + java.util.stream.IntStream.range(0, keyColumns.size()).mapToObj(i -> "k.k" + i
                + (textKeys.contains(keyColumns.get(i)) ? " COLLATE \"C\"" : "")).collect(Collectors.joining(", "));
    }

    private static final String CHANGED_SINCE = "c.table_name = ? AND c.changed_xid >= ? AND NOT "
            + "pg_visible_in_snapshot(c.changed_xid::text::xid8, ?::pg_snapshot)";
    private static final String CHANGED_BELOW = " AND c.changed_xid < ?";

    /**
     * The ids of the transactions that noted the changes (V11, {@code ledger.row_changes}, every table's) an earlier
     * snapshot could not see, one per noted key, lowest first, at most a number; parameters as
     * {@link #recordedXidsSinceQuery}.
     */
    public static final String CHANGED_XIDS_SINCE = "SELECT changed_xid FROM ledger.row_changes WHERE changed_xid >= ? "
            + "AND NOT pg_visible_in_snapshot(changed_xid::text::xid8, ?::pg_snapshot) ORDER BY 1 LIMIT ?";

    private String notedKey(List<String> keyTypes) {
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < keyColumns.size(); i++) {
            key.append(i == 0 ? "" : ", ").append("(c.row_key ->> ").append(i).append(")::").append(keyTypes.get(i))
                    .append(" AS k").append(i);
        }
        return key.toString();
    }

    private String andFinal() {
        return finalState.isEmpty() ? "" : " AND " + finalState;
    }

    private String orderBy() {
        return keyColumns.stream().map(k -> "t." + k + (textKeys.contains(k) ? " COLLATE \"C\"" : ""))
                .collect(Collectors.joining(", "));
    }
}
