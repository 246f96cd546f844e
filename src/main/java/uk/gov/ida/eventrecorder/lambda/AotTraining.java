package uk.gov.ida.eventrecorder.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import uk.gov.ida.eventrecorder.crypto.ProducerFormat;

import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The container image's AOT training run (build/image/train.sh, which the Dockerfile runs with
 * {@code -XX:AOTCacheOutput}). An image build reaches no database, queue or KMS, so this process plays what the
 * function would talk to, on one loopback port (train.sh gives it, and points {@code AWS_LAMBDA_RUNTIME_API} and
 * {@code AWS_ENDPOINT_URL} at it): Lambda's Runtime API, handing out {@link #BATCHES} SQS batches and ending the process at the next
 * {@code /next}; and KMS, whose Decrypt answers with a throwaway all-zero data key. Lambda's own runtime interface
 * client then runs the event-source handler as in Lambda, init and invocations: the data keys load, each message is
 * decrypted and parsed, and the insert fails, because the database is a port that refuses (no PostgreSQL here), so
 * the failure, back-off (refused by the same server) and metrics paths run too. The JVM writes the classes that
 * loaded and linked, and the profiles of what ran, into the cache the image's entry point starts with. Nothing here is
 * a secret, and nothing reaches beyond the loopback.
 */
public final class AotTraining {
    static final int BATCHES = 3;
    private static final long DEADLINE_MILLIS = 180_000;
    private static final byte[] THROWAWAY_KEY = new byte[32];

    private AotTraining() {
    }

