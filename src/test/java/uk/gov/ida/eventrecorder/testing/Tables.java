package uk.gov.ida.eventrecorder.testing;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads rows back for assertions, column by column. */
public final class Tables {
    private final DataSource dataSource;

    public Tables(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public List<Map<String, Object>> query(String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        Object value = rs.getObject(i);
                        row.put(meta.getColumnName(i), value instanceof java.sql.Timestamp t ? t.toLocalDateTime()
                                : value instanceof org.postgresql.util.PGobject pg ? pg.getValue() : value);
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public List<Map<String, Object>> audit(String eventId) {
        return query("SELECT event_id, time_stamp, originating_service, session_id, event_type, details::text AS details "
                + "FROM audit.audit_events WHERE event_id = ?", eventId);
    }

    public List<Map<String, Object>> billing(String eventId) {
        return query("SELECT * FROM billing.billing_events WHERE event_id = ?", eventId);
    }

    public List<Map<String, Object>> fraud(String eventId) {
        return query("SELECT * FROM billing.fraud_events WHERE event_id = ?", eventId);
    }

    public long count(String table) {
        return ((Number) query("SELECT count(*) AS n FROM " + table).get(0).get("n")).longValue();
    }
}
