package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import uk.gov.ida.eventrecorder.testing.Requirement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A SAM template as SAM's own translator (aws-sam-translator, the Python library {@code sam deploy} runs) turns it
 * into CloudFormation, with chosen parameter values: what the stack is really made of, which reading template.yaml
 * cannot show (Globals merged, schedule states, version logical ids, generated roles and permissions).
 */
final class SamTranslation {
    static final Path TEMPLATE = Path.of("template.yaml");
    /** The event-source function as a container image, a stack of its own beside the main one. */
    static final Path IMAGE_TEMPLATE = Path.of("build", "image", "template.yaml");
    private static final Path SCRIPT = Path.of("src/test/resources/uk/gov/ida/eventrecorder/deploy/sam-translate.py");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One translation asked for: a template and the parameter values given to it (the others take their defaults). */
    record Request(Path template, Map<String, String> parameters) {
        Request {
            parameters = Map.copyOf(parameters);
        }
    }

    private SamTranslation() {
    }

    /**
     * Each request translated, in one Python process for all of them (the translator's import costs a second). Where
     * python3 or the translator is missing the test is skipped, or fails under CI (Requirement).
     */
    static Map<Request, Translated> translate(List<Request> requests) {
        ArrayNode input = JSON.createArrayNode();
        for (Request request : requests) {
            ObjectNode one = input.addObject();
            one.set("template", read(request.template()));
            one.set("parameters", JSON.valueToTree(request.parameters()));
        }
        JsonNode output = run(input);
        Map<Request, Translated> translated = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            JsonNode result = output.get(i);
            if (result.has("error")) {
                throw new AssertionError("SAM's translator refuses " + requests.get(i) + ": " + result.get("error"));
            }
            translated.put(requests.get(i), new Translated(result.get("cloudformation"), withDefaults(
                    result.get("cloudformation"), requests.get(i).parameters())));
        }
        return translated;
    }

    /** The error SAM's translator gives for a request it refuses, or null when it translates it. */
    static String refusal(Request request) {
        ArrayNode input = JSON.createArrayNode();
        ObjectNode one = input.addObject();
        one.set("template", read(request.template()));
        one.set("parameters", JSON.valueToTree(request.parameters()));
        JsonNode result = run(input).get(0);
        return result.has("error") ? result.get("error").asText() : null;
    }

    private static JsonNode run(JsonNode input) {
        Process process;
        try {
            process = new ProcessBuilder("python3", SCRIPT.toString()).start();
        } catch (IOException e) {
            Requirement.require(false, "python3 on PATH, to run SAM's translator (" + e.getMessage() + ")");
            throw new AssertionError("unreachable");
        }
        // A thread each: the common pool may have one thread on a small machine, and a full pipe would then block.
        java.util.concurrent.Executor ownThread = task -> {
            Thread reader = new Thread(task, "sam-translate reader");
            reader.setDaemon(true);
            reader.start();
        };
        CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> readAll(process, true), ownThread);
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process, false), ownThread);
        IOException unwritten = null;
        try (var stdin = process.getOutputStream()) {
            stdin.write(JSON.writeValueAsBytes(input));
        } catch (IOException e) {
            unwritten = e; // it ended before reading (no translator): its standard error says why, below
        }
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("SAM's translator did not end in 120 s: " + errors.getNow(""));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        String stderr = errors.join();
        Requirement.require(!stderr.contains("No module named 'samtranslator'"),
                "aws-sam-translator in python3 (it comes with cfn-lint)");
        if (process.exitValue() != 0 || unwritten != null) {
            throw new AssertionError("SAM's translator failed (exit " + process.exitValue() + "): " + stderr,
                    unwritten);
        }
        try {
            return JSON.readTree(output.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readAll(Process process, boolean errors) {
        try {
            return new String((errors ? process.getErrorStream() : process.getInputStream()).readAllBytes(),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static JsonNode read(Path template) {
        try {
            return Template.YAML.readTree(template.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parameter values CloudFormation would use: the given ones over the template's defaults. */
    private static Map<String, String> withDefaults(JsonNode template, Map<String, String> given) {
        Map<String, String> values = new HashMap<>();
        template.path("Parameters").fields().forEachRemaining(p -> values.put(p.getKey(),
                p.getValue().path("Default").asText()));
        values.putAll(given);
        values.put("AWS::Partition", "aws-cn");
        values.put("AWS::Region", "cn-north-1");
        values.put("AWS::AccountId", "123456789012");
        values.put("AWS::StackName", "event-recorder");
        return values;
    }

    /** A translated template, with the parameter values it was translated with. */
    record Translated(JsonNode root, Map<String, String> parameters) {
        /** Logical id to resource, for the resources of one CloudFormation type that exist with these values. */
        Map<String, JsonNode> resources(String type) {
            Map<String, JsonNode> found = new LinkedHashMap<>();
            root.path("Resources").fields().forEachRemaining(e -> {
                if (e.getValue().path("Type").asText().equals(type) && exists(e.getValue())) {
                    found.put(e.getKey(), e.getValue());
                }
            });
            return found;
        }

        JsonNode resource(String logicalId) {
            JsonNode resource = root.path("Resources").path(logicalId);
            if (resource.isMissingNode()) {
                throw new AssertionError("no resource " + logicalId + " in the translated template");
            }
            return resource;
        }

        boolean exists(JsonNode resource) {
            return !resource.has("Condition") || condition(resource.get("Condition").asText());
        }

        boolean condition(String name) {
            JsonNode condition = root.path("Conditions").path(name);
            if (condition.isMissingNode()) {
                throw new AssertionError("no condition " + name);
            }
            return RuleFunctions.truth(condition, parameters, this::condition);
        }

        /**
         * A property's value with every Fn::If decided, AWS::NoValue dropped and each parameter's Ref replaced by its
         * value, as CloudFormation would see it.
         */
        JsonNode decided(JsonNode node) {
            if (node.isObject() && node.size() == 1 && parameters.containsKey(node.path("Ref").asText())) {
                return JSON.getNodeFactory().textNode(parameters.get(node.get("Ref").asText()));
            }
            if (node.isObject() && node.size() == 1 && node.path("Fn::Sub").isTextual()) {
                String substituted = substituted(node.get("Fn::Sub").asText());
                return substituted == null ? node : JSON.getNodeFactory().textNode(substituted);
            }
            if (node.isObject() && node.has("Fn::If") && node.size() == 1) {
                JsonNode choice = node.get("Fn::If");
                return decided(condition(choice.get(0).asText()) ? choice.get(1) : choice.get(2));
            }
            if (node.isObject() && node.has("Fn::FindInMap") && node.size() == 1) {
                JsonNode find = node.get("Fn::FindInMap");
                JsonNode value = root.path("Mappings").path(decided(find.get(0)).asText())
                        .path(decided(find.get(1)).asText()).path(decided(find.get(2)).asText());
                if (value.isMissingNode()) {
                    throw new AssertionError("the mappings hold no " + decided(find));
                }
                return value.isNumber() ? JSON.getNodeFactory().textNode(value.asText()) : value;
            }
            if (node.isObject()) {
                ObjectNode copy = JSON.createObjectNode();
                node.fields().forEachRemaining(e -> {
                    JsonNode value = decided(e.getValue());
                    if (!isNoValue(value)) {
                        copy.set(e.getKey(), value);
                    }
                });
                return copy;
            }
            if (node.isArray()) {
                ArrayNode copy = JSON.createArrayNode();
                node.forEach(item -> {
                    JsonNode value = decided(item);
                    if (!isNoValue(value)) {
                        copy.add(value);
                    }
                });
                return copy;
            }
            return node;
        }

        /** A Fn::Sub string with its parameters' values, or null when it names anything else (a resource). */
        private String substituted(String template) {
            java.util.regex.Matcher variable = java.util.regex.Pattern.compile("\\$\\{([^!}][^}]*)}").matcher(template);
            StringBuilder text = new StringBuilder();
            while (variable.find()) {
                String value = parameters.get(variable.group(1));
                if (value == null) {
                    return null;
                }
                variable.appendReplacement(text, java.util.regex.Matcher.quoteReplacement(value));
            }
            variable.appendTail(text);
            return text.toString().replace("${!", "${");
        }

        private static boolean isNoValue(JsonNode node) {
            return node.isObject() && node.path("Ref").asText().equals("AWS::NoValue");
        }

        /** Every string in the template, Fn::Sub bodies included: for checks of what a template spells. */
        List<String> strings() {
            List<String> strings = new ArrayList<>();
            collect(root, strings);
            return strings;
        }

        private static void collect(JsonNode node, List<String> strings) {
            if (node.isTextual()) {
                strings.add(node.asText());
            }
            node.forEach(child -> collect(child, strings));
        }
    }
}
