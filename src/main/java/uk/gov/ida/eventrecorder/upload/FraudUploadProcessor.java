package uk.gov.ida.eventrecorder.upload;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
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
 *
 * <p>At most once per object: S3 delivers notifications at least once and Lambda retries a failed import, so the
 * same object can be imported twice, even at once. Its session is keyed by the object's identity (bucket, key,
 * version id or ETag), and its outcome is stored under that session's row lock, once; a second import answers
 * "duplicate" and only finishes the move.
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

    /**
     * What became of one upload.
     *
     * @param duplicate an earlier import of the same object (another notification, a retry) had already stored its
     *                  outcome, or moved it away: nothing was stored now
     */
    public record Outcome(String key, boolean passed, String movedTo, Long sessionId, int rows,
                          List<ValidationFailure> failures, boolean duplicate) {
    }

    /**
     * @throws uk.gov.ida.eventrecorder.DependencyException S3 or the database failed: nothing was stored, the object
     *                                                      stays where it is, and the import can simply run again
     */
    public Outcome process(String bucket, String key) {
        try {
            return importObject(bucket, key);
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            // Moved away by another import of the same object (S3 delivers notifications at least once; Lambda
            // retries; two containers may hold the same notification): that import stored it.
            LOG.info("fraud upload s3://{}/{} is no longer there: imported and moved by another delivery of its "
                    + "notification", bucket, key);
            return new Outcome(key, false, null, null, 0, List.of(), true);
        }
    }

    private Outcome importObject(String bucket, String key) {
        HeadObjectResponse head = s3.headObject(r -> r.bucket(bucket).key(key));
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
                    "missing tag(s) " + tags.missingRequired())), false);
        }
        String sourceObject = identity(bucket, key, head);
        try {
            FraudUploadRepository.Session session = repository.claim(sourceObject, name, tags.idp(), tags.username());
            if (session.finished()) {
                return duplicate(bucket, key, name, session);
            }
            List<ValidationFailure> failures = new ArrayList<>(tags.problems());
            List<FraudRow> rows = List.of();
            if (head.contentLength() > maxBytes) {
                failures.add(new ValidationFailure(0, "file", String.format("the file is %,d bytes; the limit is "
                        + "%,d bytes: split it into smaller uploads", head.contentLength(), maxBytes)));
            } else if (failures.isEmpty()) {
                // The version read is the one the session names, even if the key is overwritten meanwhile.
                ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)
                        .applyMutation(g -> pinned(g, head)));
                FraudCsv.Result result = csv.read(object.asByteArray(), tags);
                failures.addAll(result.failures());
                rows = result.rows();
            }
            boolean passed = failures.isEmpty();
            if (!repository.finish(session.id(), tags.idp(), rows, failures)) {
                // Another container finished the same object between our claim and now.
                return duplicate(bucket, key, name, repository.claim(sourceObject, name, tags.idp(), tags.username()));
            }
            String moved = move(bucket, key, (passed ? "success/" : "error/") + name);
            LOG.info("fraud upload s3://{}/{} from idp={} user={}: session={} {} rows={} failures={} moved to {}",
                    bucket, key, tags.idp(), tags.username(), session.id(), passed ? "PASSED" : "FAILED validation",
                    rows.size(), failures.size(), moved);
            failures.stream().limit(20).forEach(f -> LOG.warn("fraud upload {} row {} field {}: {}", name, f.row(),
                    f.field(), f.message()));
            return new Outcome(key, passed, moved, session.id(), passed ? rows.size() : 0, failures, false);
        } catch (SQLException e) {
            // A row the database refused after validation passed it: not a dependency failure, but not known to be
            // the file's fault either. Nothing was stored; the object stays for a retry and the on-failure destination.
            throw new IllegalStateException("fraud upload s3://" + bucket + "/" + key + ": the database refused a row "
                    + "(SQLSTATE " + e.getSQLState() + "); nothing stored, the object stays", e);
        }
    }

    /** An earlier import stored this object's outcome: only make sure it was moved (that import may have stopped). */
    private Outcome duplicate(String bucket, String key, String name, FraudUploadRepository.Session session) {
        String moved = move(bucket, key, (session.passed() ? "success/" : "error/") + name);
        LOG.info("fraud upload s3://{}/{}: already imported as session {} ({}); nothing stored again, moved to {}",
                bucket, key, session.id(), session.passed() ? "passed" : "failed validation", moved);
        return new Outcome(key, session.passed(), moved, session.id(), 0, List.of(), true);
    }

    /**
     * The object's identity: its version id where the bucket is versioned, else its ETag (the same content uploaded
     * again under the same key is the same upload).
     */
    static String identity(String bucket, String key, HeadObjectResponse head) {
        return "s3://" + bucket + "/" + key + (head.versionId() != null && !head.versionId().equals("null")
                ? "?versionId=" + head.versionId() : "#" + head.eTag());
    }

    private static void pinned(GetObjectRequest.Builder get, HeadObjectResponse head) {
        if (head.versionId() != null && !head.versionId().equals("null")) {
            get.versionId(head.versionId());
        } else if (head.eTag() != null) {
            get.ifMatch(head.eTag());
        }
    }

    /** Copies then deletes; an object already gone was moved by another import of the same notification. */
    private String move(String bucket, String key, String target) {
        try {
            s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(key).destinationBucket(bucket).destinationKey(target)
                    .taggingDirective(TaggingDirective.COPY).serverSideEncryption(ServerSideEncryption.AES256));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            return target; // NoSuchKey: the other import moved it there first
        }
        s3.deleteObject(r -> r.bucket(bucket).key(key));
        return target;
    }
}
