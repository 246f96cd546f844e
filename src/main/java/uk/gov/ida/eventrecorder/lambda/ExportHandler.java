package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.ReportedFailure;
import uk.gov.ida.eventrecorder.config.ExportConfig;
import uk.gov.ida.eventrecorder.export.ExportReport;
import uk.gov.ida.eventrecorder.logging.RequestLogContext;
import uk.gov.ida.eventrecorder.metrics.MetricsLog;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;
import uk.gov.ida.eventrecorder.wiring.ExportDependencies;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * The daily export (an EventBridge schedule): every settled day of every table the recorder writes, to the export
 * bucket as Parquet with a signed manifest each ({@link Exporter}). Ships in its own artifact,
 * {@code event-recorder-export.jar}, so the recorder's functions do not carry Parquet.
 */
public final class ExportHandler implements RequestHandler<Map<String, Object>, Map<String, Object>>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExportHandler.class);

    private final ExportConfig config;
    private final ExportDependencies dependencies;
    private final Clock clock;
    private final MetricsLog metrics;

    public ExportHandler() {
        this(ExportConfig.fromSystemEnvironment(), Optional.empty(), Optional.empty(), Clock.systemUTC());
    }

    public ExportHandler(Map<String, String> environment) {
        this(ExportConfig.fromEnvironment(environment), Optional.empty(), Optional.empty(), Clock.systemUTC());
    }

    /**
     * Tests hand over clients pointed at moto's S3 and KMS (the S3 that enforces Object Lock and the KMS that signs)
     * while the test JVM's own endpoint settings point at S3Mock and the KMS double; and a clock.
     */
    public ExportHandler(Map<String, String> environment, S3Client s3, KmsClient kms, Clock clock) {
        this(ExportConfig.fromEnvironment(environment), Optional.of(s3), Optional.of(kms), clock);
    }

    private ExportHandler(ExportConfig config, Optional<S3Client> s3, Optional<KmsClient> kms, Clock clock) {
        this.config = config;
        this.dependencies = new ExportDependencies(config, s3, kms);
        this.clock = clock;
        this.metrics = new MetricsLog(config.metricsNamespace(), MetricsLog.EXPORT_FUNCTION);
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> scheduledEvent, Context context) {
        // Within the invocation's deadline: each S3 call of the run is bounded by the time left (OutsideCall).
        try (RequestLogContext ignored = RequestLogContext.of(context);
             Deadline.Scope within = Invocation.deadline(context).enter()) {
            ExportReport report = dependencies.exporter().run(clock.instant(), context::getRemainingTimeInMillis);
            metrics.export(report.daysExported(), report.addenda(), report.rows(), report.complete(),
                    report.warnings().size(), report.chainHead());
            LOG.info("export run: {} day(s), {} addend(a), {} row(s){}", report.daysExported(), report.addenda(),
                    report.rows(), report.complete() ? "" : "; out of time before " + report.stoppedBefore());
            return report.asMap();
        } catch (SQLException e) {
            throw ReportedFailure.withoutContent(new DatabaseUnavailableException("the export's read failed on "
                    + config.database().settings() + " (SQLSTATE " + e.getSQLState() + ")", e));
        } catch (IOException e) {
            throw ReportedFailure.withoutContent(new UncheckedIOException(e));
        } catch (RuntimeException e) {
            throw ReportedFailure.withoutContent(e);
        }
    }

    @Override
    public void close() {
        dependencies.close();
    }
}
