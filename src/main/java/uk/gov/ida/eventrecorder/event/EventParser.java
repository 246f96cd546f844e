package uk.gov.ida.eventrecorder.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
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

    /**
     * The longest text, in UTF-8 bytes, of a field that an index holds ({@code event_id}, {@code session_id},
     * {@code hashed_persistent_id}, {@code provided_level_of_assurance}). A B-tree index row holds about 2.7 kB;
     * a longer key is refused here, as the row's fault, rather than by the database.
     */
    public static final int MAX_KEY_BYTES = 1_000;

    // One mapper for the container: building one costs milliseconds of cold start. Source snippets are kept out of
    // error messages, which are logged, because events carry personal data. A key given twice is refused (which
    // copy a parser keeps would decide what is recorded), and decimals are read exactly: through a double,
    // 1.00000000000000000001 would be stored as 1.0. Nesting deeper than 1,000 levels and numbers longer than 1,000
    // characters are refused by Jackson's read constraints.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .build();

    public AuditEvent parse(String json) {
        JsonNode root = readTree(json, "the event");
        if (root == null || !root.isObject()) {
            throw new InvalidMessageException(RejectionReason.JSON, "the event is not a JSON object");
        }
        return parse((ObjectNode) root);
    }

    /**
     * Reads JSON with the recorder's rules (duplicate keys refused, exact decimals), for every path that reads
     * events: the queue's bodies and the archive replay's lines.
     *
     * @param what names the input in error messages, e.g. "the event" or "the line"
     */
    public static JsonNode readTree(String json, String what) {
        if (json == null) {
            throw new InvalidMessageException(RejectionReason.JSON, what + " is empty");
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            String message = String.valueOf(e.getOriginalMessage());
            if (message.startsWith("Duplicate")) {
                // Not even the key's name: in 'details' a key can be anything the producer put there.
                throw new InvalidMessageException(RejectionReason.DUPLICATE_KEY, what + " is ambiguous: a key is "
                        + "given twice" + where);
            }
            throw new InvalidMessageException(RejectionReason.JSON, what + " is not valid JSON" + where + ": "
                    + syntaxProblem(e, message));
        } catch (NumberFormatException e) {
            // Found by fuzzing: an exponent too large for an exact decimal (22222E22222222222).
            throw new InvalidMessageException(RejectionReason.JSON, what + " has a number that cannot be read "
                    + "exactly (its exponent is too large)");
        }
    }

    /**
     * What is wrong, in the recorder's own words. Jackson's messages quote the input (an unquoted word, the
     * character found, a key's name), and a broken producer's input is event content: a {@code pid} written without
     * quotes would reach the logs as "Unrecognized token 'PID…'". So the message is only classified, never passed on.
     */
    private static String syntaxProblem(JsonProcessingException e, String message) {
        if (e instanceof StreamConstraintsException) {
            if (message.contains("nesting depth")) {
                return "nested deeper than the 1,000 levels allowed";
            }
            if (message.startsWith("Number")) {
                return "a number longer than the 1,000 characters allowed";
            }
            return "longer than a read limit allows";
        }
        if (e instanceof JsonEOFException || message.startsWith("Unexpected end-of-input")) {
            return "it ends before the JSON is complete";
        }
        if (message.startsWith("Unrecognized token")) {
            return "a word that is not a JSON value (text must be in double quotes)";
        }
        if (message.startsWith("Illegal unquoted character")) {
            return "a control character inside a string (it must be escaped)";
        }
        if (message.startsWith("Unrecognized character escape")) {
            return "an unknown backslash escape inside a string";
        }
        if (message.startsWith("Non-standard token")) {
            return "a number JSON does not have (NaN or Infinity)";
        }
        if (message.contains("Leading zeroes") || message.contains("leading zero")) {
            return "a number with leading zeros";
        }
        if (message.startsWith("Trailing token")) {
            return "more text after the JSON value";
        }
        if (message.startsWith("Unexpected character")) {
            return "an unexpected character";
        }
        return "a JSON syntax error";
    }

    /**
     * jsonb stores numbers as PostgreSQL {@code numeric}: at most 131,072 digits before the decimal point and 16,383
     * after (<a href="https://www.postgresql.org/docs/15/datatype-numeric.html">numeric types</a>). A larger one
     * is refused here, as the row's fault, not by the database.
     */
    private static void requireStorableNumbers(JsonNode node) {
        if (node.isBigDecimal() || node.isBigInteger()) {
            java.math.BigDecimal n = node.decimalValue();
            if (n.precision() - n.scale() > 131_072 || n.scale() > 16_383) {
                throw new InvalidMessageException(RejectionReason.JSON, "'details' has a number beyond what "
                        + "PostgreSQL numeric stores (131,072 digits before the point, 16,383 after)");
            }
        } else if (node.isContainerNode()) {
            node.forEach(EventParser::requireStorableNumbers);
        }
    }

    /** Parses an event already read as JSON, as the archive replay path has it. */
    public AuditEvent parse(ObjectNode root) {
        String eventId = indexed("eventId", requiredText(root, "eventId"), null);
        String eventType = requiredText(root, "eventType");
        LocalDateTime timeStamp = timestamp(root);
        String originatingService = requiredText(root, "originatingService");
        String sessionId = indexed("sessionId", sessionId(root, eventType), null);
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
        requireStorableNumbers(details);
        return new AuditEvent(eventId, timeStamp, originatingService, sessionId, eventType, detailsJson(details),
                billing, fraud, problem);
    }

    private static BillingEvent billing(JsonNode details, String sessionId) {
        Fields f = new Fields(details, RejectionReason.INCOMPLETE_BILLING, "billing");
        requireSession(sessionId, f);
        BillingEvent event = new BillingEvent(f.indexed(f.required("pid"), "pid"), f.required("request_id"),
                f.required("idp_entity_id"), f.required("minimum_level_of_assurance"),
                f.indexed(f.required("provided_level_of_assurance"), "provided_level_of_assurance"),
                f.optional("preferred_level_of_assurance"),
                f.optional("transaction_entity_id"));
        f.throwIfMissing();
        return event;
    }

    private static FraudEvent fraud(JsonNode details, String sessionId) {
        Fields f = new Fields(details, RejectionReason.INCOMPLETE_FRAUD, "fraud");
        requireSession(sessionId, f);
        FraudEvent event = new FraudEvent(f.indexed(f.required("pid"), "pid"), f.optional("request_id"), f.required("idp_entity_id"),
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
            return Unstorable.visible(node.asText());
        }

        String indexed(String value, String name) {
            return EventParser.indexed("details." + name, value, RejectionReason.TOO_LONG);
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

    /**
     * A key field is stored exactly or refused: PostgreSQL text cannot hold U+0000 or a lone UTF-16 surrogate
     * (it has no UTF-8 form), and altering a key would change which event is recorded.
     */
    private static String keyText(String field, String value) {
        int bad = Unstorable.firstIn(value);
        if (bad >= 0) {
            throw new InvalidMessageException(RejectionReason.TYPE, "'" + field + "' contains "
                    + Unstorable.describe(value, bad) + ", which PostgreSQL text cannot store");
        }
        return value;
    }

    /** A value an index holds must fit an index row: refused here, as the row's fault, not by the database. */
    private static String indexed(String field, String value, RejectionReason reason) {
        if (value != null && value.length() > MAX_KEY_BYTES / 4
                && value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new InvalidMessageException(reason == null ? RejectionReason.TOO_LONG : reason, "'" + field
                    + "' is " + value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes in UTF-8; "
                    + "at most " + MAX_KEY_BYTES + " fit the index that holds it");
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
            if (!node.canConvertToLong()) {
                // longValue() would wrap it round (2^64 + 1 is 1 ms past 1970): refuse it, by its size alone.
                throw new InvalidMessageException(RejectionReason.TIMESTAMP_RANGE, "'timestamp' is an integer of "
                        + node.bigIntegerValue().abs().toString().length() + " digits: beyond any date PostgreSQL "
                        + "stores as epoch milliseconds");
            }
            instant = Instant.ofEpochMilli(node.longValue());
        } else if (node.isTextual()) {
            instant = parseTimestampText(node.textValue());
        } else {
            throw new InvalidMessageException(RejectionReason.TYPE, "'timestamp' must be epoch milliseconds or an "
                    + "ISO-8601 string, not " + nodeType(node));
        }
        return TimestampRange.utc("timestamp", instant);
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
            throw new InvalidMessageException(RejectionReason.TYPE, "'timestamp' (a string of " + value.length()
                    + " characters) is not an ISO-8601 date-time nor epoch milliseconds");
        }
    }

    /**
     * jsonb rejects the escape {@code \\u0000} (<a href="https://www.postgresql.org/docs/15/datatype-json.html">
     * PostgreSQL: JSON types</a>), and a lone UTF-16 surrogate has no UTF-8 form (the driver would write '?'
     * silently). Rather than lose the event or alter it silently, each such character inside details is stored as
     * its six visible escape characters (backslash-u and four hex digits, e.g. {@code \\ud800}); everything else
     * is kept exactly.
     */
    private static String detailsJson(JsonNode details) {
        try {
            String json = MAPPER.writeValueAsString(details);
            if (!json.contains("\\u0000") && Unstorable.firstIn(json) < 0) {
                return json;
            }
            return MAPPER.writeValueAsString(replaceUnstorable(details));
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(RejectionReason.JSON, "'details' cannot be serialised ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static JsonNode replaceUnstorable(JsonNode node) {
        if (node.isTextual()) {
            return TextNode.valueOf(Unstorable.visible(node.textValue()));
        }
        if (node.isObject()) {
            ObjectNode copy = MAPPER.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                copy.set(Unstorable.visible(field.getKey()), replaceUnstorable(field.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = MAPPER.createArrayNode();
            node.forEach(element -> copy.add(replaceUnstorable(element)));
            return copy;
        }
        return node;
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

}
