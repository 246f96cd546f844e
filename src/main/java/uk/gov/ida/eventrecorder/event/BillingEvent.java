package uk.gov.ida.eventrecorder.event;

/** A row of {@code billing.billing_events}: a successful IDP authentication, which the IDP bills for. */
public record BillingEvent(String hashedPersistentId, String requestId, String idpEntityId,
                           String minimumLevelOfAssurance, String providedLevelOfAssurance,
                           String preferredLevelOfAssurance, String transactionEntityId) {
}
