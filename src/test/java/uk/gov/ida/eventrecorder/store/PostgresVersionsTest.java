package uk.gov.ida.eventrecorder.store;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.TableRows;
import uk.gov.ida.eventrecorder.lambda.SqsEventHandler;
import uk.gov.ida.eventrecorder.testing.EmbeddedPostgres;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.PasswordCheckingPostgres;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.Tables;
import uk.gov.ida.eventrecorder.testing.TestDatabase;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.sql.Connection;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The majors RDS offers, oldest and newest (13 and 17; the rest of the suite runs on the machine's, 15): the
 * migrations from an empty database to the latest (the in-place partitioning, {@code prepare_partitions}, the default
 * partition, the upload sessions' object key), the recorder's one-statement batch with its duplicates, the
 * stepwise partition catch-up, and both logins (a scram password, and the IAM user admitted only over TLS, here with
 * verify-full against the cluster's CA). Embedded binaries from Maven Central: nothing to install.
 */
class PostgresVersionsTest {
    private static final String PASSWORD = "versions-" + Long.toHexString(System.nanoTime());
    private final RecorderFixture fixture = new RecorderFixture();

    static Stream<String> supportedMajors() {
        return Stream.of(EmbeddedPostgres.OLDEST, EmbeddedPostgres.NEWEST);
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @MethodSource("supportedMajors")
    void migratesRecordsCatchesUpPartitionsAndLogsInOn(String version) throws Exception {
        List<AutoCloseable> closeLater = new ArrayList<>();
        try (PasswordCheckingPostgres server = new PasswordCheckingPostgres(PASSWORD,
                EmbeddedPostgres.binaries(version))) { // the migrations ran as it started
            serverPort = server.port();
            Tables tables = server.tables(closeLater);
            String major = version.substring(0, version.indexOf('.'));
            assertTrue(((String) tables.query("SELECT version() AS v").get(0).get("v")).startsWith("PostgreSQL "
                    + major + "."));
            assertEquals(uk.gov.ida.eventrecorder.testing.Migrations.latest(), ((Number) tables.query("SELECT max(version::int) AS v FROM "
                    + "flyway_schema_history").get(0).get("v")).intValue(), "every migration applied");

            // The recorder's role, logged in with its password: a batch with a redelivered copy.
            EventBuilder billing = EventBuilder.billing();
            EventBuilder fraud = EventBuilder.fraud();
            assertEquals(List.of(), record(login("recorder", " password=" + PASSWORD), billing, fraud, billing));
            // The IAM user, admitted only over TLS, verifying the server against the cluster's CA.
            Map<String, String> iam = login("iam_user", "");
            iam.put("DB_CA_BUNDLE", server.caCertificate().toString());
            EventBuilder other = EventBuilder.otherSession();
            assertEquals(List.of(), record(iam, other));
            assertEquals(1, tables.audit(billing.eventId()).size());
            assertEquals(1, tables.billing(billing.eventId()).size());
            assertEquals(1, tables.fraud(fraud.eventId()).size());
            assertEquals(1, tables.audit(other.eventId()).size());

            // Maintenance that stopped: a month's partition missing, its events in the default partition, caught up.
            LocalDateTime until = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1)
                    .plusMonths(AuditPartitions.MONTHS_AHEAD + 1);
            String month = "audit_events_" + until.minusMonths(1).toLocalDate().toString().substring(0, 7)
                    .replace('-', '_');
            var owner = TestDatabase.open(server.ownerSettings(), 2);
            closeLater.add(owner);
            try (Connection c = owner.getConnection(); var s = c.createStatement()) {
                s.execute("DROP TABLE audit." + month);
            }
            EventRepository repository = new EventRepository(owner, new DatabaseCircuit(Duration.ofSeconds(1)),
                    Duration.ofSeconds(20));
            repository.record(List.of(new EventParser().parse(EventBuilder.errorEvent()
                    .timestampIso(until.minusDays(2) + "Z").json())));
            try (Connection c = owner.getConnection()) {
                assertEquals(1, AuditPartitions.state(c).rowsInDefault());
                assertEquals(1, AuditPartitions.prepare(c, Duration.ofSeconds(30)));
                assertEquals(new AuditPartitions.State(until, 0, false), AuditPartitions.state(c));
            }

            // The ledger (V11): an owner's DELETE noted by key, and the run's queries, on this version
            try (Connection c = owner.getConnection(); var s = c.createStatement()) {
                s.execute("DELETE FROM billing.billing_events WHERE event_id = '" + billing.eventId() + "'");
                c.setAutoCommit(false);
                String snapshot = (String) tables.query("SELECT pg_current_snapshot()::text AS s").get(0).get("s");
                for (ExportedTable table : ExportedTable.ALL) {
                    List<String> keyTypes;
                    try (TableRows rows = new TableRows(c, table, table.recordedSinceQuery(), 0L, snapshot)) {
                        keyTypes = rows.columns().keySqlTypes();
                    }
                    for (String query : List.of(table.revisedSinceQuery(keyTypes), table.removedSinceQuery(keyTypes))) {
                        try (var q = c.prepareStatement(query)) {
                            q.setString(1, table.name());
                            q.setLong(2, 0L);
                            q.setString(3, snapshot);
                            q.executeQuery().close();
                        }
                    }
                }
                c.rollback();
            }
            assertEquals(List.of(java.util.Map.of("row_key", "[\"" + billing.eventId() + "\"]")),
                    tables.query("SELECT row_key::text AS row_key FROM ledger.row_changes"));
        } finally {
            for (AutoCloseable c : closeLater) {
                c.close();
            }
        }
    }

    private Map<String, String> login(String user, String extra) {
        Map<String, String> env = fixture.environment();
        env.put("DB_CONNECTION_STRING", "host=127.0.0.1 port=" + serverPort + " dbname="
                + PasswordCheckingPostgres.DATABASE + " user=" + user + extra);
        return env;
    }

    private int serverPort;

    private List<SQSBatchResponse.BatchItemFailure> record(Map<String, String> env, EventBuilder... events) {
        try (SqsClient sqs = fixture.servers.sqsClient(); SqsEventHandler handler = new SqsEventHandler(env)) {
            TestQueue queue = TestQueue.standard(sqs);
            for (EventBuilder event : events) {
                queue.send(fixture.encrypt(event));
            }
            return new EventSourceMapping(sqs, queue, handler).pollOnce().getBatchItemFailures();
        }
    }
}
