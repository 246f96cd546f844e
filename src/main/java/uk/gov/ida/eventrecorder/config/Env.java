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
        return Duration.ofSeconds(wholeNumber(name, "seconds", defaultSeconds, 1, maxSeconds));
    }

    Duration millis(Variable name, long defaultMillis) {
        return Duration.ofMillis(wholeNumber(name, "milliseconds", defaultMillis, 0, Long.MAX_VALUE));
    }

    int count(Variable name, int defaultValue, int min, int max) {
        return (int) wholeNumber(name, "", defaultValue, min, max);
    }

    private long wholeNumber(Variable name, String unit, long defaultValue, long min, long max) {
        Optional<String> value = optional(name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        long n;
        try {
            n = Long.parseLong(value.get());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(name.name(), unit.isEmpty() ? "must be a whole number"
                    : "must be a whole number of " + unit);
        }
        if (n < min || n > max) {
            throw new ConfigurationException(name.name(), max == Long.MAX_VALUE ? "must not be negative"
                    : ("must be between " + min + " and " + max + " " + unit).strip());
        }
        return n;
    }
}
