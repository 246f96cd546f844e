package uk.gov.ida.eventrecorder.cli;

import com.zaxxer.hikari.HikariDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import uk.gov.ida.eventrecorder.RecorderException;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.config.KeyLocation;
import uk.gov.ida.eventrecorder.config.RecorderConfig;
import uk.gov.ida.eventrecorder.store.AuditPartitions;
import uk.gov.ida.eventrecorder.store.DatabaseRole;
import uk.gov.ida.eventrecorder.store.SchemaMigrations;
import uk.gov.ida.eventrecorder.store.UndatedRows;
import uk.gov.ida.eventrecorder.wiring.Dependencies;

import javax.crypto.SecretKey;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Checks a deployment before its first event fails: configuration, data keys, database login, schema, privileges,
 * queue and dead-letter queue. One line per check; exit 0 only when every check passes. It prints no key, password
 * or token, also when a check fails: keys are shown by their check value, failures by the secret's name.
 */
@Command(name = "doctor", description = "Check the configuration, data key, database login, schema, privileges, "
        + "audit partitions and queues, one line each (✓/✗ and what to do). Exit 0 only when all pass.")
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--queue-url", description = "the queue to check (default: QUEUE_URL); its dead-letter queue "
            + "is found from its redrive policy")
    String queueUrl;

    @Option(names = "--function", defaultValue = "recorder", description = "whose login this is, for the privilege "
            + "check: recorder (the queue functions, the default), replay, fraud-upload, maintenance, export or "
            + "ledger. The data key and queue checks are the recorder's only")
    String function;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;
    private int failures;
    private DatabaseRole role;
    /** The functions' configuration: the process's environment, or the one {@link RecorderCli#doctor} is given. */
    Map<String, String> environment = RecorderConfig.processEnvironment();

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        role = Arrays.stream(DatabaseRole.values()).filter(r -> r.functionName().equals(function))
                .findFirst().orElse(null);
        if (role == null) {
            fail("configuration", "--function " + function + " is not a function of the recorder",
                    "give recorder, replay, fraud-upload, maintenance, export or ledger");
            return 1;
        }
        if (role != DatabaseRole.RECORDER) {
            return databaseOnly();
        }
        Operator operator;
        try {
            operator = Operator.fromEnvironment(environment);
        } catch (RecorderException e) {
            fail("configuration", e.getMessage(), "set it as docs/configuration.md says");
            return 1;
        }
        try (operator) {
            pass("configuration", "database " + where(operator.config().database()) + ", data key from "
                    + (operator.config().dataKey() instanceof KeyLocation.InEnvironment env
                    ? "ENCRYPTION_KEY (" + env.ciphertexts().size() + " key(s))"
                    : "s3://" + ((KeyLocation.InS3Object) operator.config().dataKey()).bucket() + "/"
                    + ((KeyLocation.InS3Object) operator.config().dataKey()).key()));
            checkDataKeys(operator);
            checkDatabase(operator);
            checkQueues(operator);
        }
        return summary();
    }

    /** A function that decrypts no queue message: its configuration is the database's, and its login is checked. */
    private int databaseOnly() {
        DatabaseConfig database;
        try {
            database = DatabaseConfig.fromEnvironment(environment);
        } catch (RecorderException e) {
            fail("configuration", e.getMessage(), "set it as docs/configuration.md says");
            return 1;
        }
        pass("configuration", "database " + where(database) + " (the " + function + " function: no data key, no queue)");
        // As the other commands' wiring (Operator), without a data key: one attempt, three connections.
        try (Dependencies dependencies = new Dependencies(database, Optional.empty(), Duration.ZERO,
                "event-recorder-operator", 3)) {
            checkDatabase(database, dependencies::dataSource);
        }
        return summary();
    }

    private int summary() {
        out.println(failures == 0 ? "all checks passed" : failures + " check(s) failed");
        return failures == 0 ? 0 : 1;
    }

    private void checkDataKeys(Operator operator) {
        try {
            List<SecretKey> keys = operator.keys();
            List<String> described = new ArrayList<>();
            for (int k = 0; k < keys.size(); k++) {
                described.add("key " + (k + 1) + ": AES-" + keys.get(k).getEncoded().length * 8 + ", check value "
                        + Operator.checkValue(keys.get(k)));
            }
            pass("data key", "decrypted with KMS; " + String.join("; ", described));
        } catch (RecorderException e) {
            fail("data key", e.getMessage(), "check ENCRYPTION_KEY (or the S3 key object) holds the KMS ciphertext "
                    + "of a 16, 24 or 32-byte key, and that this role may kms:Decrypt with its KMS key");
        }
    }

    private void checkDatabase(Operator operator) {
        checkDatabase(operator.config().database(), operator::dataSource);
    }

    private void checkDatabase(DatabaseConfig database, java.util.function.Supplier<HikariDataSource> dataSource) {
        String method = database.settings().password().isPresent() ? "password"
                : database.encryptedPassword().isPresent() ? "KMS-encrypted password" : "RDS IAM token";
        // Three connections: the schema check's Flyway takes two of its own while this one is held.
        try {
            HikariDataSource pool = dataSource.get();
            try (Connection connection = pool.getConnection()) {
            pass("database login", "logged in to " + where(database) + " with a " + method);
            checkTls(database, connection);
            checkSchema(pool, connection);
            checkPrivileges(connection, database.settings().user());
            if (role.seesAudit()) {
                checkPartitions(connection);
            } else {
                out.println("- partitions: not checked (the " + function + " function uses no audit table)");
            }
            out.println(UndatedRows.describe(UndatedRows.count(connection)));
            }
        } catch (SQLException | RuntimeException e) {
            fail("database login", "could not log in with a " + method + ": " + rootCause(e),
                    "check DB_CONNECTION_STRING, the password or the role's rds_iam grant, and that this network "
                            + "reaches the database");
        }
    }

    /**
     * Whoever can answer on the database's address gets the login (a 15-minute IAM token, a password) unless the
     * server's certificate is verified: only {@code verify-full} passes. A database on this machine, reached without
     * TLS at all, is a developer's and passes with a note.
     */
    private void checkTls(DatabaseConfig database, Connection connection) throws SQLException {
        boolean encrypted;
        String version;
        try (var s = connection.createStatement();
             var rs = s.executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            encrypted = rs.next() && rs.getBoolean(1);
            version = encrypted ? rs.getString(2) : null;
        }
        String mode = database.sslMode().orElse("prefer (the driver's default)");
        String host = database.settings().host();
        boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
        if (database.verifiesServer() && encrypted) {
            pass("TLS", "verify-full, " + version + ", certificate checked against " + database.caBundle()
                    .map(b -> b.location()).or(() -> database.settings().sslRootCert()).orElse("?"));
        } else if (!encrypted && loopback) {
            pass("TLS", "not used: the database is on this machine (" + host + ")");
        } else {
            fail("TLS", "sslmode " + mode + (encrypted ? " encrypts (" + version + ") but" : " does not encrypt and")
                    + " accepts any certificate: whoever answers on " + host + " gets the login",
                    "give DB_CA_BUNDLE (the RDS CA bundle: a file in the artifact or s3://bucket/key), so that "
                            + "verify-full is the default");
        }
    }

    private void checkSchema(HikariDataSource pool, Connection connection) throws SQLException {
        List<String> missing = new ArrayList<>();
        // From the catalog: to_regclass would need USAGE on the table's schema, which a role rightly lacks (the
        // fraud upload's on audit).
        try (PreparedStatement s = connection.prepareStatement("SELECT EXISTS (SELECT FROM pg_class c JOIN "
                + "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?)")) {
            for (String table : DatabaseRole.TABLES) {
                s.setString(1, table.substring(0, table.indexOf('.')));
                s.setString(2, table.substring(table.indexOf('.') + 1));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        missing.add(table);
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            fail("schema", "missing " + String.join(", ", missing),
                    "run 'java -jar event-recorder-lambda.jar migrate' as the schema owner");
            return;
        }
        try {
            SchemaMigrations.Status status = SchemaMigrations.status(pool);
            if (status.pending() > 0) {
                fail("schema", "at version " + status.version() + "; " + status.pending()
                        + " migration(s) pending (latest " + status.latest() + ")", "run migrate as the schema owner");
            } else {
                pass("schema", "at version " + status.version() + ", the latest this build knows");
            }
        } catch (RuntimeException e) {
            // The functions' role need not read Flyway's history table: the tables being there is what it needs.
            pass("schema", "the event tables exist (the migration history is not readable here: "
                    + rootCause(e) + ")");
        }
    }

    /**
     * Both ways: every privilege the function uses, and none it does not, PUBLIC's included (docs/deploying.md,
     * "Database privileges"); each failure with the statements that mend it. INSERT is checked column by column: a
     * function's login that may INSERT a whole table, or {@code recorded_xid}, could hide a row from the export's
     * search, and fails with the REVOKE and the GRANT of its columns.
     */
    private void checkPrivileges(Connection connection, String user) throws SQLException {
        DatabaseRole.Check check = role.check(connection);
        if (!check.missing().isEmpty()) {
            fail("privileges", user + " lacks what the " + function + " function uses: "
                    + String.join("; ", check.missing()), statements(check.granting())
                    + " (docs/deploying.md, \"Database privileges\")");
        }
        if (!check.excess().isEmpty()) {
            fail("privileges", user + " holds more than the " + function + " function uses: "
                    + String.join("; ", check.excess()), statements(check.revoking()) + " (docs/deploying.md, "
                    + "\"Database privileges\"; a role shared with another function needs its own)");
        }
        if (check.exact()) {
            pass("privileges", user + " has every privilege the " + function + " function uses, and no other");
        }
    }

    /**
     * The audit table's monthly partitions reach past next month, and its default partition is empty. Rows there are
     * recorded, not lost: a warning, not a failure; partitions about to run out are a failure (everything would land
     * in the default partition, and creating the month later has to move it).
     */
    private void checkPartitions(Connection connection) throws SQLException {
        if (!AuditPartitions.partitioned(connection)) {
            return; // the schema check has already said the migrations are pending
        }
        AuditPartitions.State state = AuditPartitions.state(connection);
        LocalDateTime needed = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1)
                .plusMonths(2);
        if (state.preparedUntil() == null || state.preparedUntil().isBefore(needed)) {
            fail("partitions", "audit.audit_events has monthly partitions only until " + state.preparedUntil()
                            + ": events after that go to its default partition",
                    "check the PartitionMaintenanceFunction's errors, or run migrate, which creates them "
                            + AuditPartitions.MONTHS_AHEAD + " months ahead");
        } else {
            pass("partitions", "audit.audit_events has monthly partitions until " + state.preparedUntil().toLocalDate());
        }
        if (state.rowsInDefault() > 0) {
            out.println("! default partition: " + (state.estimated() ? "about " : "") + state.rowsInDefault()
                    + " event(s) in audit.audit_events_default, dated outside every prepared month (recorded; "
                    + "a producer's clock?) — see them with: SELECT event_id, time_stamp, originating_service FROM "
                    + "audit.audit_events_default" + (state.estimated() ? " (count from statistics: this login "
                    + "cannot read the table)" : ""));
        } else {
            pass("default partition", "empty" + (state.estimated() ? " (by the statistics: this login cannot "
                    + "read the table)" : ""));
        }
    }

    private void checkQueues(Operator operator) {
        String url = queueUrl != null ? queueUrl : operator.config().queueUrl().orElse(null);
        if (url == null) {
            out.println("- queue: not checked (give --queue-url, or set QUEUE_URL)");
            return;
        }
        try {
            Map<QueueAttributeName, String> queue = operator.sqs().getQueueAttributes(r -> r.queueUrl(url)
                    .attributeNames(QueueAttributeName.ALL)).attributes();
            pass("queue", url + ": " + depth(queue));
            String redrive = queue.get(QueueAttributeName.REDRIVE_POLICY);
            if (redrive == null) {
                fail("dead-letter queue", url + " has no redrive policy: a message that always fails would be "
                        + "retried until it expires", "give the queue a dead-letter queue (the template does)");
                return;
            }
            String dlqArn = redrive.replaceAll(".*\"deadLetterTargetArn\"\\s*:\\s*\"([^\"]+)\".*", "$1");
            String[] arn = dlqArn.split(":");
            String dlqUrl = operator.sqs().getQueueUrl(r -> r.queueName(arn[arn.length - 1])).queueUrl();
            Map<QueueAttributeName, String> dlq = operator.sqs().getQueueAttributes(r -> r.queueUrl(dlqUrl)
                    .attributeNames(QueueAttributeName.ALL)).attributes();
            String visible = dlq.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
            if ("0".equals(visible)) {
                pass("dead-letter queue", dlqUrl + ": " + depth(dlq));
            } else {
                fail("dead-letter queue", dlqUrl + ": " + depth(dlq) + ": events not recorded",
                        "triage with 'dlq inspect --queue-url " + dlqUrl + "', fix, then 'dlq redrive'");
            }
        } catch (SdkException e) {
            fail("queue", url + " is not reachable: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
                    "check the URL, AWS_REGION and that this role may sqs:GetQueueAttributes");
        }
    }

    /** {@code as the administrator: REVOKE …; then as the schema owner: GRANT …;}, in the order given. */
    private static String statements(List<DatabaseRole.Fix> fixes) {
        Map<String, List<String>> byWho = new LinkedHashMap<>();
        for (DatabaseRole.Fix fix : fixes) {
            byWho.computeIfAbsent(fix.runBy(), who -> new ArrayList<>()).add(fix.sql());
        }
        List<String> parts = new ArrayList<>();
        byWho.forEach((who, sql) -> parts.add("as " + who + ": " + String.join(" ", sql)));
        return String.join(" then ", parts);
    }

    private static String where(DatabaseConfig database) {
        var s = database.settings();
        return s.user() + "@" + s.host() + ":" + s.port() + "/" + s.database();
    }

    private static String depth(Map<QueueAttributeName, String> attributes) {
        return attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES) + " waiting, "
                + attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE) + " in flight";
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private void pass(String check, String detail) {
        out.println("✓ " + check + ": " + detail);
    }

    private void fail(String check, String problem, String todo) {
        failures++;
        out.println("✗ " + check + ": " + problem + " — " + todo);
    }
}
