package uk.gov.ida.eventrecorder.logging;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one JSON string writer of the log lines and the ledger's objects: what must be escaped is, as the checkpoint
 * format defines it byte for byte, and everything else passes through whole.
 */
class JsonTest {
    private static String string(String value) {
        StringBuilder out = new StringBuilder();
        Json.string(out, value);
        return out.toString();
    }

    @Test
    void quotesBackslashesAndControlCharactersAreEscapedAndTheRestPassesThroughWhole() {
        assertEquals("\"plain base64+/= text\"", string("plain base64+/= text"));
        assertEquals("\"\"", string(""));
        assertEquals("\"a\\\"b\\\\c\\nd\\re\\tf\"", string("a\"b\\c\nd\re\tf"));
        assertEquals("\"\\u0000\\u001f \\u2028\\u2029 caf\u00e9 \uD83D\uDE00\"",
                string("\u0000\u001f \u2028\u2029 caf\u00e9 \uD83D\uDE00"));
        assertEquals("\"\\\"\\\"\"", string("\"\""), "escapes next to each other");
        assertEquals("\"end\\\\\"", string("end\\"), "an escape last");
    }

    @Test
    void whatItWritesReadsBackAsTheSameString() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String value : List.of("x", "\"", "a\u0001b\u007fc\u2028d", "\\\\\n\n", "\uD83D\uDE00\t\u00e9")) {
            assertEquals(value, json.readValue(string(value), String.class));
        }
    }
}
