package uk.gov.ida.eventrecorder.ledger;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one checkpoint run did.
 *
 * @param outcome     see {@link Outcome}
 * @param sequence    the ledger's last checkpoint after the run (-1: none yet)
 * @param treeSize    its size
 * @param newLeaves   leaves the run's checkpoint added (0 unless {@link Outcome#CHECKPOINTED})
 * @param published   checkpoint objects the run wrote to the bucket (its own, and any an earlier run committed but did
 *                    not write)
 * @param warnings    what stopped the run (the ledger disagrees with itself or with the bucket): the
 *                    {@code LedgerWarnings} metric, in the ledger's own words, never a row's content
 * @param lateRows    rows its checkpoint committed that waited more than two schedule intervals (runs failed or did not
 *                    happen before it, as after any outage): the {@code LedgerLateRows} metric, never a warning
 * @param millis      the run's time
 */
public record LedgerReport(Outcome outcome, long sequence, long treeSize, long newLeaves, int published,
                           List<String> warnings, long lateRows, long millis) {
    public enum Outcome {
        /** A checkpoint signed and committed (the genesis, the first run's, included). */
        CHECKPOINTED,
        /** Nothing new since the last checkpoint: nothing signed, nothing written. */
        IDLE,
        /** Another run held the ledger's lock: this one did nothing. */
        BUSY,
        /** Another run wrote the same sequence first (it lost its lock meanwhile): this one's is rolled back. */
        OVERTAKEN,
        /** The database's ledger and the bucket's disagree, or a stored leaf or node changed: nothing appended. */
        STOPPED
    }

    public LedgerReport {
        warnings = List.copyOf(warnings);
    }

    /** 1 when the run committed a checkpoint: the {@code LedgerCheckpoints} metric. */
    public int checkpoints() {
        return outcome == Outcome.CHECKPOINTED ? 1 : 0;
    }

    /** The function's answer (no content: counts and the ledger's own sentences). */
    public Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("outcome", outcome.name());
        map.put("sequence", sequence);
        map.put("treeSize", treeSize);
        map.put("newLeaves", newLeaves);
        map.put("published", published);
        map.put("warnings", warnings);
        map.put("lateRows", lateRows);
        map.put("millis", millis);
        return map;
    }
}
