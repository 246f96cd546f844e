package uk.gov.ida.eventrecorder.upload;

import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The {@code idp_data} tables: upload sessions, their validation failures, and the fraud events of passed uploads.
 * An upload is stored at most once per object, however many notifications, retries or containers import it: its
 * session is keyed by the object ({@link #claim}), and its outcome is stored once, under the session's row lock
 * ({@link #finish}).
 */
public final class FraudUploadRepository {
    private final DataSource dataSource;
    private final DatabaseCircuit circuit;

    /** @param circuit the container's: a database failure is a {@link DatabaseUnavailableException}, as everywhere */
    public FraudUploadRepository(DataSource dataSource, DatabaseCircuit circuit) {
        this.dataSource = dataSource;
        this.circuit = circuit;
    }

    /**
     * The session of one uploaded object.
     *
     * @param finished its outcome is already stored (by an earlier import of the same object)
     * @param passed   when finished: whether it passed validation
     */
    public record Session(long id, boolean finished, boolean passed) {
    }

    /**
     * Opens the session of {@code sourceObject} (committed at once, so the attempt is on record whatever happens
     * next), or finds the one an earlier import of the same object opened: a second notification, a retry, or
     * another container importing it now.
     */
    public Session claim(String sourceObject, String sourceFileName, String idp, String username) throws SQLException {
        return circuit.run(() -> claimOnce(sourceObject, sourceFileName, idp, username));
    }

    private Session claimOnce(String sourceObject, String sourceFileName, String idp, String username)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO idp_data.upload_sessions (time_stamp, source_file_name, idp_entity_id, userid, "
                            + "passed_validation, source_object) VALUES (?, ?, ?, ?, false, ?) "
                            + "ON CONFLICT (source_object) DO NOTHING RETURNING id")) {
                s.setObject(1, LocalDateTime.now(ZoneOffset.UTC));
                s.setString(2, sourceFileName);
                s.setString(3, idp);
                s.setString(4, username);
                s.setString(5, sourceObject);
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next()) {
                        return new Session(rs.getLong(1), false, false);
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("SELECT id, finished_at IS NOT NULL, passed_validation "
                    + "FROM idp_data.upload_sessions WHERE source_object = ?")) {
                s.setString(1, sourceObject);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return new Session(rs.getLong(1), rs.getBoolean(2), rs.getBoolean(3));
                }
            }
        }
    }

    /**
     * Stores the session's outcome, all in one transaction: every row and the session marked passed, or its
     * validation failures. Under the session's row lock, and only if no other import has finished it: two imports of
     * the same object store it once.
     *
     * @param rows     stored when {@code failures} is empty
     * @return false when another import had already finished the session (nothing was written)
     * @throws DatabaseUnavailableException the database failed; nothing was written
     * @throws SQLException                 the database refused a row for its content ({@code SqlFailure.ROW})
     */
    public boolean finish(long sessionId, String idp, List<FraudRow> rows, List<ValidationFailure> failures)
            throws SQLException {
        return circuit.run(() -> finishOnce(sessionId, idp, rows, failures));
    }

    private boolean finishOnce(long sessionId, String idp, List<FraudRow> rows, List<ValidationFailure> failures)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement s = c.prepareStatement(
                        "SELECT finished_at FROM idp_data.upload_sessions WHERE id = ? FOR UPDATE")) {
                    s.setLong(1, sessionId);
                    try (ResultSet rs = s.executeQuery()) {
                        if (!rs.next() || rs.getObject(1) != null) {
                            c.rollback();
                            return false;
                        }
                    }
                }
                if (failures.isEmpty()) {
                    storeRows(c, sessionId, idp, rows);
                } else {
                    recordFailures(c, sessionId, failures);
                }
                try (PreparedStatement s = c.prepareStatement("UPDATE idp_data.upload_sessions SET passed_validation "
                        + "= ?, finished_at = ? WHERE id = ?")) {
                    s.setBoolean(1, failures.isEmpty());
                    s.setObject(2, LocalDateTime.now(ZoneOffset.UTC));
                    s.setLong(3, sessionId);
                    s.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static void recordFailures(Connection c, long sessionId, List<ValidationFailure> failures)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
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

    /** A contra-indicator repeated on one event was counted while parsing, so each (event, code) is inserted once. */
    private static void storeRows(Connection c, long sessionId, String idp, List<FraudRow> rows) throws SQLException {
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
    }
}
