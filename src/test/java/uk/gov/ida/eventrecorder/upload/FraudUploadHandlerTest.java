package uk.gov.ida.eventrecorder.upload;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.s3.model.Tagging;
import uk.gov.ida.eventrecorder.lambda.FraudUploadHandler;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.S3Events;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FraudUploadHandlerTest {
    private static final String HEADER = "timestamp,idp_event_id,fid_code,contra_indicators,contra_score,request_id,"
            + "client_ip_address,pid\r\n";
    private final RecorderFixture fixture = new RecorderFixture();
    private final String bucket = "idp-uploads-" + UUID.randomUUID().toString().substring(0, 8);
    private S3Client s3;
    private FraudUploadHandler handler;

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        s3 = fixture.servers.s3Client();
        s3.createBucket(r -> r.bucket(bucket));
        Map<String, String> env = fixture.environment();
        env.put("FRAUD_UPLOAD_MAX_BYTES", "4096");
        handler = new FraudUploadHandler(env);
    }

    @AfterEach
    void tearDown() {
        handler.close();
        s3.close();
    }

    @Test
    void storesEveryRowOfAValidUploadCountsRepeatedContraIndicatorsAndMovesItToSuccessWithItsTags() {
        String csv = HEADER
                + "2018-07-01 12:00,ev-1,FID01,\"A01,A01\nB02\",5,req-1,192.0.2.1,pid-1\r\n"
                + "10/01/2018 09:30:15,ev-2,FID02,,,req-2,2001:db8::1,pid-2\r\n"
                + "2018-02-10T12:00:00,ev-3,FID03,C03,12,req-3,192.0.2.3,pid-3\r\n";
        String key = upload("upload/idp-a/2018-07.csv", csv, tags("https://idp-a.example", "alice", null, null, null));

        Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, key, csv.length()), null);

        assertEquals(Map.of("passed", true, "movedTo", "success/idp-a/2018-07.csv", "rows", 3, "failures", 0), result.get(key));
        Map<String, Object> session = single("SELECT * FROM idp_data.upload_sessions");
        assertEquals("2018-07.csv", session.get("source_file_name"));
        assertEquals("https://idp-a.example", session.get("idp_entity_id"));
        assertEquals("alice", session.get("userid"));
        assertEquals(true, session.get("passed_validation"));
        List<Map<String, Object>> events = fixture.tables.query(
                "SELECT * FROM idp_data.idp_fraud_events ORDER BY idp_event_id");
        assertEquals(3, events.size());
        Map<String, Object> first = events.get(0);
        assertEquals(LocalDateTime.parse("2018-07-01T11:00:00"), first.get("time_stamp"), "BST 12:00 is 11:00 UTC");
        assertEquals("FID01", first.get("fid_code"));
        assertEquals("req-1", first.get("request_id"));
        assertEquals("pid-1", first.get("pid"));
        assertEquals("192.0.2.1", first.get("client_ip_address"));
        assertEquals(5, first.get("contra_score"));
        assertEquals("https://idp-a.example", first.get("idp_entity_id"));
        assertEquals(session.get("id"), first.get("upload_session_id"));
        assertEquals(LocalDateTime.parse("2018-01-10T09:30:15"), events.get(1).get("time_stamp"), "GMT in winter");
        assertEquals(0, events.get(1).get("contra_score"), "an empty score is 0");
        assertEquals(List.of(Map.of("contraindicator_code", "A01", "count", 2), Map.of("contraindicator_code", "B02", "count", 1)),
                fixture.tables.query("SELECT contraindicator_code, count FROM idp_data.idp_fraud_event_contraindicators "
                        + "WHERE idp_fraud_events_id = ? ORDER BY contraindicator_code", first.get("id")));
        assertEquals(0, fixture.tables.query("SELECT * FROM idp_data.idp_fraud_event_contraindicators "
                + "WHERE idp_fraud_events_id = ?", events.get(1).get("id")).size());
        assertGone(key);
        HeadObjectResponse moved = s3.headObject(r -> r.bucket(bucket).key("success/idp-a/2018-07.csv"));
        assertEquals(ServerSideEncryption.AES256, moved.serverSideEncryption());
        assertEquals(Map.of("idp", "https://idp-a.example", "username", "alice"), tagsOf("success/idp-a/2018-07.csv"));
    }

    @Test
    void oneBadRowStoresNoneOfTheFileAndRecordsEveryFailingRowAndField() {
        String csv = HEADER
                + "2018-07-01 12:00,ev-1,FID01,A01,5,req-1,192.0.2.1,pid-1\r\n"
                + "yesterday,ev-2,FID02,,lots,req-2,192.0.2.2,pid-2\r\n"
                + "2018-07-01 12:00,ev-3,FID03,A01,5,req-3,192.0.2.3\r\n"
                + "2018-07-01 12:00,,FID04,A01,5,req-4,192.0.2.4,pid-4\r\n";
        String key = upload("upload/bad.csv", csv, tags("https://idp-b.example", "bob", null, null, null));

        Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, key, csv.length()), null);

        assertEquals(false, ((Map<?, ?>) result.get(key)).get("passed"));
        assertEquals(0, fixture.tables.count("idp_data.idp_fraud_events"), "all or nothing");
        assertEquals(false, single("SELECT passed_validation FROM idp_data.upload_sessions").get("passed_validation"));
        List<Map<String, Object>> failures = fixture.tables.query("SELECT row, field, message FROM "
                + "idp_data.upload_session_validation_failures ORDER BY row, field");
        assertEquals(List.of("3 contra_score", "3 timestamp", "4 row", "5 idp_event_id"),
                failures.stream().map(f -> f.get("row") + " " + f.get("field")).toList());
        assertEquals("is not a whole number (4 characters)", failures.get(0).get("message"),
                "the uploader is told which row and field, not shown the file's content back");
        assertTrue(((String) failures.get(2).get("message")).startsWith("has 7 columns; expected 8"));
        assertGone(key);
        s3.headObject(r -> r.bucket(bucket).key("error/bad.csv"));
    }

    @Test
    void rowsDatedOutsidePostgresqlsRangeFailValidationWithTheQueuesReasonAndNothingIsStored() {
        // Before: the first row was stored as -infinity (the driver sends a date before 4713 BC so), and the second
        // failed the invocation with the database's message, which quotes the value
        String csv = HEADER
                + "2018-07-01 12:00,ev-1,FID01,A01,5,req-1,192.0.2.1,pid-1\r\n"
                + "-5000-01-01T00:00:00,ev-2,FID02,A01,5,req-2,192.0.2.2,pid-2\r\n"
                + "+300000-01-01T00:00:00,ev-3,FID03,A01,5,req-3,192.0.2.3,pid-3\r\n"
                + "+999999999-12-31T23:00:00,ev-4,FID04,A01,5,req-4,192.0.2.4,pid-4\r\n";
        String key = upload("upload/idp-a/far.csv", csv, tags("https://idp-a.example", "alice", "America/New_York",
                null, null));

        Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, key, csv.length()), null);

        assertEquals(Map.of("passed", false, "movedTo", "error/idp-a/far.csv", "rows", 0, "failures", 3),
                result.get(key));
        assertEquals(0, fixture.tables.count("idp_data.idp_fraud_events"), "nothing stored, nothing altered");
        List<Map<String, Object>> failures = fixture.tables.query("SELECT row, field, message FROM "
                + "idp_data.upload_session_validation_failures ORDER BY row");
        assertEquals(List.of(3L, 4L, 5L), failures.stream().map(f -> f.get("row")).toList());
        assertEquals("timestamp out of range: before the range the recorder keeps (4713 BC to 294247-01-09)",
                failures.get(0).get("message"));
        assertEquals("timestamp out of range: after the range the recorder keeps (4713 BC to 294247-01-09)",
                failures.get(1).get("message"));
        assertEquals("timestamp", failures.get(2).get("field"));
    }

    @Test
    void readsTheExcelTabDialectWithoutAHeaderInTheGivenTimeZone() {
        String csv = "2018-07-01 12:00\tev-1\tFID01\tA01\t1\treq-1\t192.0.2.1\tpid-1\n";
        String key = upload("upload/tab.tsv", csv, tags("https://idp-c.example", "carol", "America/New_York",
                "excel-tab", "no"));

        handler.handleRequest(S3Events.objectCreated(bucket, key, csv.length()), null);

        assertEquals(LocalDateTime.parse("2018-07-01T16:00:00"),
                single("SELECT time_stamp FROM idp_data.idp_fraud_events").get("time_stamp"));
    }

    @Test
    void missingTagsAreLoggedAndTheObjectMovedToErrorWithNothingInTheDatabase() {
        String key = upload("upload/untagged.csv", HEADER, Map.of("username", "dave"));

        Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, key, 1), null);

        assertEquals("error/untagged.csv", ((Map<?, ?>) result.get(key)).get("movedTo"));
        assertEquals(0, fixture.tables.count("idp_data.upload_sessions"));
        assertGone(key);
    }

    @Test
    void unusableTagsAnEmptyFileNonUtf8TextAndAnOversizedFileEachGetASpecificFailure() {
        assertFileFailure("upload/tz.csv", HEADER.getBytes(StandardCharsets.UTF_8),
                tags("i", "u", "Mars/Olympus", "excel", null), "timezone");
        assertFileFailure("upload/dialect.csv", HEADER.getBytes(StandardCharsets.UTF_8),
                tags("i", "u", null, "semicolon", null), "dialect");
        assertFileFailure("upload/empty.csv", HEADER.getBytes(StandardCharsets.UTF_8), tags("i", "u", null, null, null),
                "file");
        assertFileFailure("upload/latin1.csv", (HEADER + "2018-07-01 12:00,é,F,,,r,1.2.3.4,p\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), tags("i", "u", null, null, null), "file");
        assertFileFailure("upload/huge.csv", new byte[5000], tags("i", "u", null, null, null), "file");
        List<String> messages = fixture.tables.query("SELECT message FROM idp_data.upload_session_validation_failures "
                + "ORDER BY id").stream().map(m -> (String) m.get("message")).toList();
        assertTrue(messages.get(0).contains("not a known time zone") && !messages.get(0).contains("Mars"),
                messages.toString());
        assertTrue(messages.get(2).contains("no data rows"), messages.toString());
        assertTrue(messages.get(3).contains("not UTF-8"), messages.toString());
        assertTrue(messages.get(4).contains("limit"), messages.toString());
        assertEquals(0, fixture.tables.count("idp_data.idp_fraud_events"));
    }

    private void assertFileFailure(String key, byte[] content, Map<String, String> tags, String field) {
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(content));
        s3.putObjectTagging(r -> r.bucket(bucket).key(key).tagging(tagging(tags)));
        Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, key, content.length), null);
        Map<?, ?> outcome = (Map<?, ?>) result.get(key);
        assertEquals(false, outcome.get("passed"), key);
        assertEquals("error/" + key.substring(key.lastIndexOf('/') + 1), outcome.get("movedTo"));
        List<Map<String, Object>> last = fixture.tables.query("SELECT f.row, f.field FROM "
                + "idp_data.upload_session_validation_failures f JOIN idp_data.upload_sessions s "
                + "ON s.id = f.upload_session_id WHERE s.source_file_name = ?", key.substring(key.lastIndexOf('/') + 1));
        assertEquals(List.of(Map.of("row", 0L, "field", field)), last, key);
    }

    private String upload(String key, String csv, Map<String, String> tags) {
        // Tagged with PutObjectTagging: S3Mock keeps the x-amz-tagging header of PutObject URL-encoded ("%2F").
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(csv));
        s3.putObjectTagging(r -> r.bucket(bucket).key(key).tagging(tagging(tags)));
        return key;
    }

    private static Map<String, String> tags(String idp, String user, String tz, String dialect, String header) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("idp", idp);
        tags.put("username", user);
        if (tz != null) tags.put("timezone", tz);
        if (dialect != null) tags.put("dialect", dialect);
        if (header != null) tags.put("has_header", header);
        return tags;
    }

    private static Tagging tagging(Map<String, String> tags) {
        List<Tag> set = new ArrayList<>();
        tags.forEach((k, v) -> set.add(Tag.builder().key(k).value(v).build()));
        return Tagging.builder().tagSet(set).build();
    }

    private Map<String, String> tagsOf(String key) {
        Map<String, String> tags = new LinkedHashMap<>();
        s3.getObjectTagging(r -> r.bucket(bucket).key(key)).tagSet().forEach(t -> tags.put(t.key(), t.value()));
        return tags;
    }

    private void assertGone(String key) {
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(r -> r.bucket(bucket).key(key)));
    }

    private Map<String, Object> single(String sql) {
        List<Map<String, Object>> rows = fixture.tables.query(sql);
        assertEquals(1, rows.size(), rows.toString());
        return rows.get(0);
    }
}
