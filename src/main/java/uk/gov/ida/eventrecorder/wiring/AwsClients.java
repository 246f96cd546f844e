package uk.gov.ida.eventrecorder.wiring;

import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.OutsideCall;
import uk.gov.ida.eventrecorder.RoleCredentials;
import uk.gov.ida.eventrecorder.config.AwsSettings;

import java.time.Duration;
import java.util.Optional;

/**
 * Builds the AWS clients the handlers use, each with the URL-connection HTTP client: pure Java, no extra threads,
 * and the smallest class path of the SDK's clients (Apache and Netty are excluded from the build). Endpoints come
 * from the SDK's own settings ({@code AWS_ENDPOINT_URL_*}), so there is no test switch here.
 */
public final class AwsClients {
    /**
     * Every AWS call is bounded well inside the functions' time (docs/design.md, "Timeouts"): a TCP connect waits at
     * most {@link #CONNECT_TIMEOUT}, a read that stalls fails after {@link #READ_TIMEOUT}, one attempt of a KMS or SQS
     * call ends after {@link #ATTEMPT_TIMEOUT}, and the whole call, the SDK's retries included, after
     * {@link #KMS_CALL_TIMEOUT} / {@link #SQS_CALL_TIMEOUT}. KMS and SQS answer in milliseconds when they answer.
     */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration KMS_CALL_TIMEOUT = OutsideCall.KMS;
    public static final Duration SQS_CALL_TIMEOUT = OutsideCall.SQS;
    /** S3 moves whole objects (fraud uploads up to 20 MiB, copies); a stalled read still fails after READ_TIMEOUT. */
    public static final Duration S3_CALL_TIMEOUT = OutsideCall.S3;

    public static final Duration LARGE_OBJECT_READ_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration LARGE_OBJECT_CALL_TIMEOUT = Duration.ofMinutes(10);

    private final Optional<Region> region;
    private final software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials;

    public AwsClients(AwsSettings settings) {
        this.region = settings.region().map(Region::of);
        this.credentials = RoleCredentials.provider(settings.roleKeysInEnvironment());
    }

    public KmsClient kms() {
        return KmsClient.builder().httpClient(httpClient()).overrideConfiguration(bounded(KMS_CALL_TIMEOUT, true))
                .credentialsProvider(credentials).applyMutation(b -> region.ifPresent(b::region)).build();
    }

    public S3Client s3() {
        return S3Client.builder().httpClient(httpClient()).overrideConfiguration(bounded(S3_CALL_TIMEOUT, false))
                .credentialsProvider(credentials).applyMutation(b -> region.ifPresent(b::region)).build();
    }

    /**
     * S3 for the export's objects: parts of 8 MiB and a completion that S3 may take minutes over for an object of
     * thousands of parts (it keeps the connection open meanwhile). The functions' 5-second read bound would cut such a
     * call and retry it over the first, still running: the export benchmark met exactly that at 10 million rows.
     */
    public S3Client s3ForLargeObjects() {
        return S3Client.builder().httpClient(UrlConnectionHttpClient.builder().connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(LARGE_OBJECT_READ_TIMEOUT).build())
                .overrideConfiguration(bounded(LARGE_OBJECT_CALL_TIMEOUT, false))
                .credentialsProvider(credentials).applyMutation(b -> region.ifPresent(b::region)).build();
    }

    public SqsClient sqs() {
        return SqsClient.builder().httpClient(httpClient()).overrideConfiguration(bounded(SQS_CALL_TIMEOUT, true))
                .credentialsProvider(credentials).applyMutation(b -> region.ifPresent(b::region)).build();
    }

    private static ClientOverrideConfiguration bounded(Duration call, boolean boundAttempts) {
        ClientOverrideConfiguration.Builder config = ClientOverrideConfiguration.builder().apiCallTimeout(call);
        if (boundAttempts) {
            config.apiCallAttemptTimeout(ATTEMPT_TIMEOUT);
        }
        return config.build();
    }

    private static SdkHttpClient httpClient() {
        return UrlConnectionHttpClient.builder().connectionTimeout(CONNECT_TIMEOUT).socketTimeout(READ_TIMEOUT).build();
    }
}
