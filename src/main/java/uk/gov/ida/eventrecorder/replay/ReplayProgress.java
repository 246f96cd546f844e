package uk.gov.ida.eventrecorder.replay;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Tag;
import uk.gov.ida.eventrecorder.upload.UploadedObject;

import java.util.ArrayList;
import java.util.List;

/**
 * How far an interrupted replay of an object got, kept as two tags on the object itself: every line up to
 * {@code line} was recorded, already present, or failed ({@code failed} of them). Tags rather than an object beside
 * it: tagging creates no object, so it triggers no notification, and the tags go with the object (a new upload
 * under the same key starts without them). On a versioned bucket they are the version's, read and written by its id,
 * so a retry resumes the version its notification named, whatever was put under the key since. The object's other
 * tags are kept.
 *
 * @param line   the last line replayed, 0 for none
 * @param failed failed lines among them
 */
record ReplayProgress(long line, long failed) {
    static final String LINE_TAG = "event-recorder-replayed-through-line";
    static final String FAILED_TAG = "event-recorder-replay-failed-lines";
    static final ReplayProgress NONE = new ReplayProgress(0, 0);

    static ReplayProgress read(S3Client s3, UploadedObject object) {
        long line = 0;
        long failed = 0;
        for (Tag tag : tags(s3, object)) {
            if (tag.key().equals(LINE_TAG)) {
                line = number(tag.value());
            } else if (tag.key().equals(FAILED_TAG)) {
                failed = number(tag.value());
            }
        }
        return new ReplayProgress(line, failed);
    }

    void write(S3Client s3, UploadedObject object) {
        List<Tag> tags = new ArrayList<>();
        for (Tag tag : tags(s3, object)) {
            if (!tag.key().equals(LINE_TAG) && !tag.key().equals(FAILED_TAG)) {
                tags.add(tag);
            }
        }
        tags.add(Tag.builder().key(LINE_TAG).value(Long.toString(line)).build());
        tags.add(Tag.builder().key(FAILED_TAG).value(Long.toString(failed)).build());
        s3.putObjectTagging(r -> r.bucket(object.bucket()).key(object.key()).applyMutation(p -> object.pin(
                p::versionId)).tagging(t -> t.tagSet(tags)));
    }

    private static List<Tag> tags(S3Client s3, UploadedObject object) {
        return s3.getObjectTagging(r -> r.bucket(object.bucket()).key(object.key())
                .applyMutation(g -> object.pin(g::versionId))).tagSet();
    }

    private static long number(String value) {
        try {
            return Math.max(0, Long.parseLong(value));
        } catch (NumberFormatException e) {
            return 0; // not ours to trust: replay from the start (recording again is idempotent)
        }
    }
}
