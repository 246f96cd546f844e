package uk.gov.ida.eventrecorder.testing;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.UUID;

/**
 * moto's server (moto 5.2.1 on these machines, docs/TEST-SERVERS.md), started once per test JVM: the S3 that
 * enforces Object Lock and the KMS that signs (Sign, GetPublicKey), neither written here. The export's tests hand
 * its clients to the code under test; the JVM's own endpoint settings stay on S3Mock and the KMS double.
 */
public final class Moto {
    private static Moto instance;

    private final Process process;
    private final URI endpoint;

    private Moto() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        process = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        endpoint = URI.create("http://127.0.0.1:" + port);
        long until = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > until) {
                    throw new IllegalStateException("moto_server did not start listening on " + port);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** moto, started on first use; a test on a machine without {@code moto_server} skips (fails under CI). */
    public static synchronized Moto get() {
        Requirement.require(onPath("moto_server"), "moto_server on the PATH (S3 Object Lock and KMS signing)");
        if (instance == null) {
            try {
                instance = new Moto();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    public URI endpoint() {
        return endpoint;
    }

    public S3Client s3() {
        return S3Client.builder().endpointOverride(endpoint).region(Region.EU_WEST_2).forcePathStyle(true)
                .credentialsProvider(credentials()).httpClient(UrlConnectionHttpClient.builder().build()).build();
    }

    public S3Client s3(ClientOverrideConfiguration override) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.EU_WEST_2).forcePathStyle(true)
                .credentialsProvider(credentials()).overrideConfiguration(override)
                .httpClient(UrlConnectionHttpClient.builder().build()).build();
    }

    public KmsClient kms() {
        return KmsClient.builder().endpointOverride(endpoint).region(Region.EU_WEST_2).credentialsProvider(credentials())
                .httpClient(UrlConnectionHttpClient.builder().build()).build();
    }

    /** A new bucket as the template makes the export's: versioned, Object Lock on, COMPLIANCE by default. */
    public String lockedBucket(S3Client s3, int retentionDays) {
        String bucket = "export-" + UUID.randomUUID().toString().substring(0, 13);
        s3.createBucket(r -> r.bucket(bucket).objectLockEnabledForBucket(true));
        s3.putObjectLockConfiguration(r -> r.bucket(bucket).objectLockConfiguration(c -> c
                .objectLockEnabled(ObjectLockEnabled.ENABLED)
                .rule(rule -> rule.defaultRetention(d -> d.mode(ObjectLockRetentionMode.COMPLIANCE)
                        .days(retentionDays)))));
        return bucket;
    }

    /** A plain bucket: what an attacker past the lock could change, for the tampering tests. */
    public String plainBucket(S3Client s3) {
        String bucket = "plain-" + UUID.randomUUID().toString().substring(0, 13);
        s3.createBucket(r -> r.bucket(bucket));
        return bucket;
    }

    /** A new ECC_NIST_P256 signing key, as the template makes the export's. */
    public String signingKey(KmsClient kms) {
        return kms.createKey(r -> r.keyUsage(KeyUsageType.SIGN_VERIFY).keySpec(KeySpec.ECC_NIST_P256)
                .description("event-recorder export test")).keyMetadata().arn();
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (new java.io.File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
