package uk.gov.ida.eventrecorder.testing;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The S3Event that an ObjectCreated notification delivers (keys URL-encoded, as S3 sends them). */
public final class S3Events {
    private S3Events() {
    }

    private static final AtomicLong SEQUENCER = new AtomicLong(0x0055AED6DCD90281L);

    /** A notification that names no PUT (no ETag, version or sequencer): the import then names it by what it finds. */
    public static S3Event objectCreated(String bucket, String key, long size) {
        return notification(bucket, key, size, null, null, null);
    }

    /**
     * The notification of one PUT, as S3 sends it: its ETag and version id, and a sequencer larger than any before
     * (S3's are per key; one counter serves). Deliver the same event twice to play a repeated notification.
     */
    public static S3Event objectCreated(String bucket, String key, long size, PutObjectResponse put) {
        return notification(bucket, key, size, put.eTag().replace("\"", ""), put.versionId(),
                String.format("%018X", SEQUENCER.incrementAndGet()));
    }

    private static S3Event notification(String bucket, String key, long size, String eTag, String versionId,
                                        String sequencer) {
        var bucketEntity = new S3EventNotification.S3BucketEntity(bucket, null, "arn:aws:s3:::" + bucket);
        var objectEntity = new S3EventNotification.S3ObjectEntity(URLEncoder.encode(key, StandardCharsets.UTF_8)
                .replace("%2F", "/"), size, eTag, versionId, sequencer);
        var entity = new S3EventNotification.S3Entity("config", bucketEntity, objectEntity, "1.0");
        var record = new S3EventNotification.S3EventNotificationRecord(TestServers.REGION, "ObjectCreated:Put",
                "aws:s3", "2026-11-22T12:00:00.000Z", "2.1", null, null, entity, null);
        return new S3Event(List.of(record));
    }
}
