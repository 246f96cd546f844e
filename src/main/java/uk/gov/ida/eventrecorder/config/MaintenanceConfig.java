package uk.gov.ida.eventrecorder.config;

import java.util.Map;

/**
 * What the scheduled partition maintenance needs: the database, logged in as the tables' owner (its own
 * {@code DB_CONNECTION_STRING}; the recording functions' INSERT-only role cannot create partitions), and where its
 * metric goes.
 *
 * @param metricsNamespace {@code METRICS_NAMESPACE}
 */
public record MaintenanceConfig(DatabaseConfig database, String metricsNamespace) {
    public static MaintenanceConfig fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static MaintenanceConfig fromEnvironment(Map<String, String> environment) {
        return new MaintenanceConfig(DatabaseConfig.fromEnvironment(environment).asOwner(),
                new Env(environment).optional(Variable.METRICS_NAMESPACE).orElse("EventRecorder"));
    }
}
