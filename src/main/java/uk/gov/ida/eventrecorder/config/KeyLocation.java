package uk.gov.ida.eventrecorder.config;

/** Where the KMS-encrypted AES data key that producers encrypt events with is kept. */
public sealed interface KeyLocation {

    /**
     * {@code ENCRYPTION_KEY}: the base64 KMS ciphertexts themselves, separated by commas (more than one during a
     * key rotation, the current key first).
     */
    record InEnvironment(java.util.List<String> ciphertexts) implements KeyLocation {
        public InEnvironment {
            ciphertexts = java.util.List.copyOf(ciphertexts);
        }

        @Override
        public String toString() {
            return "InEnvironment[ENCRYPTION_KEY]";
        }
    }

    /**
     * {@code DECRYPTION_KEY_BUCKET_NAME} + {@code DECRYPTION_KEY_FILE_NAME}: an S3 object holding the base64
     * ciphertexts, one a line.
     */
    record InS3Object(String bucket, String key) implements KeyLocation {
    }
}
