package uk.gov.ida.eventrecorder.deploy;

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
        return function.path("Properties").path("Handler").asText().split("::")[0];
    }
}
