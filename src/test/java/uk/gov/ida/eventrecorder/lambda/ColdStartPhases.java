package uk.gov.ida.eventrecorder.lambda;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Builds, one at a time, what an event-source handler's first batch builds lazily, so that a cold start can be split
 * into phases: the first database connection (the pool), then the data key (KMS) with the decryptor, parser and
 * repository. The handler's own first batch then finds them built and only records.
 */
public final class ColdStartPhases {
    private ColdStartPhases() {
    }

    public static void openFirstConnection(SqsEventHandler handler) throws SQLException {
        try (Connection ignored = handler.container().dataSource().getConnection()) {
            // the pool is open and holds its first connection
        }
    }

    public static void decryptDataKey(SqsEventHandler handler) {
        handler.container().pipeline();
    }
}
