package uk.gov.ida.eventrecorder.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.config.RecorderConfig;
import uk.gov.ida.eventrecorder.wiring.AwsClients;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The timeout arithmetic of docs/design.md, checked against the template's settings and the code's constants: every
 * call the recorder makes ends inside the function's timeout.
 */
class TimeoutBudgetTest {
    private final JsonNode template = read();
    private final JsonNode globals = template.path("Globals").path("Function");

    @Test
    void aQueueInvocationsDatabaseWorkAndItsBackOffCallFitInsideTheFunctionTimeout() {
        Duration function = Duration.ofSeconds(globals.path("Timeout").asInt());
        Duration connect = millis(globals, "DB_CONNECT_TIMEOUT_MS");
        Duration statement = millis(globals, "DB_STATEMENT_TIMEOUT_MS");
        // Recording gets the time left less the reserve; the reserve covers the SQS call after it, with a second over.
        assertTrue(Invocation.RESERVE.compareTo(AwsClients.SQS_CALL_TIMEOUT) > 0);
        // The statement timeout, the server's cancel, comes first on a healthy network at the start of an invocation.
        assertTrue(statement.plusSeconds(3).compareTo(function.minus(Invocation.RESERVE)) < 0,
                "statement " + statement + " + 3 s < " + function.minus(Invocation.RESERVE));
        // A connection and a first statement fit in what is left of a fresh invocation.
        assertTrue(connect.plusSeconds(1).compareTo(function.minus(Invocation.RESERVE)) < 0);
        assertTrue(AwsClients.KMS_CALL_TIMEOUT.plus(connect).plus(Invocation.RESERVE).compareTo(function) < 0,
                "the data keys' KMS call, a connection and the reserve fit in the first invocation");
    }

    @Test
    void theDrainNeverStartsABatchWithLessTimeThanABatchNeeds() {
        JsonNode drain = template.path("Resources").path("DrainEventsFunction").path("Properties");
        Map<String, String> env = new HashMap<>();
        env.put("DB_CONNECTION_STRING", "host=db.example dbname=events user=event_recorder");
        env.put("ENCRYPTION_KEY", "AAAA");
        env.put("QUEUE_URL", "https://sqs.eu-west-2.amazonaws.com/000000000000/q");
        env.put("DB_CONNECT_TIMEOUT_MS", globals.path("Environment").path("Variables").path("DB_CONNECT_TIMEOUT_MS")
                .asText());
        env.put("DRAIN_SAFETY_MARGIN_MS", drain.path("Environment").path("Variables").path("DRAIN_SAFETY_MARGIN_MS")
                .asText());
        RecorderConfig config = RecorderConfig.fromEnvironment(env);
        Duration needed = Invocation.RESERVE.plus(config.database().connectTimeout()).plusSeconds(1);
        assertEquals(config.drainSafetyMargin(), Invocation.drainMargin(config), "the template's margin is used as set");
        assertTrue(config.drainSafetyMargin().compareTo(needed) >= 0, config.drainSafetyMargin() + " >= " + needed);

        env.put("DRAIN_SAFETY_MARGIN_MS", "1000");
        assertEquals(needed, Invocation.drainMargin(RecorderConfig.fromEnvironment(env)), "a smaller one is raised");
    }

    @Test
    void anImportKeepsTimeForItsLastS3CallWithinEachImportFunctionsTimeout() {
        for (String name : new String[]{"ArchiveReplayFunction", "FraudUploadFunction"}) {
            Duration timeout = Duration.ofSeconds(template.path("Resources").path(name).path("Properties")
                    .path("Timeout").asInt());
            assertTrue(AwsClients.S3_CALL_TIMEOUT.plusSeconds(1 + 5).compareTo(timeout) < 0, name + ": " + timeout);
        }
    }

    private static Duration millis(JsonNode function, String variable) {
        return Duration.ofMillis(Long.parseLong(function.path("Environment").path("Variables").path(variable).asText()));
    }

    private static JsonNode read() {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(Path.of("template.yaml").toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
