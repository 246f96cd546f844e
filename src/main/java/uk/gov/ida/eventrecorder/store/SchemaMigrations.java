package uk.gov.ida.eventrecorder.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.output.MigrateResult;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The schema, as Flyway migrations in {@code db/migration}. Applied by the deploy pipeline's migration step and by
 * tests, never by the Lambda functions, which may run as an INSERT-only role.
 */
public final class SchemaMigrations {
    private SchemaMigrations() {
    }

    /**
     * Migrates, then prepares the audit table's coming monthly partitions, so that every migrate (each deploy) also
     * does what the scheduled maintenance function does.
     */
    public static MigrateResult apply(DataSource dataSource) {
        MigrateResult result = flyway(dataSource).migrate();
        try (Connection connection = dataSource.getConnection()) {
            if (AuditPartitions.partitioned(connection)) {
                AuditPartitions.prepare(connection);
            }
        } catch (SQLException e) {
            throw new FlywayException("migrated, but could not prepare the audit table's partitions: "
                    + e.getMessage(), e);
        }
        return result;
    }

    /** Where a database's schema stands: its version ({@code null} if never migrated) and what is still to apply. */
    public record Status(String version, int pending, String latest) {
    }

    /** @throws org.flywaydb.core.api.FlywayException when the history cannot be read (e.g. not by this role) */
    public static Status status(DataSource dataSource) {
        MigrationInfoService info = flyway(dataSource).info();
        MigrationInfo current = info.current();
        MigrationInfo[] all = info.all();
        return new Status(current == null ? null : current.getVersion().getVersion(), info.pending().length,
                all.length == 0 ? null : all[all.length - 1].getVersion().getVersion());
    }

    private static Flyway flyway(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .javaMigrations(new RecordedXidIndexes())
                // Flyway's default lock is a transaction's advisory lock, held open on its other connection, and
                // CREATE INDEX CONCURRENTLY waits for every transaction older than its build to end: it would wait
                // for Flyway itself. A session's advisory lock holds no transaction open.
                .configuration(java.util.Map.of("flyway.postgresql.transactional.lock", "false"))
                // The schemas already exist in databases the replaced service created: adopt them at version 1.
                .baselineOnMigrate(false)
                .load();
    }
}
