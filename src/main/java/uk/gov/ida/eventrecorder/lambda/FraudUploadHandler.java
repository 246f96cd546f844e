package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import uk.gov.ida.eventrecorder.config.ImportConfig;
import uk.gov.ida.eventrecorder.logging.RequestLogContext;
import uk.gov.ida.eventrecorder.upload.FraudUploadProcessor;
import uk.gov.ida.eventrecorder.upload.FraudUploadRepository;

import java.util.LinkedHashMap;
import java.util.Map;

/** Imports an identity provider's fraud-data CSV when it is uploaded to S3 (see {@link FraudUploadProcessor}). */
public final class FraudUploadHandler implements RequestHandler<S3Event, Map<String, Object>>, AutoCloseable {
    private final ImportContainer container;
    private final Lazy<FraudUploadProcessor> processor;

    public FraudUploadHandler() {
        this(ImportConfig.fromSystemEnvironment());
    }

    public FraudUploadHandler(Map<String, String> environment) {
        this(ImportConfig.fromEnvironment(environment));
    }

    private FraudUploadHandler(ImportConfig config) {
        this.container = new ImportContainer(config, "event-recorder-fraud-upload");
        this.processor = new Lazy<>(() -> new FraudUploadProcessor(container.s3(),
                new FraudUploadRepository(container.dataSource()), container.config().maxUploadBytes()));
    }

    @Override
    public Map<String, Object> handleRequest(S3Event event, Context context) {
        try (RequestLogContext ignored = RequestLogContext.of(context)) {
            Map<String, Object> results = new LinkedHashMap<>();
            for (ImportContainer.S3Object object : ImportContainer.objects(event)) {
                FraudUploadProcessor.Outcome outcome = processor.get().process(object.bucket(), object.key());
                results.put(object.key(), Map.of("passed", outcome.passed(), "movedTo", outcome.movedTo(),
                        "rows", outcome.rows(), "failures", outcome.failures().size()));
            }
            return results;
        }
    }

    @Override
    public void close() {
        container.close();
    }
}
