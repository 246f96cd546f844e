package uk.gov.ida.eventrecorder.testing;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The S3Event that an ObjectCreated notification delivers (keys URL-encoded, as S3 sends them). */
public final class S3Events {
    private S3Events() {
    }

    public static S3Event objectCreated(String bucket, String key, long size) {
        var bucketEntity = new S3EventNotification.S3BucketEntity(bucket, null, "arn:aws:s3:::" + bucket);
        var objectEntity = new S3EventNotification.S3ObjectEntity(URLEncoder.encode(key, StandardCharsets.UTF_8)
                .replace("%2F", "/"), size, "etag", null, "0055AED6DCD90281E5");
        var entity = new S3EventNotification.S3Entity("config", bucketEntity, objectEntity, "1.0");
        var record = new S3EventNotification.S3EventNotificationRecord(TestServers.REGION, "ObjectCreated:Put",
                "aws:s3", "2026-11-22T12:00:00.000Z", "2.1", null, null, entity, null);
        return new S3Event(List.of(record));
    }
}
