package uk.gov.ida.eventrecorder.logging;

import com.amazonaws.services.lambda.runtime.Context;
import org.slf4j.MDC;

/** Puts the Lambda request id on every log line of one invocation: {@code try (var r = RequestLogContext.of(ctx))}. */
public final class RequestLogContext implements AutoCloseable {
    static final String REQUEST_ID = "aws_request_id";

    private RequestLogContext() {
    }

    public static RequestLogContext of(Context context) {
        if (context != null && context.getAwsRequestId() != null) {
            MDC.put(REQUEST_ID, context.getAwsRequestId());
        }
        return new RequestLogContext();
    }

    /** The current invocation's request id, or {@code null} outside one. */
    public static String requestId() {
        return MDC.get(REQUEST_ID);
    }

    @Override
    public void close() {
        MDC.remove(REQUEST_ID);
    }
}
