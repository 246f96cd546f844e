package uk.gov.ida.eventrecorder.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** Builds event JSON shaped as the producers send it, with realistic details for each kind of event. */
public final class EventBuilder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong SEQUENCE = new AtomicLong();
    public static final long BASE_MILLIS = 1_518_264_452_000L; // 2018-02-10T12:07:32Z

    private final ObjectNode root = JSON.createObjectNode();
    private final ObjectNode details = JSON.createObjectNode();

    private EventBuilder(String eventType) {
        long n = SEQUENCE.incrementAndGet();
        root.put("eventId", UUID.randomUUID().toString());
        root.put("timestamp", BASE_MILLIS + n * 1000);
        root.put("eventType", eventType);
        root.put("originatingService", "hub");
        root.put("sessionId", "session-" + n);
        root.set("details", details);
    }

    public static EventBuilder billing() {
        long n = SEQUENCE.get() + 1;
        return new EventBuilder("session_event")
                .detail("session_event_type", "idp_authn_succeeded")
                .detail("idp_entity_id", "https://idp-" + (n % 7) + ".example/SAML2/MD")
                .detail("transaction_entity_id", "https://rp-" + (n % 5) + ".example/SAML2/MD")
                .detail("pid", sha256Like(n))
                .detail("minimum_level_of_assurance", "LEVEL_2")
                .detail("preferred_level_of_assurance", "LEVEL_2")
                .detail("provided_level_of_assurance", "LEVEL_2")
                .detail("request_id", "_" + UUID.randomUUID());
    }

    public static EventBuilder fraud() {
        long n = SEQUENCE.get() + 1;
        return new EventBuilder("session_event")
                .detail("session_event_type", "fraud_detected")
                .detail("idp_entity_id", "https://idp-" + (n % 7) + ".example/SAML2/MD")
                .detail("transaction_entity_id", "https://rp-" + (n % 5) + ".example/SAML2/MD")
                .detail("idp_fraud_event_id", "fraud-" + n)
                .detail("gpg45_status", "IT01")
                .detail("pid", sha256Like(n))
                .detail("request_id", "_" + UUID.randomUUID());
    }

    public static EventBuilder otherSession() {
        return new EventBuilder("session_event")
                .detail("session_event_type", "session_started")
                .detail("transaction_entity_id", "https://rp-1.example/SAML2/MD")
                .detail("details", "Ünïcödé café — line one\nline two");
    }

    public static EventBuilder errorEvent() {
        return new EventBuilder("error_event")
                .detail("error_id", UUID.randomUUID().toString())
                .detail("message", "SAML response could not be validated");
    }

    public EventBuilder eventId(String eventId) {
        root.put("eventId", eventId);
        return this;
    }

    public String eventId() {
        return root.get("eventId").asText();
    }

    public EventBuilder timestampMillis(long millis) {
        root.put("timestamp", millis);
        return this;
    }

    public EventBuilder timestampIso(String iso) {
        root.put("timestamp", iso);
        return this;
    }

    public EventBuilder sessionId(String sessionId) {
        root.put("sessionId", sessionId);
        return this;
    }

    public EventBuilder sessionIdNull() {
        root.putNull("sessionId");
        return this;
    }

    public EventBuilder without(String field) {
        root.remove(field);
        return this;
    }

    public EventBuilder detail(String name, String value) {
        details.put(name, value);
        return this;
    }

    public EventBuilder withoutDetail(String name) {
        details.remove(name);
        return this;
    }

    public String json() {
        try {
            return JSON.writeValueAsString(root);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Like(long n) {
        return String.format("%064x", n * 0x9E3779B97F4A7C15L & Long.MAX_VALUE);
    }
}
