package uk.gov.ida.eventrecorder.event;

/** A row of {@code billing.fraud_events}: an IDP reported fraud during authentication. */
public record FraudEvent(String hashedPersistentId, String requestId, String entityId, String fraudEventId,
                         String fraudIndicator, String transactionEntityId) {
}
