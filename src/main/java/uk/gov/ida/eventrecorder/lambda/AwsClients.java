package uk.gov.ida.eventrecorder.lambda;

import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.util.Optional;

/**
 * Builds the AWS clients the handlers use, each with the URL-connection HTTP client: pure Java, no extra threads,
 * and the smallest class path of the SDK's clients (Apache and Netty are excluded from the build). Endpoints come
 * from the SDK's own settings ({@code AWS_ENDPOINT_URL_*}), so there is no test switch here.
 */
public final class AwsClients {
    private final Optional<Region> region;

    public AwsClients(Optional<String> region) {
        this.region = region.map(Region::of);
    }

    public KmsClient kms() {
        return KmsClient.builder().httpClient(httpClient()).applyMutation(b -> region.ifPresent(b::region)).build();
    }

    public S3Client s3() {
        return S3Client.builder().httpClient(httpClient()).applyMutation(b -> region.ifPresent(b::region)).build();
    }

    public SqsClient sqs() {
        return SqsClient.builder().httpClient(httpClient()).applyMutation(b -> region.ifPresent(b::region)).build();
    }

    private static SdkHttpClient httpClient() {
        return UrlConnectionHttpClient.builder().build();
    }
}
