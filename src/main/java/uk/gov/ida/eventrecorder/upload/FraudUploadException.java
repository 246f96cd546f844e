package uk.gov.ida.eventrecorder.upload;

import uk.gov.ida.eventrecorder.RecorderException;

/**
 * A fraud upload that validation passed and the database still refused: not known to be the file's fault, nor a
 * dependency's, so it is an unknown failure ({@link uk.gov.ida.eventrecorder.FailureClass#UNKNOWN}): nothing is stored,
 * the object stays, the invocation fails for Lambda's retries and the on-failure destination. Its message names the
 * object, SQLSTATE, column and constraint; it has no cause, because PostgreSQL's message quotes the row.
 */
public final class FraudUploadException extends RecorderException {
    public FraudUploadException(String message) {
        super(message);
    }
}
