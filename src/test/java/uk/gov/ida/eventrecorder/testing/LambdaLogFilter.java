package uk.gov.ida.eventrecorder.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * Lambda's application log-level filter as it documents it for the JSON log format: a line is kept when its {@code
 * level} is at or above the function's application log level; a line without one, or with one Lambda does not know,
 * counts as INFO (docs/TEST-SERVERS.md).
 */
public final class LambdaLogFilter {
    public static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");

    private LambdaLogFilter() {
    }

    public static boolean keeps(JsonNode line, String applicationLevel) {
        int index = LEVELS.indexOf(line.path("level").asText("INFO"));
        return (index < 0 ? LEVELS.indexOf("INFO") : index) >= LEVELS.indexOf(applicationLevel);
    }
}
