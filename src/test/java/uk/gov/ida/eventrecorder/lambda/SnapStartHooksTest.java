package uk.gov.ida.eventrecorder.lambda;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The org.crac hooks Lambda SnapStart calls around the snapshot, invoked directly as the runtime would. */
class SnapStartHooksTest {
    private final RecorderFixture fixture = new RecorderFixture();

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
    }

    @Test
    void theSnapshotHoldsNoDatabaseConnectionAndNoSecretAndRestoreRecordsOnFreshConnections() {
        try (SqsClient sqs = fixture.servers.sqsClient(); SqsEventHandler handler = new SqsEventHandler(fixture.environment())) {
            TestQueue queue = TestQueue.standard(sqs);
            EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
            RecorderContainer container = handler.container();
            int secretsBefore = fixture.servers.kms().plaintextsReleased();
            int requestsBefore = fixture.servers.kms().requests();

            container.beforeCheckpoint(null);

            // The login needs no secret here (the password is in the connection string): the pool is built, empty.
            assertEquals(0, container.builtDataSource().orElseThrow().getHikariPoolMXBean().getTotalConnections(),
                    "priming builds the pool and opens no connection");
            assertEquals(secretsBefore, fixture.servers.kms().plaintextsReleased(), "priming fetches no secret");
            assertEquals(requestsBefore + 1, fixture.servers.kms().requests(),
                    "the KMS request path is primed with one call that KMS refuses");

            container.afterRestore(null);
            queue.send(fixture.encrypt(EventBuilder.billing()));
            assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());
            var pool = container.builtDataSource().orElseThrow().getHikariPoolMXBean();
            assertTrue(pool.getTotalConnections() >= 1);

            // A snapshot taken from a container that has served (a later publish) must not carry its connections.
            container.beforeCheckpoint(null);
            assertEquals(0, pool.getTotalConnections(), "connections are closed before the snapshot");
            container.afterRestore(null);
            queue.send(fixture.encrypt(EventBuilder.fraud()));
            assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());
        }
        assertEquals(2, fixture.tables.count("audit.audit_events"));
    }

    @Test
    void aPasswordThatKmsMustDecryptIsLeftOutOfTheSnapshotWithThePoolThatWouldHoldIt() {
        Map<String, String> env = fixture.environment();
        env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING").replaceAll(" password=\\S+", ""));
        env.put("ENCRYPTED_DATABASE_PASSWORD", fixture.servers.kms().encryptToBase64(
                "pw".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try (SqsClient sqs = fixture.servers.sqsClient(); SqsEventHandler handler = new SqsEventHandler(env)) {
            TestQueue queue = TestQueue.standard(sqs);
            EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
            RecorderContainer container = handler.container();
            int secretsBefore = fixture.servers.kms().plaintextsReleased();

            container.beforeCheckpoint(null);

            assertTrue(container.builtDataSource().isEmpty(), "no pool, so no decrypted password, in the snapshot");
            assertEquals(secretsBefore, fixture.servers.kms().plaintextsReleased(), "priming fetches no secret");

            container.afterRestore(null);
            queue.send(fixture.encrypt(EventBuilder.billing()));
            assertEquals(List.of(), mapping.pollOnce().getBatchItemFailures());
            // The data key and the password, each decrypted by the restored copy.
            assertEquals(secretsBefore + 2, fixture.servers.kms().plaintextsReleased());
        }
        assertEquals(1, fixture.tables.count("audit.audit_events"));
    }
}
