package uk.gov.ida.eventrecorder.config;

import java.util.Map;

/**
 * What the S3-triggered import handlers (archive replay, IDP fraud-data upload) read from their environment. They
 * read plaintext, so unlike {@link RecorderConfig} they need no data key.
 *
 * @param maxUploadBytes {@code FRAUD_UPLOAD_MAX_BYTES} (default 20 MiB): a fraud-data upload is validated in memory
 *                       and stored in one transaction, so its size is bounded
 */
public record ImportConfig(DatabaseConfig database, long maxUploadBytes) {

    public static ImportConfig fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static ImportConfig fromEnvironment(Map<String, String> environment) {
        Env env = new Env(environment);
        long maxBytes;
        try {
            maxBytes = Long.parseLong(env.optional(Variable.FRAUD_UPLOAD_MAX_BYTES).orElse(Long.toString(20L << 20)));
        } catch (NumberFormatException e) {
            throw new ConfigurationException(Variable.FRAUD_UPLOAD_MAX_BYTES.name(), "must be a whole number of bytes");
        }
        if (maxBytes <= 0) {
            throw new ConfigurationException(Variable.FRAUD_UPLOAD_MAX_BYTES.name(), "must be positive");
        }
        return new ImportConfig(DatabaseConfig.fromEnvironment(environment), maxBytes);
    }
}
