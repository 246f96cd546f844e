package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.metrics.MetricsLog;
import uk.gov.ida.eventrecorder.pipeline.BatchOutcome;
import uk.gov.ida.eventrecorder.pipeline.MessageOutcome;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The template's dashboard plots only metrics the code emits, with the dimensions it emits them under, so a panel
 * can never silently show nothing; and it plots every metric the code emits.
 */
class DashboardTest {
    private static final uk.gov.ida.eventrecorder.config.LogSettings INFO =
            uk.gov.ida.eventrecorder.config.LogSettings.fromEnvironment(Map.of());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{([^}]+)}");
    private static final Pattern SEARCH = Pattern.compile("SEARCH\\('\\{([^}]*)}\\s+MetricName=\"([^\"]+)\"");

    private final Template template = new Template();
    private final String namespace = template.root.path("Parameters").path("MetricsNamespace").path("Default").asText();

    /** A metric as CloudWatch identifies it: namespace, name and the set of dimension names. */
    private record Metric(String namespace, String name, Set<String> dimensions) {
    }

    @Test
    void everyPlottedRecorderMetricIsOneTheCodeEmitsWithTheSameDimensions() throws IOException {
        Emitted emitted = emitted();
        JsonNode body = dashboardBody();
        List<Metric> plotted = new ArrayList<>();
        Map<String, Set<String>> plottedValues = new HashMap<>();
        for (JsonNode widget : body.path("widgets")) {
            for (JsonNode row : widget.path("properties").path("metrics")) {
                if (row.get(0).isObject()) {
                    String expression = row.get(0).path("expression").asText();
                    Matcher search = SEARCH.matcher(expression);
                    assertTrue(search.find(), "an expression the test understands: " + expression);
                    List<String> schema = List.of(search.group(1).split(","));
                    plotted.add(new Metric(schema.get(0).strip(), search.group(2),
                            new TreeSet<>(schema.subList(1, schema.size()).stream().map(String::strip).toList())));
                    continue;
                }
                Set<String> dimensions = new TreeSet<>();
                for (int i = 2; i + 1 < row.size() && row.get(i).isTextual(); i += 2) {
                    dimensions.add(row.get(i).asText());
                    plottedValues.computeIfAbsent(row.get(i).asText(), k -> new HashSet<>()).add(row.get(i + 1).asText());
                }
                plotted.add(new Metric(row.get(0).asText(), row.get(1).asText(), dimensions));
            }
        }
        List<Metric> ours = plotted.stream().filter(m -> m.namespace().equals(namespace)).toList();
        assertFalse(ours.isEmpty(), "the dashboard plots the recorder's own metrics");
        for (Metric metric : ours) {
            assertTrue(emitted.metrics.contains(metric), "plotted but never emitted: " + metric + "; emitted: "
                    + emitted.metrics);
        }
        assertEquals(emitted.metrics, new HashSet<>(ours), "every emitted metric has a panel");
        assertTrue(emitted.values.get("Function").containsAll(plottedValues.get("Function")),
                "plotted Function values " + plottedValues.get("Function") + " vs emitted " + emitted.values);
    }

    @Test
    void theQueueAndLambdaPanelsNameResourcesOfThisTemplate() throws IOException {
        JsonNode body = dashboardBody();
        Set<String> referenced = new HashSet<>();
        for (JsonNode widget : body.path("widgets")) {
            for (JsonNode row : widget.path("properties").path("metrics")) {
                String ns = row.get(0).asText();
                if (ns.equals("AWS/SQS") || ns.equals("AWS/Lambda")) {
                    referenced.add(row.get(1).asText() + " " + row.get(3).asText());
                    String resource = row.get(3).asText().split("\\.")[0];
                    assertTrue(template.root.path("Resources").has(resource), "names a resource: " + row);
                }
            }
        }
        assertTrue(referenced.containsAll(Set.of(
                "ApproximateAgeOfOldestMessage EventQueue.QueueName",
                "ApproximateNumberOfMessagesVisible EventDeadLetterQueue.QueueName",
                "Errors RecordEventsFunction", "Throttles RecordEventsFunction",
                "ConcurrentExecutions RecordEventsFunction")), referenced.toString());
    }

    @Test
    void theDefaultPartitionAlarmWatchesTheMetricTheMaintenanceFunctionWritesUnderItsDimension() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            new MetricsLog(namespace, MetricsLog.MAINTENANCE_FUNCTION, print, INFO).partitions(1, 2);
        }
        JsonNode emf = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        JsonNode alarm = template.root.path("Resources").path("DefaultPartitionAlarm").path("Properties");
        String metric = alarm.path("MetricName").asText();

        assertEquals("MetricsNamespace", alarm.path("Namespace").path("Ref").asText());
        assertEquals(namespace, emf.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText());
        assertEquals(2, emf.path(metric).asLong(), "the line carries " + metric + ": " + emf);
        assertEquals(1, alarm.path("Dimensions").size());
        JsonNode dimension = alarm.path("Dimensions").get(0);
        assertEquals(emf.path(dimension.path("Name").asText()).asText(), dimension.path("Value").asText());
        // A maintenance that stopped is MaintenanceRunFailedAlarm's; no data on a new stack is no alarm.
        assertEquals("notBreaching", alarm.path("TreatMissingData").asText());
    }

    private static JsonNode imageTemplate() {
        try {
            return Template.YAML.readTree(SamTranslation.IMAGE_TEMPLATE.toFile());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The body as CloudFormation would produce it: parameters by their defaults, resources by their logical ids. */
    private JsonNode dashboardBody() throws IOException {
        // Fn::Sub: [body, variables]: the variables name the function that exists of a conditional pair, the zip's by
        // default (RecorderPackageType Zip).
        JsonNode sub = template.root.path("Resources").path("OperationsDashboard").path("Properties")
                .path("DashboardBody").path("Fn::Sub");
        String body = sub.isArray() ? sub.get(0).asText() : sub.asText();
        assertFalse(body.isEmpty(), "the template has an OperationsDashboard with a Fn::Sub body");
        java.util.Map<String, String> variables = new java.util.HashMap<>();
        if (sub.isArray()) {
            sub.get(1).fields().forEachRemaining(v -> {
                JsonNode choice = v.getValue().path("Fn::If");
                assertEquals("RecorderAsImage", choice.get(0).asText(), v.getKey());
                variables.put(v.getKey(), choice.get(2).path("Ref").asText());
                // The image stack's function, by the name it takes from this stack's (build/image/template.yaml).
                assertEquals("${AWS::StackName}-record-events", choice.get(1).path("Fn::Sub").asText(), v.getKey());
                assertEquals("${RecorderStackName}-record-events", imageTemplate().path("Resources")
                        .path("RecordEventsFunction").path("Properties").path("FunctionName").path("Fn::Sub").asText());
            });
        }
        JsonNode parameters = template.root.path("Parameters");
        Matcher m = SUBSTITUTION.matcher(body);
        StringBuilder resolved = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = parameters.has(name) ? parameters.path(name).path("Default").asText()
                    : variables.containsKey(name) ? variables.get(name)
                    : name.equals("AWS::Region") ? "eu-west-2" : name;
            m.appendReplacement(resolved, Matcher.quoteReplacement(value));
        }
        m.appendTail(resolved);
        return JSON.readTree(resolved.toString());
    }

    private record Emitted(Set<Metric> metrics, Map<String, Set<String>> values) {
    }

    /**
     * What MetricsLog writes for batches with every outcome, from both queue handlers, and for a ledger run, read back
     * as EMF.
     */
    private Emitted emitted() throws IOException {
        List<MessageOutcome> outcomes = new ArrayList<>();
        outcomes.add(MessageOutcome.recorded("m-r", "e-r"));
        outcomes.add(MessageOutcome.duplicate("m-d", "e-d"));
        for (RejectionReason reason : RejectionReason.values()) {
            outcomes.add(MessageOutcome.failed("m-" + reason.name(), null, reason, "test"));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            for (String function : List.of(MetricsLog.EVENT_SOURCE_FUNCTION, MetricsLog.DRAIN_FUNCTION)) {
                new MetricsLog(namespace, function, print, INFO).batch(new BatchOutcome(outcomes), 12, 3, true);
            }
            new MetricsLog(namespace, MetricsLog.LEDGER_FUNCTION, print, INFO).ledger(1, 40, 12, 0, 3, 85);
        }
        Set<Metric> metrics = new HashSet<>();
        Map<String, Set<String>> values = new HashMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            JsonNode emf = JSON.readTree(line);
            for (JsonNode directive : emf.path("_aws").path("CloudWatchMetrics")) {
                for (JsonNode dimensionSet : directive.path("Dimensions")) {
                    Set<String> dimensions = new TreeSet<>();
                    dimensionSet.forEach(d -> {
                        dimensions.add(d.asText());
                        assertTrue(emf.has(d.asText()), "an EMF line carries its dimension " + d);
                        values.computeIfAbsent(d.asText(), k -> new HashSet<>()).add(emf.path(d.asText()).asText());
                    });
                    directive.path("Metrics").forEach(metric -> {
                        assertTrue(emf.has(metric.path("Name").asText()), "an EMF line carries its value " + metric);
                        metrics.add(new Metric(directive.path("Namespace").asText(), metric.path("Name").asText(),
                                dimensions));
                    });
                }
            }
        }
        return new Emitted(metrics, values);
    }
}
