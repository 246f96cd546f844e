package uk.gov.ida.eventrecorder.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The packaged artifact run as Lambda runs it: unzipped into a task root (Lambda's {@code /var/task}), started by
 * Lambda's own runtime interface client ({@code target/runtime-interface-client}, copied by the build) in a JVM of its
 * own, with the template's JVM options, and fed event JSON through a Runtime API server played here
 * ({@code /2018-06-01/runtime/…}). The client's serializers turn the JSON into the handler's event types and its
 * answer back into JSON, as in Lambda. The traps met driving it are in docs/TEST-SERVERS.md.
 */
public final class LambdaRuntime implements AutoCloseable {
    private static final String API = "/2018-06-01/runtime";
    /** The functions' JVM options, as the template gives them to Lambda (Globals, JAVA_TOOL_OPTIONS). */
    public static final String TEMPLATE_JAVA_OPTIONS = template().path("Globals").path("Function")
            .path("Environment").path("Variables").path("JAVA_TOOL_OPTIONS").asText();
    /** The SQS event-source function's {@code Handler}, as the template deploys it. */
    public static final String EVENT_SOURCE_HANDLER = template().path("Resources").path("RecordEventsFunction")
            .path("Properties").path("Handler").asText();
    private static final String ARN = "arn:aws:lambda:eu-west-2:000000000000:function:event-recorder";

    /**
     * What an invocation answered: the handler's result as JSON, or an error.
     *
     * @param answeredNanos when the answer arrived ({@link System#nanoTime()})
     * @param durationNanos from the {@code /next} that handed the event out to the answer: the invocation's duration
     *                      as Lambda bills it
     */
    public record Answer(String body, boolean error, long answeredNanos, long durationNanos) {
    }

    private record Pending(String requestId, String event) {
    }

    private final HttpServer server;
    private final ExecutorService serverThreads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runtime-api");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    private final Map<String, CompletableFuture<Answer>> answers = new ConcurrentHashMap<>();
    private final Map<String, Long> handedOut = new ConcurrentHashMap<>();
    private final CompletableFuture<Long> firstNext = new CompletableFuture<>();
    private final CompletableFuture<String> initError = new CompletableFuture<>();
    private final CompletableFuture<Long> restored = new CompletableFuture<>();
    /** Completed with the reason when the client cannot serve: it exited, or could not load its native library. */
    private final CompletableFuture<String> cannotServe = new CompletableFuture<>();
    private final Path log;
    private final long started;
    private Process process;
    private Path taskRoot;

    private LambdaRuntime(Path log) throws IOException {
        this.log = log;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(API + "/", this::handle);
        server.setExecutor(serverThreads);
        server.start();
        this.started = System.nanoTime();
    }

    /**
     * @param artifact    the packaged jar
     * @param handler     {@code class::handleRequest}, as the template's {@code Handler}
     * @param environment the function's variables (the template's and the test servers' endpoints)
     * @param concurrency {@code AWS_LAMBDA_MAX_CONCURRENCY}: handler threads in the one process (Managed Instances)
     */
    public static LambdaRuntime start(Path artifact, String handler, Map<String, String> environment,
                                      int concurrency) throws IOException {
        return start(artifact, handler, environment, concurrency, List.of());
    }

    /**
     * As {@link #start(Path, String, Map, int)}, with {@code extraClasses} (test classes, e.g. a do-nothing handler)
     * added to the task root beside the artifact's own, as if they had been packaged with it.
     */
    public static LambdaRuntime start(Path artifact, String handler, Map<String, String> environment,
                                      int concurrency, List<Class<?>> extraClasses) throws IOException {
        Path taskRoot = unzip(artifact);
        for (Class<?> extra : extraClasses) {
            String file = extra.getName().replace('.', '/') + ".class";
            Path target = taskRoot.resolve(file);
            Files.createDirectories(target.getParent());
            try (var in = extra.getClassLoader().getResourceAsStream(file)) {
                Files.copy(java.util.Objects.requireNonNull(in, file), target);
            }
        }
        return launch(taskRoot, handler, environment, concurrency);
    }

    /**
     * {@code handlerClass} alone in a task folder of its own, started as {@link #start} starts the artifact: the floor
     * (docs/performance.md, "The floor and the goals"), a function with nothing but its one class beside the runtime
     * client.
     */
    public static LambdaRuntime startAlone(Class<?> handlerClass, Map<String, String> environment) throws IOException {
        Path taskRoot = newTaskRoot("var-task-alone-");
        String file = handlerClass.getName().replace('.', '/') + ".class";
        Path target = taskRoot.resolve(file);
        Files.createDirectories(target.getParent());
        try (var in = handlerClass.getClassLoader().getResourceAsStream(file)) {
            Files.copy(java.util.Objects.requireNonNull(in, file), target);
        }
        return launch(taskRoot, handlerClass.getName() + "::handleRequest", environment, 1);
    }

    /** The image's JVM options (an argument file), shared by its entry point and its AOT training run. */
    public static final Path IMAGE_JVM_OPTIONS = Path.of("build", "image", "jvm-options").toAbsolutePath();

    /**
     * The container image as build/image/Dockerfile makes it: the artifact stays one jar on the JVM's class path
     * beside the runtime client, the task root (the working folder) is empty, the JVM options are the image's
     * ({@link #IMAGE_JVM_OPTIONS}) instead of those Lambda's launcher gives a zip, and {@code aotCache} is the
     * entry point's {@code -XX:AOTCache}, with {@code extraJvmOptions} after it ({@code -XX:AOTMode=on} makes a cache
     * the JVM cannot use fail the start instead of being ignored).
     */
    public static LambdaRuntime startImage(Path artifact, String handler, Map<String, String> environment,
                                           Path aotCache, String... extraJvmOptions) throws IOException {
        Path taskRoot = newTaskRoot("var-task-image-");
        // -XX:MaxRAM stands in for the container's memory limit, from which the image's -XX:MaxRAMPercentage sizes
        // the heap in Lambda (this machine's 24 GB would otherwise give a 20 GB heap).
        List<String> options = new ArrayList<>(List.of("-XX:AOTCache=" + aotCache.toAbsolutePath(),
                "@" + IMAGE_JVM_OPTIONS, "-XX:MaxRAM=" + environment.getOrDefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                        "1024") + "m"));
        options.addAll(List.of(extraJvmOptions));
        return launch(taskRoot, handler, environment, 1, imageClassPath(artifact), options);
    }

    private static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The image's class path: the function's jar, then the runtime client's. */
    public static String imageClassPath(Path artifact) {
        return artifact.toAbsolutePath() + ":" + Path.of("target", "runtime-interface-client").toAbsolutePath() + "/*";
    }

    /**
     * The image build's training run (build/image/train.sh, on this JDK), writing {@code cache}; its output if it
     * fails.
     */
    public static void trainImageCache(Path artifact, Path cache) throws IOException, InterruptedException {
        Files.deleteIfExists(cache);
        ProcessBuilder builder = new ProcessBuilder("sh", Path.of("build", "image", "train.sh").toAbsolutePath()
                .toString(), cache.toAbsolutePath().toString(), imageClassPath(artifact), Integer.toString(freePort()))
                .redirectErrorStream(true);
        builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":"
                + System.getenv("PATH"));
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        // Its output goes to a file, so that a training run that hangs is stopped at the time-out, not waited for.
        Path output = Files.createTempFile("aot-training-", ".log");
        Process training = builder.redirectOutput(output.toFile()).start();
        boolean ended = training.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            training.destroyForcibly();
        }
        if (!ended || training.exitValue() != 0 || !Files.exists(cache)) {
            throw new IllegalStateException("the AOT training run wrote no cache at " + cache
                    + (ended ? "" : " in 5 minutes") + ":\n" + Files.readString(output));
        }
    }

    private static LambdaRuntime launch(Path taskRoot, String handler, Map<String, String> environment,
                                        int concurrency) throws IOException {
        return launch(taskRoot, handler, environment, concurrency, null, List.of());
    }

    private static LambdaRuntime launch(Path taskRoot, String handler, Map<String, String> environment,
                                        int concurrency, String imageJar, List<String> jvmOptions)
            throws IOException {
        LambdaRuntime runtime = new LambdaRuntime(Files.createTempFile("lambda-runtime-", ".log"));
        runtime.taskRoot = taskRoot;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        // What Lambda's Java launcher gives every function's JVM before JAVA_TOOL_OPTIONS, from the function's memory
        // (1,024 MB in the template): the heap at 85 %, metaspace 10 %, code cache 5 %, the serial collector
        // (docs/TEST-SERVERS.md has where these come from). Without them this machine's JVM would take a quarter of
        // 24 GB and G1 with its background threads, neither of which Lambda gives.
        // An image's entry point gives its own (jvmOptions).
        int memoryMb = Integer.parseInt(environment.getOrDefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"));
        if (imageJar == null) {
            command.addAll(List.of("-XX:MaxHeapSize=" + memoryMb * 1024 * 85 / 100 + "k",
                    "-XX:MaxMetaspaceSize=" + memoryMb * 1024 / 10 + "k",
                    "-XX:ReservedCodeCacheSize=" + memoryMb * 1024 / 20 + "k", "-XX:+UseSerialGC",
                    "-Djava.net.preferIPv4Stack=true"));
        }
        if (Runtime.version().feature() >= 22 && imageJar == null) {
            command.add("--enable-native-access=ALL-UNNAMED"); // the client's JNI, without a warning on JDK 25
        }
        // The client unpacks its JNI library to the fixed path /tmp/.libaws-lambda-jni.so unless told a path: where
        // another user unpacked it first, it cannot replace the file and never serves (docs/TEST-SERVERS.md). Each
        // process gets its own copy, unless the caller's JAVA_TOOL_OPTIONS names one.
        if (!environment.getOrDefault("JAVA_TOOL_OPTIONS", "").contains(NATIVE_LIBRARY_PROPERTY)) {
            command.add("-D" + NATIVE_LIBRARY_PROPERTY + "=" + nativeLibraryCopy(taskRoot));
        }
        command.addAll(jvmOptions);
        String clientJars = Path.of("target", "runtime-interface-client").toAbsolutePath() + "/*";
        command.addAll(List.of("-cp", imageJar == null ? clientJars : imageJar,
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", handler));
        ProcessBuilder builder = new ProcessBuilder(command).directory(taskRoot.toFile())
                .redirectErrorStream(true).redirectOutput(runtime.log.toFile());
        Map<String, String> env = builder.environment();
        env.putAll(environment);
        env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + runtime.server.getAddress().getPort());
        env.put("_HANDLER", handler);
        env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        env.put("AWS_LAMBDA_FUNCTION_NAME", "event-recorder");
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.putIfAbsent("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/event-recorder");
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "test");
        env.putIfAbsent("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"); // as Lambda sets it for a cold start
        // The template's JVM options (Globals JAVA_TOOL_OPTIONS), unless the caller gives others.
        env.putIfAbsent("JAVA_TOOL_OPTIONS", TEMPLATE_JAVA_OPTIONS);
        if (concurrency > 1) {
            env.put("AWS_LAMBDA_MAX_CONCURRENCY", Integer.toString(concurrency));
        }
        runtime.process = builder.start();
        runtime.watch();
        return runtime;
    }

    public static final String NATIVE_LIBRARY_PROPERTY =
            "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";

    /** The client jar's JNI library for this machine, copied beside the task root: this process's own. */
    private static Path nativeLibraryCopy(Path taskRoot) throws IOException {
        String arch = System.getProperty("os.arch").matches("aarch64|arm64") ? "aarch_64" : "x86_64";
        String name = "jni/libaws-lambda-jni.linux-" + arch + ".so";
        Path jar;
        try (var jars = Files.list(Path.of("target", "runtime-interface-client"))) {
            jar = jars.filter(j -> j.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client"))
                    .findFirst().orElseThrow(() -> new IOException("no runtime interface client jar in "
                            + "target/runtime-interface-client: run mvn package"));
        }
        Path copy = nativeLibraryPath(taskRoot);
        try (var zip = new java.util.zip.ZipFile(jar.toFile())) {
            var entry = java.util.Objects.requireNonNull(zip.getEntry(name), name + " in " + jar);
            try (var in = zip.getInputStream(entry)) {
                Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return copy;
    }

    /**
     * Fails every wait at once, with the reason and the client's output, when the client cannot serve: its process
     * ended, or it says it could not load its native library (it then never asks for {@code /next}, and a wait would
     * last until its time-out).
     */
    private void watch() {
        process.onExit().thenAccept(p -> cannotServe.complete("the runtime interface client exited with code "
                + p.exitValue()));
        Thread watcher = new Thread(() -> {
            while (!firstNext.isDone() && !cannotServe.isDone()) {
                if (output().contains("Failed to load the native runtime interface client library")) {
                    cannotServe.complete("the runtime interface client could not load its native library");
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "lambda-runtime-watch");
        watcher.setDaemon(true);
        watcher.start();
        cannotServe.thenAccept(reason -> {
            IllegalStateException failure = new IllegalStateException(reason + ":\n" + output());
            firstNext.completeExceptionally(failure);
            restored.completeExceptionally(failure);
            answers.values().forEach(a -> a.completeExceptionally(failure));
        });
    }

    /** Invokes the function with {@code eventJson} and waits for its answer. */
    public Answer invoke(String eventJson) {
        return submit(eventJson).join();
    }

    /** Queues an invocation; a handler thread of the client takes it with {@code /next}. */
    public CompletableFuture<Answer> submit(String eventJson) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<Answer> answer = new CompletableFuture<Answer>().orTimeout(120, TimeUnit.SECONDS);
        answers.put(id, answer);
        pending.add(new Pending(id, eventJson));
        initError.thenAccept(error -> answer.completeExceptionally(new IllegalStateException(
                "the function failed its init: " + error + "\n" + output())));
        cannotServe.thenAccept(reason -> answer.completeExceptionally(new IllegalStateException(reason + ":\n"
                + output())));
        return answer;
    }

    /** From the process's start to its first {@code /next}: what Lambda reports as init. */
    public long initMillis() {
        return firstNext.orTimeout(60, TimeUnit.SECONDS).join();
    }

    /**
     * Under SnapStart ({@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start}): from the client's {@code /restore/next}
     * (after the {@code beforeCheckpoint} hooks; a snapshot cannot be taken on this JDK) to {@code answer}.
     */
    public long restoreToAnswerMillis(Answer answer) {
        return (answer.answeredNanos() - restored.orTimeout(60, TimeUnit.SECONDS).join()) / 1_000_000;
    }

    /** CPU time the function's process has used so far, all threads, user and system. */
    public long cpuMillis() {
        return process.toHandle().info().totalCpuDuration().map(java.time.Duration::toMillis).orElseThrow(
                () -> new IllegalStateException("this platform does not report a process's CPU time"));
    }

    /**
     * CPU time of the process's JIT compiler threads (C1, C2) so far: the part of {@link #cpuMillis()} that a longer
     * life would amortize.
     */
    public long compilerCpuMillis() {
        try (var threads = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            return threads.map(t -> ProcStat.read(t.resolve("stat"))).flatMap(java.util.Optional::stream)
                    .filter(t -> t.name().startsWith("C1 Compiler") || t.name().startsWith("C2 Compiler"))
                    .mapToLong(ProcStat::cpuMillis).sum();
        } catch (IOException e) {
            return 0; // not Linux
        }
    }

    /** Bytes the function has written to stdout and stderr so far: what Lambda would ship to CloudWatch Logs. */
    public long logBytes() {
        try {
            return Files.size(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the function printed (its log). */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(API.length());
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.equals("/invocation/next")) {
                firstNext.complete((System.nanoTime() - started) / 1_000_000);
                Pending next;
                try {
                    next = pending.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                handedOut.put(next.requestId(), System.nanoTime());
                exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", next.requestId());
                exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms",
                        Long.toString(System.currentTimeMillis() + 60_000));
                exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn", ARN);
                // Without a trace id the client's native code crashed (docs/TEST-SERVERS.md).
                exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id",
                        "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-" + next.requestId()
                                .replace("-", "").substring(0, 24) + ";Sampled=0");
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                reply(exchange, 200, next.event().getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith("/invocation/") && (path.endsWith("/response") || path.endsWith("/error"))) {
                String id = path.substring("/invocation/".length(), path.lastIndexOf('/'));
                CompletableFuture<Answer> answer = answers.remove(id);
                if (answer != null) {
                    long now = System.nanoTime();
                    answer.complete(new Answer(new String(body, StandardCharsets.UTF_8), path.endsWith("/error"),
                            now, now - handedOut.getOrDefault(id, now)));
                }
                reply(exchange, 202, "{}".getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/init/error")) {
                initError.complete(new String(body, StandardCharsets.UTF_8));
                reply(exchange, 202, "{}".getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/restore/next")) {
                restored.complete(System.nanoTime());
                reply(exchange, 200, new byte[0]);
            } else {
                reply(exchange, 404, new byte[0]);
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode template() {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper(
                    new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(Path.of("template.yaml").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A task folder in memory (/dev/shm) where the machine has one. Lambda's /var/task is a read-only image; an
     * artifact freshly unzipped onto this machine's disk is 23 MB of dirty pages instead, and on ext4 the database's
     * commit (its WAL flush) waits for the journal to write them: in a SnapStart benchmark every other run's first
     * batch took 50-150 ms longer, and never once with {@code synchronous_commit=off} (docs/TEST-SERVERS.md).
     */
    static Path newTaskRoot(String prefix) throws IOException {
        Path memory = Path.of("/dev/shm");
        return Files.isDirectory(memory) && Files.isWritable(memory)
                ? Files.createTempDirectory(memory, prefix) : Files.createTempDirectory(prefix);
    }

    /** Lambda unzips the artifact into /var/task; the client loads the function's classes from there. */
    private static Path unzip(Path artifact) throws IOException {
        Path root = newTaskRoot("var-task-");
        try (ZipFile zip = new ZipFile(artifact.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root)) {
                    continue;
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (var in = zip.getInputStream(entry)) {
                        Files.copy(in, target);
                    }
                }
            }
        }
        return root;
    }

    /** Stops the client as Lambda ends an environment (SIGTERM), and waits for its JVM to exit. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        removeTaskRoot();
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
        }
        server.stop(0);
        serverThreads.shutdownNow();
        removeTaskRoot();
    }

    /** Where {@link #nativeLibraryCopy} puts a process's library: beside its task folder, removed with it. */
    private static Path nativeLibraryPath(Path taskRoot) {
        return taskRoot.resolveSibling(taskRoot.getFileName() + "-libaws-lambda-jni.so");
    }

    /** The task folder and the client's library copy beside it: each start wrote them, and nothing else reads them. */
    private void removeTaskRoot() {
        if (taskRoot == null || (process != null && process.isAlive())) {
            return;
        }
        try (var paths = Files.walk(taskRoot)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
            Files.deleteIfExists(nativeLibraryPath(taskRoot));
            taskRoot = null;
        } catch (IOException | UncheckedIOException e) {
            // left behind in a temporary folder; nothing depends on it
        }
    }

    /** Lambda's event JSON for records SQS delivered (docs/TEST-SERVERS.md), e.g. from {@code ReceiveMessage}. */
    public static String sqsEvent(List<software.amazon.awssdk.services.sqs.model.Message> messages, String queueArn) {
        StringBuilder json = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < messages.size(); i++) {
            var m = messages.get(i);
            Map<String, String> attributes = new HashMap<>();
            m.attributes().forEach((k, v) -> attributes.put(k.toString(), v));
            json.append(i == 0 ? "" : ",").append("{\"messageId\":").append(quote(m.messageId()))
                    .append(",\"receiptHandle\":").append(quote(m.receiptHandle()))
                    .append(",\"body\":").append(quote(m.body()))
                    .append(",\"attributes\":").append(object(attributes))
                    .append(",\"messageAttributes\":{},\"md5OfBody\":").append(quote(m.md5OfBody()))
                    .append(",\"eventSource\":\"aws:sqs\",\"eventSourceARN\":").append(quote(queueArn))
                    .append(",\"awsRegion\":\"eu-west-2\"}");
        }
        return json.append("]}").toString();
    }

    /** What EventBridge Scheduler / a schedule rule sends. */
    public static String scheduledEvent() {
        return "{\"version\":\"0\",\"id\":\"" + UUID.randomUUID() + "\",\"detail-type\":\"Scheduled Event\","
                + "\"source\":\"aws.events\",\"account\":\"000000000000\",\"time\":\"2026-11-29T12:00:00Z\","
                + "\"region\":\"eu-west-2\",\"resources\":[\"arn:aws:events:eu-west-2:000000000000:rule/drain\"],"
                + "\"detail\":{}}";
    }

    /** What S3 sends for an ObjectCreated notification: the key URL-encoded (a space as {@code +}). */
    public static String s3Event(String bucket, String key, long size) {
        return s3Event(bucket, key, size, null);
    }

    /** @param eTag the PUT's ETag, as S3 sends it with the notification's sequencer; null for none */
    public static String s3Event(String bucket, String key, long size, String eTag) {
        String encoded = java.net.URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
        return "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"eu-west-2\","
                + "\"eventTime\":\"2026-11-29T12:00:00.000Z\",\"eventName\":\"ObjectCreated:Put\","
                + "\"userIdentity\":{\"principalId\":\"AWS:EXAMPLE\"},\"requestParameters\":{\"sourceIPAddress\":"
                + "\"192.0.2.1\"},\"responseElements\":{\"x-amz-request-id\":\"R\",\"x-amz-id-2\":\"I\"},"
                + "\"s3\":{\"s3SchemaVersion\":\"1.0\",\"configurationId\":\"c\",\"bucket\":{\"name\":" + quote(bucket)
                + ",\"ownerIdentity\":{\"principalId\":\"O\"},\"arn\":\"arn:aws:s3:::" + bucket + "\"},"
                + "\"object\":{\"key\":" + quote(encoded) + ",\"size\":" + size
                + (eTag == null ? "" : ",\"eTag\":" + quote(eTag) + ",\"sequencer\":\"0055AED6DCD90281E5\"") + "}}}]}";
    }

    private static String object(Map<String, String> map) {
        StringBuilder json = new StringBuilder("{");
        map.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append(quote(k)).append(':').append(quote(v)));
        return json.append('}').toString();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
