package uk.gov.ida.eventrecorder.upload;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.s3.model.Tagging;
import uk.gov.ida.eventrecorder.DependencyException;
import uk.gov.ida.eventrecorder.lambda.FraudUploadHandler;
import uk.gov.ida.eventrecorder.testing.CuttableProxy;
import uk.gov.ida.eventrecorder.testing.Moto;
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

    /**
     * Against moto, not S3Mock: when one import deletes the object while the other is copying it, S3Mock 4.12.4's
     * failed copy removes the archive the first copy made (its ObjectService drops the destination key on any copy
     * error), which real S3, whose copy is atomic, never does. moto keeps it.
     */
    @Test
    void twoContainersImportingTheSameUploadAtOnceStoreItOnce() throws Exception {
        Moto moto = Moto.get();
        s3.close();
        s3 = moto.s3();
        s3.createBucket(r -> r.bucket(bucket));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (AutoCloseable onMoto = fixture.servers.s3EndpointSetTo(moto.endpoint());
             FraudUploadHandler first = new FraudUploadHandler(fixture.environment());
             FraudUploadHandler second = new FraudUploadHandler(fixture.environment())) {
            for (int round = 0; round < 12; round++) {
                String key = "upload/idp-a/round-" + round + ".csv";
                S3Event notification = upload(key);
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<Map<String, Object>>> results = new ArrayList<>();
                for (FraudUploadHandler container : List.of(first, second)) {
                    results.add(threads.submit(() -> {
                        together.await();
                        return container.handleRequest(notification, null);
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
                s3.headObject(r -> r.bucket(bucket).key("success/idp-a/" + name));
            }
        } finally {
            threads.shutdown();
        }
        assertEquals(12L * ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    @Test
    void aNotificationDeliveredAgainAfterTheImportStoresNothing() {
        String key = "upload/idp-a/again.csv";
        S3Event notification = upload(key);
        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            handler.handleRequest(notification, null);

            Map<String, Object> again = handler.handleRequest(notification, null);

            assertEquals(true, ((Map<?, ?>) again.get(key)).get("duplicate"), again.toString());
        }
        assertEquals(1, fixture.tables.count("idp_data.upload_sessions"));
        assertEquals(ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    @Test
    void anImportCutOffByTheDatabaseFailsTheInvocationAndLambdasRetryStoresTheUploadOnce() throws Exception {
        String key = "upload/idp-a/retried.csv";
        S3Event notification = upload(key);
        try (CuttableProxy proxy = new CuttableProxy(fixture.database.settings().host(),
                fixture.database.settings().port());
             FraudUploadHandler handler = new FraudUploadHandler(fixture.environmentThrough(proxy))) {
            proxy.cut();

            DependencyException failure = assertThrows(DependencyException.class,
                    () -> handler.handleRequest(notification, null));
            assertEquals("database", failure.dependency());
            s3.headObject(r -> r.bucket(bucket).key(key)); // still there, for the retry

            proxy.restore();
            Thread.sleep(5_200); // the import circuit's open period (5 s), shorter than Lambda's first retry delay
            Map<String, Object> retried = handler.handleRequest(notification, null);
            assertEquals(true, ((Map<?, ?>) retried.get(key)).get("passed"), retried.toString());
        }
        assertEquals(1, fixture.tables.count("idp_data.upload_sessions"));
        assertEquals(ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    @Test
    void anImportWhoseContainerDiedAfterOpeningTheSessionIsFinishedByTheRetryInTheSameSession() throws Exception {
        String key = "upload/idp-a/died.csv";
        S3Event notification = upload(key);
        FraudUploadRepository repository = new FraudUploadRepository(fixture.database.dataSource(),
                new uk.gov.ida.eventrecorder.store.DatabaseCircuit(java.time.Duration.ofSeconds(1)));
        var head = s3.headObject(r -> r.bucket(bucket).key(key));
        long opened = repository.claim(FraudUploadProcessor.identity(uploadOf(notification), head), "died.csv",
                "https://idp-a.example", "alice").id(); // ...and then the container was killed

        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            Map<String, Object> retried = handler.handleRequest(notification, null);
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
        String key = "upload/idp-a/monthly.csv";
        S3Event first = upload(key);
        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            handler.handleRequest(first, null);
            S3Event second = upload(key, "ev2-", true);
            Map<String, Object> outcome = handler.handleRequest(second, null);
            assertEquals(false, ((Map<?, ?>) outcome.get(key)).containsKey("duplicate"), outcome.toString());
        }
        assertEquals(2, fixture.tables.count("idp_data.upload_sessions"));
        assertEquals(2 * ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    @Test
    void theSameBytesPutAgainWithCorrectedTagsAreANewUploadNotADuplicate() {
        // Given an upload that failed on its tags: has_header=false makes its header a row, which fails validation
        String key = "upload/idp-a/retagged.csv";
        S3Event failed = upload(key, "ev-", false);
        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            Map<String, Object> first = handler.handleRequest(failed, null);
            assertEquals(false, ((Map<?, ?>) first.get(key)).get("passed"), first.toString());

            // When the uploader puts the very same bytes again under the same key, with corrected tags
            S3Event corrected = upload(key, "ev-", true);
            Map<String, Object> second = handler.handleRequest(corrected, null);

            // Then it is a new PUT, so a new upload: stored, and archived under success/
            assertEquals(Map.of("passed", true, "movedTo", "success/idp-a/retagged.csv", "rows", ROWS,
                    "failures", 0), second.get(key));
            // ...while a second notification of that PUT is still a duplicate
            Map<String, Object> again = handler.handleRequest(corrected, null);
            assertEquals(true, ((Map<?, ?>) again.get(key)).get("duplicate"), again.toString());
        }
        assertEquals(2, fixture.tables.count("idp_data.upload_sessions"));
        assertEquals(ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
        s3.headObject(r -> r.bucket(bucket).key("error/idp-a/retagged.csv"));
    }

    @Test
    void onAVersionedBucketAnUploadPutBeforeTheFirstWasImportedIsNeitherReadNorDeletedByTheFirstsImport() {
        // Given a versioned bucket, and upload B put under A's key before A's notification is handled
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        String key = "upload/idp-a/busy.csv";
        S3Event a = upload(key, "a-", true);
        S3Event b = upload(key, "b-", true);
        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            // When A's notification is handled
            Map<String, Object> first = handler.handleRequest(a, null);

            // Then A's own version was read and archived, and B is still there, untouched
            assertEquals(true, ((Map<?, ?>) first.get(key)).get("passed"), first.toString());
            assertEquals(List.of("a-0"), fixture.tables.query("SELECT idp_event_id FROM idp_data.idp_fraud_events "
                    + "WHERE idp_event_id LIKE '%-0'").stream().map(r -> r.get("idp_event_id")).toList());
            assertEquals(uploadOf(b).versionId(), s3.headObject(r -> r.bucket(bucket).key(key)).versionId());

            // And B's notification imports B
            Map<String, Object> second = handler.handleRequest(b, null);
            assertEquals(true, ((Map<?, ?>) second.get(key)).get("passed"), second.toString());
            assertEquals(false, ((Map<?, ?>) second.get(key)).containsKey("duplicate"), second.toString());
        }
        assertEquals(2 * ROWS, fixture.tables.count("idp_data.idp_fraud_events"));
        assertEquals(1L, count("SELECT count(*) FROM idp_data.idp_fraud_events WHERE idp_event_id = ?", "b-0"));
        assertGone(key);
        assertEquals(2, s3.listObjectVersions(r -> r.bucket(bucket).prefix("success/idp-a/busy.csv")).versions().size(),
                "both archived under the same path, as two versions");
    }

    @Test
    void onAnUnversionedBucketAnUploadReplacedBeforeItWasReadIsSaidSoAndTheLaterOneIsImportedByItsOwnNotification() {
        String key = "upload/idp-a/replaced.csv";
        S3Event a = upload(key, "a-", true);
        S3Event b = upload(key, "b-", true);
        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            Map<String, Object> first = handler.handleRequest(a, null);
            assertEquals(true, ((Map<?, ?>) first.get(key)).get("replaced"), first.toString());
            assertEquals(0, fixture.tables.count("idp_data.upload_sessions"), "A's bytes are gone: nothing stored as A");
            s3.headObject(r -> r.bucket(bucket).key(key)); // B is left alone

            Map<String, Object> second = handler.handleRequest(b, null);
            assertEquals(true, ((Map<?, ?>) second.get(key)).get("passed"), second.toString());
        }
        assertEquals(1L, count("SELECT count(*) FROM idp_data.idp_fraud_events WHERE idp_event_id = ?", "b-0"));
    }

    @Test
    void twoIdentityProvidersFilesOfTheSameNameKeepTheirOwnArchives() {
        S3Event a = upload("upload/idp-a/fraud.csv", "a-", true);
        S3Event b = upload("upload/idp-b/fraud.csv", "b-", true);
        try (FraudUploadHandler handler = new FraudUploadHandler(fixture.environment())) {
            handler.handleRequest(a, null);
            handler.handleRequest(b, null);
        }
        assertEquals("a-0", firstId("success/idp-a/fraud.csv"));
        assertEquals("b-0", firstId("success/idp-b/fraud.csv"));
    }

    private String firstId(String key) {
        String csv = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String();
        return csv.split("\r\n")[1].split(",")[1];
    }

    private static UploadedObject uploadOf(S3Event notification) {
        var object = notification.getRecords().get(0).getS3();
        return new UploadedObject(object.getBucket().getName(), object.getObject().getUrlDecodedKey(),
                object.getObject().getVersionId(), object.getObject().geteTag(), object.getObject().getSequencer());
    }

    /** Puts a file of {@link #ROWS} rows, tagged, and returns its PUT's notification. */
    private S3Event upload(String key) {
        return upload(key, "ev-", true);
    }

    private S3Event upload(String key, String idPrefix, boolean hasHeader) {
        StringBuilder csv = new StringBuilder(HEADER);
        for (int i = 0; i < ROWS; i++) {
            csv.append("2018-07-01 12:00,").append(idPrefix).append(i).append(",FID01,A01,5,req-").append(i)
                    .append(",192.0.2.1,pid-").append(i).append("\r\n");
        }
        List<Tag> tags = new ArrayList<>(List.of(Tag.builder().key("idp").value("https://idp-a.example").build(),
                Tag.builder().key("username").value("alice").build()));
        if (!hasHeader) {
            tags.add(Tag.builder().key("has_header").value("false").build());
        }
        // Tagged with PutObjectTagging: S3Mock keeps the x-amz-tagging header of PutObject URL-encoded ("%2F").
        PutObjectResponse put = s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(csv.toString()));
        s3.putObjectTagging(r -> r.bucket(bucket).key(key).versionId(put.versionId())
                .tagging(Tagging.builder().tagSet(tags).build()));
        return S3Events.objectCreated(bucket, key, csv.length(), put);
    }

    private long count(String sql, Object parameter) {
        return ((Number) fixture.tables.query(sql, parameter).get(0).values().iterator().next()).longValue();
    }

    private void assertGone(String key) {
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(r -> r.bucket(bucket).key(key)));
    }
}
