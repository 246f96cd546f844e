package uk.gov.ida.eventrecorder;

/**
 * What is being recorded (a message, an archive line, an uploaded file) is at fault: the failure is final for it,
 * and says nothing about the recorder's dependencies. The counterpart of {@link DependencyException}; each stage
 * that judges content throws a subclass, and {@link FailureClass} classifies it without knowing that stage.
 */
public abstract class ContentException extends RecorderException {
    protected ContentException(String message) {
        super(message);
    }
}
