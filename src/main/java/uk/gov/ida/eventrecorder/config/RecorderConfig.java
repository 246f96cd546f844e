package uk.gov.ida.eventrecorder.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the handlers read from their environment, read once per container and validated here, so that a
 * missing or malformed value fails the cold start with the variable's name (never its value). docs/configuration.md
 * lists the same variables (DocumentationTest holds it to them).
 *
 * @param database           the database and how to log in to it
 * @param dataKey            {@code ENCRYPTION_KEY}, or {@code DECRYPTION_KEY_BUCKET_NAME} + {@code DECRYPTION_KEY_FILE_NAME}
 * @param queueUrl           {@code QUEUE_URL}: required by the drain handler only
 * @param logDecryptedEvents {@code LOG_DECRYPTED_EVENTS}: also print each decrypted event alone on one line
 * @param drainSafetyMargin  {@code DRAIN_SAFETY_MARGIN_MS}: the drain handler takes no new batch when less Lambda
 *                           time than this is left (default 15000; never less than a batch may need,
 *                           docs/design.md, "Timeouts")
 * @param drainConcurrency   {@code DRAIN_CONCURRENCY}: receive loops the drain handler runs at once (default
 *                           {@link #DEFAULT_DRAIN_CONCURRENCY}, 1 to 16), so that SQS round trips overlap the inserts
 * @param metricsNamespace   {@code METRICS_NAMESPACE}: CloudWatch namespace of the metric log lines
 * @param outageRetryBase    {@code OUTAGE_RETRY_BASE_SECONDS} (default 390, the template's visibility timeout): a
 *                           message that failed for a database reason is hidden this long after its first receive,
 *                           twice as long after its second, …
 * @param outageRetryMax     {@code OUTAGE_RETRY_MAX_SECONDS} (default 43200, the SQS maximum): the longest such wait
 * @param invocationsAtOnce  {@code AWS_LAMBDA_MAX_CONCURRENCY}, set by Lambda: invocations one process runs at once
 *                           (Lambda Managed Instances; 1 elsewhere), which size the pool
 * @param warmAtInit         {@code AWS_LAMBDA_INITIALIZATION_TYPE} is on-demand or provisioned-concurrency: start
 *                           loading the data keys and opening the first connection while Lambda initialises (never
 *                           for snap-start: a snapshot holds no secret and no connection)
 */
public record RecorderConfig(DatabaseConfig database, KeyLocation dataKey, Optional<String> queueUrl,
                             boolean logDecryptedEvents, Duration drainSafetyMargin, int drainConcurrency,
                             String metricsNamespace,
                             Duration outageRetryBase, Duration outageRetryMax, int invocationsAtOnce,
                             boolean warmAtInit) {
    /** SQS's largest visibility timeout, 12 hours. */
    public static final long MAX_VISIBILITY_SECONDS = 43_200;
    /** Chosen by measurement: docs/performance.md. */
    public static final int DEFAULT_DRAIN_CONCURRENCY = 8;

    public RecorderConfig {
        if (outageRetryMax.compareTo(outageRetryBase) < 0) {
            throw new ConfigurationException(Variable.OUTAGE_RETRY_MAX_SECONDS.name(),
                    "must not be less than OUTAGE_RETRY_BASE_SECONDS");
        }
    }

    /** The process environment; the only place the recorder reads it. */
    /** The process's environment, for code that hands the whole of it on (doctor reads several configurations). */
    public static java.util.Map<String, String> processEnvironment() {
        return System.getenv();
    }

    public static RecorderConfig fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static RecorderConfig fromEnvironment(Map<String, String> environment) {
        Env env = new Env(environment);
        return new RecorderConfig(DatabaseConfig.fromEnvironment(environment), keyLocation(env),
                env.optional(Variable.QUEUE_URL), env.flag(Variable.LOG_DECRYPTED_EVENTS),
                env.millis(Variable.DRAIN_SAFETY_MARGIN_MS, 15_000),
                env.count(Variable.DRAIN_CONCURRENCY, DEFAULT_DRAIN_CONCURRENCY, 1, 16),
                env.optional(Variable.METRICS_NAMESPACE).orElse("EventRecorder"),
                env.seconds(Variable.OUTAGE_RETRY_BASE_SECONDS, 390, MAX_VISIBILITY_SECONDS),
                env.seconds(Variable.OUTAGE_RETRY_MAX_SECONDS, MAX_VISIBILITY_SECONDS, MAX_VISIBILITY_SECONDS),
                env.count(Variable.AWS_LAMBDA_MAX_CONCURRENCY, 1, 1, 256),
                env.optional(Variable.AWS_LAMBDA_INITIALIZATION_TYPE)
                        .filter(t -> t.equals("on-demand") || t.equals("provisioned-concurrency")).isPresent());
    }

    /** The drain handler cannot work without a queue; the event-source handler never asks. */
    public String requireQueueUrl() {
        return queueUrl.orElseThrow(() -> new ConfigurationException("QUEUE_URL", "is required by the drain handler"));
    }

    private static KeyLocation keyLocation(Env env) {
        Optional<String> inline = env.optional(Variable.ENCRYPTION_KEY);
        Optional<String> bucket = env.optional(Variable.DECRYPTION_KEY_BUCKET_NAME);
        Optional<String> file = env.optional(Variable.DECRYPTION_KEY_FILE_NAME);
        if (inline.isPresent()) {
            if (bucket.isPresent() || file.isPresent()) {
                throw new ConfigurationException("ENCRYPTION_KEY",
                        "is set together with DECRYPTION_KEY_BUCKET_NAME/DECRYPTION_KEY_FILE_NAME: give one key source");
            }
            List<String> ciphertexts = List.of(inline.get().split(",", -1)).stream().map(String::strip).toList();
            for (int k = 0; k < ciphertexts.size(); k++) {
                if (ciphertexts.get(k).isEmpty()) {
                    throw new ConfigurationException("ENCRYPTION_KEY", "has an empty key at position " + (k + 1)
                            + " of " + ciphertexts.size() + " (keys are separated by commas)");
                }
            }
            return new KeyLocation.InEnvironment(ciphertexts);
        }
        if (bucket.isPresent() && file.isEmpty()) {
            throw new ConfigurationException("DECRYPTION_KEY_FILE_NAME", "is required when DECRYPTION_KEY_BUCKET_NAME is set");
        }
        if (file.isPresent() && bucket.isEmpty()) {
            throw new ConfigurationException("DECRYPTION_KEY_BUCKET_NAME", "is required when DECRYPTION_KEY_FILE_NAME is set");
        }
        if (bucket.isEmpty()) {
            throw new ConfigurationException("ENCRYPTION_KEY",
                    "is required (or DECRYPTION_KEY_BUCKET_NAME + DECRYPTION_KEY_FILE_NAME)");
        }
        return new KeyLocation.InS3Object(bucket.get(), file.get());
    }
}
