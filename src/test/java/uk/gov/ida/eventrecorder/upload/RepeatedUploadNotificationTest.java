package uk.gov.ida.eventrecorder.upload;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.Tag;
import uk.gov.ida.eventrecorder.DependencyException;
import uk.gov.ida.eventrecorder.lambda.FraudUploadHandler;
import uk.gov.ida.eventrecorder.testing.CuttableProxy;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.S3Events;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * S3 delivers each notification at least once, and Lambda retries an import that failed or ran out of time: the same
 * upload reaches the fraud-upload function more than once, sometimes two containers at the same moment. It must be
 * stored once.
 */
class RepeatedUploadNotificationTest {
    private static final String HEADER = "timestamp,idp_event_id,fid_code,contra_indicators,contra_score,request_id,"
            + "client_ip_address,pid\r\n";
    private static final int ROWS = 40;
    private final RecorderFixture fixture = new RecorderFixture();
    private final String bucket = "idp-uploads-" + UUID.randomUUID().toString().substring(0, 8);
    private S3Client s3;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        s3 = fixture.servers.s3Client();
        s3.createBucket(r -> r.bucket(bucket));
    }

    @AfterEach
    void tearDown() {
        s3.close();
    }

    @Test
    void twoContainersImportingTheSameUploadAtOnceStoreItOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (FraudUploadHandler first = new FraudUploadHandler(fixture.environment());
             FraudUploadHandler second = new FraudUploadHandler(fixture.environment())) {
            for (int round = 0; round < 12; round++) {
                String key = upload("upload/idp-a/round-" + round + ".csv");
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<Map<String, Object>>> results = new ArrayList<>();
                for (FraudUploadHandler container : List.of(first, second)) {
                    results.add(threads.submit(() -> {
                        together.await();
                        return container.handleRequest(S3Events.objectCreated(bucket, key, 1), null);
                    }));
                }
                List<Object> outcomes = new ArrayList<>();
                for (Future<Map<String, Object>> result : results) {
                    outcomes.add(result.get().get(key));
                }

                String name = key.substring(key.lastIndexOf('/') + 1);
                assertEquals(1L, count("SELECT count(*) FROM idp_data.upload_sessions WHERE source_file_name = ?",
                        name), "one session for the object: " + outcomes);
                assertEquals((long) ROWS, count("SELECT count(*) FROM idp_data.idp_fraud_events f JOIN "
                        + "idp_data.upload_sessions s ON s.id = f.upload_session_id WHERE s.source_file_name = ?",
                        name), "every row once: " + outcomes);
                assertEquals(1, outcomes.stream().filter(o -> !((Map<?, ?>) o).containsKey("duplicate")).count(),
                        "exactly one import stored it, the other answered duplicate: " + outcomes);
                assertTrue(outcomes.stream().allMatch(o -> Boolean.TRUE.equals(((Map<?, ?>) o).get("passed"))
                        || ((Map<?, ?>) o).get("movedTo") == null), outcomes.toString());
                assertGone(key);
                s3.headObject(r -> r.bucket(bucket).key("success/" + name));
            }
        } finally {
            threads.shutdown();
        }
        assertEquals(12L * ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    @Test
    void aNotificationDeliveredAgainAfterTheImportStoresNothing() {
        String key = upload("upload/idp-a/again.csv");
        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);

            Map<String, Object> again = handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);

            assertEquals(true, ((Map<?, ?>) again.get(key)).get("duplicate"), again.toString());
        }
        assertEquals(1, fixture.tables.count("idp_data.upload_sessions"));
        assertEquals(ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    @Test
    void anImportCutOffByTheDatabaseFailsTheInvocationAndLambdasRetryStoresTheUploadOnce() throws Exception {
        String key = upload("upload/idp-a/retried.csv");
        try (CuttableProxy proxy = new CuttableProxy(fixture.database.settings().host(),
                fixture.database.settings().port());
             FraudUploadHandler handler = new FraudUploadHandler(fixture.environmentThrough(proxy))) {
            proxy.cut();

            DependencyException failure = assertThrows(DependencyException.class,
                    () -> handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null));
            assertEquals("database", failure.dependency());
            s3.headObject(r -> r.bucket(bucket).key(key)); // still there, for the retry

            proxy.restore();
            Thread.sleep(5_200); // the import circuit's open period (5 s), shorter than Lambda's first retry delay
            Map<String, Object> retried = handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);
            assertEquals(true, ((Map<?, ?>) retried.get(key)).get("passed"), retried.toString());
        }
        assertEquals(1, fixture.tables.count("idp_data.upload_sessions"));
        assertEquals(ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    @Test
    void anImportWhoseContainerDiedAfterOpeningTheSessionIsFinishedByTheRetryInTheSameSession() throws Exception {
        String key = upload("upload/idp-a/died.csv");
        FraudUploadRepository repository = new FraudUploadRepository(fixture.database.dataSource(),
                new uk.gov.ida.eventrecorder.store.DatabaseCircuit(java.time.Duration.ofSeconds(1)));
        var head = s3.headObject(r -> r.bucket(bucket).key(key));
        long opened = repository.claim(FraudUploadProcessor.identity(bucket, key, head), "died.csv",
                "https://idp-a.example", "alice").id(); // ...and then the container was killed

        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            Map<String, Object> retried = handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);
            assertEquals(true, ((Map<?, ?>) retried.get(key)).get("passed"), retried.toString());
        }
        assertEquals(1, fixture.tables.count("idp_data.upload_sessions"));
        assertEquals((long) ROWS, count("SELECT count(*) FROM idp_data.idp_fraud_events WHERE upload_session_id = ?",
                opened));
        assertEquals(true, fixture.tables.query("SELECT passed_validation FROM idp_data.upload_sessions").get(0)
                .get("passed_validation"));
    }

    @Test
    void theSameKeyUploadedAgainWithOtherContentIsANewUpload() {
        String key = upload("upload/idp-a/monthly.csv");
        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);
            upload(key, "ev2-");
            Map<String, Object> second = handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);
            assertEquals(false, ((Map<?, ?>) second.get(key)).containsKey("duplicate"), second.toString());
        }
        assertEquals(2, fixture.tables.count("idp_data.upload_sessions"));
        assertEquals(2 * ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    private String upload(String key) {
        return upload(key, "ev-");
    }

    private String upload(String key, String idPrefix) {
        StringBuilder csv = new StringBuilder(HEADER);
        for (int i = 0; i < ROWS; i++) {
            csv.append("2018-07-01 12:00,").append(idPrefix).append(i).append(",FID01,A01,5,req-").append(i)
                    .append(",192.0.2.1,pid-").append(i).append("\r\n");
        }
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(csv.toString()));
        s3.putObjectTagging(r -> r.bucket(bucket).key(key).tagging(t -> t.tagSet(
                Tag.builder().key("idp").value("https://idp-a.example").build(),
                Tag.builder().key("username").value("alice").build())));
        return key;
    }

    private long count(String sql, Object parameter) {
        return ((Number) fixture.tables.query(sql, parameter).get(0).values().iterator().next()).longValue();
    }

    private void assertGone(String key) {
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(r -> r.bucket(bucket).key(key)));
    }
}
