package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.FailureClass;
import uk.gov.ida.eventrecorder.ReportedFailure;
import uk.gov.ida.eventrecorder.upload.UploadedObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the two S3-triggered handlers share: the objects a notification names, and the failure policy's transport
 * for them. S3 invokes them asynchronously, so an invocation that ends with an error is retried by Lambda (twice,
 * the template's {@code MaximumRetryAttempts}) and then sent to the on-failure destination, which alarms. Hence a
 * failure that is not about the object's content ({@link FailureClass#retriable()}) ends the invocation with it.
 */
final class S3Import {
    private static final Logger LOG = LoggerFactory.getLogger(S3Import.class);
    /** An import is retried by Lambda, not by a queue back-off: a short open period suffices. */
    static final Duration CIRCUIT_OPEN = Duration.ofSeconds(5);

    private S3Import() {
    }

    /**
     * An object a notification names; the key URL-decoded, as S3 encodes it in notifications, and the PUT's version
     * id, ETag and sequencer, which tell one upload from another under the same key.
     */
    record S3Object(String bucket, String key, String versionId, String eTag, String sequencer) {
        UploadedObject upload() {
            return new UploadedObject(bucket, key, versionId, eTag, sequencer);
        }

        @Override
        public String toString() {
            return "s3://" + bucket + "/" + key;
        }
    }

    static List<S3Object> objects(S3Event event) {
        List<S3Object> objects = new ArrayList<>();
        if (event == null || event.getRecords() == null) {
            return objects;
        }
        for (S3EventNotification.S3EventNotificationRecord record : event.getRecords()) {
            S3EventNotification.S3ObjectEntity object = record.getS3().getObject();
            objects.add(new S3Object(record.getS3().getBucket().getName(), object.getUrlDecodedKey(),
                    object.getVersionId(), object.geteTag(), object.getSequencer()));
        }
        return objects;
    }

    /** Runs one object's import; a retriable failure is logged with its class and ends the invocation. */
    static <T> T run(S3Object object, Deadline deadline, Supplier<T> importing) {
        try (Deadline.Scope ignored = deadline.enter()) {
            return importing.get();
        } catch (RuntimeException e) {
            FailureClass failure = FailureClass.of(e);
            // The recorder's own exceptions say what failed in its words; anything else is named by its class alone,
            // since its message may quote what it was given (an object's content).
            String what = e instanceof uk.gov.ida.eventrecorder.RecorderException || failure == FailureClass.DEPENDENCY
                    ? e.getMessage() : e.getClass().getName();
            LOG.atError().addKeyValue("reason", failure.name().toLowerCase(java.util.Locale.ROOT))
                    .log("import of {} failed ({} failure: {}); the invocation fails so that Lambda retries it, then "
                            + "sends it to the on-failure destination", object, failure.name().toLowerCase(
                            java.util.Locale.ROOT), what);
            // Lambda prints the whole chain it is given: it gets the failure without its causes' messages.
            throw ReportedFailure.withoutContent(e);
        }
    }
}
