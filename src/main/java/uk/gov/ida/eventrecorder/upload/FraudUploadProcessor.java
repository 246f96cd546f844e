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
import uk.gov.ida.eventrecorder.store.SqlFailure;

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
     * @param duplicate an earlier import of the same PUT (another notification, a retry) had already stored its
     *                  outcome, or moved it away: nothing was stored now
     * @param replaced  on an unversioned bucket, a later PUT under the same key replaced this one before it could be
     *                  read: nothing was stored, and that PUT's own notification imports it
     */
    public record Outcome(String key, boolean passed, String movedTo, Long sessionId, int rows,
                          List<ValidationFailure> failures, boolean duplicate, boolean replaced) {
    }

    /**
     * @throws uk.gov.ida.eventrecorder.DependencyException S3 or the database failed: nothing was stored, the object
     *                                                      stays where it is, and the import can simply run again
     * @throws FraudUploadException                         the database refused a row that validation passed:
     *                                                      nothing was stored, the object stays
     */
    public Outcome process(UploadedObject upload) {
        HeadObjectResponse head;
        try {
            head = s3.headObject(r -> r.bucket(upload.bucket()).key(upload.key())
                    .applyMutation(h -> upload.pin(h::versionId)));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            // Moved away by another import of the same PUT (S3 delivers notifications at least once; Lambda retries;
            // two containers may hold the same notification): that import stored it. A version is only ever deleted
            // by that move.
            LOG.info("fraud upload {} is no longer there: imported and moved by another delivery of its notification",
                    upload);
            return new Outcome(upload.key(), false, null, null, 0, List.of(), true, false);
        }
        if (!upload.versioned() && upload.eTag() != null && !upload.eTag().equals(unquoted(head.eTag()))) {
            // Unversioned: the key holds another PUT now. This one's bytes are gone; that one's notification imports
            // it. Only a versioned bucket keeps both (the template's is).
            LOG.warn("fraud upload {} was replaced by a later upload under the same key before it could be read: "
                    + "nothing stored for it; the later upload is imported by its own notification", upload);
            return new Outcome(upload.key(), false, null, null, 0, List.of(), false, true);
        }
        return importObject(upload, head);
    }

    private Outcome importObject(UploadedObject upload, HeadObjectResponse head) {
        String bucket = upload.bucket();
        String key = upload.key();
        Map<String, String> tagMap = new HashMap<>();
        for (Tag tag : s3.getObjectTagging(r -> r.bucket(bucket).key(key)
                .applyMutation(t -> upload.pin(t::versionId))).tagSet()) {
            tagMap.put(tag.key(), tag.value());
        }
        UploadTags tags = UploadTags.from(tagMap);
        String name = upload.fileName();
        if (!tags.missingRequired().isEmpty()) {
            // No session can be opened without them (its idp and user columns are required): the log is the record.
            String moved = move(upload, head, "error/");
            LOG.error("fraud upload {} refused: missing tag(s) {}; the uploader must tag the object with idp "
                    + "and username. Moved to {}", upload, tags.missingRequired(), moved);
            return new Outcome(key, false, moved, null, 0, List.of(new ValidationFailure(0, "tags",
                    "missing tag(s) " + tags.missingRequired())), false, false);
        }
        String sourceObject = identity(upload, head);
        try {
            FraudUploadRepository.Session session = repository.claim(sourceObject, name, tags.idp(), tags.username());
            if (session.finished()) {
                return duplicate(upload, head, session);
            }
            List<ValidationFailure> failures = new ArrayList<>(tags.problems());
            List<FraudRow> rows = List.of();
            if (head.contentLength() > maxBytes) {
                failures.add(new ValidationFailure(0, "file", String.format("the file is %,d bytes; the limit is "
                        + "%,d bytes: split it into smaller uploads", head.contentLength(), maxBytes)));
            } else if (failures.isEmpty()) {
                // The bytes read are the PUT's the session names, even if the key is overwritten meanwhile.
                ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)
                        .applyMutation(g -> upload.pin(g::versionId, () -> g.ifMatch(head.eTag()))));
                FraudCsv.Result result = csv.read(object.asByteArray(), tags);
                failures.addAll(result.failures());
                rows = result.rows();
            }
            boolean passed = failures.isEmpty();
            if (!repository.finish(session.id(), tags.idp(), rows, failures)) {
                // Another container finished the same PUT between our claim and now.
                return duplicate(upload, head, repository.claim(sourceObject, name, tags.idp(), tags.username()));
            }
            String moved = move(upload, head, passed ? "success/" : "error/");
            LOG.info("fraud upload {} from idp={} user={}: session={} {} rows={} failures={} moved to {}",
                    upload, tags.idp(), tags.username(), session.id(), passed ? "PASSED" : "FAILED validation",
                    rows.size(), failures.size(), moved);
            failures.stream().limit(20).forEach(f -> LOG.warn("fraud upload {} row {} field {}: {}", name, f.row(),
                    f.field(), f.message()));
            return new Outcome(key, passed, moved, session.id(), passed ? rows.size() : 0, failures, false, false);
        } catch (SQLException e) {
            // A row the database refused after validation passed it: not a dependency failure, but not known to be
            // the file's fault either. Nothing was stored; the object stays for a retry and the on-failure
            // destination. PostgreSQL's message quotes the row, so it is described by SQLSTATE, column and
            // constraint, and the driver's exception is not kept as the cause (the runtime prints a whole chain).
            throw new FraudUploadException("fraud upload " + upload + ": the database refused a row ("
                    + SqlFailure.describeRow(e) + "); nothing stored, the object stays");
        }
    }

    /** An earlier import stored this PUT's outcome: only make sure it was moved (that import may have stopped). */
    private Outcome duplicate(UploadedObject upload, HeadObjectResponse head, FraudUploadRepository.Session session) {
        String moved = move(upload, head, session.passed() ? "success/" : "error/");
        LOG.info("fraud upload {}: already imported as session {} ({}); nothing stored again, moved to {}",
                upload, session.id(), session.passed() ? "passed" : "failed validation", moved);
        return new Outcome(upload.key(), session.passed(), moved, session.id(), 0, List.of(), true, false);
    }

    /**
     * The PUT's identity ({@code upload_sessions.source_object}): its version id where the bucket is versioned; else
     * its ETag and the notification's sequencer, so the same bytes put again are a new upload; a notification
     * without a sequencer falls back to the ETag alone.
     */
    static String identity(UploadedObject upload, HeadObjectResponse head) {
        String base = "s3://" + upload.bucket() + "/" + upload.key();
        if (upload.versioned()) {
            return base + "?versionId=" + upload.versionId();
        }
        String eTag = upload.eTag() != null ? upload.eTag() : unquoted(head.eTag());
        return base + "#" + eTag + (upload.sequencer() != null ? "@" + upload.sequencer() : "");
    }

    private static String unquoted(String eTag) {
        return eTag == null ? null : eTag.replace("\"", "");
    }

    /**
     * Copies the PUT that was imported to {@code prefix} + its path below {@code upload/} (so two IDPs' {@code x.csv}
     * keep apart), with its tags and server-side encryption, then deletes only that PUT: on a versioned bucket the
     * version read; otherwise the object if it still has the ETag read (S3's conditional delete). A newer upload
     * under the key is left alone for its own notification. An object already gone was moved by another import of
     * the same notification.
     */
    private String move(UploadedObject upload, HeadObjectResponse head, String prefix) {
        String bucket = upload.bucket();
        String key = upload.key();
        String target = prefix + upload.pathBelowPrefix();
        try {
            s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(key).destinationBucket(bucket).destinationKey(target)
                    .taggingDirective(TaggingDirective.COPY).serverSideEncryption(ServerSideEncryption.AES256)
                    .applyMutation(c -> upload.pin(c::sourceVersionId, () -> c.copySourceIfMatch(head.eTag()))));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return target; // NoSuchKey: the other import moved it there first
            }
            if (e.statusCode() == 412) {
                LOG.warn("fraud upload {}: imported, but a later upload replaced it under its key before it was "
                        + "archived; the later upload is left for its own notification", upload);
                return null;
            }
            throw e;
        }
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key)
                    .applyMutation(d -> upload.pin(d::versionId, () -> d.ifMatch(head.eTag()))));
        } catch (S3Exception e) {
            if (e.statusCode() != 412 && e.statusCode() != 404) {
                throw e;
            }
            LOG.warn("fraud upload {}: archived to {}, and a later upload under its key is left for its own "
                    + "notification", upload, target);
        }
        return target;
    }
}
