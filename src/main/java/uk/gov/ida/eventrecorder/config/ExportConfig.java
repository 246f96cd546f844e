package uk.gov.ida.eventrecorder.config;

import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the daily export reads from its environment: the database (as its own read-only role, {@code DB_USER}),
 * the bucket and folder it writes, the key that signs, and when a day is ready.
 *
 * @param settle    {@code EXPORT_SETTLE_HOURS}
 * @param csv       {@code EXPORT_FORMATS} includes {@code csv}
 * @param startDate {@code EXPORT_START_DATE}
 */
public record ExportConfig(DatabaseConfig database, String bucket, String prefix, String signingKeyId,
                           Duration settle, boolean csv, Optional<LocalDate> startDate,
                           String metricsNamespace) {
    /** {@code AWS_REGION}, for the auditor's command, which needs no other variable unless it reads the database. */
    public static ExportConfig fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static ExportConfig fromEnvironment(Map<String, String> environment) {
        Env env = new Env(environment);
        String bucket = env.optional(Variable.EXPORT_BUCKET).orElseThrow(() -> new ConfigurationException(
                Variable.EXPORT_BUCKET.name(), "is required: the bucket the export writes"));
        String key = env.optional(Variable.EXPORT_SIGNING_KEY_ID).orElseThrow(() -> new ConfigurationException(
                Variable.EXPORT_SIGNING_KEY_ID.name(), "is required: the KMS key that signs the manifests"));
        Set<String> formats = Arrays.stream(env.optional(Variable.EXPORT_FORMATS).orElse("parquet").split(","))
                .map(String::strip).filter(f -> !f.isEmpty()).collect(Collectors.toSet());
        if (!formats.contains("parquet") || !Set.of("parquet", "csv").containsAll(formats)) {
            throw new ConfigurationException(Variable.EXPORT_FORMATS.name(), "must be parquet or parquet,csv");
        }
        Optional<LocalDate> start;
        try {
            start = env.optional(Variable.EXPORT_START_DATE).map(LocalDate::parse);
        } catch (DateTimeParseException e) {
            throw new ConfigurationException(Variable.EXPORT_START_DATE.name(), "must be a date, YYYY-MM-DD");
        }
        return new ExportConfig(DatabaseConfig.fromEnvironment(environment), bucket,
                env.optional(Variable.EXPORT_PREFIX).orElse(""), key,
                Duration.ofHours(env.count(Variable.EXPORT_SETTLE_HOURS, 2, 0, 24 * 14)),
                formats.contains("csv"), start,
                env.optional(Variable.METRICS_NAMESPACE).orElse("EventRecorder"));
    }
}
