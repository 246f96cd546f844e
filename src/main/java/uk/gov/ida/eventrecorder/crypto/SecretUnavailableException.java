package uk.gov.ida.eventrecorder.crypto;

import uk.gov.ida.eventrecorder.DependencyException;

/**
 * A key or password could not be fetched or decrypted (KMS or S3 unreachable, a key policy that refuses, a
 * ciphertext that is not KMS's): a dependency failure, never the message's. Names the secret's source, never its
 * value.
 */
public final class SecretUnavailableException extends DependencyException {
    public SecretUnavailableException(String message, Throwable cause) {
        super("KMS", message, cause);
    }

    public SecretUnavailableException(String message) {
        super("KMS", message, null);
    }
}
