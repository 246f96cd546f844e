package uk.gov.ida.eventrecorder.testing;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.LongSupplier;

/** The Lambda context of an invocation: what the runtime hands the handler; here with a settable clock. */
public final class LambdaContext implements Context {
    private final LongSupplier remainingMillis;

    public LambdaContext(LongSupplier remainingMillis) {
        this.remainingMillis = remainingMillis;
    }

    /** A context whose deadline is {@code timeoutMillis} from now. */
    public static LambdaContext withTimeout(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        return new LambdaContext(() -> deadline - System.currentTimeMillis());
    }

    @Override public String getAwsRequestId() { return UUID.randomUUID().toString(); }
    @Override public String getLogGroupName() { return "/aws/lambda/event-recorder-test"; }
    @Override public String getLogStreamName() { return "test"; }
    @Override public String getFunctionName() { return "event-recorder-test"; }
    @Override public String getFunctionVersion() { return "$LATEST"; }
    @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:eu-west-2:000000000000:function:test"; }
    @Override public CognitoIdentity getIdentity() { return null; }
    @Override public ClientContext getClientContext() { return null; }
    @Override public int getRemainingTimeInMillis() { return (int) Math.max(0, Math.min(Integer.MAX_VALUE, remainingMillis.getAsLong())); }
    @Override public int getMemoryLimitInMB() { return 1024; }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override public void log(String message) { System.out.println(message); }
            @Override public void log(byte[] message) { System.out.println(new String(message, StandardCharsets.UTF_8)); }
        };
    }
}
