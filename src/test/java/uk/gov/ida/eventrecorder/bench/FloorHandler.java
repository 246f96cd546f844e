package uk.gov.ida.eventrecorder.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The floor Lambda itself sets (docs/performance.md): a stream handler that reads the event's bytes and answers an SQS
 * batch with no failures. It is started alone in its own task folder ({@code LambdaRuntime.startAlone}): no artifact,
 * no serializer, nothing of the recorder's on its class path, by the same runtime client with the same options.
 */
public final class FloorHandler implements RequestStreamHandler {
    private static final byte[] ANSWER = "{\"batchItemFailures\":[]}".getBytes(StandardCharsets.UTF_8);

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.readAllBytes();
        output.write(ANSWER);
    }
}
