package uk.gov.ida.eventrecorder.testing;

import java.util.HashMap;
import java.util.Map;

/**
 * A data key, its KMS ciphertext and the environment a handler is deployed with, against this run's servers.
 * Each test builds what it needs from here and changes one thing.
 */
public final class RecorderFixture {
    public final TestServers servers = TestServers.get();
    public final TestDatabase database = TestDatabase.get();
    public final Tables tables = new Tables(database.dataSource());
    public final byte[] dataKey;
    public final EventEncrypter encrypter;

    public RecorderFixture() {
        this(32);
    }

    public RecorderFixture(int keyBytes) {
        this.dataKey = EventEncrypter.newKey(keyBytes);
        this.encrypter = new EventEncrypter(dataKey);
    }

    /** The environment of a function whose key is in {@code ENCRYPTION_KEY}. */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("DB_CONNECTION_STRING", database.connectionString());
        env.put("ENCRYPTION_KEY", servers.kms().encryptToBase64(dataKey));
        env.put("AWS_REGION", TestServers.REGION);
        env.put("DB_CONNECT_TIMEOUT_MS", "2000");
        // The outage back-off, and so the database circuit's open period, scaled from minutes to seconds.
        env.put("OUTAGE_RETRY_BASE_SECONDS", "1");
        env.put("OUTAGE_RETRY_MAX_SECONDS", "8");
        return env;
    }

    /** The environment of a function that reaches the database through {@code proxy} (a fault the test injects). */
    public Map<String, String> environmentThrough(CuttableProxy proxy) {
        Map<String, String> env = environment();
        env.put("DB_CONNECTION_STRING", database.connectionString()
                .replace("port=" + database.settings().port(), "port=" + proxy.port()));
        return env;
    }

    /**
     * The environment of a function started as its own process (a fresh JVM): the same variables, plus the
     * endpoint and credential variables by which the SDK there finds this run's servers.
     */
    public Map<String, String> processEnvironment() {
        Map<String, String> env = environment();
        // A fresh JVM's first login loads the driver and runs TLS and SCRAM in interpreted code: on a loaded machine
        // that took longer than the 2 s above, and the test failed on a timeout it was not about. Tests of the
        // timeout itself set their own.
        env.put("DB_CONNECT_TIMEOUT_MS", "15000");
        env.put("AWS_ENDPOINT_URL_KMS", System.getProperty("aws.endpointUrlKms"));
        env.put("AWS_ENDPOINT_URL_SQS", System.getProperty("aws.endpointUrlSqs"));
        env.put("AWS_ENDPOINT_URL_S3", servers.s3Endpoint());
        env.put("AWS_ACCESS_KEY_ID", System.getProperty("aws.accessKeyId"));
        env.put("AWS_SECRET_ACCESS_KEY", System.getProperty("aws.secretAccessKey"));
        return env;
    }

    public String encrypt(EventBuilder event) {
        return encrypter.encrypt(event.json());
    }
}
