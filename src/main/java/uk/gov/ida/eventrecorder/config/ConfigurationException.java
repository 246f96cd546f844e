package uk.gov.ida.eventrecorder.config;

import uk.gov.ida.eventrecorder.RecorderException;

/** A missing or malformed environment variable. The message names the variable, never its value. */
public final class ConfigurationException extends RecorderException {
    private final String variable;

    public ConfigurationException(String variable, String problem) {
        super(variable + " " + problem);
        this.variable = variable;
    }

    public String variable() {
        return variable;
    }
}
