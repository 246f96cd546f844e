package uk.gov.ida.eventrecorder.event;

import uk.gov.ida.eventrecorder.FailureClass;

/**
 * Why a message was not (completely) recorded; the label is what logs and metrics show. Each reason has its
 * {@link FailureClass}: only a dependency's failure earns a message the outage back-off.
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
    DATABASE_UNAVAILABLE("database unavailable"),
    /** The data keys could not be loaded (KMS or S3 unreachable, a key policy or a configured ciphertext wrong). */
    KEY_UNAVAILABLE("key unavailable"),
    EARLIER_IN_GROUP_FAILED("earlier message in FIFO group failed"),
    UNEXPECTED("unexpected error");

    private final String label;

    RejectionReason(String label) {
        this.label = label;
    }

    /** Decided by the one failure policy, {@link FailureClass#of(RejectionReason)}. */
    public FailureClass failureClass() {
        return FailureClass.of(this);
    }

    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
