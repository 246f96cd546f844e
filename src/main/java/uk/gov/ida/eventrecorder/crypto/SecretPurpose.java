package uk.gov.ida.eventrecorder.crypto;

/**
 * What a KMS ciphertext the recorder is configured with is for. With {@code KMS_ENCRYPTION_CONTEXT=true} each is
 * decrypted with the encryption context {@code event-recorder:purpose=<value>}, which KMS checks against the context
 * it was encrypted with, and which a key policy or IAM condition ({@code kms:EncryptionContext:event-recorder:purpose})
 * can require: a function granted only {@code data-key} cannot decrypt the owner's database password, even with the
 * same KMS key (docs/security.md).
 */
public enum SecretPurpose {
    DATA_KEY("data-key"),
    DATABASE_PASSWORD("database-password"),
    OWNER_DATABASE_PASSWORD("owner-database-password");

    /** The encryption context's key. */
    public static final String CONTEXT_KEY = "event-recorder:purpose";

    private final String value;

    SecretPurpose(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }
}
