package uk.gov.ida.eventrecorder.upload;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.s3.model.TaggingDirective;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Handles one IDP fraud-data upload: reads its tags, opens an upload session, validates every row, stores the whole
 * file or none of it, and moves the object to {@code success/<name>} or {@code error/<name>} in the same bucket
 * (copied with its tags and server-side encryption, then deleted).
 */
public final class FraudUploadProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(FraudUploadProcessor.class);

    private final S3Client s3;
    private final FraudUploadRepository repository;
    private final FraudCsv csv = new FraudCsv();
    private final long maxBytes;

    public FraudUploadProcessor(S3Client s3, FraudUploadRepository repository, long maxBytes) {
        this.s3 = s3;
        this.repository = repository;
        this.maxBytes = maxBytes;
    }

    /** What became of one upload. */
    public record Outcome(String key, boolean passed, String movedTo, Long sessionId, int rows,
                          List<ValidationFailure> failures) {
    }

    public Outcome process(String bucket, String key) {
        Map<String, String> tagMap = new HashMap<>();
        for (Tag tag : s3.getObjectTagging(r -> r.bucket(bucket).key(key)).tagSet()) {
            tagMap.put(tag.key(), tag.value());
        }
        UploadTags tags = UploadTags.from(tagMap);
        String name = key.substring(key.lastIndexOf('/') + 1);
        if (!tags.missingRequired().isEmpty()) {
            // No session can be opened without them (its idp and user columns are required): the log is the record.
            String moved = move(bucket, key, "error/" + name);
            LOG.error("fraud upload s3://{}/{} refused: missing tag(s) {}; the uploader must tag the object with idp "
                    + "and username. Moved to {}", bucket, key, tags.missingRequired(), moved);
            return new Outcome(key, false, moved, null, 0, List.of(new ValidationFailure(0, "tags",
                    "missing tag(s) " + tags.missingRequired())));
        }
        try {
            long session = repository.openSession(name, tags.idp(), tags.username());
            List<ValidationFailure> failures = new ArrayList<>(tags.problems());
            List<FraudRow> rows = List.of();
            HeadObjectResponse head = s3.headObject(r -> r.bucket(bucket).key(key));
            if (head.contentLength() > maxBytes) {
                failures.add(new ValidationFailure(0, "file", String.format("the file is %,d bytes; the limit is "
                        + "%,d bytes: split it into smaller uploads", head.contentLength(), maxBytes)));
            } else if (failures.isEmpty()) {
                ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
                FraudCsv.Result result = csv.read(object.asByteArray(), tags);
                failures.addAll(result.failures());
                rows = result.rows();
            }
            boolean passed = failures.isEmpty();
            if (passed) {
                repository.storeAndPass(session, tags.idp(), rows);
            } else {
                repository.recordFailures(session, failures);
            }
            String moved = move(bucket, key, (passed ? "success/" : "error/") + name);
            LOG.info("fraud upload s3://{}/{} from idp={} user={}: session={} {} rows={} failures={} moved to {}",
                    bucket, key, tags.idp(), tags.username(), session, passed ? "PASSED" : "FAILED validation",
                    rows.size(), failures.size(), moved);
            failures.stream().limit(20).forEach(f -> LOG.warn("fraud upload {} row {} field {}: {}", name, f.row(),
                    f.field(), f.message()));
            return new Outcome(key, passed, moved, session, passed ? rows.size() : 0, failures);
        } catch (SQLException e) {
            // Leave the object where it is: S3 retries the invocation, and the upload is all-or-nothing.
            throw new IllegalStateException("fraud upload s3://" + bucket + "/" + key + ": the database failed ("
                    + e.getSQLState() + "); the object stays for retry", e);
        }
    }

    private String move(String bucket, String key, String target) {
        s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(key).destinationBucket(bucket).destinationKey(target)
                .taggingDirective(TaggingDirective.COPY).serverSideEncryption(ServerSideEncryption.AES256));
        s3.deleteObject(r -> r.bucket(bucket).key(key));
        return target;
    }
}
