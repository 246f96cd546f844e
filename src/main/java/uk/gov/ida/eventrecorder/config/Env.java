package uk.gov.ida.eventrecorder.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Typed reads of environment variables; every error names the variable and never echoes its value. */
final class Env {
    private final Map<String, String> values;

    Env(Map<String, String> values) {
        this.values = values;
    }

    Optional<String> optional(Variable variable) {
        return Optional.ofNullable(values.get(variable.name())).map(String::strip).filter(v -> !v.isEmpty());
    }

    boolean flag(Variable name) {
        Optional<String> value = optional(name).map(v -> v.toLowerCase(Locale.ROOT));
        if (value.isEmpty()) {
            return false;
        }
        return switch (value.get()) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new ConfigurationException(name.name(), "must be true or false");
        };
    }

    Duration seconds(Variable name, long defaultSeconds, long maxSeconds) {
        Optional<String> value = optional(name);
        if (value.isEmpty()) {
            return Duration.ofSeconds(defaultSeconds);
        }
        long s;
        try {
            s = Long.parseLong(value.get());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(name.name(), "must be a whole number of seconds");
        }
        if (s < 1 || s > maxSeconds) {
            throw new ConfigurationException(name.name(), "must be between 1 and " + maxSeconds + " seconds");
        }
        return Duration.ofSeconds(s);
    }

    Duration millis(Variable name, long defaultMillis) {
        Optional<String> value = optional(name);
        if (value.isEmpty()) {
            return Duration.ofMillis(defaultMillis);
        }
        long ms;
        try {
            ms = Long.parseLong(value.get());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(name.name(), "must be a whole number of milliseconds");
        }
        if (ms < 0) {
            throw new ConfigurationException(name.name(), "must not be negative");
        }
        return Duration.ofMillis(ms);
    }
}
