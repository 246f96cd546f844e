package uk.gov.ida.eventrecorder.testing;

import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The AWS-protocol servers the tests use, started once per test JVM, and pointed at through the SDK's own endpoint
 * settings ({@code aws.endpointUrlSqs} etc., the system-property forms of {@code AWS_ENDPOINT_URL_SQS}), exactly as
 * a user points the function at LocalStack: production code has no test switch.
 */
public final class TestServers {
    public static final String REGION = "eu-west-2";
    private static TestServers instance;

    private final KmsDouble kms;
    private final ElasticMq sqs;
    private S3Server s3;

    private TestServers() throws IOException {
        System.setProperty("aws.region", REGION);
        System.setProperty("aws.accessKeyId", "AKIDTESTONLY");
        System.setProperty("aws.secretAccessKey", "test-secret-not-real");
        kms = new KmsDouble();
        sqs = new ElasticMq();
        System.setProperty("aws.endpointUrlKms", kms.endpoint());
        System.setProperty("aws.endpointUrlSqs", sqs.endpoint());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kms.close();
            sqs.close();
        }));
    }

    public static synchronized TestServers get() {
        if (instance == null) {
            try {
                instance = new TestServers();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    public KmsDouble kms() {
        return kms;
    }

    /** S3Mock takes seconds to start (Spring Boot): only the tests that need it pay. */
    public synchronized String s3Endpoint() {
        if (s3 == null) {
            s3 = new S3Server();
            System.setProperty("aws.endpointUrlS3", s3.endpoint());
        }
        return s3.endpoint();
    }

    /**
     * Points the SDK's S3 endpoint setting at another S3 server until closed (a handler makes its S3 client on first
     * use), then back. Tests run one at a time in this JVM.
     */
    public synchronized AutoCloseable s3EndpointSetTo(java.net.URI endpoint) {
        String previous = s3Endpoint();
        System.setProperty("aws.endpointUrlS3", endpoint.toString());
        return () -> System.setProperty("aws.endpointUrlS3", previous);
    }

    public SqsClient sqsClient() {
        return SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
    }

    public S3Client s3Client() {
        s3Endpoint();
        return S3Client.builder().httpClient(UrlConnectionHttpClient.create()).forcePathStyle(true).build();
    }
}
