package uk.gov.ida.eventrecorder.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one export run did: the handler's answer, its log line and its metrics. */
public final class ExportReport {
    private int daysExported;
    private int addenda;
    private long rows;
    private long bytes;
    private boolean complete = true;
    private String stoppedBefore;
    private final List<String> warnings = new ArrayList<>();
    private long chainHead;
    private boolean alarmed;

    void exported(boolean addendum, long rows, long bytes) {
        if (addendum) {
            addenda++;
        } else {
            daysExported++;
        }
        this.rows += rows;
        this.bytes += bytes;
    }

    void stoppedBefore(String what) {
        complete = false;
        stoppedBefore = what;
    }

    /** The chain holds what the export did not sign: the run wrote nothing, and says so where it is alarmed on. */
    void alarm(String why) {
        alarmed = true;
        complete = false;
        stoppedBefore = "the chain's check";
        warnings.add(why);
    }

    void chainHead(long sequence) {
        chainHead = sequence;
    }

    /** True when the run found in the chain what the export did not sign, and stopped without writing after it. */
    public boolean alarmed() {
        return alarmed;
    }

    /** The chain's last place as this run left it (0 when it is empty or was not read). */
    public long chainHead() {
        return chainHead;
    }

    void warn(String warning) {
        warnings.add(warning);
    }

    public int daysExported() {
        return daysExported;
    }

    public int addenda() {
        return addenda;
    }

    public long rows() {
        return rows;
    }

    public long bytes() {
        return bytes;
    }

    /** False when the invocation's time ran out first: the next run goes on from {@link #stoppedBefore}. */
    public boolean complete() {
        return complete;
    }

    public String stoppedBefore() {
        return stoppedBefore;
    }

    /**
     * Days whose exported rows were altered or deleted since (table, day, counts: {@code verify --against-database}
     * names the rows), rows dated -infinity or infinity, and a chain that holds what the export did not sign.
     */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    public Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("complete", complete);
        map.put("daysExported", daysExported);
        map.put("addenda", addenda);
        map.put("rows", rows);
        map.put("bytes", bytes);
        map.put("chainHead", chainHead);
        map.put("alarmed", alarmed);
        if (stoppedBefore != null) {
            map.put("stoppedBefore", stoppedBefore);
        }
        map.put("warnings", warnings());
        return map;
    }
}
