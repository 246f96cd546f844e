package uk.gov.ida.eventrecorder.store;

import uk.gov.ida.eventrecorder.DependencyException;

/**
 * The database could not be reached or lost the connection mid-statement, even after one retry on a fresh
 * connection. Nothing of the batch is known to be written; every message in it is reported failed for redelivery.
 */
public final class DatabaseUnavailableException extends DependencyException {
    public DatabaseUnavailableException(String message, Throwable cause) {
        super("database", message, cause);
    }
}
