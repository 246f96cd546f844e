package uk.gov.ida.eventrecorder.deploy;

import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** template.yaml, read as data. */
final class Template {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    final JsonNode root;

    Template() {
        try {
            root = YAML.readTree(Path.of("template.yaml").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Logical id to resource, for the functions. */
    Map<String, JsonNode> functions() {
        Map<String, JsonNode> functions = new LinkedHashMap<>();
        root.get("Resources").fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("AWS::Serverless::Function")) {
                functions.put(e.getKey(), e.getValue());
            }
        });
        return functions;
    }

    /** The handler's class name, as Lambda reads it from "class::method". */
    static String handlerClass(JsonNode function) {
        return handler(function).split("::")[0];
    }

    /** "class::method": the function's Handler, or for an image its CMD (build/image/Dockerfile). */
    static String handler(JsonNode function) {
        if (isImage(function)) {
            return imageCommand();
        }
        return function.path("Properties").path("Handler").asText();
    }

    static boolean isImage(JsonNode function) {
        return "Image".equals(function.path("Properties").path("PackageType").asText());
    }

    /** The Dockerfile's CMD, which the runtime client takes as the handler. */
    static String imageCommand() {
        try {
            Matcher cmd = Pattern.compile("(?m)^CMD \\[\"([^\"]+)\"]").matcher(Files.readString(DOCKERFILE));
            if (!cmd.find()) {
                throw new AssertionError(DOCKERFILE + " has no CMD [\"handler\"]");
            }
            return cmd.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final Path DOCKERFILE = Path.of("build", "image", "Dockerfile");
}
