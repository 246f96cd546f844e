package uk.gov.ida.eventrecorder.verification;

import java.time.Instant;

/**
 * The verified checkpoints by one time each (when it was made, or when it was both made and in the bucket), to find
 * the newest checkpoint whose time is before a given one with a binary search. The times need not grow with the
 * sequence: a checkpoint run's clock could step back before the run held each checkpoint to its predecessor's time.
 */
final class CheckpointTimeline {
    /** At each sequence s, the earliest time (epoch milliseconds) of checkpoints s and after: never decreasing. */
    private final long[] earliestFrom;

    /** @param times each checkpoint's time, by sequence from 0 (a verified ledger's, which has no gap) */
    CheckpointTimeline(Instant[] times) {
        earliestFrom = new long[times.length];
        long earliest = Long.MAX_VALUE;
        for (int s = times.length - 1; s >= 0; s--) {
            earliest = Math.min(earliest, millis(times[s]));
            earliestFrom[s] = earliest;
        }
    }

    /** The newest checkpoint whose time is before {@code time}; -1 when none is. */
    long newestBefore(Instant time) {
        long before = millis(time);
        // The last s whose earliestFrom is before it: checkpoint s itself is, and none after it is.
        int low = 0;
        int high = earliestFrom.length - 1;
        int found = -1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            if (earliestFrom[middle] < before) {
                found = middle;
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return found;
    }

    /** Instants far beyond any a checkpoint or S3 gives hold their order as the extremes of a long. */
    private static long millis(Instant time) {
        if (time.isAfter(Instant.ofEpochMilli(Long.MAX_VALUE))) {
            return Long.MAX_VALUE;
        }
        if (time.isBefore(Instant.ofEpochMilli(Long.MIN_VALUE))) {
            return Long.MIN_VALUE;
        }
        return time.toEpochMilli();
    }
}
