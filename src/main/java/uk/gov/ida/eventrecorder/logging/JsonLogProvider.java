package uk.gov.ida.eventrecorder.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;
import uk.gov.ida.eventrecorder.config.LogSettings;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SLF4J backend of the artifact (found through {@code META-INF/services}): JSON lines on stdout. A few classes
 * and no configuration file, because the logging library is part of every cold start; the level comes from
 * {@code AWS_LAMBDA_LOG_LEVEL}, which Lambda sets from the function's application log level.
 */
public final class JsonLogProvider implements SLF4JServiceProvider {
    // Libraries that are chatty at INFO: their warnings still show.
    private static final Map<String, Level> QUIETER = Map.of("com.zaxxer.hikari", Level.WARN,
            "org.flywaydb", Level.WARN);

    private ILoggerFactory loggers;
    private IMarkerFactory markers;
    private MDCAdapter mdc;

    @Override
    public void initialize() {
        Level level = Level.valueOf(LogSettings.fromSystemEnvironment().level());
        Map<String, Logger> cache = new ConcurrentHashMap<>();
        loggers = name -> cache.computeIfAbsent(name, n -> new JsonLogger(n, threshold(n, level)));
        markers = new BasicMarkerFactory();
        mdc = new BasicMDCAdapter();
    }

    private static Level threshold(String name, Level level) {
        for (Map.Entry<String, Level> quieter : QUIETER.entrySet()) {
            if (name.startsWith(quieter.getKey()) && quieter.getValue().toInt() > level.toInt()) {
                return quieter.getValue();
            }
        }
        return level;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }
}
