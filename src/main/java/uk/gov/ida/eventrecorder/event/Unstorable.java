package uk.gov.ida.eventrecorder.event;

/**
 * The characters PostgreSQL text and jsonb cannot store: U+0000, and a lone UTF-16 surrogate (half of a pair,
 * as JavaScript and Java serializers emit when they cut a string between the halves), which has no UTF-8 form.
 * The one rule for them (docs/design.md, "What happens to each message"): in a key field the event is refused; inside
 * {@code details} each is stored as its six visible escape characters, {@code \u0000} or {@code \ud800}.
 */
final class Unstorable {
    private Unstorable() {
    }

    /** The index of the first unstorable character, or -1. */
    static int firstIn(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (unstorableAt(value, i)) {
                return i;
            }
            if (Character.isHighSurrogate(value.charAt(i))) {
                i++; // a whole pair
            }
        }
        return -1;
    }

    /** The value with each unstorable character written as its visible escape; the same string if there is none. */
    static String visible(String value) {
        int first = firstIn(value);
        if (first < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 8).append(value, 0, first);
        for (int i = first; i < value.length(); i++) {
            char c = value.charAt(i);
            if (unstorableAt(value, i)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
                if (Character.isHighSurrogate(c)) {
                    out.append(value.charAt(++i));
                }
            }
        }
        return out.toString();
    }

    static String describe(String value, int index) {
        char c = value.charAt(index);
        return c == '\0' ? "a NUL character" : String.format("a lone UTF-16 surrogate (\\u%04x)", (int) c);
    }

    private static boolean unstorableAt(String value, int i) {
        char c = value.charAt(i);
        if (c == '\0') {
            return true;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1));
        }
        return Character.isLowSurrogate(c); // a low half with no high half before it (pairs are skipped whole)
    }
}
