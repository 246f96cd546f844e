package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import org.slf4j.Logger;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.ReportedFailure;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;
import org.slf4j.LoggerFactory;
import uk.gov.ida.eventrecorder.config.MaintenanceConfig;
import uk.gov.ida.eventrecorder.logging.RequestLogContext;
import uk.gov.ida.eventrecorder.metrics.MetricsLog;
import uk.gov.ida.eventrecorder.store.AuditPartitions;
import uk.gov.ida.eventrecorder.wiring.Dependencies;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Run hourly by a schedule, as the tables' owner: creates the audit table's partitions for the coming months
 * ({@link AuditPartitions#prepare}) and reports, as the {@code RowsInDefaultPartition} metric the template alarms on,
 * how many events fell outside every prepared month. A failure throws, so Lambda's own error metric shows it; the
 * default partition keeps events recorded meanwhile.
 */
public final class PartitionMaintenanceHandler implements RequestHandler<Map<String, Object>, Map<String, Object>>,
        AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionMaintenanceHandler.class);

    private final MaintenanceConfig config;
    private final Dependencies dependencies;
    private final MetricsLog metrics;

    public PartitionMaintenanceHandler() {
        this(MaintenanceConfig.fromSystemEnvironment());
    }

    public PartitionMaintenanceHandler(Map<String, String> environment) {
        this(MaintenanceConfig.fromEnvironment(environment));
    }

    private PartitionMaintenanceHandler(MaintenanceConfig config) {
        this.config = config;
        this.dependencies = new Dependencies(config.database(), Optional.empty(), S3Import.CIRCUIT_OPEN,
                "event-recorder-maintenance", 1);
        this.metrics = new MetricsLog(config.metricsNamespace(), MetricsLog.MAINTENANCE_FUNCTION);
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> scheduledEvent, Context context) {
        try (RequestLogContext ignored = RequestLogContext.of(context);
             Deadline.Scope within = Invocation.deadline(context).enter();
             Connection connection = dependencies.dataSource().getConnection()) {
            int created = AuditPartitions.prepare(connection, config.database().statementTimeout());
            AuditPartitions.State state = AuditPartitions.state(connection);
            metrics.partitions(created, state.rowsInDefault());
            if (state.rowsInDefault() > 0) {
                LOG.warn("{} event(s) in audit.audit_events_default: dated outside every prepared month (they are "
                        + "recorded; see docs/operating.md, \"Partitions upkeep\")", state.rowsInDefault());
            }
            LOG.info("audit partitions prepared until {}; {} created now", state.preparedUntil(), created);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("created", created);
            result.put("preparedUntil", String.valueOf(state.preparedUntil()));
            result.put("rowsInDefaultPartition", state.rowsInDefault());
            return result;
        } catch (SQLException e) {
            // The one failure policy: the database failed (a lock it waited for, a lost connection). The scheduled
            // invocation fails, so the next hour's run (and the missing-figure alarm) takes it up.
            throw ReportedFailure.withoutContent(new DatabaseUnavailableException("partition maintenance failed on "
                    + config.database().settings() + " (SQLSTATE " + e.getSQLState() + ")", e));
        } catch (RuntimeException e) {
            throw ReportedFailure.withoutContent(e);
        }
    }

    @Override
    public void close() {
        dependencies.close();
    }
}
