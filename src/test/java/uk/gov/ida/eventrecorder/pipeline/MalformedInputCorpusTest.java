package uk.gov.ida.eventrecorder.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;

import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The corpus of malformed inputs (src/test/resources/corpus): every case, mixed into one batch with good events,
 * fails alone with the reason and words it expects, and the good events are recorded. New cases are new lines.
 */
class MalformedInputCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final RecorderFixture fixture = new RecorderFixture();
    private EventPipeline pipeline;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        pipeline = new EventPipeline(new EventDecryptor(new SecretKeySpec(fixture.dataKey, "AES")), new EventParser(),
                fixture.database.repository(), false);
    }

    @Test
    void everyMalformedEventFailsAloneWithItsReasonAndWhatIsWrong() throws IOException {
        List<JsonNode> cases = corpus("malformed-events.jsonl");
        List<InboundMessage> batch = new ArrayList<>();
        for (JsonNode c : cases) {
            batch.add(new InboundMessage(c.get("case").asText(), fixture.encrypter.encrypt(c.get("event").asText()), null));
        }
        EventBuilder good = EventBuilder.billing();
        batch.add(new InboundMessage("good", fixture.encrypt(good), null));

        BatchOutcome outcome = pipeline.process(batch, false);

        for (int i = 0; i < cases.size(); i++) {
            MessageOutcome o = outcome.outcomes().get(i);
            JsonNode c = cases.get(i);
            assertTrue(o.failed(), c.get("case").asText());
            assertEquals(c.get("reason").asText(), o.reason().label(), c.get("case").asText() + ": " + o.detail());
            assertTrue(o.detail().contains(c.get("says").asText()), c.get("case").asText() + ": " + o.detail());
        }
        assertEquals(MessageOutcome.Status.RECORDED, outcome.outcomes().get(cases.size()).status());
        // Incomplete billing/fraud events keep their audit row (event id "e"); nothing else malformed is written.
        assertEquals(java.util.Set.of("e", good.eventId()), fixture.tables.query("SELECT DISTINCT event_id FROM "
                + "audit.audit_events").stream().map(r -> r.get("event_id")).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void everyMalformedBodyFailsAloneWithItsReason() throws IOException {
        List<JsonNode> cases = corpus("malformed-bodies.jsonl");
        List<InboundMessage> batch = new ArrayList<>();
        for (JsonNode c : cases) {
            batch.add(new InboundMessage(c.get("case").asText(), c.get("body").asText(), null));
        }

        BatchOutcome outcome = pipeline.process(batch, false);

        for (int i = 0; i < cases.size(); i++) {
            assertEquals(cases.get(i).get("reason").asText(), outcome.outcomes().get(i).reason().label(),
                    cases.get(i).get("case").asText());
        }
        assertEquals(0, fixture.tables.count("audit.audit_events"));
    }

    /**
     * The round trip: unusual but valid events as real serializers write them (JavaScript, Python, Java, PHP) are
     * recorded in PostgreSQL, and the details read back equal what was sent, or what the documented rules make of it
     * (an unstorable character as its visible escape; a number's spelling normalized by numeric, its value kept).
     */
    @Test
    void everyAcceptedEventIsStoredAsSentOrAsItsDocumentedRuleSays() throws IOException {
        ObjectMapper exact = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .configure(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
                .build();
        List<JsonNode> cases = corpus("accepted-events.jsonl");
        List<InboundMessage> batch = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (JsonNode c : cases) {
            String id = java.util.UUID.randomUUID().toString();
            ids.add(id);
            batch.add(new InboundMessage(c.get("case").asText(),
                    fixture.encrypter.encrypt(c.get("event").asText().replace("\"ID\"", "\"" + id + "\"")), null));
        }

        BatchOutcome outcome = pipeline.process(batch, false);

        for (int i = 0; i < cases.size(); i++) {
            String name = cases.get(i).get("case").asText();
            assertEquals(MessageOutcome.Status.RECORDED, outcome.outcomes().get(i).status(),
                    name + ": " + outcome.outcomes().get(i).detail());
            String stored = (String) fixture.tables.query("SELECT details::text AS d FROM audit.audit_events "
                    + "WHERE event_id = ?", ids.get(i)).get(0).get("d");
            assertEquals(exact.readTree(cases.get(i).get("stored_details").asText()), exact.readTree(stored), name);
        }
    }

    private static List<JsonNode> corpus(String name) throws IOException {
        List<JsonNode> cases = new ArrayList<>();
        try (InputStream in = MalformedInputCorpusTest.class.getResourceAsStream("/corpus/" + name)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    cases.add(JSON.readTree(line));
                }
            }
        }
        return cases;
    }
}
