package uk.gov.ida.eventrecorder.cli;

import com.zaxxer.hikari.HikariDataSource;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.config.RecorderConfig;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.pipeline.MessageVerdict;
import uk.gov.ida.eventrecorder.wiring.Dependencies;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the commands build from the functions' configuration, through the same wiring as the functions
 * ({@link Dependencies}): clients on first use, the data keys, the parser.
 */
final class Operator implements AutoCloseable {
    private final RecorderConfig config;
    private final Dependencies dependencies;

    private Operator(RecorderConfig config) {
        this.config = config;
        // A command is one attempt: no circuit needs to stay open after it.
        this.dependencies = new Dependencies(config.database(), Optional.of(config.dataKey()), Duration.ZERO,
                "event-recorder-operator", 3);
    }

    static Operator fromEnvironment() {
        return new Operator(RecorderConfig.fromSystemEnvironment());
    }

    static Operator fromEnvironment(Map<String, String> environment) {
        return new Operator(RecorderConfig.fromEnvironment(environment));
    }

    RecorderConfig config() {
        return config;
    }

    KmsClient kms() {
        return dependencies.kms();
    }

    SqsClient sqs() {
        return dependencies.sqs();
    }

    /** The pool: three connections, since the schema check's Flyway takes two of its own while one is held. */
    HikariDataSource dataSource() {
        return dependencies.dataSource();
    }

    List<SecretKey> keys() {
        return dependencies.dataKeys().decryptor().keys();
    }

    EventDecryptor decryptor() {
        return dependencies.dataKeys().decryptor();
    }

    EventParser parser() {
        return new EventParser();
    }

    /**
     * The key check value: the first three bytes of AES(key, zero block), in hex. It tells two keys apart (or
     * matches a key against the producer's) without revealing anything usable about the key.
     */
    static String checkValue(SecretKey key) {
        try {
            Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key);
            byte[] block = cipher.doFinal(new byte[16]);
            return HexFormat.of().withUpperCase().formatHex(block, 0, 3);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES/ECB", e);
        }
    }

    static String describe(MessageVerdict verdict) {
        StringBuilder line = new StringBuilder();
        if (verdict.eventId() != null) {
            line.append("event_id=").append(verdict.eventId()).append(" event_type=").append(verdict.eventType())
                    .append(" data_key=").append(verdict.dataKey()).append(' ');
        }
        return line.append("verdict: ").append(verdict.describe()).toString();
    }

    @Override
    public void close() {
        dependencies.close();
    }
}
