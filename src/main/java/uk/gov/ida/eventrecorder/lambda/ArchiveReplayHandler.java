package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.config.ImportConfig;
import uk.gov.ida.eventrecorder.logging.RequestLogContext;
import uk.gov.ida.eventrecorder.pipeline.EventRecorder;
import uk.gov.ida.eventrecorder.replay.ArchiveReplayer;
import uk.gov.ida.eventrecorder.replay.ReplayReport;
import uk.gov.ida.eventrecorder.wiring.Dependencies;
import uk.gov.ida.eventrecorder.wiring.Lazy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Replays archived events when an archive object lands in S3: each line {@code {"document": {…event…}}} is recorded
 * as the queue path would record it, from the version the notification names (on a versioned bucket). Report objects ({@code *.report.json}) it writes itself are ignored. A dependency
 * failure, or time running out, ends the invocation with an error after the replay noted how far it got: Lambda's
 * retry resumes there.
 */
public final class ArchiveReplayHandler implements RequestHandler<S3Event, Map<String, Object>>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveReplayHandler.class);
    private final Dependencies dependencies;
    private final Lazy<ArchiveReplayer> replayer;

    public ArchiveReplayHandler() {
        this(ImportConfig.fromSystemEnvironment());
    }

    public ArchiveReplayHandler(Map<String, String> environment) {
        this(ImportConfig.fromEnvironment(environment));
    }

    private ArchiveReplayHandler(ImportConfig config) {
        this.dependencies = new Dependencies(config.database(), Optional.empty(), S3Import.CIRCUIT_OPEN,
                "event-recorder-replay", 1);
        this.replayer = new Lazy<>(() -> new ArchiveReplayer(dependencies.s3(),
                new EventRecorder(dependencies.eventRepository())));
    }

    @Override
    public Map<String, Object> handleRequest(S3Event event, Context context) {
        try (RequestLogContext ignored = RequestLogContext.of(context)) {
            Map<String, Object> results = new LinkedHashMap<>();
            for (S3Import.S3Object object : S3Import.objects(event)) {
                String bucket = object.bucket();
                String key = object.key();
                if (key.endsWith(ArchiveReplayer.REPORT_SUFFIX)) {
                    LOG.info("ignoring s3://{}/{}: a replay report, not an archive", bucket, key);
                    continue;
                }
                Deadline deadline = Invocation.importDeadline(context);
                ReplayReport report = S3Import.run(object, deadline,
                        () -> replayer.get().replay(object.upload(), deadline));
                Map<String, Object> result = new LinkedHashMap<>(Map.of("lines", report.lines(),
                        "recorded", report.recordedCount(), "duplicates", report.duplicateCount(),
                        "failed", report.failedCount(), "deleted", report.complete()));
                if (report.resumedAfterLine() > 0) {
                    result.put("resumedAfterLine", report.resumedAfterLine());
                }
                results.put(key, result);
            }
            return results;
        }
    }

    @Override
    public void close() {
        dependencies.close();
    }
}
