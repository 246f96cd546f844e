package uk.gov.ida.eventrecorder.replay;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Totals of one archive replay, and its first failures with line numbers: what {@code <key>.report.json} holds. */
public final class ReplayReport {
    static final int MAX_FAILURES_KEPT = 1_000;

    private final String bucket;
    private final String key;
    private long lines;
    private long recorded;
    private long duplicates;
    private long failed;
    private final List<Map<String, Object>> failures = new ArrayList<>();

    ReplayReport(String bucket, String key) {
        this.bucket = bucket;
        this.key = key;
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

    public boolean complete() {
        return failed == 0;
    }

    public List<Map<String, Object>> failures() {
        return Collections.unmodifiableList(failures);
    }

    Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("bucket", bucket);
        map.put("key", key);
        map.put("lines", lines);
        map.put("recorded", recorded);
        map.put("duplicates", duplicates);
        map.put("failed", failed);
        map.put("failuresShown", failures.size());
        map.put("failures", failures);
        return map;
    }
}
