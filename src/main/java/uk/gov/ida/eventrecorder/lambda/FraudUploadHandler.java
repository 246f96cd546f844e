package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import uk.gov.ida.eventrecorder.config.ImportConfig;
import uk.gov.ida.eventrecorder.logging.RequestLogContext;
import uk.gov.ida.eventrecorder.upload.FraudUploadProcessor;
import uk.gov.ida.eventrecorder.upload.FraudUploadRepository;
import uk.gov.ida.eventrecorder.wiring.Dependencies;
import uk.gov.ida.eventrecorder.wiring.Lazy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Imports an identity provider's fraud-data CSV when it is uploaded to S3 (see {@link FraudUploadProcessor}). */
public final class FraudUploadHandler implements RequestHandler<S3Event, Map<String, Object>>, AutoCloseable {
    private final Dependencies dependencies;
    private final Lazy<FraudUploadProcessor> processor;

    public FraudUploadHandler() {
        this(ImportConfig.fromSystemEnvironment());
    }

    public FraudUploadHandler(Map<String, String> environment) {
        this(ImportConfig.fromEnvironment(environment));
    }

    private FraudUploadHandler(ImportConfig config) {
        this.dependencies = new Dependencies(config.database(), Optional.empty(), S3Import.CIRCUIT_OPEN,
                "event-recorder-fraud-upload", 1);
        this.processor = new Lazy<>(() -> new FraudUploadProcessor(dependencies.s3(),
                new FraudUploadRepository(dependencies.dataSource(), dependencies.circuit()), config.maxUploadBytes()));
    }

    @Override
    public Map<String, Object> handleRequest(S3Event event, Context context) {
        try (RequestLogContext ignored = RequestLogContext.of(context)) {
            Map<String, Object> results = new LinkedHashMap<>();
            for (S3Import.S3Object object : S3Import.objects(event)) {
                FraudUploadProcessor.Outcome outcome = S3Import.run(object, Invocation.importDeadline(context),
                        () -> processor.get().process(object.upload()));
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("passed", outcome.passed());
                result.put("movedTo", outcome.movedTo());
                result.put("rows", outcome.rows());
                result.put("failures", outcome.failures().size());
                if (outcome.duplicate()) {
                    result.put("duplicate", true);
                }
                if (outcome.replaced()) {
                    result.put("replaced", true);
                }
                results.put(object.key(), result);
            }
            return results;
        }
    }

    @Override
    public void close() {
        dependencies.close();
    }
}
