package uk.gov.ida.eventrecorder.cli;

import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.config.RecorderConfig;
import uk.gov.ida.eventrecorder.crypto.DataKeySource;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.crypto.KmsSecrets;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.lambda.AwsClients;
import uk.gov.ida.eventrecorder.pipeline.MessageVerdict;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;

/** What the commands build from the functions' configuration: clients on first use, the data keys, the parser. */
final class Operator implements AutoCloseable {
    private final RecorderConfig config;
    private final AwsClients clients;
    private KmsClient kms;
    private S3Client s3;
    private SqsClient sqs;
    private List<SecretKey> keys;

    private Operator(RecorderConfig config) {
        this.config = config;
        this.clients = new AwsClients(config.database().region());
    }

    static Operator fromEnvironment() {
        return new Operator(RecorderConfig.fromSystemEnvironment());
    }

    RecorderConfig config() {
        return config;
    }

    KmsClient kms() {
        if (kms == null) {
            kms = clients.kms();
        }
        return kms;
    }

    SqsClient sqs() {
        if (sqs == null) {
            sqs = clients.sqs();
        }
        return sqs;
    }

    List<SecretKey> keys() {
        if (keys == null) {
            keys = new DataKeySource(new KmsSecrets(kms()), () -> {
                if (s3 == null) {
                    s3 = clients.s3();
                }
                return s3;
            }).load(config.dataKey());
        }
        return keys;
    }

    EventDecryptor decryptor() {
        return new EventDecryptor(keys());
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
        if (kms != null) {
            kms.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (sqs != null) {
            sqs.close();
        }
    }
}
