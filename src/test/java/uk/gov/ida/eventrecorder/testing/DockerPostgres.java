package uk.gov.ida.eventrecorder.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;

import java.util.Optional;

/** PostgreSQL 15 in a container, for machines with a Docker engine and no local server. */
final class DockerPostgres {
    private DockerPostgres() {
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static DatabaseSettings start() {
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:15");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
        return new DatabaseSettings(container.getHost(), container.getMappedPort(5432), container.getDatabaseName(),
                container.getUsername(), Optional.of(container.getPassword()), Optional.empty(), Optional.empty());
    }
}
