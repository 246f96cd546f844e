package uk.gov.ida.eventrecorder;

/**
 * Something the recorder depends on (the database, KMS, S3, SQS) failed or could not be reached: nothing is known to
 * be wrong with the message or object being recorded, so it must be tried again later, never counted against its
 * content. Each entry point maps this to its transport ({@link FailureClass}). Names the dependency and what was
 * being done, never a secret or an event's content.
 */
public abstract class DependencyException extends RecorderException {
    private final String dependency;

    protected DependencyException(String dependency, String message, Throwable cause) {
        super(message, cause);
        this.dependency = dependency;
    }

    /** {@code database}, {@code KMS}, {@code S3} or {@code SQS}. */
    public String dependency() {
        return dependency;
    }
}
