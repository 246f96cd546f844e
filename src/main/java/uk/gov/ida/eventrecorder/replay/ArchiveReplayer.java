package uk.gov.ida.eventrecorder.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.DependencyException;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.event.InvalidMessageException;
import uk.gov.ida.eventrecorder.pipeline.EventRecorder;
import uk.gov.ida.eventrecorder.pipeline.MessageOutcome;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;
import uk.gov.ida.eventrecorder.upload.UploadedObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays an archive object of newline-delimited {@code {"document": {…event…}}} envelopes into the same tables as
 * the queue path. The object is streamed line by line and recorded in batches, so memory stays bounded whatever its
 * size. Invalid lines are counted and reported, never stop the import. The object is deleted only when every line
 * was recorded or already present; otherwise it stays, with {@code <key>.report.json} beside it. Replaying again is
 * safe: what was recorded is then a duplicate. A replay cut short (time running out, the database failing) notes on
 * the object how far it got ({@link ReplayProgress}), and the next replay of it resumes there.
 *
 * <p>On a versioned bucket every call names the version the notification named, as the fraud upload's do: an archive
 * put again under the same key while one is replayed is neither read, tagged nor deleted in its place (deleting by key
 * would hide it under a delete marker, and its own notification would find nothing), and its own notification
 * replays it. Deleting by version id removes that version for good and leaves no delete marker
 * (<a href="https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html">deleting object
 * versions</a>). On an unversioned bucket the calls name the key, as before.
 */
public final class ArchiveReplayer {
    public static final String REPORT_SUFFIX = ".report.json";
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveReplayer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 1_000;
    /** A batch of 1,000 lines takes well under a second; with less time than this left, stop and note progress. */
    static final long LEAST_BATCH_MILLIS = 5_000;

    private final S3Client s3;
    private final EventRecorder recorder;
    private final EventParser parser = new EventParser();

    public ArchiveReplayer(S3Client s3, EventRecorder recorder) {
        this.s3 = s3;
        this.recorder = recorder;
    }

