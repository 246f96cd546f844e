package uk.gov.ida.eventrecorder.config;

import uk.gov.ida.eventrecorder.crypto.SecretPurpose;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach and log in to the database: all that the migration command needs, and part of what the handlers do.
 *
 * @param settings          {@code DB_CONNECTION_STRING}, its user replaced by {@code DB_USER} where that is set
 * @param encryptedPassword {@code ENCRYPTED_DATABASE_PASSWORD}: base64 KMS ciphertext of the password
 * @param aws               {@code AWS_REGION} (set by Lambda), for signing RDS IAM tokens, and where the role's
 *                          credentials are
 * @param connectTimeout    {@code DB_CONNECT_TIMEOUT_MS}: how long to wait for a connection (default 5000)
 * @param statementTimeout  {@code DB_STATEMENT_TIMEOUT_MS}: how long one batch statement may run (default 20000),
 *                          so a statement stuck behind a lock fails well inside the function's 60 s
 * @param kmsEncryptionContext {@code KMS_ENCRYPTION_CONTEXT}: decrypt every KMS ciphertext with the encryption
 *                          context naming its purpose (default false: ciphertexts made without one)
 * @param passwordPurpose   what the encrypted password is for: the functions' login, or the tables' owner's
 *                          ({@link #asOwner})
 * @param caBundle          {@code DB_CA_BUNDLE}: the certificates the database's must chain to
 */
public record DatabaseConfig(DatabaseSettings settings, Optional<String> encryptedPassword, AwsSettings aws,
                             Duration connectTimeout, Duration statementTimeout, boolean kmsEncryptionContext,
                             SecretPurpose passwordPurpose, Optional<CaBundle> caBundle) {

    /** The process environment, for the migration command. */
    public static DatabaseConfig fromSystemEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static DatabaseConfig fromEnvironment(Map<String, String> environment) {
        Env env = new Env(environment);
        DatabaseSettings parsed = DatabaseSettings.parse(environment.get(Variable.DB_CONNECTION_STRING.name()));
        // Each function logs in as its own role (docs/deploying.md, "Database privileges"): one connection string, its
        // user named per function.
        DatabaseSettings settings = env.optional(Variable.DB_USER).filter(u -> !u.isBlank())
                .map(user -> new DatabaseSettings(parsed.host(), parsed.port(), parsed.database(), user,
                        parsed.password(), parsed.sslMode(), parsed.sslRootCert()))
                .orElse(parsed);
        Optional<String> encryptedPassword = env.optional(Variable.ENCRYPTED_DATABASE_PASSWORD);
        if (encryptedPassword.isPresent() && settings.password().isPresent()) {
            throw new ConfigurationException("ENCRYPTED_DATABASE_PASSWORD",
                    "is set but DB_CONNECTION_STRING also has a password: give only one");
        }
        return new DatabaseConfig(settings, encryptedPassword,
                AwsSettings.fromEnvironment(environment),
                env.millis(Variable.DB_CONNECT_TIMEOUT_MS, 5_000),
                env.millis(Variable.DB_STATEMENT_TIMEOUT_MS, 20_000),
                env.flag(Variable.KMS_ENCRYPTION_CONTEXT),
                SecretPurpose.DATABASE_PASSWORD,
                env.optional(Variable.DB_CA_BUNDLE).map(CaBundle::new));
    }

    /** {@code AWS_REGION}, if set. */
    public Optional<String> region() {
        return aws.region();
    }

    /**
     * The TLS mode the driver is given: what {@code DB_CONNECTION_STRING} says; else {@code verify-full} when there
     * are certificates to verify against ({@code DB_CA_BUNDLE}, or {@code sslrootcert} in the string); else
     * {@code require} for an IAM login (RDS accepts tokens only over TLS); else none (the driver's {@code prefer}).
     */
    public Optional<String> sslMode() {
        if (settings.sslMode().isPresent()) {
            return settings.sslMode();
        }
        if (caBundle.isPresent() || settings.sslRootCert().isPresent()) {
            return Optional.of("verify-full");
        }
        return usesIamAuthentication() ? Optional.of("require") : Optional.empty();
    }

    /** True when the server's certificate is checked against a CA and its name against the host. */
    public boolean verifiesServer() {
        return sslMode().filter("verify-full"::equals).isPresent();
    }

    /**
     * The same login, as the tables' owner (migrations, partition maintenance): its encrypted password is another
     * secret, bound to its own purpose.
     */
    public DatabaseConfig asOwner() {
        return new DatabaseConfig(settings, encryptedPassword, aws, connectTimeout, statementTimeout,
                kmsEncryptionContext, SecretPurpose.OWNER_DATABASE_PASSWORD, caBundle);
    }

    /**
     * The driver's read timeout for whatever runs without an invocation's deadline (logins, migrations, the
     * maintenance): the statement timeout and ten seconds more, so a statement is cancelled by the server first.
     */
    public Duration socketTimeout() {
        return statementTimeout.plusSeconds(10).withNanos(0);
    }

    /**
     * Whether each session gets the statement timeout at login (the startup packet's {@code options}), so that no
     * statement needs the driver's per-statement timer. Not through RDS Proxy, which refuses a login with command-line
     * options ("RDS Proxy currently doesn't support command-line options"); a proxy endpoint is named
     * {@code <name>.proxy-<id>.<region>.rds.amazonaws.com}, and there the driver's query timeout is kept.
     */
    public boolean timesStatementsBySession() {
        return !settings.host().contains(".proxy-");
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
