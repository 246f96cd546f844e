package uk.gov.ida.eventrecorder.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import javax.sql.DataSource;

/**
 * The schema, as Flyway migrations in {@code db/migration}. Applied by the deploy pipeline's migration step and by
 * tests, never by the Lambda functions, which may run as an INSERT-only role.
 */
public final class SchemaMigrations {
    private SchemaMigrations() {
    }

    public static MigrateResult apply(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                // The schemas already exist in databases the replaced service created: adopt them at version 1.
                .baselineOnMigrate(false)
                .load()
                .migrate();
    }
}
