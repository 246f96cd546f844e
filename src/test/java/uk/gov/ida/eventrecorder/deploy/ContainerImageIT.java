package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LambdaRuntime;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.Requirement;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container-image option (build/image/Dockerfile, RecorderPackageType Image), as its build makes it and Lambda
 * starts it, short of a Docker engine, which this machine lacks: the build's training run (train.sh) on this JDK 25,
 * then the entry point's command on the packaged jar under Lambda's runtime interface client, fed the SQS event
 * source's JSON. {@code -XX:AOTMode=on} makes a cache that the JVM cannot use fail the start, where in Lambda it would
 * only be ignored, slowly: a change to the image's options that the training run does not share is caught here.
 */
class ContainerImageIT {
    private static final Path ARTIFACT = Path.of(System.getProperty("artifact.path", "target/event-recorder-lambda.jar"));
    private final RecorderFixture fixture = new RecorderFixture();

    @Test
    void theImageStartsFromTheCacheItsBuildTrainedAndRecordsABatchExactlyOnce() throws Exception {
        Requirement.require(Runtime.version().feature() >= 25, "a JDK 25 (the image's) to make and use an AOT cache");
        fixture.database.truncateAll();
        Path cache = Files.createTempDirectory("image-").resolve("event-recorder.aot");
        LambdaRuntime.trainImageCache(ARTIFACT, cache);
        assertTrue(Files.size(cache) > 10_000_000, "a cache of the classes a start loads: " + Files.size(cache));

        try (SqsClient sqs = fixture.servers.sqsClient()) {
            TestQueue queue = TestQueue.standard(sqs, 5, 30);
            List<EventBuilder> events = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                EventBuilder event = i % 3 == 0 ? EventBuilder.fraud() : i % 3 == 1 ? EventBuilder.billing()
                        : EventBuilder.otherSession();
                events.add(event);
                queue.send(fixture.encrypt(event));
            }
            List<Message> received = new ArrayList<>();
            while (received.size() < 10) {
                received.addAll(sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages());
            }
            try (LambdaRuntime image = LambdaRuntime.startImage(ARTIFACT, Template.imageCommand(),
                    fixture.processEnvironment(), cache, "-XX:AOTMode=on")) {
                LambdaRuntime.Answer answer = image.invoke(LambdaRuntime.sqsEvent(received, queue.arn()));
                System.out.printf("image with its AOT cache, this JDK (%s): init %,d ms%n", Runtime.version(),
                        image.initMillis());
                assertFalse(answer.error(), answer.body() + image.output());
                assertEquals(0, new ObjectMapper().readTree(answer.body()).path("batchItemFailures").size(),
                        answer.body() + image.output());
                // Delivered again, as SQS may: still once.
                LambdaRuntime.Answer again = image.invoke(LambdaRuntime.sqsEvent(received, queue.arn()));
                assertEquals("{\"batchItemFailures\":[]}", again.body(), image.output());
            }
            for (EventBuilder event : events) {
                assertEquals(1, fixture.tables.audit(event.eventId()).size(), event.eventId());
            }
            assertEquals(10, fixture.tables.count("audit.audit_events"));
            assertEquals(3, fixture.tables.count("billing.billing_events"));
            assertEquals(4, fixture.tables.count("billing.fraud_events"));
        }
    }

    /**
     * The cache is valid only for the class path and options it was made with: the Dockerfile's training run and
     * entry point must name the same cache, class path and options file, and its CMD the zip function's handler.
     */
    @Test
    void theDockerfileTrainsAndStartsWithTheSameCacheClassPathAndOptions() throws Exception {
        String dockerfile = Files.readString(Template.DOCKERFILE);
        Matcher run = Pattern.compile("(?m)^RUN /function/train\\.sh (\\S+) \"([^\"]+)\"$").matcher(dockerfile);
        assertTrue(run.find(), "the build runs train.sh <cache> <class path>");
        Matcher entry = Pattern.compile("(?s)ENTRYPOINT \\[\"java\", \"-XX:AOTCache=([^\"]+)\", \"@/function/"
                + "jvm-options\",.*?\"-cp\", \"([^\"]+)\",.*?\"com\\.amazonaws\\.services\\.lambda\\.runtime\\.api"
                + "\\.client\\.AWSLambda\"]").matcher(dockerfile);
        assertTrue(entry.find(), "the entry point starts the runtime client with the cache and the options file");
        assertEquals(run.group(1), entry.group(1), "the cache the build wrote");
        assertEquals(run.group(2), entry.group(2), "the class path it was written for");
        String train = Files.readString(Path.of("build", "image", "train.sh"));
        assertTrue(train.contains("@\"$(dirname \"$0\")/jvm-options\""), "the training run reads the same options");
        assertTrue(dockerfile.contains("COPY build/image/jvm-options build/image/train.sh /function/"));
        assertEquals(new Template().functions().get("RecordEventsFunction").path("Properties").path("Handler")
                .asText(), Template.imageCommand());
    }
}
