package uk.gov.ida.eventrecorder.config;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The log level, from {@code AWS_LAMBDA_LOG_LEVEL}: Lambda sets it from the function's {@code LoggingConfig}
 * application log level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL). Unset or unknown: INFO. Read once, when
 * logging starts; an unknown value must not stop the function, so it is not an error.
 */
public record LogSettings(String level) {
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

    public static LogSettings fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static LogSettings fromEnvironment(Map<String, String> environment) {
        String value = environment.getOrDefault(Variable.AWS_LAMBDA_LOG_LEVEL.name(), "INFO").strip()
                .toUpperCase(Locale.ROOT);
        if (value.equals("FATAL")) {
            value = "ERROR"; // SLF4J's highest level
        }
        return new LogSettings(LEVELS.contains(value) ? value : "INFO");
    }
}
