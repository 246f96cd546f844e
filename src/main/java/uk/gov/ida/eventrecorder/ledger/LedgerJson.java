package uk.gov.ida.eventrecorder.ledger;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import uk.gov.ida.eventrecorder.logging.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The ledger's JSON objects, both ways. Written by hand, field by field in a fixed order, compact, strings escaped
 * as the log lines escape them, with one newline after, so that their bytes are defined by this code rather than by
 * a library's choices (a retried PUT is recognised by byte equality). Read strictly: exactly the named fields, each
 * of its type, no duplicate keys, nothing after the object.
 */
final class LedgerJson {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    private LedgerJson() {
    }

    /** Builds one object: {@code {"name":value,...}} and a newline. */
    static final class Writer {
        private final StringBuilder out = new StringBuilder("{");

        Writer string(String name, String value) {
            name(name);
            Json.string(out, value);
            return this;
        }

        Writer number(String name, long value) {
            name(name);
            out.append(value);
            return this;
        }

        Writer strings(String name, List<String> values) {
            name(name);
            out.append('[');
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                Json.string(out, values.get(i));
            }
            out.append(']');
            return this;
        }

        /**
         * As {@link #strings} of the values in base64, written straight in: base64's alphabet ({@code A-Za-z0-9+/=})
         * has nothing JSON escapes, so the bytes are the same without the escaper's scan of every character (a
         * checkpoint's entries are most of its object).
         */
        Writer base64s(String name, List<byte[]> values) {
            name(name);
            out.append('[');
            java.util.Base64.Encoder encoder = java.util.Base64.getEncoder();
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append('"').append(encoder.encodeToString(values.get(i))).append('"');
            }
            out.append(']');
            return this;
        }

        byte[] finish() {
            return out.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
        }

        private void name(String name) {
            if (out.length() > 1) {
                out.append(',');
            }
            Json.string(out, name);
            out.append(':');
        }
    }

    /** One parsed object, whose fields are taken one by one and must all be taken. */
    static final class Reader {
        private final String what;
        private final ObjectNode object;
        private final List<String> names;

        Reader(byte[] bytes, String what, List<String> names) {
            this.what = what;
            this.names = names;
            JsonNode node;
            try {
                node = JSON.readTree(bytes);
            } catch (IOException e) {
                // The parser's message may quote the input: name the rule instead.
                throw new LedgerFormatException("the " + what + " is not one well-formed JSON object (duplicate "
                        + "keys and trailing data are refused)");
            }
            if (node == null || !node.isObject()) {
                throw new LedgerFormatException("the " + what + " is not a JSON object");
            }
            object = (ObjectNode) node;
            for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!names.contains(name)) {
                    throw new LedgerFormatException("the " + what + " has a field its format does not define");
                }
            }
            for (String name : names) {
                if (!object.has(name)) {
                    throw new LedgerFormatException("the " + what + " has no \"" + name + "\"");
                }
            }
        }

        String string(String name) {
            JsonNode node = field(name);
            if (!node.isTextual()) {
                throw new LedgerFormatException(where(name) + " is not a string");
            }
            return node.textValue();
        }

        String constant(String name, String expected) {
            String value = string(name);
            if (!expected.equals(value)) {
                throw new LedgerFormatException(where(name) + " is not \"" + expected + "\"");
            }
            return value;
        }

        long number(String name) {
            JsonNode node = field(name);
            if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0) {
                throw new LedgerFormatException(where(name) + " is not a whole number from 0");
            }
            return node.longValue();
        }

        List<String> strings(String name) {
            JsonNode node = field(name);
            if (!node.isArray()) {
                throw new LedgerFormatException(where(name) + " is not an array");
            }
            List<String> values = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                if (!node.get(i).isTextual()) {
                    throw new LedgerFormatException(where(name) + "[" + i + "] is not a string");
                }
                values.add(node.get(i).textValue());
            }
            return values;
        }

        byte[] hash(String name) {
            return hex(string(name), where(name));
        }

        List<byte[]> hashes(String name) {
            List<String> values = strings(name);
            List<byte[]> hashes = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                hashes.add(hex(values.get(i), where(name) + "[" + i + "]"));
            }
            return hashes;
        }

        byte[] base64(String name) {
            return LedgerJson.base64(string(name), where(name));
        }

        List<byte[]> base64s(String name) {
            List<String> values = strings(name);
            List<byte[]> decoded = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                decoded.add(LedgerJson.base64(values.get(i), where(name) + "[" + i + "]"));
            }
            return decoded;
        }

        Checkpoint checkpoint(String name) {
            return Checkpoint.parse(string(name));
        }

        private JsonNode field(String name) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException(name + " is not one of the " + what + "'s fields");
            }
            return object.get(name);
        }

        private String where(String name) {
            return "the " + what + "'s \"" + name + "\"";
        }
    }

    static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(LedgerJson::hex).toList();
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static List<String> base64(List<byte[]> values) {
        return values.stream().map(LedgerJson::base64).toList();
    }

    private static byte[] hex(String value, String where) {
        if (!HEX.matcher(value).matches()) {
            throw new LedgerFormatException(where + " is not 64 lower-case hex digits");
        }
        return HexFormat.of().parseHex(value);
    }

    /** Standard base64 with padding, in the one spelling that encodes to itself. */
    private static byte[] base64(String value, String where) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new LedgerFormatException(where + " is not base64");
        }
        if (!Base64.getEncoder().encodeToString(bytes).equals(value)) {
            throw new LedgerFormatException(where + " is not base64 in its canonical, padded form");
        }
        return bytes;
    }
}
