package uk.gov.ida.eventrecorder.metrics;

import uk.gov.ida.eventrecorder.pipeline.BatchOutcome;

import java.io.PrintStream;

/**
 * Writes one CloudWatch Embedded Metric Format line per batch to stdout, which Lambda ships to CloudWatch Logs and
 * CloudWatch turns into metrics without an API call from the function
 * (<a href="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html">
 * EMF specification</a>).
 */
public final class MetricsLog {
    private final String namespace;
    private final String function;
    private final PrintStream out;

    public MetricsLog(String namespace, String function, PrintStream out) {
        this.namespace = namespace;
        this.function = function;
        this.out = out;
    }

    public void batch(BatchOutcome outcome, long elapsedMillis) {
        out.println(line(System.currentTimeMillis(), outcome.recorded(), outcome.duplicates(), outcome.failed(),
                elapsedMillis));
    }

    String line(long timestamp, long recorded, long duplicates, long failed, long elapsedMillis) {
        // Namespace and function come from configuration, not from events; they need no JSON escaping beyond quotes.
        return "{\"_aws\":{\"Timestamp\":" + timestamp + ",\"CloudWatchMetrics\":[{\"Namespace\":\""
                + escape(namespace) + "\",\"Dimensions\":[[\"Function\"]],\"Metrics\":["
                + "{\"Name\":\"EventsRecorded\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"EventsDuplicate\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"EventsFailed\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"BatchMillis\",\"Unit\":\"Milliseconds\"}]}]},"
                + "\"Function\":\"" + escape(function) + "\",\"EventsRecorded\":" + recorded
                + ",\"EventsDuplicate\":" + duplicates + ",\"EventsFailed\":" + failed
                + ",\"BatchMillis\":" + elapsedMillis + "}";
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