    /**
     * @param deadline the invocation's: with less than {@link #LEAST_BATCH_MILLIS} of it left after a batch, the
     *                 replay notes how far it got and stops with {@link ReplayIncompleteException}
     * @throws ReplayIncompleteException time ran out; the next replay of the object resumes after the last batch
     * @throws DependencyException       the database failed; likewise noted, and resumed by the next replay
     */
    public ReplayReport replay(UploadedObject object, Deadline deadline) {
        ReplayReport report = new ReplayReport(object);
        long started = System.nanoTime();
        List<AuditEvent> batch = new ArrayList<>(BATCH);
        List<String> sources = new ArrayList<>(BATCH);
        ReplayProgress earlier;
        try {
            earlier = ReplayProgress.read(s3, object);
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            // Deleted by an earlier replay that recorded every line: a repeated notification, nothing to do.
            LOG.info("replay {}: the object is no longer there (already replayed and deleted)", object);
            return report;
        }
        if (earlier.line() > 0) {
            report.resumedAfter(earlier.line(), earlier.failed());
            LOG.info("replay {} resumes after line {}, where an earlier invocation stopped", object, earlier.line());
        }
        long done = earlier.line();
        try (ResponseInputStream<GetObjectResponse> stream = s3.getObject(r -> r.bucket(object.bucket())
                .key(object.key()).applyMutation(g -> object.pin(g::versionId)));
             BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8
                     .newDecoder().onMalformedInput(CodingErrorAction.REPLACE)), 1 << 16)) {
            String line;
            long number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (number <= earlier.line() || line.isBlank()) {
                    continue;
                }
                report.line();
                try {
                    batch.add(parseLine(parser, line));
                    sources.add(Long.toString(number));
                } catch (InvalidMessageException e) {
                    LOG.warn("replay {} line {}: {}: {}", object, number, e.reason(), e.getMessage());
                    report.failed(number, e.reason().label(), e.getMessage());
                }
                if (batch.size() == BATCH) {
                    done = recordOrStop(object, batch, sources, report, done, number);
                    if (deadline.remainingMillis() < LEAST_BATCH_MILLIS) {
                        new ReplayProgress(done, report.failedInAll()).write(s3, object);
                        throw new ReplayIncompleteException("replay of " + object + " stopped after line " + done
                                + ": the invocation's time is running out; the next attempt resumes there");
                    }
                }
            }
            recordOrStop(object, batch, sources, report, done, number);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + object + " failed", e);
        }
        finish(object, report);
        LOG.info("replayed {}: lines={} recorded={} duplicates={} failed={} elapsed_ms={} object {}", object,
                report.lines(), report.recordedCount(), report.duplicateCount(), report.failedCount(),
                (System.nanoTime() - started) / 1_000_000, report.complete() ? "deleted" : "kept, with a report");
        return report;
    }

    /** One archive line, {@code {"document": {…event…}}}, to its event; the fuzz tests call it too. */
    public static AuditEvent parseLine(EventParser parser, String line) {
        // The queue path's JSON rules: a key given twice anywhere is refused, decimals are read exactly.
        JsonNode envelope = EventParser.readTree(line, "the line");
        JsonNode document = envelope == null ? null : envelope.get("document");
        if (document == null || !document.isObject()) {
            throw new InvalidMessageException(uk.gov.ida.eventrecorder.event.RejectionReason.MISSING_FIELD,
                    "the line is not an envelope {\"document\": {…event…}}");
        }
        return parser.parse((ObjectNode) document);
    }

    /**
     * Records a batch that ends at {@code lastLine}; a dependency failure notes the progress before it (every line up
     * to {@code done}) and ends the replay, for Lambda to retry.
     *
     * @return the last line now replayed
     */
    private long recordOrStop(UploadedObject object, List<AuditEvent> batch, List<String> sources,
                              ReplayReport report, long done, long lastLine) {
        if (!batch.isEmpty()) {
            List<MessageOutcome> outcomes = recorder.record(batch, sources);
            MessageOutcome unavailable = outcomes.stream().filter(MessageOutcome::dependencyFailed).findFirst()
                    .orElse(null);
            if (unavailable != null) {
                long failedBefore = report.failedInAll();
                try {
                    new ReplayProgress(done, failedBefore).write(s3, object);
                } catch (RuntimeException e) {
                    LOG.warn("replay {}: progress not noted ({}); the next attempt starts over (recording again is "
                            + "idempotent)", object, e.getClass().getSimpleName());
                }
                throw new DatabaseUnavailableException("replay of " + object + " stopped after line " + done + ": "
                        + unavailable.detail(), null);
            }
            count(outcomes, report);
        }
        batch.clear();
        sources.clear();
        return lastLine;
    }

    private void count(List<MessageOutcome> outcomes, ReplayReport report) {
        for (MessageOutcome outcome : outcomes) {
            switch (outcome.status()) {
                case RECORDED -> report.recorded();
                case DUPLICATE -> report.duplicate();
                case FAILED -> {
                    LOG.warn("replay line {} event_id={}: {}: {}", outcome.messageId(), outcome.eventId(),
                            outcome.reason(), outcome.detail());
                    report.failed(Long.parseLong(outcome.messageId()), outcome.reason().label(), outcome.detail());
                }
            }
        }
    }

    /** Deletes the version replayed (only that one), or keeps it and writes its report beside it. */
    private void finish(UploadedObject object, ReplayReport report) {
        if (report.complete()) {
            s3.deleteObject(r -> r.bucket(object.bucket()).key(object.key())
                    .applyMutation(d -> object.pin(d::versionId)));
            return;
        }
        try {
            byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report.asMap());
            s3.putObject(r -> r.bucket(object.bucket()).key(object.key() + REPORT_SUFFIX)
                            .contentType("application/json"),
                    RequestBody.fromBytes(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the replay report could not be written as JSON", e);
        }
    }
}
