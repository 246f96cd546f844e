package uk.gov.ida.eventrecorder.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns event JSON into an {@link AuditEvent}, validating what the schema needs and nothing more: unknown fields are
 * ignored, as producers add fields before the recorder knows them.
 */
public final class EventParser {
    static final String ERROR_EVENT = "error_event";
    static final String SESSION_EVENT = "session_event";
    static final String IDP_AUTHN_SUCCEEDED = "idp_authn_succeeded";
    static final String FRAUD_DETECTED = "fraud_detected";

    // One mapper for the container: building one costs milliseconds of cold start. Source snippets are kept out of
    // error messages, which are logged, because events carry personal data.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    public AuditEvent parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new InvalidMessageException(RejectionReason.JSON, "the event is not valid JSON" + where + ": "
                    + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidMessageException(RejectionReason.JSON, "the event is not a JSON object");
        }
        return parse((ObjectNode) root);
    }

    /** Parses an event already read as JSON, as the archive replay path has it. */
    public AuditEvent parse(ObjectNode root) {
        String eventId = requiredText(root, "eventId");
        String eventType = requiredText(root, "eventType");
        LocalDateTime timeStamp = timestamp(root);
        String originatingService = requiredText(root, "originatingService");
        String sessionId = sessionId(root, eventType);
        JsonNode details = root.get("details");
        if (details == null || details.isNull()) {
            throw new InvalidMessageException(RejectionReason.MISSING_FIELD, "the event has no 'details'");
        }
        if (!details.isObject()) {
            throw new InvalidMessageException(RejectionReason.TYPE,
                    "'details' must be a JSON object, not " + nodeType(details));
        }
        Optional<BillingEvent> billing = Optional.empty();
        Optional<FraudEvent> fraud = Optional.empty();
        Optional<AuditEvent.DerivedRowProblem> problem = Optional.empty();
        if (SESSION_EVENT.equals(eventType)) {
            String sessionEventType = details.path("session_event_type").asText("");
            try {
                if (IDP_AUTHN_SUCCEEDED.equals(sessionEventType)) {
                    billing = Optional.of(billing(details, sessionId));
                } else if (FRAUD_DETECTED.equals(sessionEventType)) {
                    fraud = Optional.of(fraud(details, sessionId));
                }
            } catch (InvalidMessageException e) {
                problem = Optional.of(new AuditEvent.DerivedRowProblem(e.reason(), e.getMessage()));
            }
        }
        return new AuditEvent(eventId, timeStamp, originatingService, sessionId, eventType, detailsJson(details),
                billing, fraud, problem);
    }

    private static BillingEvent billing(JsonNode details, String sessionId) {
        Fields f = new Fields(details, RejectionReason.INCOMPLETE_BILLING, "billing");
        requireSession(sessionId, f);
        BillingEvent event = new BillingEvent(f.required("pid"), f.required("request_id"),
                f.required("idp_entity_id"), f.required("minimum_level_of_assurance"),
                f.required("provided_level_of_assurance"), f.optional("preferred_level_of_assurance"),
                f.optional("transaction_entity_id"));
        f.throwIfMissing();
        return event;
    }

    private static FraudEvent fraud(JsonNode details, String sessionId) {
        Fields f = new Fields(details, RejectionReason.INCOMPLETE_FRAUD, "fraud");
        requireSession(sessionId, f);
        FraudEvent event = new FraudEvent(f.required("pid"), f.optional("request_id"), f.required("idp_entity_id"),
                f.required("idp_fraud_event_id"), f.required("gpg45_status"), f.required("transaction_entity_id"));
        f.throwIfMissing();
        return event;
    }

    private static void requireSession(String sessionId, Fields fields) {
        if (sessionId == null || sessionId.isEmpty()) {
            fields.missing.add("sessionId");
        }
    }

    /** Collects every missing detail of a billing/fraud event, so one log line names them all. */
    private static final class Fields {
        private final JsonNode details;
        private final RejectionReason reason;
        private final String kind;
        private final List<String> missing = new ArrayList<>();

        Fields(JsonNode details, RejectionReason reason, String kind) {
            this.details = details;
            this.reason = reason;
            this.kind = kind;
        }

        String required(String name) {
            String value = optional(name);
            if (value == null || value.isEmpty()) {
                missing.add("details." + name);
            }
            return value;
        }

        String optional(String name) {
            JsonNode node = details.get(name);
            if (node == null || node.isNull()) {
                return null;
            }
            if (node.isContainerNode()) {
                throw new InvalidMessageException(reason, "the " + kind + " event's details." + name
                        + " must be a string, not " + nodeType(node));
            }
            return withoutNul(node.asText());
        }

        void throwIfMissing() {
            if (!missing.isEmpty()) {
                throw new InvalidMessageException(reason, "the " + kind + " event lacks " + String.join(", ", missing));
            }
        }
    }

    private static String requiredText(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new InvalidMessageException(RejectionReason.MISSING_FIELD, "the event has no '" + field + "'");
        }
        if (!node.isTextual()) {
            throw new InvalidMessageException(RejectionReason.TYPE,
                    "'" + field + "' must be a string, not " + nodeType(node));
        }
        String value = node.textValue();
        if (value.isBlank()) {
            throw new InvalidMessageException(RejectionReason.MISSING_FIELD, "'" + field + "' is empty");
        }
        return keyText(field, value);
    }

    /** PostgreSQL text cannot hold U+0000; a key field carrying one cannot be stored faithfully, so it is refused. */
    private static String keyText(String field, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new InvalidMessageException(RejectionReason.TYPE,
                    "'" + field + "' contains a NUL character, which PostgreSQL text cannot store");
        }
        return value;
    }

    private static String sessionId(JsonNode root, String eventType) {
        JsonNode node = root.get("sessionId");
        boolean errorEvent = ERROR_EVENT.equals(eventType);
        if (node == null) {
            if (errorEvent) {
                return ""; // the replaced service stored an absent session id as the empty string
            }
            throw new InvalidMessageException(RejectionReason.MISSING_FIELD, "the event has no 'sessionId'");
        }
        if (node.isNull()) {
            if (errorEvent) {
                return null;
            }
            throw new InvalidMessageException(RejectionReason.MISSING_FIELD,
                    "'sessionId' is null, which only an error_event may have");
        }
        if (!node.isTextual()) {
            throw new InvalidMessageException(RejectionReason.TYPE,
                    "'sessionId' must be a string, not " + nodeType(node));
        }
        return keyText("sessionId", node.textValue());
    }

    private static LocalDateTime timestamp(JsonNode root) {
        JsonNode node = root.get("timestamp");
        if (node == null || node.isNull()) {
            throw new InvalidMessageException(RejectionReason.MISSING_FIELD, "the event has no 'timestamp'");
        }
        Instant instant;
        if (node.isIntegralNumber()) {
            instant = Instant.ofEpochMilli(node.longValue());
        } else if (node.isTextual()) {
            instant = parseTimestampText(node.textValue());
        } else {
            throw new InvalidMessageException(RejectionReason.TYPE, "'timestamp' must be epoch milliseconds or an "
                    + "ISO-8601 string, not " + nodeType(node));
        }
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    /** ISO-8601 with an offset or zone; without one the time is taken as UTC; all digits: epoch milliseconds. */
    static Instant parseTimestampText(String text) {
        String value = text.strip();
        if (!value.isEmpty() && value.chars().allMatch(Character::isDigit) && value.length() <= 15) {
            return Instant.ofEpochMilli(Long.parseLong(value));
        }
        try {
            TemporalAccessor parsed = DateTimeFormatter.ISO_DATE_TIME.parseBest(value,
                    java.time.ZonedDateTime::from, LocalDateTime::from);
            if (parsed instanceof java.time.ZonedDateTime zoned) {
                return zoned.toInstant();
            }
            return ((LocalDateTime) parsed).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new InvalidMessageException(RejectionReason.TYPE,
                    "'timestamp' \"" + abbreviate(value) + "\" is not an ISO-8601 date-time");
        }
    }

    /**
     * jsonb rejects the escape {@code \\u0000} (<a href="https://www.postgresql.org/docs/15/datatype-json.html">
     * PostgreSQL: JSON types</a>). Rather than lose the event, a NUL character inside details is stored as the
     * six visible characters backslash-u-0-0-0-0; everything else is kept exactly.
     */
    private static String detailsJson(JsonNode details) {
        try {
            String json = MAPPER.writeValueAsString(details);
            if (!json.contains("\\u0000")) {
                return json;
            }
            return MAPPER.writeValueAsString(replaceNul(details));
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(RejectionReason.JSON, "'details' cannot be serialised: "
                    + e.getOriginalMessage());
        }
    }

    private static JsonNode replaceNul(JsonNode node) {
        if (node.isTextual()) {
            return TextNode.valueOf(withoutNul(node.textValue()));
        }
        if (node.isObject()) {
            ObjectNode copy = MAPPER.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                copy.set(withoutNul(field.getKey()), replaceNul(field.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = MAPPER.createArrayNode();
            node.forEach(element -> copy.add(replaceNul(element)));
            return copy;
        }
        return node;
    }

    static String withoutNul(String value) {
        return value.indexOf('\0') < 0 ? value : value.replace("\0", "\\u0000");
    }

    /** Compact one-line JSON of a parsed tree, e.g. for the SIEM log line. */
    public static String compact(String json) {
        try {
            return MAPPER.writeValueAsString(MAPPER.readTree(json));
        } catch (JsonProcessingException e) {
            return json.replace('\n', ' ');
        }
    }

    private static String nodeType(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }
}
