package uk.gov.ida.eventrecorder.config;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecorderConfigTest {

    @Test
    void readsTheLibpqKeywordFormWithQuotedValues() {
        DatabaseSettings s = DatabaseSettings.parse("host=db.example port=6543 dbname=events user=recorder "
                + "password='a \\'quoted\\' pass word' sslmode=verify-full");
        assertEquals("db.example", s.host());
        assertEquals(6543, s.port());
        assertEquals("events", s.database());
        assertEquals("recorder", s.user());
        assertEquals(Optional.of("a 'quoted' pass word"), s.password());
        assertEquals(Optional.of("verify-full"), s.sslMode());
    }

    @Test
    void readsAPostgresqlUri() {
        DatabaseSettings s = DatabaseSettings.parse("postgresql://rec%40order:p%3Ass@db.example:5433/events?sslmode=require");
        assertEquals("rec@order", s.user());
        assertEquals(Optional.of("p:ss"), s.password());
        assertEquals(5433, s.port());
        assertEquals("events", s.database());
        assertEquals(Optional.of("require"), s.sslMode());
        assertEquals("jdbc:postgresql://db.example:5433/events", s.jdbcUrl());
    }

    @Test
    void neverShowsThePasswordInTextOrErrors() {
        DatabaseSettings s = DatabaseSettings.parse("host=h dbname=d user=u password=hunter2");
        assertFalse(s.toString().contains("hunter2"));
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> DatabaseSettings.parse("host=h dbname=d password=hunter2"));
        assertEquals("DB_CONNECTION_STRING lacks 'user'", e.getMessage());
        ConfigurationException malformed = assertThrows(ConfigurationException.class,
                () -> DatabaseSettings.parse("host=h dbname=d user=u password='hunter2 x=y"));
        assertFalse(malformed.getMessage().contains("hunter2"), malformed.getMessage());
    }

    @Test
    void namesTheVariableThatIsMissingOrMalformed() {
        assertVariable("DB_CONNECTION_STRING", Map.of("ENCRYPTION_KEY", "x"));
        assertVariable("ENCRYPTION_KEY", Map.of("DB_CONNECTION_STRING", "host=h dbname=d user=u"));
        assertVariable("DECRYPTION_KEY_FILE_NAME", Map.of("DB_CONNECTION_STRING", "host=h dbname=d user=u",
                "DECRYPTION_KEY_BUCKET_NAME", "b"));
        assertVariable("DB_CONNECT_TIMEOUT_MS", Map.of("DB_CONNECTION_STRING", "host=h dbname=d user=u",
                "ENCRYPTION_KEY", "x", "DB_CONNECT_TIMEOUT_MS", "soon"));
        assertVariable("LOG_DECRYPTED_EVENTS", Map.of("DB_CONNECTION_STRING", "host=h dbname=d user=u",
                "ENCRYPTION_KEY", "x", "LOG_DECRYPTED_EVENTS", "maybe"));
        assertVariable("ENCRYPTED_DATABASE_PASSWORD", Map.of("DB_CONNECTION_STRING",
                "host=h dbname=d user=u password=p", "ENCRYPTION_KEY", "x", "ENCRYPTED_DATABASE_PASSWORD", "y"));
        assertVariable("DB_CONNECTION_STRING", Map.of("DB_CONNECTION_STRING", "host=h dbname=d user=u colour=blue",
                "ENCRYPTION_KEY", "x"));
    }

    @Test
    void choosesTheKeySourceAndTheLoginFromWhatIsSet() {
        Map<String, String> env = new HashMap<>(Map.of("DB_CONNECTION_STRING", "host=h dbname=d user=u",
                "DECRYPTION_KEY_BUCKET_NAME", "keys", "DECRYPTION_KEY_FILE_NAME", "event-key"));
        RecorderConfig config = RecorderConfig.fromEnvironment(env);
        assertInstanceOf(KeyLocation.InS3Object.class, config.dataKey());
        assertTrue(config.database().usesIamAuthentication());
        assertFalse(config.logDecryptedEvents());
        assertTrue(config.queueUrl().isEmpty());
    }

    private static void assertVariable(String expected, Map<String, String> env) {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> RecorderConfig.fromEnvironment(env));
        assertEquals(expected, e.variable(), e.getMessage());
    }
}
