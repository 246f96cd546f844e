package uk.gov.ida.eventrecorder.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A KMS-protocol double: the real SDK {@code KmsClient} talks to it over HTTP (JSON 1.1, {@code X-Amz-Target:
 * TrentService.*}). It encrypts for real, with AES-GCM under one master key, so a ciphertext that was tampered with
 * or made elsewhere is refused with {@code InvalidCiphertextException}, as KMS refuses it. No local KMS server exists
 * in the registries here (docs/TEST-SERVERS.md).
 *
 * <p>{@link #outage(boolean)} makes every call answer 500 {@code KMSInternalException}: a fault injected at the
 * server, since a real KMS cannot be made to fail on demand.
 */
public final class KmsDouble implements AutoCloseable {
    public static final String KEY_ID = "arn:aws:kms:eu-west-2:000000000000:key/event-recorder-test";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] MAGIC = "KMSD".getBytes(StandardCharsets.US_ASCII);

    private final HttpServer server;
    private final SecretKeySpec masterKey;
    private final SecureRandom random = new SecureRandom();
    private final AtomicBoolean outage = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicLong stallMillis = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicInteger decryptCalls = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger plaintextsReleased = new AtomicInteger();

    public KmsDouble() throws IOException {
        byte[] key = new byte[32];
        random.nextBytes(key);
        masterKey = new SecretKeySpec(key, "AES");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        // A request per thread, as KMS answers them: one stalled request must not hold up the others.
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "kms-double");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void outage(boolean on) {
        outage.set(on);
    }

    /** A slow KMS: each request waits this long before it is answered ({@code 0}: none). */
    public void stall(long millis) {
        stallMillis.set(millis);
    }

    /** Decrypts that answered with a plaintext: secrets released (a refused ciphertext releases none). */
    public int plaintextsReleased() {
        return plaintextsReleased.get();
    }

    /** Every request that reached the double, answered or refused (during an outage too). */
    public int requests() {
        return requests.get();
    }

    public int decryptCalls() {
        return decryptCalls.get();
    }

    /** Encrypts as {@code kms:Encrypt} would, returning the base64 blob the recorder is configured with. */
    public String encryptToBase64(byte[] plaintext) {
        return Base64.getEncoder().encodeToString(encrypt(plaintext, Map.of()));
    }

    /** As {@code aws kms encrypt --encryption-context k=v}: only a Decrypt with the same context opens it. */
    public String encryptToBase64(byte[] plaintext, Map<String, String> encryptionContext) {
        return Base64.getEncoder().encodeToString(encrypt(plaintext, encryptionContext));
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            long stall = stallMillis.get();
            if (stall > 0) {
                try {
                    Thread.sleep(stall);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (outage.get()) {
                reply(exchange, 500, error("KMSInternalException", "injected outage"));
                return;
            }
            ObjectNode response = JSON.createObjectNode();
            switch (target == null ? "" : target) {
                case "TrentService.Encrypt" -> {
                    byte[] plaintext = Base64.getDecoder().decode(request.path("Plaintext").asText());
                    response.put("CiphertextBlob", Base64.getEncoder().encodeToString(encrypt(plaintext,
                            context(request))));
                    response.put("KeyId", KEY_ID);
                    response.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
                }
                case "TrentService.Decrypt" -> {
                    decryptCalls.incrementAndGet();
                    byte[] plaintext = decrypt(Base64.getDecoder().decode(request.path("CiphertextBlob").asText()),
                            context(request));
                    if (plaintext == null) {
                        reply(exchange, 400, error("InvalidCiphertextException", "The ciphertext is invalid"));
                        return;
                    }
                    plaintextsReleased.incrementAndGet();
                    response.put("Plaintext", Base64.getEncoder().encodeToString(plaintext));
                    response.put("KeyId", KEY_ID);
                    response.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
                }
                case "TrentService.GenerateDataKey" -> {
                    int bytes = request.path("NumberOfBytes").asInt(
                            "AES_128".equals(request.path("KeySpec").asText()) ? 16 : 32);
                    byte[] plaintext = new byte[bytes];
                    random.nextBytes(plaintext);
                    response.put("Plaintext", Base64.getEncoder().encodeToString(plaintext));
                    response.put("CiphertextBlob", Base64.getEncoder().encodeToString(encrypt(plaintext,
                            context(request))));
                    response.put("KeyId", KEY_ID);
                }
                default -> {
                    reply(exchange, 400, error("UnsupportedOperationException", "not implemented: " + target));
                    return;
                }
            }
            reply(exchange, 200, response);
        }
    }

    /** The request's EncryptionContext, as KMS binds it: additional authenticated data, in key order. */
    private static Map<String, String> context(JsonNode request) {
        Map<String, String> context = new TreeMap<>();
        request.path("EncryptionContext").fields().forEachRemaining(e -> context.put(e.getKey(), e.getValue().asText()));
        return context;
    }

    private static byte[] aad(Map<String, String> context) {
        StringBuilder aad = new StringBuilder();
        new TreeMap<>(context).forEach((k, v) -> aad.append(k).append('=').append(v).append('\n'));
        return aad.toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] encrypt(byte[] plaintext, Map<String, String> context) {
        try {
            byte[] iv = new byte[12];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, masterKey, new GCMParameterSpec(128, iv));
            cipher.updateAAD(aad(context));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(MAGIC.length + iv.length + sealed.length).put(MAGIC).put(iv).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] decrypt(byte[] blob, Map<String, String> context) {
        if (blob.length < MAGIC.length + 12 + 16) {
            return null;
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, masterKey, new GCMParameterSpec(128, blob, MAGIC.length, 12));
            cipher.updateAAD(aad(context));
            return cipher.doFinal(blob, MAGIC.length + 12, blob.length - MAGIC.length - 12);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private static ObjectNode error(String type, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.put("__type", type);
        error.put("message", message);
        return error;
    }

    private static void reply(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
