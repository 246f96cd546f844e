package uk.gov.ida.eventrecorder.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A fresh PostgreSQL database for this test run, migrated with the project's own migrations and dropped at exit.
 *
 * <p>Where the server comes from, in order: {@code EVENT_RECORDER_TEST_DB} (a libpq or {@code postgresql://}
 * string for an account that may create databases); else the machine's server on 127.0.0.1:5432 as
 * {@code postgres}; else, if a Docker engine is present, a Testcontainers PostgreSQL 15. If none answers, the run
 * fails here, loudly: the tests never skip for want of a database.
 */
public final class TestDatabase {
    /** The tables the tests write, which {@link #truncateAll()} empties. */
    private static final List<String> TABLES = List.of("audit.audit_events", "billing.billing_status",
            "billing.billing_events", "billing.fraud_events", "idp_data.idp_fraud_event_contraindicators",
            "idp_data.idp_fraud_events", "idp_data.upload_session_validation_failures", "idp_data.upload_sessions",
            "audit.export_changes", "ledger.checkpoints", "ledger.leaves", "ledger.nodes", "ledger.row_changes");
    private static TestDatabase instance;

    private final DatabaseSettings settings;
    private final HikariDataSource dataSource;

    private TestDatabase(DatabaseSettings admin) {
        String name = "event_recorder_test_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"))
                + "_" + ProcessHandle.current().pid();
        execute(admin, "CREATE DATABASE " + name);
        this.settings = new DatabaseSettings(admin.host(), admin.port(), name, admin.user(), admin.password(),
                admin.sslMode(), admin.sslRootCert());
        this.dataSource = open(settings, 4);
        SchemaMigrations.apply(dataSource);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dataSource.close();
            try {
                execute(admin, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (RuntimeException ignored) {
                // the server may already be gone; a leftover database is harmless
            }
        }));
    }

    public static synchronized TestDatabase get() {
        if (instance == null) {
            instance = new TestDatabase(findServer());
        }
        return instance;
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    /** A repository on this database as a container builds one: its own circuit (open 1 s), 20 s statements. */
    public EventRepository repository() {
        return new EventRepository(dataSource, new DatabaseCircuit(Duration.ofSeconds(1)), Duration.ofSeconds(20));
    }

    public DatabaseSettings settings() {
        return settings;
    }

    /**
     * {@code DB_CONNECTION_STRING} for a handler under test. The local server trusts loopback, so the password given
     * here (to keep the handler off the IAM path) is not checked; the password tests use their own server.
     */
    public String connectionString() {
        return "host=" + settings.host() + " port=" + settings.port() + " dbname=" + settings.database()
                + " user=" + settings.user() + " password=" + settings.password().orElse("trust-auth-ignores-this");
    }

    /** Runs statements as the test server's superuser (roles, grants, faults a test sets up and removes). */
    public void admin(String... statements) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Empties every table the tests write. TRUNCATE gives a table, its partitions, indexes and TOAST new files: 115 ms
     * for all of these even when they are empty, in almost every test's set-up. So only those holding a row are
     * truncated, with CASCADE since a table that references one (though empty) would otherwise refuse it.
     */
    public void truncateAll() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            List<String> holding = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(String.join(" UNION ALL ", TABLES.stream()
                    .map(t -> "SELECT '" + t + "' WHERE EXISTS (SELECT FROM " + t + ")").toList()))) {
                while (rs.next()) {
                    holding.add(rs.getString(1));
                }
            }
            if (!holding.isEmpty()) {
                s.execute("TRUNCATE " + String.join(", ", holding) + " CASCADE");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static HikariDataSource open(DatabaseSettings settings, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.user());
        settings.password().ifPresent(config::setPassword);
        config.setMaximumPoolSize(size);
        config.setPoolName("test-" + settings.database());
        return new HikariDataSource(config);
    }

    private static DatabaseSettings findServer() {
        String configured = System.getenv("EVENT_RECORDER_TEST_DB");
        if (configured != null && !configured.isBlank()) {
            DatabaseSettings settings = DatabaseSettings.parse(configured);
            requireReachable(settings, "EVENT_RECORDER_TEST_DB");
            return settings;
        }
        DatabaseSettings local = DatabaseSettings.parse("host=127.0.0.1 port=5432 dbname=postgres user=postgres");
        if (reachable(local) == null) {
            return local;
        }
        if (DockerPostgres.dockerAvailable()) {
            return DockerPostgres.start();
        }
        throw new IllegalStateException("No PostgreSQL for the tests: nothing answers on 127.0.0.1:5432 as postgres, "
                + "EVENT_RECORDER_TEST_DB is not set, and there is no Docker engine for Testcontainers. Start the "
                + "local server (build/run-tests.sh does: pg_ctlcluster <version> main start) or set "
                + "EVENT_RECORDER_TEST_DB to a libpq connection string.");
    }

    private static void requireReachable(DatabaseSettings settings, String source) {
        SQLException problem = reachable(settings);
        if (problem != null) {
            throw new IllegalStateException("The test database from " + source + " (" + settings
                    + ") does not answer: " + problem.getMessage());
        }
    }

    private static SQLException reachable(DatabaseSettings settings) {
        try (Connection ignored = connect(settings)) {
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    private static void execute(DatabaseSettings settings, String sql) {
        try (Connection c = connect(settings); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static Connection connect(DatabaseSettings settings) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", settings.user());
        settings.password().ifPresent(p -> properties.setProperty("password", p));
        properties.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(settings.jdbcUrl(), properties);
    }
}
