package uk.gov.ida.eventrecorder.testing;

import com.adobe.testing.s3mock.S3MockApplication;

import java.util.HashMap;
import java.util.Map;

/** S3Mock in-process (it implements object tagging, which the IDP upload path reads; s3proxy does not). */
public final class S3Server implements AutoCloseable {
    private final S3MockApplication application;
    private final int port;

    public S3Server() {
        this.port = ElasticMq.freePort();
        // S3Mock is a Spring Boot application: keep it from taking over the test JVM's logging.
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        Map<String, Object> properties = new HashMap<>(); // S3Mock mutates it: Map.of would throw
        properties.put(S3MockApplication.PROP_HTTP_PORT, port);
        properties.put(S3MockApplication.PROP_HTTPS_PORT, S3MockApplication.RANDOM_PORT);
        properties.put(S3MockApplication.PROP_SILENT, true);
        // S3Mock streams GET bodies asynchronously and cuts them after Spring's default async timeout (30 s); a large
        // archive takes longer to read, as it may from real S3.
        properties.put("spring.mvc.async.request-timeout", "3600000");
        this.application = S3MockApplication.start(properties);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        application.stop();
    }
}
