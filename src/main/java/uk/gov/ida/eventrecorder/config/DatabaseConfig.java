package uk.gov.ida.eventrecorder.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach and log in to the database: all that the migration command needs, and part of what the handlers do.
 *
 * @param settings          {@code DB_CONNECTION_STRING}
 * @param encryptedPassword {@code ENCRYPTED_DATABASE_PASSWORD}: base64 KMS ciphertext of the password
 * @param region            {@code AWS_REGION} (set by Lambda), for signing RDS IAM tokens
 * @param connectTimeout    {@code DB_CONNECT_TIMEOUT_MS}: how long to wait for a connection (default 5000)
 * @param statementTimeout  {@code DB_STATEMENT_TIMEOUT_MS}: how long one batch statement may run (default 20000),
 *                          so a statement stuck behind a lock fails well inside the function's 60 s
 */
public record DatabaseConfig(DatabaseSettings settings, Optional<String> encryptedPassword, Optional<String> region,
                             Duration connectTimeout, Duration statementTimeout) {

    /** The process environment, for the migration command. */
    public static DatabaseConfig fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static DatabaseConfig fromEnvironment(Map<String, String> environment) {
        Env env = new Env(environment);
        DatabaseSettings settings = DatabaseSettings.parse(environment.get(Variable.DB_CONNECTION_STRING.name()));
        Optional<String> encryptedPassword = env.optional(Variable.ENCRYPTED_DATABASE_PASSWORD);
        if (encryptedPassword.isPresent() && settings.password().isPresent()) {
            throw new ConfigurationException("ENCRYPTED_DATABASE_PASSWORD",
                    "is set but DB_CONNECTION_STRING also has a password: give only one");
        }
        return new DatabaseConfig(settings, encryptedPassword,
                env.optional(Variable.AWS_REGION),
                env.millis(Variable.DB_CONNECT_TIMEOUT_MS, 5_000),
                env.millis(Variable.DB_STATEMENT_TIMEOUT_MS, 20_000));
    }

    /**
     * The driver's read timeout for whatever runs without an invocation's deadline (logins, migrations, the
     * maintenance): the statement timeout and ten seconds more, so a statement is cancelled by the server first.
     */
    public Duration socketTimeout() {
        return statementTimeout.plusSeconds(10).withNanos(0);
    }

    /** Neither a password in the connection string nor an encrypted one: log in with an RDS IAM token. */
    public boolean usesIamAuthentication() {
        return settings.password().isEmpty() && encryptedPassword.isEmpty();
    }

    @Override
    public String toString() {
        return "DatabaseConfig[" + settings + ", password from "
                + (settings.password().isPresent() ? "connection string"
                : encryptedPassword.isPresent() ? "KMS" : "RDS IAM token") + "]";
    }
}
