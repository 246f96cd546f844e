package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.crypto.KmsSecrets;
import uk.gov.ida.eventrecorder.crypto.SecretPurpose;
import uk.gov.ida.eventrecorder.crypto.SecretUnavailableException;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.EventSourceMapping;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;
import uk.gov.ida.eventrecorder.wiring.AwsClients;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code KMS_ENCRYPTION_CONTEXT=true}: each ciphertext is decrypted with the encryption context naming what it is
 * for, so a ciphertext is only good for its own purpose, and a grant limited to one purpose
 * ({@code kms:EncryptionContext:event-recorder:purpose}, the template's policies) cannot open another's secret.
 * Against the KMS double, which binds the context into AES-GCM as KMS does.
 */
class SecretPurposeTest {
    private final RecorderFixture fixture = new RecorderFixture();
    private SqsClient sqs;
    private KmsClient kms;

    /** The fixture's environment, logging in with ENCRYPTED_DATABASE_PASSWORD rather than a password in the string. */
    private Map<String, String> environment() {
        Map<String, String> env = fixture.environment();
        env.put("DB_CONNECTION_STRING", env.get("DB_CONNECTION_STRING").replaceAll(" password=\\S+", ""));
        return env;
    }

    /** Contexts on: the data key bound to its purpose, and a password encrypted for {@code passwordPurpose}. */
    private Map<String, String> boundEnvironment(SecretPurpose passwordPurpose) {
        Map<String, String> env = environment();
        env.put("KMS_ENCRYPTION_CONTEXT", "true");
        env.put("ENCRYPTION_KEY", encrypt(fixture.dataKey, SecretPurpose.DATA_KEY));
        env.put("ENCRYPTED_DATABASE_PASSWORD", encrypt("pw".getBytes(StandardCharsets.UTF_8), passwordPurpose));
        return env;
    }

    @BeforeEach
    void setUp() {
        fixture.database.truncateAll();
        sqs = fixture.servers.sqsClient();
        kms = new AwsClients(new uk.gov.ida.eventrecorder.config.AwsSettings(java.util.Optional.of("eu-west-2"), false)).kms();
    }

    @AfterEach
    void tearDown() {
        sqs.close();
        kms.close();
    }

    private String encrypt(byte[] plaintext, SecretPurpose purpose) {
        return fixture.servers.kms().encryptToBase64(plaintext, Map.of(SecretPurpose.CONTEXT_KEY, purpose.value()));
    }

    @Test
    void withContextsOnEachSecretDecryptsForItsOwnPurposeOnly() {
        byte[] ownerPassword = "owner-secret".getBytes(StandardCharsets.UTF_8);
        String owner = encrypt(ownerPassword, SecretPurpose.OWNER_DATABASE_PASSWORD);
        KmsSecrets bound = new KmsSecrets(kms, true);

        assertArrayEquals(ownerPassword, bound.decrypt(owner, "MaintenanceEncryptedDatabasePassword",
                SecretPurpose.OWNER_DATABASE_PASSWORD));
        SecretUnavailableException asTheFunctionsPassword = assertThrows(SecretUnavailableException.class,
                () -> bound.decrypt(owner, "ENCRYPTED_DATABASE_PASSWORD", SecretPurpose.DATABASE_PASSWORD));
        assertTrue(asTheFunctionsPassword.getMessage().contains("InvalidCiphertextException")
                && asTheFunctionsPassword.getMessage().contains("event-recorder:purpose=database-password"),
                asTheFunctionsPassword.getMessage());
        assertThrows(SecretUnavailableException.class,
                () -> bound.decrypt(owner, "ENCRYPTION_KEY", SecretPurpose.DATA_KEY));
        assertThrows(SecretUnavailableException.class, () -> new KmsSecrets(kms, false).decrypt(owner,
                "MaintenanceEncryptedDatabasePassword", SecretPurpose.OWNER_DATABASE_PASSWORD),
                "a context-bound ciphertext needs its context");
    }

    @Test
    void theQueueHandlerRecordsWithADataKeyAndPasswordBoundToTheirPurposes() {
        // The test server trusts every login, so the password is only decrypted, as a deployed one would be.
        Map<String, String> env = boundEnvironment(SecretPurpose.DATABASE_PASSWORD);

        assertEquals(List.of(), recordOne(env).getBatchItemFailures());
        assertEquals(1, fixture.tables.count("audit.audit_events"));
    }

    @Test
    void ciphertextsMadeWithoutAContextKeepWorkingWhileContextsAreOff() {
        Map<String, String> env = environment(); // ENCRYPTION_KEY made without a context
        env.put("ENCRYPTED_DATABASE_PASSWORD", fixture.servers.kms().encryptToBase64(
                "pw".getBytes(StandardCharsets.UTF_8)));

        assertEquals(List.of(), recordOne(env).getBatchItemFailures());
    }

    @Test
    void aPasswordThatCannotBeDecryptedFailsTheBatchAsADatabaseFailureBackedOffNotTheHandler() {
        // The owner's password deployed by mistake to a recording function: its grant (here, its context) refuses.
        Map<String, String> env = boundEnvironment(SecretPurpose.OWNER_DATABASE_PASSWORD);
        TestQueue queue = TestQueue.standard(sqs, 5, 30);
        queue.send(fixture.encrypt(EventBuilder.billing()));
        try (SqsEventHandler handler = new SqsEventHandler(env)) {
            SQSBatchResponse response = new EventSourceMapping(sqs, queue, handler).pollOnce();

            assertEquals(1, response.getBatchItemFailures().size(), "failed, not thrown");
            assertTrue(handler.container().databaseCircuitOpen(), "KMS is not asked again for every batch");
        }
        assertEquals(0, fixture.tables.count("audit.audit_events"));
        assertEquals(1, queue.inFlight(), "backed off (1 s in the fixture), not the queue's 30 s");
    }

    private SQSBatchResponse recordOne(Map<String, String> env) {
        TestQueue queue = TestQueue.standard(sqs);
        queue.send(fixture.encrypt(EventBuilder.fraud()));
        try (SqsEventHandler handler = new SqsEventHandler(env)) {
            return new EventSourceMapping(sqs, queue, handler).pollOnce();
        }
    }
}
