package uk.gov.ida.eventrecorder.crypto;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import uk.gov.ida.eventrecorder.config.KeyLocation;
import uk.gov.ida.eventrecorder.testing.TestServers;

import javax.crypto.SecretKey;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key-source and password paths against every KMS implementation on this machine: the project's own double, and,
 * where {@code moto_server} is on the PATH, moto's KMS, which nobody here wrote. What passes against both is the
 * contract the recorder relies on: Decrypt of what Encrypt made, the key raw or as base64 text, the encryption
 * context bound to the ciphertext, a tampered ciphertext refused.
 */
class KmsContractTest {
    private static final List<Process> started = new ArrayList<>();

    /** A KMS and the id of a key in it. */
    record Kms(String name, KmsClient client, String keyId) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Kms> implementations() throws Exception {
        List<Kms> all = new ArrayList<>();
        TestServers.get();
        all.add(new Kms("the project's KMS double", client(URI.create(System.getProperty("aws.endpointUrlKms"))),
                "arn:aws:kms:eu-west-2:000000000000:key/event-recorder-test"));
        if (onPath("moto_server")) {
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            Process moto = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            started.add(moto);
            if (awaitPort(port, moto)) {
                KmsClient client = client(URI.create("http://127.0.0.1:" + port));
                all.add(new Kms("moto " + version(), client, client.createKey(r -> r.description(
                        "event-recorder contract")).keyMetadata().keyId()));
            } else {
                // The machine's moto is broken, not the recorder: say so loudly, and check against the double.
                System.out.println("moto_server is on the PATH but did not start listening within 30 s (exit "
                        + (moto.isAlive() ? "none" : moto.exitValue()) + "): the KMS contract runs against the "
                        + "double only");
            }
        } else {
            System.out.println("moto_server is not on the PATH: the KMS contract runs against the double only");
        }
        return all.stream();
    }

    @AfterAll
    static void stopMoto() {
        started.forEach(Process::destroy);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void aDataKeyEncryptedRawOrAsBase64TextDecryptsToTheSameAesKey(Kms kms) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String raw = encrypt(kms, key, Map.of());
        String asText = encrypt(kms, Base64.getEncoder().encode(key), Map.of());

        List<SecretKey> keys = new DataKeySource(new KmsSecrets(kms.client()), () -> null)
                .load(new KeyLocation.InEnvironment(List.of(raw, asText)));

        assertArrayEquals(key, keys.get(0).getEncoded());
        assertArrayEquals(key, keys.get(1).getEncoded());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void aSecretBoundToItsPurposeOpensOnlyForThatPurpose(Kms kms) {
        byte[] password = "owner password".getBytes(StandardCharsets.UTF_8);
        String bound = encrypt(kms, password, Map.of(SecretPurpose.CONTEXT_KEY,
                SecretPurpose.OWNER_DATABASE_PASSWORD.value()));
        KmsSecrets withContexts = new KmsSecrets(kms.client(), true);

        assertArrayEquals(password, withContexts.decrypt(bound, "owner", SecretPurpose.OWNER_DATABASE_PASSWORD));
        assertThrows(SecretUnavailableException.class,
                () -> withContexts.decrypt(bound, "functions'", SecretPurpose.DATABASE_PASSWORD));
        assertThrows(SecretUnavailableException.class,
                () -> new KmsSecrets(kms.client(), false).decrypt(bound, "no context", SecretPurpose.DATA_KEY));
        String unbound = encrypt(kms, password, Map.of());
        assertArrayEquals(password, new KmsSecrets(kms.client(), false).decrypt(unbound, "old",
                SecretPurpose.DATABASE_PASSWORD), "ciphertexts made without a context keep working");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void aTamperedCiphertextIsRefusedNamingTheSecretNotItsValue(Kms kms) {
        byte[] blob = Base64.getDecoder().decode(encrypt(kms, "secret-value".getBytes(StandardCharsets.UTF_8),
                Map.of()));
        blob[blob.length - 1] ^= 1;

        SecretUnavailableException e = assertThrows(SecretUnavailableException.class, () -> new KmsSecrets(
                kms.client()).decrypt(Base64.getEncoder().encodeToString(blob), "ENCRYPTION_KEY", SecretPurpose.DATA_KEY));

        assertTrue(e.getMessage().contains("ENCRYPTION_KEY") && !e.getMessage().contains("secret-value"),
                e.getMessage());
    }

    private static String encrypt(Kms kms, byte[] plaintext, Map<String, String> context) {
        return Base64.getEncoder().encodeToString(kms.client().encrypt(r -> r.keyId(kms.keyId())
                .plaintext(SdkBytes.fromByteArray(plaintext)).encryptionContext(context)).ciphertextBlob().asByteArray());
    }

    private static KmsClient client(URI endpoint) {
        return KmsClient.builder().endpointOverride(endpoint).region(Region.EU_WEST_2)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.builder().build()).build();
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static String version() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import moto; print(moto.__version__)")
                    .redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? v : "";
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private static boolean awaitPort(int port, Process server) throws InterruptedException {
        long until = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < until && server.isAlive()) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        return false;
    }
}
