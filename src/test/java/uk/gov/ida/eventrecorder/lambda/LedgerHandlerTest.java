package uk.gov.ida.eventrecorder.lambda;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.LedgerFixture;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ledger's function as Lambda calls it: any JSON in (a scheduled event, or anything else), one run, its answer and
 * its metric line out.
 */
class LedgerHandlerTest {
    private final LedgerFixture ledger = new LedgerFixture();

    @Test
    void aScheduledEventOrAnyJsonRunsOneCheckpointAndWritesItsMetricLine() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DB_CONNECTION_STRING", ledger.db.connectionString());
        env.put("EXPORT_BUCKET", ledger.bucket);
        env.put("EXPORT_PREFIX", ledger.prefix);
        env.put("EXPORT_SIGNING_KEY_ID", ledger.keyId);
        env.put("METRICS_NAMESPACE", "EventRecorderTest");
        String scheduled = "{\"version\":\"0\",\"id\":\"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa\",\"detail-type\":"
                + "\"Scheduled Event\",\"source\":\"aws.events\",\"account\":\"123456789012\",\"time\":"
                + "\"2026-12-07T04:01:00Z\",\"region\":\"eu-west-2\",\"resources\":[\"arn:aws:events:eu-west-2:"
                + "123456789012:rule/ledger\"],\"detail\":{}}";
        try (LedgerHandler handler = new LedgerHandler(env, ledger.s3, ledger.kms, ledger.clock)) {
            List<String> lines = new java.util.ArrayList<>();
            String genesis = invoke(handler, scheduled, lines);
            ledger.record(EventBuilder.billing());
            String first = invoke(handler, "[]", lines);
            String idle = invoke(handler, "\"anything\"", lines);

            assertTrue(genesis.startsWith("{\"outcome\":\"CHECKPOINTED\",\"sequence\":0,"), genesis);
            assertTrue(first.startsWith("{\"outcome\":\"CHECKPOINTED\",\"sequence\":1,\"treeSize\":2,"
                    + "\"newLeaves\":2,\"published\":1,\"warnings\":[]"), first);
            assertTrue(idle.startsWith("{\"outcome\":\"IDLE\",\"sequence\":1,"), idle);
            assertEquals(3, lines.size(), lines.toString());
            assertTrue(lines.get(1).contains("\"Function\":\"Ledger\",\"LedgerCheckpoints\":1,\"LedgerTreeSize\":2,"
                    + "\"LedgerNewLeaves\":2,\"LedgerWarnings\":0,\"LedgerLateRows\":0,\"LedgerCheckpointMillis\":"),
                    lines.get(1));
            assertTrue(lines.get(2).contains("\"LedgerCheckpoints\":0,\"LedgerTreeSize\":2,\"LedgerNewLeaves\":0"),
                    lines.get(2));
            assertTrue(lines.get(1).contains("\"Namespace\":\"EventRecorderTest\""), lines.get(1));
        }
    }

    /** One invocation; the metric lines it printed to stdout are added to {@code lines}. */
    private static String invoke(LedgerHandler handler, String input, List<String> lines) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            handler.handleRequest(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), answer,
                    LambdaContext.withTimeout(60_000));
        } finally {
            System.setOut(stdout);
        }
        printed.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("LedgerCheckpoints"))
                .forEach(lines::add);
        return answer.toString(StandardCharsets.UTF_8);
    }
}
