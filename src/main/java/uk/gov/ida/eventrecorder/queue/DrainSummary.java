package uk.gov.ida.eventrecorder.queue;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one drain run did.
 *
 * @param stopReason why it stopped: the queue was empty, Lambda time ran short, or the database was unavailable
 */
public record DrainSummary(long received, long recorded, long duplicates, long failed, long deleteFailures,
                           long batches, long elapsedMillis, String stopReason) {

    /** A plain map, which Lambda's serializer turns into JSON whatever its record support. */
    public Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("received", received);
        map.put("recorded", recorded);
        map.put("duplicates", duplicates);
        map.put("failed", failed);
        map.put("deleteFailures", deleteFailures);
        map.put("batches", batches);
        map.put("elapsedMillis", elapsedMillis);
        map.put("stopReason", stopReason);
        return map;
    }
}
