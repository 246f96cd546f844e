package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LambdaContext;
import uk.gov.ida.eventrecorder.testing.LambdaRuntime;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.TestQueue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqsEventStreamHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheFieldsOfLambdasSqsEventJsonAndSkipsTheRest() throws IOException {
        // As in Lambda's documentation of the SQS event, with message attributes (nested objects) to skip.
        String event = """
                {"Records":[{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d",
                 "receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...","body":"dGVzdA==",
                 "attributes":{"ApproximateReceiveCount":"3","SentTimestamp":"1545082649183",
                   "MessageGroupId":"g1"},
                 "messageAttributes":{"a":{"stringValue":"x","binaryValue":null,"stringListValues":[],
                   "binaryListValues":[],"dataType":"String"}},
                 "md5OfBody":"e4e68fb7bd0e697a0ae8f1bb342846b3","eventSource":"aws:sqs",
                 "eventSourceARN":"arn:aws:sqs:eu-west-2:123456789012:events.fifo","awsRegion":"eu-west-2"},
                 {"messageId":"2","body":"x","unknownField":[1,{"deep":true}]}],
                 "somethingNew":{"x":1}}
                """;

        SQSEvent read = SqsEventStreamHandler.read(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)));

        assertEquals(2, read.getRecords().size());
        SQSEvent.SQSMessage first = read.getRecords().get(0);
        assertEquals("059f36b4-87a3-44ab-83d2-661975830a7d", first.getMessageId());
        assertEquals("AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...", first.getReceiptHandle());
        assertEquals("dGVzdA==", first.getBody());
        assertEquals(Map.of("ApproximateReceiveCount", "3", "SentTimestamp", "1545082649183", "MessageGroupId", "g1"),
                first.getAttributes());
        assertEquals("arn:aws:sqs:eu-west-2:123456789012:events.fifo", first.getEventSourceArn());
        assertEquals("2", read.getRecords().get(1).getMessageId());
        assertNull(read.getRecords().get(1).getAttributes());
    }

    @Test
    void jsonThatIsNotAnSqsEventFailsTheInvocationSayingSo() {
        IOException e = assertThrows(IOException.class, () -> SqsEventStreamHandler.read(
                new ByteArrayInputStream("[1,2]".getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().startsWith("not an SQS event"), e.getMessage());
    }

    @Test
    void answersWithExactlyTheFailedMessagesAsJsonAndRecordsTheRest() throws Exception {
        RecorderFixture fixture = new RecorderFixture();
        fixture.database.truncateAll();
        EventBuilder good = EventBuilder.billing();
        try (SqsClient sqs = fixture.servers.sqsClient();
             SqsEventStreamHandler handler = new SqsEventStreamHandler(new SqsEventHandler(fixture.environment()))) {
            TestQueue queue = TestQueue.standard(sqs);
            queue.send(fixture.encrypt(good));
            String bad = queue.send("not base64!");
            List<Message> received = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            assertEquals(2, received.size());
            ByteArrayOutputStream answer = new ByteArrayOutputStream();

            handler.handleRequest(new ByteArrayInputStream(LambdaRuntime.sqsEvent(received, queue.arn())
                    .getBytes(StandardCharsets.UTF_8)), answer, LambdaContext.withTimeout(60_000));

            JsonNode failures = JSON.readTree(answer.toByteArray()).get("batchItemFailures");
            assertEquals(1, failures.size(), answer.toString());
            assertEquals(bad, failures.get(0).get("itemIdentifier").asText());
        }
        assertEquals(1, fixture.tables.audit(good.eventId()).size());
    }
}
