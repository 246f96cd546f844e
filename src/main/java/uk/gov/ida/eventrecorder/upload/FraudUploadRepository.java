package uk.gov.ida.eventrecorder.upload;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** The {@code idp_data} tables: upload sessions, their validation failures, and the fraud events of passed uploads. */
public final class FraudUploadRepository {
    private final DataSource dataSource;

    public FraudUploadRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Opens a session, not yet passed, committed at once so the attempt is on record whatever happens next. */
    public long openSession(String sourceFileName, String idp, String username) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO idp_data.upload_sessions (time_stamp, source_file_name, idp_entity_id, userid, "
                        + "passed_validation) VALUES (?, ?, ?, ?, false) RETURNING id")) {
            s.setObject(1, LocalDateTime.now(ZoneOffset.UTC));
            s.setString(2, sourceFileName);
            s.setString(3, idp);
            s.setString(4, username);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public void recordFailures(long sessionId, List<ValidationFailure> failures) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO idp_data.upload_session_validation_failures (upload_session_id, row, field, message) "
                        + "VALUES (?, ?, ?, ?)")) {
            for (ValidationFailure f : failures) {
                s.setLong(1, sessionId);
                s.setLong(2, f.row());
                s.setString(3, f.field());
                s.setString(4, f.message());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /**
     * Stores every row and marks the session passed, in one transaction: all of the file or none of it. A
     * contra-indicator repeated on one event was counted while parsing, so each (event, code) is inserted once.
     */
    public void storeAndPass(long sessionId, String idp, List<FraudRow> rows) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long[] ids = new long[rows.size()];
                try (PreparedStatement s = c.prepareStatement("INSERT INTO idp_data.idp_fraud_events (idp_entity_id, "
                        + "idp_event_id, time_stamp, fid_code, request_id, pid, client_ip_address, contra_score, "
                        + "upload_session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", new String[]{"id"})) {
                    for (FraudRow row : rows) {
                        s.setString(1, idp);
                        s.setString(2, row.idpEventId());
                        s.setObject(3, row.timeStamp());
                        s.setString(4, row.fidCode());
                        s.setString(5, row.requestId());
                        s.setString(6, row.pid());
                        s.setString(7, row.clientIpAddress());
                        s.setInt(8, row.contraScore());
                        s.setLong(9, sessionId);
                        s.addBatch();
                    }
                    s.executeBatch();
                    try (ResultSet keys = s.getGeneratedKeys()) {
                        for (int i = 0; keys.next(); i++) {
                            ids[i] = keys.getLong(1);
                        }
                    }
                }
                try (PreparedStatement s = c.prepareStatement("INSERT INTO idp_data.idp_fraud_event_contraindicators "
                        + "(idp_fraud_events_id, contraindicator_code, count) VALUES (?, ?, ?)")) {
                    for (int i = 0; i < rows.size(); i++) {
                        for (Map.Entry<String, Integer> ci : rows.get(i).contraIndicators().entrySet()) {
                            s.setLong(1, ids[i]);
                            s.setString(2, ci.getKey());
                            s.setInt(3, ci.getValue());
                            s.addBatch();
                        }
                    }
                    s.executeBatch();
                }
                try (PreparedStatement s = c.prepareStatement(
                        "UPDATE idp_data.upload_sessions SET passed_validation = true WHERE id = ?")) {
                    s.setLong(1, sessionId);
                    s.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }
}
