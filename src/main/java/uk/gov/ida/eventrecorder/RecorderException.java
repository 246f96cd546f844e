package uk.gov.ida.eventrecorder;

/**
 * Root of every exception the recorder throws. Unchecked, because callers cannot recover from any of them locally:
 * they are for what the code cannot handle (a lost database, an unreadable key, bad configuration). The outcome of
 * an individual message is data ({@code MessageOutcome}), never one of these. Messages never carry a secret.
 */
public class RecorderException extends RuntimeException {
    public RecorderException(String message) {
        super(message);
    }

    public RecorderException(String message, Throwable cause) {
        super(message, cause);
    }
}
