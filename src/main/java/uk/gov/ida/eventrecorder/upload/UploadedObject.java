package uk.gov.ida.eventrecorder.upload;

import java.util.function.Consumer;

/**
 * One PUT of an imported object (a fraud upload, an archive to replay), as its S3 notification names it. Its identity is the PUT, not the key: the version id where
 * the bucket is versioned; otherwise the notification's {@code sequencer} (S3 gives each event on a key a larger one)
 * with the ETag. So a second notification of the same PUT is a duplicate, while the same bytes uploaded again under
 * the same key (say, with corrected tags) are a new upload
 * (<a href="https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html">event
 * message structure</a>).
 *
 * @param versionId null on an unversioned bucket (S3 then sends none, or the string {@code null})
 * @param eTag      the PUT's ETag, without quotes; null only from a notification that lacks it
 * @param sequencer null only from a notification that lacks it; the object's current ETag then names the upload
 */
public record UploadedObject(String bucket, String key, String versionId, String eTag, String sequencer) {
    public UploadedObject {
        versionId = versionId == null || versionId.isEmpty() || versionId.equals("null") ? null : versionId;
        eTag = eTag == null || eTag.isEmpty() ? null : eTag.replace("\"", "");
        sequencer = sequencer == null || sequencer.isEmpty() ? null : sequencer;
    }

    public boolean versioned() {
        return versionId != null;
    }

    /**
     * Pins a request to this PUT: on a versioned bucket it names the version ({@code versionId}), so that a later PUT
     * under the same key is neither read nor tagged nor deleted in this one's place; otherwise it runs
     * {@code unversioned} (a condition on the ETag, say), if any.
     */
    public void pin(Consumer<String> versionId, Runnable unversioned) {
        if (versioned()) {
            versionId.accept(this.versionId);
        } else if (unversioned != null) {
            unversioned.run();
        }
    }

    /** Pins a request to this PUT's version, where the bucket is versioned; otherwise leaves it on the key. */
    public void pin(Consumer<String> versionId) {
        pin(versionId, null);
    }

    /** {@code upload/idp-a/2018-07.csv} → {@code idp-a/2018-07.csv}: the path kept under {@code success/}, {@code error/}. */
    public String pathBelowPrefix() {
        return key.startsWith("upload/") ? key.substring("upload/".length()) : key;
    }

    /** The last segment of the key: the session's {@code source_file_name}. */
    public String fileName() {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key + (versionId != null ? " (version " + versionId + ")" : "");
    }
}