    /**
     * @param args the loopback port to serve, which train.sh also gives the runtime client as
     *             {@code AWS_LAMBDA_RUNTIME_API} and the SDK as {@code AWS_ENDPOINT_URL}; then the handler
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: AotTraining <port> <handler> (build/image/train.sh runs it)");
        }
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        AtomicInteger handedOut = new AtomicInteger();
        server.createContext("/2018-06-01/runtime/", exchange -> runtimeApi(exchange, handedOut));
        server.createContext("/", AotTraining::awsApi);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "aot-training-server");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        // A training run that stops making progress fails the image build instead of holding it.
        Thread deadline = new Thread(() -> {
            try {
                Thread.sleep(DEADLINE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("the AOT training run did not finish in " + DEADLINE_MILLIS / 1000 + " s");
            Runtime.getRuntime().halt(1);
        }, "aot-training-deadline");
        deadline.setDaemon(true);
        deadline.start();
        ownNativeLibrary(AotTraining.class.getClassLoader(), Path.of(System.getProperty("java.io.tmpdir")));
        // The client is beside the function on the image's class path, not a dependency of it.
        Class.forName("com.amazonaws.services.lambda.runtime.api.client.AWSLambda").getMethod("main", String[].class)
                .invoke(null, (Object) new String[]{args[1]});
    }

    /** The runtime client's system property naming its JNI library; unset, it unpacks to one fixed path. */
    static final String NATIVE_LIBRARY_PROPERTY =
            "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";
    /**
     * Gives this process a copy of the runtime client's JNI library of its own, and names it to the client. Left to
     * itself the client unpacks the library to the fixed path {@code /tmp/.libaws-lambda-jni.so}: on a machine where
     * another user's training (or test run) put it there first, it cannot replace that file and the training fails
     * before its first batch. The copy is a new file in {@code folder}, for this machine's processor and C library
     * (glibc, or musl where the machine has musl's loader), removed when the process ends; the client loads it. A
     * library the caller already named (a {@code -D} option) is kept.
     *
     * @return the library the client will load
     */
    static Path ownNativeLibrary(ClassLoader client, Path folder) throws IOException {
        String named = System.getProperty(NATIVE_LIBRARY_PROPERTY);
        if (named != null && !named.isBlank()) {
            return Path.of(named);
        }
        String arch = System.getProperty("os.arch").matches("aarch64|arm64") ? "aarch_64" : "x86_64";
        boolean musl = Files.exists(Path.of("/lib/ld-musl-" + (arch.equals("x86_64") ? "x86_64" : "aarch64") + ".so.1"));
        String name = "jni/libaws-lambda-jni." + (musl ? "linux_musl-" : "linux-") + arch + ".so";
        try (InputStream in = client.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " is not on the class path: is the runtime client's jar on it?");
            }
            Path copy = Files.createTempFile(folder, "aws-lambda-jni-", ".so");
            copy.toFile().deleteOnExit();
            Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.setProperty(NATIVE_LIBRARY_PROPERTY, copy.toString());
            return copy;
        }
    }

    private static void runtimeApi(HttpExchange exchange, AtomicInteger handedOut) throws IOException {
        String path = exchange.getRequestURI().getPath();
        exchange.getRequestBody().readAllBytes();
        if (path.endsWith("/restore/next")) {
            reply(exchange, 200, "");
        } else if (path.endsWith("/invocation/next")) {
            int batch = handedOut.incrementAndGet();
            if (batch > BATCHES) {
                // The training is over: exiting writes the cache (-XX:AOTCacheOutput).
                System.exit(0);
            }
            exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", "training-" + batch);
            exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms",
                    Long.toString(System.currentTimeMillis() + 60_000));
            exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:eu-west-2:000000000000:function:aot-training");
            // Without a trace id the client's native code crashes (docs/TEST-SERVERS.md).
            exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id",
                    "Root=1-00000000-00000000000000000000000" + batch + ";Sampled=0");
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            reply(exchange, 200, sqsEvent(batch));
        } else if (path.endsWith("/error")) {
            // A handler that cannot start, or an invocation that failed as a whole: the training fails rather than
            // write a cache of half a run.
            System.err.println("the AOT training run failed: " + path);
            Runtime.getRuntime().halt(1);
        } else {
            reply(exchange, 202, "{}");
        }
    }

    /** KMS's Decrypt (the throwaway key); any other AWS call is refused, as by a service that is down. */
    private static void awsApi(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
        if ("TrentService.Decrypt".equals(target)) {
            reply(exchange, 200, "{\"KeyId\":\"arn:aws:kms:eu-west-2:000000000000:key/aot-training\","
                    + "\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"Plaintext\":\""
                    + Base64.getEncoder().encodeToString(THROWAWAY_KEY) + "\"}");
        } else {
            reply(exchange, 503, "{\"__type\":\"ServiceUnavailableException\",\"message\":\"AOT training run\"}");
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Ten SQS records of synthetic events (a billing, a fraud and session events) under the throwaway key. */
    private static String sqsEvent(int batch) {
        StringBuilder event = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < 10; i++) {
            String details = switch (i % 3) {
                case 0 -> "\"session_event_type\":\"idp_authn_succeeded\",\"pid\":\"p\",\"request_id\":\"r\","
                        + "\"idp_entity_id\":\"i\",\"minimum_level_of_assurance\":\"LEVEL_2\","
                        + "\"provided_level_of_assurance\":\"LEVEL_2\",\"preferred_level_of_assurance\":\"LEVEL_2\","
                        + "\"transaction_entity_id\":\"t\"";
                case 1 -> "\"session_event_type\":\"fraud_detected\",\"idp_entity_id\":\"i\",\"pid\":\"p\","
                        + "\"request_id\":\"r\",\"idp_fraud_event_id\":\"f\",\"gpg45_status\":\"IT01\","
                        + "\"transaction_entity_id\":\"t\"";
                default -> "\"session_event_type\":\"session_started\",\"request_id\":\"r\"";
            };
            String json = "{\"eventId\":\"" + UUID.randomUUID() + "\",\"timestamp\":" + System.currentTimeMillis()
                    + ",\"eventType\":\"session_event\",\"originatingService\":\"aot-training\",\"sessionId\":\"s\","
                    + "\"details\":{" + details + "}}";
            event.append(i == 0 ? "" : ",").append("{\"messageId\":\"training-").append(batch).append('-').append(i)
                    .append("\",\"receiptHandle\":\"r\",\"body\":\"")
                    .append(ProducerFormat.encrypt(new SecretKeySpec(THROWAWAY_KEY, "AES"), new byte[16], json))
                    .append("\",\"attributes\":{\"ApproximateReceiveCount\":\"1\",\"SentTimestamp\":\"")
                    .append(System.currentTimeMillis()).append("\"},\"messageAttributes\":{},\"md5OfBody\":\"d\","
                            + "\"eventSource\":\"aws:sqs\",\"eventSourceARN\":"
                            + "\"arn:aws:sqs:eu-west-2:000000000000:aot-training\",\"awsRegion\":\"eu-west-2\"}");
        }
        return event.append("]}").toString();
    }
}
