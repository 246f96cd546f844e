package uk.gov.ida.eventrecorder;

import software.amazon.awssdk.awscore.exception.AwsServiceException;

import java.sql.SQLException;

/**
 * What an entry point lets reach Lambda's runtime client, which prints a handler's whole exception chain into the
 * function's log: the failure in the recorder's own words, its {@link FailureClass}, and each cause named by class,
 * SQLSTATE or AWS error code, with its stack trace, but never its message. A cause's message may quote what it was
 * given: PostgreSQL's {@code Detail: Failing row contains (…)}, a parser's snippet of an event.
 */
public class ReportedFailure extends RecorderException {
    private final FailureClass failureClass;

    ReportedFailure(String message, FailureClass failureClass, Throwable cause) {
        super(message, cause);
        this.failureClass = failureClass;
    }

    public FailureClass failureClass() {
        return failureClass;
    }

    /**
     * The failure as it may leave a handler: its class as {@link FailureClass#of} decides it, its message if it is the
     * recorder's own (a {@link RecorderException}; else its class name), and its causes without their messages.
     * A dependency failure stays a {@link DependencyException} naming its dependency.
     */
    public static RuntimeException withoutContent(Throwable failure) {
        if (failure instanceof ReportedFailure || failure instanceof Dependency || ownWordsOnly(failure)) {
            return (RuntimeException) failure; // the recorder's own words all the way down: nothing to redact
        }
        FailureClass failureClass = FailureClass.of(failure);
        // The original's class leads the message: the runtime names the reported type, this keeps the real one.
        String message = failure instanceof RecorderException
                ? failure.getClass().getSimpleName() + ": " + failure.getMessage() : describe(failure);
        RuntimeException reported = failure instanceof DependencyException dependency
                ? new Dependency(dependency.dependency(), message, redacted(failure.getCause()))
                : new ReportedFailure(message, failureClass, redacted(failure.getCause()));
        reported.setStackTrace(failure.getStackTrace());
        return reported;
    }

    private static boolean ownWordsOnly(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (!(t instanceof RecorderException)) {
                return false;
            }
        }
        return failure instanceof RuntimeException;
    }

    /** A class name, with the SQLSTATE or the AWS error code and HTTP status where there is one. */
    public static String describe(Throwable failure) {
        StringBuilder out = new StringBuilder(failure.getClass().getName());
        if (failure instanceof SQLException sql && sql.getSQLState() != null) {
            out.append(" (SQLSTATE ").append(sql.getSQLState()).append(')');
        } else if (failure instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            out.append(" (").append(aws.awsErrorDetails().errorCode()).append(", HTTP ").append(aws.statusCode())
                    .append(')');
        }
        return out.toString();
    }

    private static Throwable redacted(Throwable cause) {
        if (cause == null) {
            return null;
        }
        Throwable copy = new RedactedCause(cause instanceof RecorderException ? cause.getClass().getName() + ": "
                + cause.getMessage() : describe(cause), redacted(cause.getCause() == cause ? null : cause.getCause()));
        copy.setStackTrace(cause.getStackTrace());
        return copy;
    }

    /** A cause named, not quoted. */
    static final class RedactedCause extends RuntimeException {
        RedactedCause(String description, Throwable cause) {
            super(description, cause, false, true);
        }
    }

    /** A dependency's failure as it leaves a handler: still a {@link DependencyException}, its causes redacted. */
    static final class Dependency extends DependencyException {
        Dependency(String dependency, String message, Throwable cause) {
            super(dependency, message, cause);
        }
    }
}
