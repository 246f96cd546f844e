package uk.gov.ida.eventrecorder.ledger;

import uk.gov.ida.eventrecorder.RecorderException;

/**
 * A ledger entry, checkpoint, checkpoint object or proof that breaks its format. The message names the field, the
 * position and the rule broken, never the bytes it was given: a tampered object may carry anything.
 */
public class LedgerFormatException extends RecorderException {
    public LedgerFormatException(String message) {
        super(message);
    }
}
