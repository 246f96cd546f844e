package uk.gov.ida.eventrecorder.metrics;

import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.pipeline.BatchOutcome;
import uk.gov.ida.eventrecorder.pipeline.MessageOutcome;

import java.io.PrintStream;
import java.util.EnumMap;
import java.util.Map;

/**
 * Writes CloudWatch Embedded Metric Format lines to stdout, which Lambda ships to CloudWatch Logs and CloudWatch
 * turns into metrics without an API call from the function
 * (<a href="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html">
 * EMF specification</a>): per batch, one line of counts and latency by {@code Function} (with the messages given
 * an outage back-off, and 1 when the container's database circuit is open), and one line of
 * {@code EventsFailed} by {@code Function} and {@code Reason} for each reason that failed a message. The
 * template's dashboard plots exactly these (DashboardTest checks it).
 */
public final class MetricsLog {
    /** The {@code Function} dimension of the event-source handler's metrics. */
    public static final String EVENT_SOURCE_FUNCTION = "SqsEventHandler";
    /** The {@code Function} dimension of the drain handler's metrics. */
    public static final String DRAIN_FUNCTION = "QueueDrainHandler";
    /** The {@code Function} dimension of the partition maintenance's metrics. */
    public static final String MAINTENANCE_FUNCTION = "PartitionMaintenance";

    private final String namespace;
    private final String function;
    private final PrintStream out;

    public MetricsLog(String namespace, String function, PrintStream out) {
        this.namespace = namespace;
        this.function = function;
        this.out = out;
    }

    /**
     * @param backedOff   messages hidden for an outage back-off after this batch
     * @param circuitOpen the container's database circuit is open after this batch (batches fail at once)
     */
    public void batch(BatchOutcome outcome, long elapsedMillis, int backedOff, boolean circuitOpen) {
        long now = System.currentTimeMillis();
        out.println(line(now, outcome.recorded(), outcome.duplicates(), outcome.failed(), elapsedMillis, backedOff,
                circuitOpen));
        Map<RejectionReason, Integer> byReason = new EnumMap<>(RejectionReason.class);
        for (MessageOutcome o : outcome.outcomes()) {
            if (o.failed()) {
                byReason.merge(o.reason(), 1, Integer::sum);
            }
        }
        byReason.forEach((reason, count) -> out.println(failedLine(now, reason, count)));
    }

    String line(long timestamp, long recorded, long duplicates, long failed, long elapsedMillis, int backedOff,
                boolean circuitOpen) {
        return "{\"_aws\":{\"Timestamp\":" + timestamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\""
                + escape(namespace) + "\",\"Dimensions\":[[\"Function\"]],\"Metrics\":["
                + "{\"Name\":\"EventsRecorded\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"EventsDuplicate\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"EventsFailed\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"BatchMillis\",\"Unit\":\"Milliseconds\"},"
                + "{\"Name\":\"MessagesBackedOff\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"DatabaseCircuitOpen\",\"Unit\":\"Count\"}]}]},"
                + "\"Function\":\"" + escape(function) + "\",\"EventsRecorded\":" + recorded
                + ",\"EventsDuplicate\":" + duplicates + ",\"EventsFailed\":" + failed
                + ",\"BatchMillis\":" + elapsedMillis + ",\"MessagesBackedOff\":" + backedOff
                + ",\"DatabaseCircuitOpen\":" + (circuitOpen ? 1 : 0) + "}";
    }

    /**
     * After a partition maintenance run: partitions it created, and rows in the audit table's default partition
     * (events dated outside every prepared month), which the template alarms on.
     */
    public void partitions(int created, long rowsInDefault) {
        out.println(partitionsLine(System.currentTimeMillis(), created, rowsInDefault));
    }

    String partitionsLine(long timestamp, int created, long rowsInDefault) {
        return "{\"_aws\":{\"Timestamp\":" + timestamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\""
                + escape(namespace) + "\",\"Dimensions\":[[\"Function\"]],\"Metrics\":["
                + "{\"Name\":\"PartitionsCreated\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"RowsInDefaultPartition\",\"Unit\":\"Count\"}]}]},"
                + "\"Function\":\"" + escape(function) + "\",\"PartitionsCreated\":" + created
                + ",\"RowsInDefaultPartition\":" + rowsInDefault + "}";
    }

    String failedLine(long timestamp, RejectionReason reason, long failed) {
        return "{\"_aws\":{\"Timestamp\":" + timestamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\""
                + escape(namespace) + "\",\"Dimensions\":[[\"Function\",\"Reason\"]],\"Metrics\":["
                + "{\"Name\":\"EventsFailed\",\"Unit\":\"Count\"}]}]},"
                + "\"Function\":\"" + escape(function) + "\",\"Reason\":\"" + escape(reason.label())
                + "\",\"EventsFailed\":" + failed + "}";
    }

    // Namespace, function and reason come from configuration and code, never from events.
    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
