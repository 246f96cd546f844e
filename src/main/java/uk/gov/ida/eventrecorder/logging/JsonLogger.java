package uk.gov.ida.eventrecorder.logging;

import org.slf4j.Marker;
import org.slf4j.MDC;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes each log event to stdout as one JSON object: {@code timestamp} (RFC 3339), {@code level}, {@code logger},
 * {@code message}, the MDC (the Lambda request id), the event's key-value pairs ({@code message_id},
 * {@code event_id}, {@code outcome}, {@code reason}, …), and {@code error} with the stack trace when there is one.
 * Lambda's JSON log format reads {@code level} and {@code timestamp} from such lines and applies its application
 * log level to them (<a href="https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html">
 * log-level filtering</a>); CloudWatch Logs Insights discovers every field without a parse pattern.
 */
final class JsonLogger extends LegacyAbstractLogger implements LoggingEventAware {
    private final String shortName;
    private final Level threshold;

    JsonLogger(String name, Level threshold) {
        this.name = name;
        this.shortName = name.substring(name.lastIndexOf('.') + 1);
        this.threshold = threshold;
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold.toInt();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    /** The classic API: {@code LOG.info("… {}", x)}. */
    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                               Throwable throwable) {
        write(level, MessageFormatter.basicArrayFormat(pattern, arguments), List.of(), throwable);
    }

    /** The fluent API: {@code LOG.atInfo().setMessage(…).addKeyValue("event_id", id).log()}. */
    @Override
    public void log(LoggingEvent event) {
        if (!enabled(event.getLevel())) {
            return;
        }
        Object[] arguments = event.getArgumentArray();
        String message = arguments == null || arguments.length == 0 ? event.getMessage()
                : MessageFormatter.basicArrayFormat(event.getMessage(), arguments);
        List<KeyValuePair> pairs = event.getKeyValuePairs() == null ? List.of() : event.getKeyValuePairs();
        write(event.getLevel(), message, pairs, event.getThrowable());
    }

    private void write(Level level, String message, List<KeyValuePair> pairs, Throwable throwable) {
        StringBuilder line = new StringBuilder(256);
        line.append("{\"timestamp\":\"").append(Instant.now()).append("\",\"level\":\"").append(level)
                .append("\",\"logger\":");
        Json.string(line, shortName);
        line.append(",\"message\":");
        Json.string(line, message == null ? "" : message);
        Map<String, String> context = MDC.getCopyOfContextMap();
        if (context != null) {
            context.forEach((key, value) -> field(line, key, value));
        }
        for (KeyValuePair pair : pairs) {
            field(line, pair.key, pair.value);
        }
        if (throwable != null) {
            StringWriter trace = new StringWriter();
            throwable.printStackTrace(new PrintWriter(trace));
            field(line, "error", throwable.getClass().getName() + ": " + throwable.getMessage());
            field(line, "stack_trace", trace.toString());
        }
        line.append('}');
        // One println per event: one line per log entry, whatever other threads write.
        System.out.println(line);
    }

    private static void field(StringBuilder line, String key, Object value) {
        line.append(',');
        Json.string(line, key);
        line.append(':');
        if (value == null) {
            line.append("null");
        } else if (value instanceof Json.Raw raw) {
            line.append(raw.json());
        } else if (value instanceof Number || value instanceof Boolean) {
            line.append(value);
        } else {
            Json.string(line, value.toString());
        }
    }
}
