package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.ReportedFailure;
import uk.gov.ida.eventrecorder.config.LedgerConfig;
import uk.gov.ida.eventrecorder.ledger.LedgerReport;
import uk.gov.ida.eventrecorder.logging.RequestLogContext;
import uk.gov.ida.eventrecorder.metrics.MetricsLog;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;
import uk.gov.ida.eventrecorder.wiring.LedgerDependencies;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * The ledger's checkpoint run (an EventBridge schedule, every {@code LEDGER_INTERVAL}): one run of
 * {@link uk.gov.ida.eventrecorder.ledger.Checkpointer} and its metric line. Its input, a scheduled event or any JSON,
 * is not read: every run does the same. Ships in {@code event-recorder-export.jar}, since it reads rows as the export
 * does.
 */
public final class LedgerHandler implements RequestStreamHandler, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LedgerConfig config;
    private final LedgerDependencies dependencies;
    private final MetricsLog metrics;

    public LedgerHandler() {
        this(LedgerConfig.fromSystemEnvironment(), Optional.empty(), Optional.empty(), Clock.systemUTC());
    }

    public LedgerHandler(Map<String, String> environment) {
        this(LedgerConfig.fromEnvironment(environment), Optional.empty(), Optional.empty(), Clock.systemUTC());
    }

    /** Tests hand over clients pointed at moto's S3 and KMS, and a clock. */
    public LedgerHandler(Map<String, String> environment, S3Client s3, KmsClient kms, Clock clock) {
        this(LedgerConfig.fromEnvironment(environment), Optional.of(s3), Optional.of(kms), clock);
    }

    private LedgerHandler(LedgerConfig config, Optional<S3Client> s3, Optional<KmsClient> kms, Clock clock) {
        this.config = config;
        this.dependencies = new LedgerDependencies(config, s3, kms, clock);
        this.metrics = new MetricsLog(config.metricsNamespace(), MetricsLog.LEDGER_FUNCTION);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        LedgerReport report;
        try (RequestLogContext ignored = RequestLogContext.of(context);
             Deadline.Scope within = Invocation.deadline(context).enter()) {
            report = dependencies.checkpointer().run();
            metrics.ledger(report.checkpoints(), report.treeSize(), report.newLeaves(), report.warnings().size(),
                    report.lateRows(), report.millis());
        } catch (SQLException e) {
            // The next scheduled run carries on from whatever this one committed.
            throw ReportedFailure.withoutContent(new DatabaseUnavailableException("the ledger's run failed on "
                    + config.database().settings() + " (SQLSTATE " + e.getSQLState() + ")", e));
        } catch (RuntimeException e) {
            throw ReportedFailure.withoutContent(e);
        }
        JSON.writeValue(output, report.asMap());
    }

    @Override
    public void close() {
        dependencies.close();
    }
}
