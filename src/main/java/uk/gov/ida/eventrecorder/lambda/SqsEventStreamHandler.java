package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import uk.gov.ida.eventrecorder.ReportedFailure;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQS event source's entry point as deployed (the template's {@code Handler}): reads Lambda's event JSON with
 * Jackson's streaming parser into the {@link SQSEvent} that {@link SqsEventHandler} takes, and writes its
 * {@code batchItemFailures} back. The runtime interface client would otherwise build a reflective data-binding
 * serializer for these types on the first invocation and run it on every one: measured in the cold start and the
 * fleet benchmarks (docs/performance.md). Only the fields the recorder reads are kept; any other is skipped.
 */
public final class SqsEventStreamHandler implements RequestStreamHandler, AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();
    // A record of the shape Lambda sends, parsed at init so the parser's classes are loaded before the first batch.
    private static final byte[] SAMPLE = ("{\"Records\":[{\"messageId\":\"m\",\"receiptHandle\":\"r\",\"body\":\"b\","
            + "\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},\"md5OfBody\":\"d\","
            + "\"eventSource\":\"aws:sqs\",\"eventSourceARN\":\"arn:aws:sqs:eu-west-2:0:q\",\"awsRegion\":\"eu-west-2\"}]}")
            .getBytes(StandardCharsets.UTF_8);

    private final SqsEventHandler handler;

    public SqsEventStreamHandler() {
        this(new SqsEventHandler());
    }

    /** With the given environment instead of the process's (local runs, tests). */
    public SqsEventStreamHandler(Map<String, String> environment) {
        this(new SqsEventHandler(environment));
    }

    SqsEventStreamHandler(SqsEventHandler handler) {
        this.handler = handler;
        try {
            read(new ByteArrayInputStream(SAMPLE));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        SQSBatchResponse response;
        try {
            response = handler.handleRequest(read(input), context);
        } catch (RuntimeException e) {
            throw ReportedFailure.withoutContent(e);
        }
        try (JsonGenerator out = JSON.createGenerator(output)) {
            out.writeStartObject();
            out.writeArrayFieldStart("batchItemFailures");
            for (SQSBatchResponse.BatchItemFailure failure : response.getBatchItemFailures()) {
                out.writeStartObject();
                out.writeStringField("itemIdentifier", failure.getItemIdentifier());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        }
    }

    /**
     * Lambda's SQS event: {@code {"Records":[{"messageId", "receiptHandle", "body", "attributes":{…},
     * "eventSourceARN", …}]}}.
     *
     * @throws IOException when it is not JSON of that shape (not an SQS event: the invocation fails, as the runtime's
     *                     own serializer would fail it)
     */
    static SQSEvent read(InputStream input) throws IOException {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        try (JsonParser json = JSON.createParser(input)) {
            expect(json.nextToken(), JsonToken.START_OBJECT, json);
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (field.equals("Records") && value == JsonToken.START_ARRAY) {
                    while (json.nextToken() == JsonToken.START_OBJECT) {
                        records.add(record(json));
                    }
                } else {
                    json.skipChildren();
                }
            }
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    private static SQSEvent.SQSMessage record(JsonParser json) throws IOException {
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            switch (field) {
                case "messageId" -> record.setMessageId(json.getValueAsString());
                case "receiptHandle" -> record.setReceiptHandle(json.getValueAsString());
                case "body" -> record.setBody(json.getValueAsString());
                case "md5OfBody" -> record.setMd5OfBody(json.getValueAsString());
                case "eventSource" -> record.setEventSource(json.getValueAsString());
                case "eventSourceARN" -> record.setEventSourceArn(json.getValueAsString());
                case "awsRegion" -> record.setAwsRegion(json.getValueAsString());
                case "attributes" -> record.setAttributes(strings(json, value));
                default -> json.skipChildren();
            }
        }
        return record;
    }

    private static Map<String, String> strings(JsonParser json, JsonToken start) throws IOException {
        Map<String, String> map = new HashMap<>();
        if (start != JsonToken.START_OBJECT) {
            json.skipChildren();
            return map;
        }
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String key = json.currentName();
            json.nextToken();
            map.put(key, json.getValueAsString());
            json.skipChildren();
        }
        return map;
    }

    private static void expect(JsonToken actual, JsonToken expected, JsonParser json) throws IOException {
        if (actual != expected) {
            throw new IOException("not an SQS event: expected " + expected + " at " + json.currentLocation()
                    .offsetDescription() + ", found " + actual);
        }
    }

    /** The wrapped handler's container, for the SnapStart hook tests in this package. */
    SqsEventHandler handler() {
        return handler;
    }

    @Override
    public void close() {
        handler.close();
    }

    RecorderContainer container() {
        return handler.container();
    }
}
