package uk.gov.ida.eventrecorder.event;

import java.time.LocalDateTime;
import java.util.Optional;

/**
 * One event as recorded: always a row of {@code audit.audit_events}, plus a billing or fraud row when its details
 * call for one. {@code derivedRowProblem} says why a billing/fraud event could not get its row (a missing detail):
 * the audit row is still written, as the audit trail is the legal record, but the message is reported failed.
 *
 * @param timeStamp   the event's instant in UTC, to microseconds (PostgreSQL's precision)
 * @param sessionId   {@code null} when the producer sent {@code "sessionId": null} on an error event
 * @param detailsJson compact JSON of {@code details}, safe for jsonb
 */
public record AuditEvent(String eventId, LocalDateTime timeStamp, String originatingService, String sessionId,
                         String eventType, String detailsJson, Optional<BillingEvent> billing,
                         Optional<FraudEvent> fraud, Optional<DerivedRowProblem> derivedRowProblem) {

    /** A billing or fraud event that lacks what its table needs. */
    public record DerivedRowProblem(RejectionReason reason, String detail) {
    }
}
