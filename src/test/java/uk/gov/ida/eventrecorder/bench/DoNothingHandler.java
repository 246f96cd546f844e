package uk.gov.ida.eventrecorder.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import java.util.ArrayList;

/**
 * The fleet benchmark's do-nothing function: the same event types through the same runtime client as the recorder,
 * and nothing else. What a fleet of these reaches is as fast as the event source lets any function go.
 */
public final class DoNothingHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return new SQSBatchResponse(new ArrayList<>());
    }
}
