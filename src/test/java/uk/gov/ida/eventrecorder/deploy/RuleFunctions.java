package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * The few CloudFormation rule functions the template's Rules use (Fn::Not, Fn::And, Fn::Or, Fn::Equals, Fn::Contains,
 * Ref), evaluated as CloudFormation does, on parameter values as strings: enough to check what a rule decides.
 */
final class RuleFunctions {
    private RuleFunctions() {
    }

    static boolean truth(JsonNode expression, Map<String, String> parameters) {
        String function = expression.fieldNames().next();
        JsonNode arguments = expression.get(function);
        return switch (function) {
            case "Fn::Not" -> !truth(arguments.get(0), parameters);
            case "Fn::And" -> {
                boolean all = true;
                for (JsonNode argument : arguments) {
                    all &= truth(argument, parameters);
                }
                yield all;
            }
            case "Fn::Or" -> {
                boolean any = false;
                for (JsonNode argument : arguments) {
                    any |= truth(argument, parameters);
                }
                yield any;
            }
            case "Fn::Equals" -> value(arguments.get(0), parameters).equals(value(arguments.get(1), parameters));
            case "Fn::Contains" -> {
                String wanted = value(arguments.get(1), parameters);
                boolean found = false;
                for (JsonNode item : arguments.get(0)) {
                    found |= item.asText().equals(wanted);
                }
                yield found;
            }
            default -> throw new IllegalArgumentException("rule function not evaluated here: " + function);
        };
    }

    private static String value(JsonNode node, Map<String, String> parameters) {
        if (node.isObject() && node.has("Ref")) {
            String value = parameters.get(node.get("Ref").asText());
            if (value == null) {
                throw new IllegalArgumentException("no value for parameter " + node.get("Ref").asText());
            }
            return value;
        }
        return node.asText();
    }
}
