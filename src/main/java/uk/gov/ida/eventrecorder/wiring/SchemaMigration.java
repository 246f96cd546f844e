package uk.gov.ida.eventrecorder.wiring;

import org.flywaydb.core.api.output.MigrateResult;
import uk.gov.ida.eventrecorder.RecorderException;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;

/**
 * Applies the schema migrations to the database named by the same variables the functions use
 * ({@code DB_CONNECTION_STRING}, {@code ENCRYPTED_DATABASE_PASSWORD}, IAM otherwise), through the same wiring. The
 * deploy pipeline runs it before deploying code, as {@code java -jar event-recorder-lambda.jar migrate} or, as before,
 * the handlers' package's {@code MigrateCommand}, which the pipeline names with {@code java -cp}.
 */
public final class SchemaMigration {
    private SchemaMigration() {
    }

    /** @return the process exit code: 0 when the schema is at the latest version */
    public static int run(PrintWriter out, PrintWriter err) {
        try {
            DatabaseConfig config = DatabaseConfig.fromSystemEnvironment().asOwner(); // migrations run as the owner
            // Two connections: Flyway holds one for its lock while it migrates on another.
            try (Dependencies dependencies = new Dependencies(config, Optional.empty(), Duration.ZERO,
                    "event-recorder-migrate", 2)) {
                MigrateResult result = SchemaMigrations.apply(dependencies.dataSource());
                out.println("migrated " + config.settings() + ": " + result.migrationsExecuted
                        + " migration(s) applied, schema now at version "
                        + Optional.ofNullable(result.targetSchemaVersion).orElse(result.initialSchemaVersion));
                return 0;
            }
        } catch (RecorderException | org.flywaydb.core.api.FlywayException e) {
            err.println("migration failed: " + e.getMessage());
            return 1;
        }
    }
}
