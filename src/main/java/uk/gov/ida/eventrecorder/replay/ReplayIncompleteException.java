package uk.gov.ida.eventrecorder.replay;

import uk.gov.ida.eventrecorder.RecorderException;

/**
 * The replay of an object stopped before its end, because the invocation's time was running out: how far it got is
 * noted on the object ({@link ReplayProgress}), and the invocation fails so that Lambda retries it, resuming there.
 */
public final class ReplayIncompleteException extends RecorderException {
    public ReplayIncompleteException(String message) {
        super(message);
    }
}
