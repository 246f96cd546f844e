package uk.gov.ida.eventrecorder.lambda;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.api.output.MigrateResult;
import uk.gov.ida.eventrecorder.RecorderException;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.crypto.KmsSecrets;
import uk.gov.ida.eventrecorder.store.DatabaseLogin;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * {@code java -cp event-recorder.jar uk.gov.ida.eventrecorder.lambda.MigrateCommand}: applies the schema
 * migrations to the database named by the same variables the functions use ({@code DB_CONNECTION_STRING},
 * {@code ENCRYPTED_DATABASE_PASSWORD}, IAM otherwise). The deploy pipeline runs it before deploying code.
 */
public final class MigrateCommand {
    private MigrateCommand() {
    }

    public static void main(String[] args) {
        try {
            DatabaseConfig config = DatabaseConfig.fromSystemEnvironment();
            // Two connections: Flyway holds one for its lock while it migrates on another.
            try (HikariDataSource dataSource = DatabaseLogin.open(config, () -> new KmsSecrets(
                    KmsClient.builder().httpClient(UrlConnectionHttpClient.create()).build()), "event-recorder-migrate", 2)) {
                MigrateResult result = SchemaMigrations.apply(dataSource);
                System.out.println("migrated " + config.settings() + ": " + result.migrationsExecuted
                        + " migration(s) applied, schema now at version " + result.targetSchemaVersion);
            }
        } catch (RecorderException | org.flywaydb.core.api.FlywayException e) {
            System.err.println("migration failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
