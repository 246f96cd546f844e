package uk.gov.ida.eventrecorder.config;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The log level, from {@code AWS_LAMBDA_LOG_LEVEL}: Lambda sets it from the function's {@code LoggingConfig}
 * application log level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL). Unset or unknown: INFO. Read once, when
 * logging starts; an unknown value must not stop the function, so it is not an error.
 */
public record LogSettings(String level, String applicationLevel) {
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
    private static final java.util.List<String> LAMBDA_LEVELS = java.util.List.of("TRACE", "DEBUG", "INFO", "WARN",
            "ERROR", "FATAL");

    public static LogSettings fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static LogSettings fromEnvironment(Map<String, String> environment) {
        String value = environment.getOrDefault(Variable.AWS_LAMBDA_LOG_LEVEL.name(), "INFO").strip()
                .toUpperCase(Locale.ROOT);
        String application = LAMBDA_LEVELS.contains(value) ? value : "INFO";
        if (value.equals("FATAL")) {
            value = "ERROR"; // SLF4J's highest level
        }
        return new LogSettings(LEVELS.contains(value) ? value : "INFO", application);
    }

    /**
     * The level the metric lines carry. Lambda drops a line below the function's application log level, and counts a
     * line without a level as INFO, so at WARN every metric, the dashboard, the alarms and the batch's trace would go
     * without a word (<a href="https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html">
     * log-level filtering</a>). They are INFO, or the application level when that is higher: what the function
     * reports must reach CloudWatch whatever the logs' level. The template allows only TRACE, DEBUG and INFO.
     */
    public String metricsLevel() {
        return LAMBDA_LEVELS.indexOf(applicationLevel) > LAMBDA_LEVELS.indexOf("INFO") ? applicationLevel : "INFO";
    }
}
