package uk.gov.ida.eventrecorder.config;

/** Where the KMS-encrypted AES data key that producers encrypt events with is kept. */
public sealed interface KeyLocation {

    /** {@code ENCRYPTION_KEY}: the base64 KMS ciphertext itself. */
    record InEnvironment(String ciphertextBase64) implements KeyLocation {
        @Override
        public String toString() {
            return "InEnvironment[ENCRYPTION_KEY]";
        }
    }

    /** {@code DECRYPTION_KEY_BUCKET_NAME} + {@code DECRYPTION_KEY_FILE_NAME}: an S3 object holding the base64 ciphertext. */
    record InS3Object(String bucket, String key) implements KeyLocation {
    }
}
