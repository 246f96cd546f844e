import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run with the JDK's source launcher and nothing but the Lambda artifact on the class path:
 *   java -cp target/event-recorder-lambda.jar src/test/artifact/InvokeHandler.java CLASS EVENT.json
 * It does what Lambda's Java runtime does with a handler: load the class by name, construct it with its no-argument
 * constructor (configuration comes from the environment), turn the event JSON into the handler's input type, call
 * handleRequest, and print the result as JSON. Anything missing from the artifact fails here. ArtifactIT compiles it
 * once against the artifact alone, as the source launcher does, and runs it so with the artifact beside it.
 */
public class InvokeHandler {
    public static void main(String[] args) throws Exception {
        Class<?> handlerClass = Class.forName(args[0]);
        Object handler = handlerClass.getConstructor().newInstance();
        if (handler instanceof com.amazonaws.services.lambda.runtime.RequestStreamHandler stream) {
            // Lambda hands a stream handler the event's bytes and sends back what it writes.
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            stream.handleRequest(Files.newInputStream(Path.of(args[1])), answer, null);
            System.out.println("RESULT=" + answer.toString(java.nio.charset.StandardCharsets.UTF_8));
            System.exit(0);
        }
        Method handle = null;
        for (Method m : handlerClass.getMethods()) {
            if (m.getName().equals("handleRequest") && !m.isBridge() && m.getParameterCount() == 2) {
                handle = m;
            }
        }
        ObjectMapper json = JsonMapper.builder()
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        String event = Files.readString(Path.of(args[1]));
        Class<?> inputType = handle.getParameterTypes()[0];
        // S3Event has no Jackson creators; Lambda's runtime builds it with aws-lambda-java-serialization's mix-ins.
        // Here it is built from the notification's fields through its public constructors.
        Object input = inputType == S3Event.class ? s3Event(json.readTree(event)) : json.readValue(event, inputType);
        Object result = handle.invoke(handler, input, null);
        System.out.println("RESULT=" + json.writeValueAsString(result));
        System.exit(0);
    }

    private static S3Event s3Event(JsonNode root) {
        List<S3EventNotification.S3EventNotificationRecord> records = new ArrayList<>();
        for (JsonNode r : root.path("Records")) {
            JsonNode s3 = r.path("s3");
            var bucket = new S3EventNotification.S3BucketEntity(s3.path("bucket").path("name").asText(), null,
                    s3.path("bucket").path("arn").asText());
            var object = new S3EventNotification.S3ObjectEntity(s3.path("object").path("key").asText(),
                    s3.path("object").path("size").asLong(), null, null, null);
            records.add(new S3EventNotification.S3EventNotificationRecord(r.path("awsRegion").asText(),
                    r.path("eventName").asText(), r.path("eventSource").asText(), null, r.path("eventVersion").asText(),
                    null, null, new S3EventNotification.S3Entity(null, bucket, object, "1.0"), null));
        }
        return new S3Event(records);
    }
}
