package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.testing.CuttableProxy;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.StreamingReplicaPair;
import uk.gov.ida.eventrecorder.testing.Tables;
import uk.gov.ida.eventrecorder.testing.TestDatabase;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failover as RDS Multi-AZ does it, with real servers: a primary and a synchronous streaming standby, behind a TCP
 * proxy that plays the database's DNS name. Mid-run the primary dies, the name points at the standby while it is
 * still read-only (what pooled connections meet during a failover), and seconds later the standby is promoted.
 */
class FailoverTest {
    private final RecorderFixture fixture = new RecorderFixture();

    @Test
    void afterAFailoverToAPromotedStandbyEveryEventIsRecordedOnceAndNothingIsDeadLettered() throws Exception {
        uk.gov.ida.eventrecorder.testing.Requirement.require(StreamingReplicaPair.available(), "the failover test clones a "
                + "standby with pg_basebackup, which only an installed PostgreSQL has (apt-get install postgresql)");
        try (StreamingReplicaPair pair = new StreamingReplicaPair();
             CuttableProxy dns = new CuttableProxy("127.0.0.1", pair.primaryPort());
             SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs, 4, 1);
            Map<String, String> env = fixture.environment();
            env.put("DB_CONNECTION_STRING", "host=127.0.0.1 port=" + dns.port() + " dbname="
                    + StreamingReplicaPair.DATABASE + " user=postgres password=trust-auth-ignores-this");
            env.put("DB_CONNECT_TIMEOUT_MS", "300");
            List<EventBuilder> events = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                EventBuilder event = i % 2 == 0 ? EventBuilder.billing() : EventBuilder.otherSession();
                events.add(event);
                queue.send(fixture.encrypt(event));
            }
            long promotedAt = 0;
            long resumedAt = 0;
            int failedBatches = 0;
            try (SqsEventHandler handler = new SqsEventHandler(env);
                 HikariDataSource primary = TestDatabase.open(pair.primary(), 1)) {
                EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
                mapping.pollOnce();
                mapping.pollOnce();
                assertEquals(20, new Tables(primary).count("audit.audit_events"), "recording on the primary");
            }

            pair.stopPrimary();
            dns.retarget("127.0.0.1", pair.standbyPort());
            long failedOverAt = System.nanoTime();
            try (SqsEventHandler handler = new SqsEventHandler(env)) {
                EventSourceMapping mapping = new EventSourceMapping(sqs, queue, handler);
                while (System.nanoTime() - failedOverAt < 40_000_000_000L
                        && (queue.visible() + queue.inFlight() > 0 || promotedAt == 0)) {
                    if (promotedAt == 0 && System.nanoTime() - failedOverAt > 2_500_000_000L) {
                        pair.promoteStandby();
                        promotedAt = System.nanoTime();
                    }
                    SQSBatchResponse response = mapping.pollOnce();
                    if (response != null && !response.getBatchItemFailures().isEmpty()) {
                        failedBatches++;
                    } else if (response != null && promotedAt != 0 && resumedAt == 0) {
                        resumedAt = System.nanoTime();
                    }
                    Thread.sleep(50);
                }
            }

            System.out.printf("failover: %d batches failed while the standby was read-only; recording resumed "
                    + "%d ms after promotion%n", failedBatches, (resumedAt - promotedAt) / 1_000_000);
            assertTrue(failedBatches > 0, "the read-only standby was met");
            assertTrue(resumedAt > 0, "recording resumed");
            assertEquals(0, queue.deadLettered(), "nothing dead-lettered");
            assertEquals(0, queue.visible() + queue.inFlight());
            try (HikariDataSource promoted = TestDatabase.open(pair.standby(), 1)) {
                Tables tables = new Tables(promoted);
                assertEquals(events.size(), tables.count("audit.audit_events"));
                for (EventBuilder event : events) {
                    assertEquals(1, tables.audit(event.eventId()).size(), "recorded exactly once");
                }
                assertEquals(30, tables.count("billing.billing_events"));
            }
        }
    }
}
