package uk.gov.ida.eventrecorder.store;

import uk.gov.ida.eventrecorder.DependencyException;

/**
 * The CA bundle the database's certificate must be verified against could not be read: no connection is made
 * (never an unverified one instead). A dependency failure: the bundle's S3 object, or the deployment's file.
 */
public final class TrustUnavailableException extends DependencyException {
    public TrustUnavailableException(String message, Throwable cause) {
        super("S3", message, cause);
    }
}
