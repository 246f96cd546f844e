package uk.gov.ida.eventrecorder.crypto;

import uk.gov.ida.eventrecorder.RecorderException;

/** A key or password could not be fetched or decrypted. Names the secret's source, never its value. */
public final class SecretUnavailableException extends RecorderException {
    public SecretUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public SecretUnavailableException(String message) {
        super(message);
    }
}
