package uk.gov.ida.eventrecorder.logging;

/** The little JSON the log lines need, without loading a JSON library at cold start. */
public final class Json {
    private Json() {
    }

    /**
     * A value that is already JSON, written into a log line as it is (not as a string): the decrypted event in the
     * opt-in SIEM line. Only for text a JSON parser has accepted.
     */
    public record Raw(String json) {
        @Override
        public String toString() {
            return json;
        }
    }

    /** Appends {@code value} as a JSON string. */
    public static void string(StringBuilder out, String value) {
        out.append('"');
        // Runs of characters that need no escape are appended whole: most strings (a checkpoint's base64 entries,
        // most log values) are one such run.
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String escaped = switch (c) {
                case '"' -> "\\\"";
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> c < 0x20 || c == '\u2028' || c == '\u2029' ? String.format("\\u%04x", (int) c) : null;
            };
            if (escaped != null) {
                out.append(value, start, i).append(escaped);
                start = i + 1;
            }
        }
        out.append(value, start, value.length()).append('"');
    }
}
