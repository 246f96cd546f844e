package uk.gov.ida.eventrecorder.export;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import uk.gov.ida.eventrecorder.OutsideCall;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.wiring.AwsClients;
import uk.gov.ida.eventrecorder.digest.RowDigest;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * An object written to S3 as it is produced: parts of {@link #PART_SIZE} bytes go up as they fill (multipart upload),
 * so memory holds one part, whatever the object's size. Nothing is visible until {@link #complete}; an object that
 * would replace one already there is refused ({@code If-None-Match: *}). {@link #abort} leaves nothing behind.
 */
final class S3Upload extends OutputStream {
    /** S3's smallest part but the last is 5 MiB; 8 MiB keeps a 10-million-row day to a few hundred parts. */
    static final int PART_SIZE = 8 * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final String contentType;
    private final MessageDigest sha256 = RowDigest.sha256();
    private final List<CompletedPart> parts = new ArrayList<>();
    private java.util.concurrent.Future<CompletedPart> inFlight;
    private java.util.concurrent.ExecutorService uploader;
    private byte[] buffer = new byte[64 * 1024];
    private int filled;
    private long size;
    private String uploadId;

    S3Upload(S3Client s3, String bucket, String key, String contentType) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.contentType = contentType;
    }

    String key() {
        return key;
    }

    /** Bytes written so far (Parquet's writer asks, to place its footer's offsets). */
    long position() {
        return size;
    }

    @Override
    public void write(int b) {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        sha256.update(bytes, offset, length);
        size += length;
        while (length > 0) {
            if (filled == buffer.length) {
                if (buffer.length < PART_SIZE) {
                    buffer = java.util.Arrays.copyOf(buffer, Math.min(PART_SIZE, buffer.length * 2));
                } else {
                    uploadPart();
                }
            }
            int n = Math.min(length, buffer.length - filled);
            System.arraycopy(bytes, offset, buffer, filled, n);
            filled += n;
            offset += n;
            length -= n;
        }
    }

    // A part goes up on a thread of its own while the next fills: one in flight, so memory holds two parts at most.
    private void uploadPart() {
        if (uploadId == null) {
            uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key).contentType(contentType)
                    .overrideConfiguration(OutsideCall.within(OutsideCall.S3))).uploadId();
            uploader = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "export-upload");
                t.setDaemon(true);
                return t;
            });
        }
        awaitPart();
        int number = parts.size() + 1;
        byte[] part = java.util.Arrays.copyOf(buffer, filled);
        String id = uploadId;
        // The bound is taken here, on the invocation's thread (Deadline is per thread), not on the uploader's.
        var bound = OutsideCall.within(AwsClients.LARGE_OBJECT_CALL_TIMEOUT);
        inFlight = uploader.submit(() -> CompletedPart.builder().partNumber(number).eTag(s3.uploadPart(
                r -> r.bucket(bucket).key(key).uploadId(id).partNumber(number).overrideConfiguration(bound),
                RequestBody.fromBytes(part)).eTag()).build());
        filled = 0;
    }

    /** Waits for the part in flight, if any, and counts it done. */
    private void awaitPart() {
        if (inFlight != null) {
            try {
                parts.add(inFlight.get());
                inFlight = null;
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while uploading " + key, null);
            }
        }
    }

    /** Closing does not publish the object: only {@link #complete} does, once everything it belongs with is written. */
    @Override
    public void close() {
    }

    /**
     * Publishes the object, only if its key is new ({@code If-None-Match: *}). Its key is this run's own, so nothing
     * is there: a refusal is another writer's, and fails the part rather than adopt an object the run did not write.
     */
    Manifest.StoredObject complete(String format) {
        String sha = HexFormat.of().formatHex(sha256.digest());
        if (uploadId == null) {
            s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType).ifNoneMatch("*")
                    .overrideConfiguration(OutsideCall.within(AwsClients.LARGE_OBJECT_CALL_TIMEOUT)),
                    RequestBody.fromBytes(java.util.Arrays.copyOf(buffer, filled)));
        } else {
            if (filled > 0) {
                uploadPart();
            }
            awaitPart();
            uploader.shutdown();
            s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId).ifNoneMatch("*")
                    .multipartUpload(m -> m.parts(parts))
                    .overrideConfiguration(OutsideCall.within(AwsClients.LARGE_OBJECT_CALL_TIMEOUT)));
            uploadId = null;
        }
        buffer = null;
        return new Manifest.StoredObject(key, format, size, sha);
    }

    /** Gives up the object: a multipart upload begun is aborted, so no part is kept (or billed). */
    void abort() {
        if (uploader != null) {
            uploader.shutdownNow();
        }
        if (uploadId != null) {
            String id = uploadId;
            uploadId = null;
            try {
                s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(id));
            } catch (RuntimeException e) {
                // The bucket's lifecycle rule removes incomplete uploads after a day; nothing is visible meanwhile.
            }
        }
    }
}
