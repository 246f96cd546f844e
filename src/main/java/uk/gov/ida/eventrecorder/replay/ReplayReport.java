package uk.gov.ida.eventrecorder.replay;

import uk.gov.ida.eventrecorder.upload.UploadedObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Totals of one archive replay, and its first failures with line numbers: what {@code <key>.report.json} holds. */
public final class ReplayReport {
    static final int MAX_FAILURES_KEPT = 1_000;

    private final UploadedObject object;
    private long lines;
    private long recorded;
    private long duplicates;
    private long failed;
    private final List<Map<String, Object>> failures = new ArrayList<>();
    private long resumedAfterLine;
    private long earlierFailed;

    ReplayReport(UploadedObject object) {
        this.object = object;
    }

    /** An earlier invocation replayed lines up to {@code line}, {@code failed} of which failed. */
    void resumedAfter(long line, long failed) {
        this.resumedAfterLine = line;
        this.earlierFailed = failed;
    }

    void line() {
        lines++;
    }

    void recorded() {
        recorded++;
    }

    void duplicate() {
        duplicates++;
    }

    void failed(long line, String reason, String detail) {
        failed++;
        if (failures.size() < MAX_FAILURES_KEPT) {
            Map<String, Object> failure = new LinkedHashMap<>();
            failure.put("line", line);
            failure.put("reason", reason);
            failure.put("detail", detail);
            failures.add(failure);
        }
    }

    public long lines() {
        return lines;
    }

    public long recordedCount() {
        return recorded;
    }

    public long duplicateCount() {
        return duplicates;
    }

    public long failedCount() {
        return failed;
    }

    /** Every line recorded or already present, in this invocation and the earlier ones it resumed from. */
    public boolean complete() {
        return failed == 0 && earlierFailed == 0;
    }

    /** 0 unless this replay resumed where an earlier invocation, out of time or cut off from a dependency, stopped. */
    public long resumedAfterLine() {
        return resumedAfterLine;
    }

    /** Failed lines so far, this invocation's and the earlier ones'. */
    long failedInAll() {
        return failed + earlierFailed;
    }

    public List<Map<String, Object>> failures() {
        return Collections.unmodifiableList(failures);
    }

    Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("bucket", object.bucket());
        map.put("key", object.key());
        if (object.versioned()) {
            // The report is for this version: another put under the key since has its own replay, and report.
            map.put("versionId", object.versionId());
        }
        map.put("lines", lines);
        map.put("recorded", recorded);
        map.put("duplicates", duplicates);
        map.put("failed", failed);
        if (resumedAfterLine > 0) {
            // The earlier invocations' failures are in their log lines and the report they wrote.
            map.put("resumedAfterLine", resumedAfterLine);
            map.put("failedBeforeResuming", earlierFailed);
        }
        map.put("failuresShown", failures.size());
        map.put("failures", failures);
        return map;
    }
}
