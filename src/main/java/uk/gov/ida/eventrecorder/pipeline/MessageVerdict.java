package uk.gov.ida.eventrecorder.pipeline;

import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.event.InvalidMessageException;
import uk.gov.ida.eventrecorder.event.RejectionReason;

/**
 * What the pipeline would do with a message body, short of the database: the same decryption (every configured
 * key) and validation. For the operator's tools ({@code dlq inspect}, {@code decrypt-check}), so it carries the
 * event's id and type and the rejection, never its details or other personal data.
 *
 * @param eventId   {@code null} when the body could not be read that far
 * @param dataKey   the position of the data key it decrypts under, 0 if none
 * @param reason    {@code null} when it would be recorded
 * @param rows      the tables it would write, e.g. {@code audit + billing}
 */
public record MessageVerdict(String eventId, String eventType, int dataKey, RejectionReason reason, String detail,
                             String rows) {

    public static MessageVerdict of(EventDecryptor decryptor, EventParser parser, String body) {
        try {
            EventDecryptor.Decrypted<AuditEvent> read = decryptor.decrypt(body, parser::parse);
            AuditEvent event = read.value();
            String rows = "audit" + (event.billing().isPresent() ? " + billing" : "")
                    + (event.fraud().isPresent() ? " + fraud" : "");
            return event.derivedRowProblem()
                    .map(p -> new MessageVerdict(event.eventId(), event.eventType(), read.dataKey(), p.reason(),
                            p.detail(), "audit"))
                    .orElse(new MessageVerdict(event.eventId(), event.eventType(), read.dataKey(), null, "", rows));
        } catch (InvalidMessageException e) {
            return new MessageVerdict(null, null, 0, e.reason(), e.getMessage(), "");
        }
    }

    public boolean wouldRecord() {
        return reason == null;
    }

    /** E.g. {@code would record (audit + billing)}, or {@code would fail: missing field: the event has no 'eventId'}. */
    public String describe() {
        if (wouldRecord()) {
            return "would record (" + rows + ")";
        }
        String prefix = rows.isEmpty() ? "would fail: " : "would record the audit row, then fail: ";
        return prefix + reason.label() + ": " + detail;
    }
}
