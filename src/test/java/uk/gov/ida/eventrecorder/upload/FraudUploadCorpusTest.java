package uk.gov.ida.eventrecorder.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fraud-data upload is the one input written by other organisations, in whatever their spreadsheet exports:
 * each case of {@code corpus/fraud-uploads.jsonl} (file and tags) gets the verdict it expects, either every row
 * accepted (with its contra-indicator counts where given) or a failure naming the row, the field and why.
 */
class FraudUploadCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyUploadInTheCorpusGetsItsExpectedVerdict() throws IOException {
        List<JsonNode> cases = corpus();
        assertTrue(cases.size() >= 25, "at least 25 kinds of upload");
        for (JsonNode c : cases) {
            String name = c.get("case").asText();
            byte[] file = c.has("csv_base64") ? Base64.getDecoder().decode(c.get("csv_base64").asText())
                    : c.get("csv").asText().getBytes(StandardCharsets.UTF_8);
            Map<String, String> tags = new LinkedHashMap<>(Map.of("idp", "https://idp.example", "username", "u"));
            c.get("tags").fields().forEachRemaining(t -> tags.put(t.getKey(), t.getValue().asText()));
            UploadTags uploadTags = UploadTags.from(tags);

            FraudCsv.Result result = new FraudCsv().read(file, uploadTags);

            List<ValidationFailure> failures = new ArrayList<>(uploadTags.problems());
            failures.addAll(result.failures());
            if (c.has("rows")) {
                assertEquals(List.of(), failures, name);
                assertEquals(c.get("rows").asInt(), result.rows().size(), name);
                if (c.has("contra_indicators")) {
                    assertEquals(JSON.convertValue(c.get("contra_indicators"), Map.class),
                            result.rows().get(0).contraIndicators(), name);
                }
            } else {
                JsonNode expected = c.get("failure");
                assertTrue(failures.stream().anyMatch(f -> f.row() == expected.get("row").asLong()
                        && f.field().equals(expected.get("field").asText())
                        && f.message().contains(expected.get("says").asText())), name + ": " + failures);
            }
        }
    }

    private static List<JsonNode> corpus() throws IOException {
        List<JsonNode> cases = new ArrayList<>();
        try (InputStream in = FraudUploadCorpusTest.class.getResourceAsStream("/corpus/fraud-uploads.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    cases.add(JSON.readTree(line));
                }
            }
        }
        return cases;
    }
}
