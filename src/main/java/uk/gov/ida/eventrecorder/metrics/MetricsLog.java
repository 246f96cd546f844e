package uk.gov.ida.eventrecorder.metrics;

import uk.gov.ida.eventrecorder.config.LogSettings;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.logging.Json;
import uk.gov.ida.eventrecorder.logging.RequestLogContext;
import uk.gov.ida.eventrecorder.pipeline.BatchOutcome;
import uk.gov.ida.eventrecorder.pipeline.MessageOutcome;

import java.io.PrintStream;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes CloudWatch Embedded Metric Format lines to stdout, which Lambda ships to CloudWatch Logs and CloudWatch
 * turns into metrics without an API call from the function
 * (<a href="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html">
 * EMF specification</a>): per batch, one line of counts and latency by {@code Function} (with the messages given
 * an outage back-off, and 1 when the container's database circuit is open), which also carries the batch's trace
 * (the message ids recorded: the on-call person's "what happened to this message"), and one line of
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
    public static final String EXPORT_FUNCTION = "Export";
    /** The {@code Function} dimension of the ledger's checkpoint run. */
    public static final String LEDGER_FUNCTION = "Ledger";

    private final String namespace;
    private final String function;
    private final PrintStream to;
    /** {@code "level":"…"}: each metric line is a log line Lambda's log-level filter keeps (see LogSettings). */
    private final String levelField;

    /** Writes to stdout, whatever {@link System#out} is when a line is written (as the log lines do). */
    public MetricsLog(String namespace, String function) {
        this(namespace, function, null, LogSettings.fromSystemEnvironment());
    }

    public MetricsLog(String namespace, String function, PrintStream out, LogSettings logs) {
        this.namespace = namespace;
        this.function = function;
        this.to = out;
        this.levelField = "\"level\":\"" + logs.metricsLevel() + "\",";
        if (!logs.metricsLevel().equals("INFO")) {
            org.slf4j.LoggerFactory.getLogger(MetricsLog.class).warn("the application log level {} would drop the "
                    + "metric lines, which Lambda counts as INFO: they are written at {} so that the metrics, the "
                    + "dashboard, the alarms and the batches' trace go on (the template allows TRACE, DEBUG, INFO)",
                    logs.applicationLevel(), logs.metricsLevel());
        }
    }

    private PrintStream out() {
        return to == null ? System.out : to;
    }

    /**
     * Writes the batch's line: its metrics, and the trace of what it recorded, in one line (see the class comment).
     *
     * @param backedOff   messages hidden for an outage back-off after this batch
     * @param circuitOpen the container's database circuit is open after this batch (batches fail at once)
     */
    public void batch(BatchOutcome outcome, long elapsedMillis, int backedOff, boolean circuitOpen) {
        long now = System.currentTimeMillis();
        StringBuilder line = new StringBuilder(1024);
        line.append(line(now, outcome.recorded(), outcome.duplicates(), outcome.failed(), elapsedMillis, backedOff,
                circuitOpen));
        line.setLength(line.length() - 1); // reopen the object: the trace's fields go in the same line
        trace(line, outcome);
        out().println(line.append('}'));
        Map<RejectionReason, Integer> byReason = new EnumMap<>(RejectionReason.class);
        for (MessageOutcome o : outcome.outcomes()) {
            if (o.failed()) {
                byReason.merge(o.reason(), 1, Integer::sum);
            }
        }
        byReason.forEach((reason, count) -> out().println(failedLine(now, reason, count)));
    }

    /**
     * The batch's trace, appended to its metrics line: the invocation's request id, the SQS message ids recorded
     * ({@code recorded}) and found already recorded ({@code duplicate}), and how many decrypted under each data key
     * ({@code data_keys}, by position). A recorded message gets no line of its own (that was most of the log's
     * bytes); a failed one still does, with its reason. Message ids only: never anything read from an event.
     */
    private static void trace(StringBuilder line, BatchOutcome outcome) {
        String requestId = RequestLogContext.requestId();
        if (requestId != null) {
            line.append(",\"aws_request_id\":");
            Json.string(line, requestId);
        }
        ids(line, "recorded", outcome, MessageOutcome.Status.RECORDED);
        if (outcome.duplicates() > 0) {
            ids(line, "duplicate", outcome, MessageOutcome.Status.DUPLICATE);
        }
        Map<Integer, Integer> byKey = new TreeMap<>();
        for (MessageOutcome o : outcome.outcomes()) {
            if (o.dataKey() > 0) {
                byKey.merge(o.dataKey(), 1, Integer::sum);
            }
        }
        if (!byKey.isEmpty()) {
            line.append(",\"data_keys\":{");
            byKey.forEach((key, count) -> line.append(line.charAt(line.length() - 1) == '{' ? "" : ",")
                    .append('"').append(key).append("\":").append(count));
            line.append('}');
        }
    }

    private static void ids(StringBuilder line, String field, BatchOutcome outcome, MessageOutcome.Status status) {
        line.append(",\"").append(field).append("\":[");
        boolean first = true;
        for (MessageOutcome o : outcome.outcomes()) {
            if (o.status() == status) {
                if (!first) {
                    line.append(',');
                }
                Json.string(line, o.messageId());
                first = false;
            }
        }
        line.append(']');
    }

    String line(long timestamp, long recorded, long duplicates, long failed, long elapsedMillis, int backedOff,
                boolean circuitOpen) {
        return "{" + levelField + "\"_aws\":{\"Timestamp\":" + timestamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\""
                + escape(namespace) + "\",\"Dimensions\":[[\"Function\"]],\"Metrics\":["
                + "{\"Name\":\"EventsRecorded\"},"
                + "{\"Name\":\"EventsDuplicate\"},"
                + "{\"Name\":\"EventsFailed\"},"
                + "{\"Name\":\"BatchMillis\",\"Unit\":\"Milliseconds\"},"
                + "{\"Name\":\"MessagesBackedOff\"},"
                + "{\"Name\":\"DatabaseCircuitOpen\"}]}]},"
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
        out().println(partitionsLine(System.currentTimeMillis(), created, rowsInDefault));
    }

    /**
     * One export run: days and addenda written, rows, and {@code ExportIncomplete} (1 when the run ran out of time,
     * which the template alarms on when it repeats), {@code ExportWarnings} (days now holding fewer rows than were
     * exported, rows in no day, a chain holding what the export did not sign) and {@code ExportChainHead} (the
     * chain's last place: kept outside the bucket, so that an auditor can tell a chain cut short, {@code verify
     * --expected-head}).
     */
    public void export(int days, int addenda, long rows, boolean complete, int warnings, long chainHead) {
        out().println(exportLine(System.currentTimeMillis(), days, addenda, rows, complete, warnings, chainHead));
    }

    String exportLine(long timestamp, int days, int addenda, long rows, boolean complete, int warnings,
                      long chainHead) {
        return "{" + levelField + "\"_aws\":{\"Timestamp\":" + timestamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\""
                + escape(namespace) + "\",\"Dimensions\":[[\"Function\"]],\"Metrics\":["
                + "{\"Name\":\"DaysExported\",\"Unit\":\"Count\"},{\"Name\":\"AddendaExported\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"RowsExported\",\"Unit\":\"Count\"},{\"Name\":\"ExportIncomplete\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"ExportWarnings\",\"Unit\":\"Count\"},{\"Name\":\"ExportChainHead\",\"Unit\":\"None\"}]}]},"
                + "\"Function\":\"" + escape(function) + "\",\"DaysExported\":" + days + ",\"AddendaExported\":" + addenda
                + ",\"RowsExported\":" + rows + ",\"ExportIncomplete\":" + (complete ? 0 : 1)
                + ",\"ExportWarnings\":" + warnings + ",\"ExportChainHead\":" + chainHead + "}";
    }

    /**
     * One checkpoint run of the ledger: {@code LedgerCheckpoints} (checkpoints it signed and committed: 0 when idle),
     * {@code LedgerTreeSize} (the leaves in the tree after it), {@code LedgerNewLeaves}, {@code LedgerWarnings} (the
     * database's ledger and the bucket's disagree, a stored leaf or node changed, another writer's object where a
     * checkpoint goes: the template alarms on it), {@code LedgerLateRows} (rows its checkpoint committed that waited
     * more than two schedule intervals, as after any outage: late, not wrong) and {@code LedgerCheckpointMillis} (the
     * run's time).
     */
    public void ledger(int checkpoints, long treeSize, long newLeaves, int warnings, long lateRows, long millis) {
        out().println(ledgerLine(System.currentTimeMillis(), checkpoints, treeSize, newLeaves, warnings, lateRows,
                millis));
    }

    String ledgerLine(long timestamp, int checkpoints, long treeSize, long newLeaves, int warnings, long lateRows,
                      long millis) {
        return "{" + levelField + "\"_aws\":{\"Timestamp\":" + timestamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\""
                + escape(namespace) + "\",\"Dimensions\":[[\"Function\"]],\"Metrics\":["
                + "{\"Name\":\"LedgerCheckpoints\",\"Unit\":\"Count\"},{\"Name\":\"LedgerTreeSize\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"LedgerNewLeaves\",\"Unit\":\"Count\"},{\"Name\":\"LedgerWarnings\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"LedgerLateRows\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"LedgerCheckpointMillis\",\"Unit\":\"Milliseconds\"}]}]},"
                + "\"Function\":\"" + escape(function) + "\",\"LedgerCheckpoints\":" + checkpoints
                + ",\"LedgerTreeSize\":" + treeSize + ",\"LedgerNewLeaves\":" + newLeaves
                + ",\"LedgerWarnings\":" + warnings + ",\"LedgerLateRows\":" + lateRows
                + ",\"LedgerCheckpointMillis\":" + millis + "}";
    }

    String partitionsLine(long timestamp, int created, long rowsInDefault) {
        return "{" + levelField + "\"_aws\":{\"Timestamp\":" + timestamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\""
                + escape(namespace) + "\",\"Dimensions\":[[\"Function\"]],\"Metrics\":["
                + "{\"Name\":\"PartitionsCreated\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"RowsInDefaultPartition\",\"Unit\":\"Count\"}]}]},"
                + "\"Function\":\"" + escape(function) + "\",\"PartitionsCreated\":" + created
                + ",\"RowsInDefaultPartition\":" + rowsInDefault + "}";
    }

    String failedLine(long timestamp, RejectionReason reason, long failed) {
        return "{" + levelField + "\"_aws\":{\"Timestamp\":" + timestamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\""
                + escape(namespace) + "\",\"Dimensions\":[[\"Function\",\"Reason\"]],\"Metrics\":["
                + "{\"Name\":\"EventsFailed\"}]}]},"
                + "\"Function\":\"" + escape(function) + "\",\"Reason\":\"" + escape(reason.label())
                + "\",\"EventsFailed\":" + failed + "}";
    }

    // Namespace, function and reason come from configuration and code, never from events.
    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
