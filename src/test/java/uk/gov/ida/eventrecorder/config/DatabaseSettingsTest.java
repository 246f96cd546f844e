package uk.gov.ida.eventrecorder.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Regression tests for findings of ParserFuzzTest's connection-string target. */
class DatabaseSettingsTest {
    @Test
    void anUnterminatedQuoteAfterSomethingThatIsNoKeywordDoesNotEchoIt() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> DatabaseSettings.parse("host=db user=u s3cr3t-Passw0rd:x='unterminated"));

        assertEquals("DB_CONNECTION_STRING is malformed: unterminated quote", e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t"));
    }

    @Test
    void aUriPastedTwiceIsRefusedRatherThanPrintingItsPasswordAsTheDatabaseName() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> DatabaseSettings.parse(
                "postgres://u:s3cr3t-pw@db/postgres://u:s3cr3t-pw@db/events"));

        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
        assertEquals("events", DatabaseSettings.parse("postgresql://u:s3cr3t-pw@db:5432/events").database());
    }

    @Test
    void anUnterminatedQuoteAfterAKeywordNamesTheKeyword() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> DatabaseSettings.parse("host=db user=u password='unterminated"));

        assertEquals("DB_CONNECTION_STRING is malformed: unterminated quote after 'password'", e.getMessage());
    }
}
