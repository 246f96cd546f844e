package uk.gov.ida.eventrecorder.event;

import uk.gov.ida.eventrecorder.ContentException;

/**
 * A message that cannot be decrypted, parsed or validated. Thrown inside the decode stage only and turned into a
 * failed {@code MessageOutcome} there, so one bad message never fails its batch.
 */
public final class InvalidMessageException extends ContentException {
    private final RejectionReason reason;

    public InvalidMessageException(RejectionReason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public RejectionReason reason() {
        return reason;
    }
}
