package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariCredentialsProvider;
import com.zaxxer.hikari.HikariDataSource;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;

import java.time.Duration;
import java.util.Optional;

/**
 * A HikariCP pool sized for one Lambda container. A container records one batch at a time, so its handler asks for
 * one connection: the database's connection budget is then simply containers × 1 (docs/operating.md). An
 * evicted connection frees its slot at once, so a reconnect needs no second one.
 */
public final class ConnectionPool {
    private ConnectionPool() {
    }

    /**
     * @param credentials user and password (static, KMS-decrypted, or a fresh IAM token per physical connection)
     * @param requireSsl  IAM authentication is only accepted over SSL; used when the settings name no sslmode
     * @param socketTimeout a read waiting longer fails (whole seconds; at least one)
     */
    public static HikariDataSource open(DatabaseSettings settings, HikariCredentialsProvider credentials,
                                        boolean requireSsl, Duration connectTimeout, Duration socketTimeout,
                                        String poolName, int maximumSize) {
        return open(settings, credentials, settings.sslMode().or(() -> Optional.ofNullable(requireSsl ? "require" : null)),
                settings.sslRootCert(), connectTimeout, socketTimeout, Optional.empty(), poolName, maximumSize);
    }

    /**
     * @param sslMode     the driver's {@code sslmode} ({@code DatabaseConfig.sslMode()}); empty: the driver's default
     * @param sslRootCert the CA certificates file the server's certificate must chain to
     * @param statementTimeout every session's {@code statement_timeout}, set at login: the server cancels a longer
     *                         statement itself (57014, the connection kept), with no timer and no cancel request
     *                         from the driver per statement
     */
    public static HikariDataSource open(DatabaseSettings settings, HikariCredentialsProvider credentials,
                                        Optional<String> sslMode, Optional<String> sslRootCert,
                                        Duration connectTimeout, Duration socketTimeout,
                                        Optional<Duration> statementTimeout, String poolName, int maximumSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(poolName);
        config.setJdbcUrl(settings.jdbcUrl());
        config.setCredentialsProvider(credentials);
        config.setMaximumPoolSize(maximumSize);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(Math.max(250, connectTimeout.toMillis()));
        config.setValidationTimeout(Math.max(250, Math.min(connectTimeout.toMillis(), 2_000)));
        // A container may be frozen for minutes between invocations and its connections silently dropped; Hikari
        // validates any connection idle for more than 500 ms before lending it, so a dead one is replaced, not used.
        config.setMaxLifetime(Duration.ofMinutes(10).toMillis());
        config.setIdleTimeout(Duration.ofMinutes(5).toMillis());
        // Start without a connection: the cold start must not fail (or wait) because the database is briefly down,
        // and a SnapStart snapshot must hold no connection.
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("ApplicationName", poolName);
        config.addDataSourceProperty("tcpKeepAlive", "true");
        // Every supported server is PostgreSQL 13 or later (docs/deploying.md): the driver then puts the application
        // name and its float setting in the login's startup packet instead of a SET after it, one round trip fewer per
        // login.
        config.addDataSourceProperty("assumeMinServerVersion", "13");
        config.addDataSourceProperty("connectTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
        // The backstop for a silent network path: each recording statement sets its own, shorter network timeout from
        // the invocation's time left (EventRepository); anything else (login, migrations, maintenance) gets this.
        config.addDataSourceProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        // A statement timeout's cancel request travels a connection of its own, and the statement's read waits for it:
        // on a silent network path the driver's default (10 s) would be added to every failed statement.
        config.addDataSourceProperty("cancelSignalTimeout", "2");
        // In the login's startup packet: no round trip. It bounds every statement on the pool, migrations and
        // maintenance too, which the socket timeout (this plus ten seconds) already bounded: now the server cancels
        // first and the connection is kept.
        statementTimeout.ifPresent(t -> config.addDataSourceProperty("options",
                "-c statement_timeout=" + Math.max(1, t.toMillis())));
        sslMode.ifPresent(mode -> config.addDataSourceProperty("sslmode", mode));
        sslRootCert.ifPresent(cert -> config.addDataSourceProperty("sslrootcert", cert));
        return new HikariDataSource(config);
    }
}
