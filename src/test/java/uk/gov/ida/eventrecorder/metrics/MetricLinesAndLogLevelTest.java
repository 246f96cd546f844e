package uk.gov.ida.eventrecorder.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.config.LogSettings;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.pipeline.BatchOutcome;
import uk.gov.ida.eventrecorder.pipeline.MessageOutcome;
import uk.gov.ida.eventrecorder.testing.LambdaLogFilter;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metric lines are log lines too: with the JSON log format Lambda drops a line below the function's application
 * log level and counts a line without a {@code level} as INFO. Whatever level the function runs at, every metric line
 * carries a level and passes Lambda's filter, played here as Lambda documents it.
 */
class MetricLinesAndLogLevelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyMetricLineHasALevelAndPassesLambdasFilterAtEveryApplicationLogLevel() throws Exception {
        for (String application : LambdaLogFilter.LEVELS) {
            List<JsonNode> lines = metricLines(LogSettings.fromEnvironment(Map.of("AWS_LAMBDA_LOG_LEVEL", application)));

            assertEquals(4, lines.size(), "a batch line, one line per failure reason, the partitions line");
            for (JsonNode line : lines) {
                assertTrue(line.has("level"), "every line has a level: " + line);
                assertTrue(LambdaLogFilter.keeps(line, application), "at " + application + " Lambda keeps " + line);
                assertTrue(line.has("_aws"), "still an EMF line: " + line);
            }
        }
    }

    @Test
    void theMetricLinesAreInfoWhereInfoPasses() throws Exception {
        for (String application : List.of("TRACE", "DEBUG", "INFO")) {
            for (JsonNode line : metricLines(LogSettings.fromEnvironment(Map.of("AWS_LAMBDA_LOG_LEVEL", application)))) {
                assertEquals("INFO", line.path("level").asText(), application);
            }
        }
        // ...and a line without a level, as they were, is dropped at WARN: the fault this guards against
        assertTrue(!LambdaLogFilter.keeps(JSON.readTree("{\"_aws\":{}}"), "WARN"));
    }

    @Test
    void theExportLinePublishesTheChainsHeadOutsideTheBucketForVerifysExpectedHead() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            new MetricsLog("EventRecorderTest", MetricsLog.EXPORT_FUNCTION, out, LogSettings.fromEnvironment(Map.of()))
                    .export(2, 0, 10, true, 0, 42);
        }
        JsonNode line = JSON.readTree(bytes.toString(StandardCharsets.UTF_8).trim());

        assertEquals(42, line.path("ExportChainHead").asLong());
        assertEquals("Export", line.path("Function").asText());
        assertTrue(line.path("_aws").path("CloudWatchMetrics").get(0).path("Metrics").toString()
                .contains("{\"Name\":\"ExportChainHead\",\"Unit\":\"None\"}"), line.toString());
    }

    private static List<JsonNode> metricLines(LogSettings logs) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            MetricsLog metrics = new MetricsLog("EventRecorderTest", MetricsLog.EVENT_SOURCE_FUNCTION, out, logs);
            metrics.batch(new BatchOutcome(List.of(MessageOutcome.recorded("m1", "e1"),
                    MessageOutcome.failed("m2", "e2", RejectionReason.JSON, "detail"),
                    MessageOutcome.failed("m3", null, RejectionReason.BASE64, "detail"))), 12, 0, false);
            metrics.partitions(1, 0);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }
}
