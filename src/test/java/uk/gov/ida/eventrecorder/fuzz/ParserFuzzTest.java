package uk.gov.ida.eventrecorder.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import uk.gov.ida.eventrecorder.config.ConfigurationException;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.event.InvalidMessageException;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.pipeline.MessageVerdict;
import uk.gov.ida.eventrecorder.replay.ArchiveReplayer;
import uk.gov.ida.eventrecorder.testing.EventEncrypter;
import uk.gov.ida.eventrecorder.upload.FraudCsv;
import uk.gov.ida.eventrecorder.upload.UploadTags;

import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of every parser an outsider's bytes reach (Jazzer). {@code ./build/run-tests.sh}
 * replays the inputs saved under {@code src/test/resources/uk/gov/ida/eventrecorder/fuzz/ParserFuzzTestInputs/};
 * {@code build/fuzz.sh} fuzzes each target and saves what it finds there. Each target asserts that the result is
 * one of the documented outcomes, that no other exception escapes, and that no input takes a second.
 */
class ParserFuzzTest {
    private static final byte[] KEY = new byte[32];
    private static final EventDecryptor DECRYPTOR = new EventDecryptor(new SecretKeySpec(KEY, "AES"));
    private static final EventEncrypter ENCRYPTER = new EventEncrypter(KEY);
    private static final EventParser PARSER = new EventParser();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PASSWORD = Pattern.compile("password\\s*=\\s*'?([^' ]{8,})|://[^:/@]*:([^@/]{8,})@");
    /** Every rejection a message can get before the database (docs/design.md, "What happens to each message"). */
    private static final Set<RejectionReason> MESSAGE_REASONS = EnumSet.of(RejectionReason.BASE64,
            RejectionReason.LENGTH, RejectionReason.PADDING_OR_KEY, RejectionReason.JSON, RejectionReason.MISSING_FIELD,
            RejectionReason.TYPE, RejectionReason.DUPLICATE_KEY, RejectionReason.TOO_LONG,
            RejectionReason.TIMESTAMP_RANGE, RejectionReason.INCOMPLETE_BILLING, RejectionReason.INCOMPLETE_FRAUD);

    @FuzzTest(maxDuration = "60s")
    void anSqsBodyGetsADocumentedVerdict(byte[] data) {
        withinASecond(() -> assertVerdict(MessageVerdict.of(DECRYPTOR, PARSER,
                new String(data, StandardCharsets.ISO_8859_1))));
    }

    /** The fuzzer's bytes encrypted under the test key, so they reach the JSON parser and the event rules. */
    @FuzzTest(maxDuration = "60s")
    void anEncryptedEventGetsADocumentedVerdict(byte[] data) {
        String body = ENCRYPTER.encrypt(new String(data, StandardCharsets.UTF_8));
        withinASecond(() -> assertVerdict(MessageVerdict.of(DECRYPTOR, PARSER, body)));
    }

    @FuzzTest(maxDuration = "60s")
    void eventJsonBecomesRowsThePostgresqlCanStoreOrARejection(String json) {
        withinASecond(() -> {
            AuditEvent event;
            try {
                event = PARSER.parse(json);
            } catch (InvalidMessageException e) {
                assertTrue(MESSAGE_REASONS.contains(e.reason()), e.reason() + ": " + e.getMessage());
                return;
            }
            assertStorable(event.eventId());
            assertStorable(event.detailsJson());
            assertTrue(event.eventId().getBytes(StandardCharsets.UTF_8).length <= EventParser.MAX_KEY_BYTES);
            try {
                assertTrue(JSON.readTree(event.detailsJson()).isObject(), "details are a JSON object");
            } catch (Exception e) {
                throw new AssertionError("details are not JSON: " + e.getMessage());
            }
        });
    }

    @FuzzTest(maxDuration = "60s")
    void aReplayLineBecomesAnEventOrARejection(String line) {
        withinASecond(() -> {
            try {
                assertNotNull(ArchiveReplayer.parseLine(PARSER, line).eventId());
            } catch (InvalidMessageException e) {
                assertTrue(MESSAGE_REASONS.contains(e.reason()), e.reason() + ": " + e.getMessage());
            }
        });
    }

    @FuzzTest(maxDuration = "60s")
    void aFraudUploadIsValidatedRowByRow(byte[] data) {
        // The first bytes choose the tags an uploader may set; the rest is the file.
        int split = data.length == 0 ? 0 : Math.min(data.length, 1 + (data[0] & 0x0f));
        String tagText = new String(Arrays.copyOfRange(data, 0, split), StandardCharsets.ISO_8859_1);
        byte[] file = Arrays.copyOfRange(data, split, data.length);
        UploadTags tags = UploadTags.from(Map.of("idp", "https://idp.example", "username", "fuzzer",
                "dialect", tagText.contains("t") ? "excel-tab" : "excel",
                "has_header", tagText.contains("n") ? "no" : "yes",
                "timezone", tagText.contains("z") ? "America/New_York" : "Europe/London"));
        withinASecond(() -> {
            FraudCsv.Result result = new FraudCsv().read(file, tags);
            assertNotNull(result.rows());
            result.failures().forEach(f -> {
                assertTrue(f.row() >= 0 && f.field() != null && !f.message().isEmpty(), f.toString());
            });
            if (result.failures().isEmpty()) {
                result.rows().forEach(row -> assertNotNull(row.toString()));
            }
        });
    }

    @FuzzTest(maxDuration = "60s")
    void aConnectionStringParsesOrNamesTheVariableWithoutEchoingIt(String text) {
        withinASecond(() -> {
            try {
                DatabaseSettings settings = DatabaseSettings.parse(text);
                settings.password().ifPresent(p -> {
                    assertTrue(settings.toString().contains("password=****"), "the password is masked");
                    // (A password of stars, e.g. "*", is inside the mask itself: found by the fuzzer.)
                    if (p.length() >= 4 && !p.chars().allMatch(ch -> ch == '*')) {
                        assertFalse(settings.toString().contains(p), "toString never shows the password");
                    }
                });
            } catch (ConfigurationException e) {
                assertTrue(e.getMessage().startsWith("DB_CONNECTION_STRING "), e.getMessage());
                // No password in the message, given as keyword=value or in a URI's user info. (The whole value
                // may legitimately match words of the message, e.g. "postgresql://": found by the fuzzer.)
                Matcher password = PASSWORD.matcher(text == null ? "" : text);
                while (password.find()) {
                    String secret = password.group(1) != null ? password.group(1) : password.group(2);
                    assertFalse(e.getMessage().contains(secret), "the password is not echoed: " + e.getMessage());
                }
            }
        });
    }

    private static void assertVerdict(MessageVerdict verdict) {
        if (!verdict.wouldRecord()) {
            assertTrue(MESSAGE_REASONS.contains(verdict.reason()), verdict.reason() + ": " + verdict.detail());
            assertFalse(verdict.detail().isEmpty(), "a rejection says why");
        }
    }

    private static void assertStorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            assertTrue(c != '\0', "no NUL reaches the database");
            if (Character.isHighSurrogate(c)) {
                assertTrue(i + 1 < text.length() && Character.isLowSurrogate(text.charAt(++i)), "no lone surrogate");
            } else {
                assertFalse(Character.isLowSurrogate(c), "no lone surrogate");
            }
        }
    }

    private static void withinASecond(Runnable target) {
        long started = System.nanoTime();
        target.run();
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis < 1_000, "an input took " + millis + " ms");
    }
}
