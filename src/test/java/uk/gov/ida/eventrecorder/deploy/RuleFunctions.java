package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The few CloudFormation rule and condition functions the template uses (Fn::Not, Fn::And, Fn::Or, Fn::Equals,
 * Fn::Contains, Fn::EachMemberEquals, Fn::Join, Ref, Condition), evaluated as CloudFormation does, on parameter values
 * as strings (a list parameter's as its comma-separated text): enough to check what a rule or a condition decides.
 */
final class RuleFunctions {
    private RuleFunctions() {
    }

    static boolean truth(JsonNode expression, Map<String, String> parameters) {
        return truth(expression, parameters, name -> {
            throw new IllegalArgumentException("a rule names no condition: " + name);
        });
    }

    /** A condition's truth; {@code conditions} decides the other conditions it names. */
    static boolean truth(JsonNode expression, Map<String, String> parameters, Predicate<String> conditions) {
        String function = expression.fieldNames().next();
        JsonNode arguments = expression.get(function);
        return switch (function) {
            case "Condition" -> conditions.test(arguments.asText());
            case "Fn::Not" -> !truth(arguments.get(0), parameters, conditions);
            case "Fn::And" -> {
                boolean all = true;
                for (JsonNode argument : arguments) {
                    all &= truth(argument, parameters, conditions);
                }
                yield all;
            }
            case "Fn::Or" -> {
                boolean any = false;
                for (JsonNode argument : arguments) {
                    any |= truth(argument, parameters, conditions);
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
            // A list parameter left empty ("") is the list of one empty string.
            case "Fn::EachMemberEquals" -> {
                String wanted = value(arguments.get(1), parameters);
                yield List.of(value(arguments.get(0), parameters).split(",", -1)).stream().allMatch(wanted::equals);
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
        if (node.isObject() && node.has("Fn::Join")) {
            String delimiter = node.get("Fn::Join").get(0).asText();
            JsonNode items = node.get("Fn::Join").get(1);
            if (items.isObject()) {
                return value(items, parameters).replace(",", delimiter);
            }
            List<String> values = new java.util.ArrayList<>();
            items.forEach(item -> values.add(value(item, parameters)));
            return String.join(delimiter, values);
        }
        return node.asText();
    }
}
