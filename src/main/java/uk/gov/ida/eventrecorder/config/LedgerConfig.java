package uk.gov.ida.eventrecorder.config;

import java.time.Duration;
import java.util.Map;

/**
 * What the ledger's checkpoint run reads from its environment: the database (as its own role, {@code DB_USER}),
 * the export's bucket and folder, where its checkpoints are written beside the export's chain, the key that signs
 * them (the export's: one public key for an auditor), and how often the schedule runs it.
 *
 * @param interval {@code LEDGER_INTERVAL}
 */
public record LedgerConfig(DatabaseConfig database, String bucket, String prefix, String signingKeyId,
                           Duration interval, String metricsNamespace) {
    public static LedgerConfig fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static LedgerConfig fromEnvironment(Map<String, String> environment) {
        Env env = new Env(environment);
        String bucket = env.optional(Variable.EXPORT_BUCKET).orElseThrow(() -> new ConfigurationException(
                Variable.EXPORT_BUCKET.name(), "is required: the bucket the ledger's checkpoints are written to"));
        String key = env.optional(Variable.EXPORT_SIGNING_KEY_ID).orElseThrow(() -> new ConfigurationException(
                Variable.EXPORT_SIGNING_KEY_ID.name(), "is required: the KMS key that signs the checkpoints"));
        return new LedgerConfig(DatabaseConfig.fromEnvironment(environment), bucket,
                env.optional(Variable.EXPORT_PREFIX).orElse(""), key,
                env.seconds(Variable.LEDGER_INTERVAL, 60, 24 * 3600),
                env.optional(Variable.METRICS_NAMESPACE).orElse("EventRecorder"));
    }
}
