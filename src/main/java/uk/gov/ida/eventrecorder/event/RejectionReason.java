package uk.gov.ida.eventrecorder.event;

import uk.gov.ida.eventrecorder.FailureClass;

/**
 * Why a message was not (completely) recorded; the label is what logs and metrics show. Each reason carries its
 * {@link FailureClass}, the one failure policy's answer for it: only a dependency's failure (the database, the data
 * keys) earns a message the outage back-off; an unexpected error is unknown; every other reason is the content's.
 */
public enum RejectionReason {
    BASE64("base64"),
    LENGTH("length"),
    PADDING_OR_KEY("padding/key"),
    JSON("json"),
    MISSING_FIELD("missing field"),
    TYPE("type"),
    DUPLICATE_KEY("duplicate key"),
    TOO_LONG("too long"),
    TIMESTAMP_RANGE("timestamp out of range"),
    INCOMPLETE_BILLING("incomplete billing event"),
    INCOMPLETE_FRAUD("incomplete fraud event"),
    DATABASE_REJECTED("database rejected"),
    DATABASE_UNAVAILABLE("database unavailable", FailureClass.DEPENDENCY),
    /** The data keys could not be loaded (KMS or S3 unreachable, a key policy or a configured ciphertext wrong). */
    KEY_UNAVAILABLE("key unavailable", FailureClass.DEPENDENCY),
    EARLIER_IN_GROUP_FAILED("earlier message in FIFO group failed"),
    UNEXPECTED("unexpected error", FailureClass.UNKNOWN);

    private final String label;
    private final FailureClass failureClass;

    RejectionReason(String label) {
        this(label, FailureClass.CONTENT);
    }

    RejectionReason(String label, FailureClass failureClass) {
        this.label = label;
        this.failureClass = failureClass;
    }

    public FailureClass failureClass() {
        return failureClass;
    }

    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
