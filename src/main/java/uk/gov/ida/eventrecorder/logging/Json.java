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
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
