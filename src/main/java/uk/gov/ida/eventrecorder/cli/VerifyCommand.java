package uk.gov.ida.eventrecorder.cli;

import com.zaxxer.hikari.HikariDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.config.AwsSettings;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.verification.Finding;
import uk.gov.ida.eventrecorder.verification.Verdict;
import uk.gov.ida.eventrecorder.verification.Verifier;
import uk.gov.ida.eventrecorder.wiring.AwsClients;
import uk.gov.ida.eventrecorder.wiring.Dependencies;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/**
 * The auditor's command (docs/export-and-verification.md). Exit codes: 0 intact, 1 tampered, 2 could not check.
 * On a terminal it shows its progress on one line; in a pipeline it prints one line per finding and a summary.
 */
@Command(name = "verify", description = "Check an export: every version of every object under the prefix (a "
        + "delete marker is tampering), the chain's links and their signatures, every object's SHA-256, the Athena "
        + "index, the ledger's checkpoints and each manifest's rows against them, and with --against-database each "
        + "exported day recomputed from the tables. Exit 0 intact, 1 tampered, 2 could not check.")
final class VerifyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--bucket", required = true, description = "the export bucket")
    String bucket;

    @Option(names = "--prefix", defaultValue = "", description = "the export's folder in it (EXPORT_PREFIX)")
    String prefix;

    @CommandLine.ArgGroup(multiplicity = "1")
    Key key;

    static final class Key {
        @Option(names = "--public-key", description = "the signing key's public half, a PEM file (offline)")
        Path pem;

        @Option(names = "--kms-key-id", description = "the signing key in KMS (kms:GetPublicKey)")
        String kmsKeyId;
    }

    @Option(names = "--expected-head", paramLabel = "N", description = "the chain's last place the export published "
            + "(the ExportChainHead metric, or the log line \"export chain head: sequence N\"): a chain that ends "
            + "before it was cut short")
    Long expectedHead;

    @Option(names = "--expected-ledger-size", paramLabel = "N", description = "the ledger's tree size published "
            + "outside the bucket (the LedgerTreeSize metric): a ledger whose checkpoints end before it was cut short")
    Long expectedLedgerSize;

    @Option(names = "--against-database", description = "also recompute each exported day from the database "
            + "(DB_CONNECTION_STRING and the functions' other database variables; a read-only role suffices)")
    boolean againstDatabase;

    @Option(names = "--progress", negatable = true, description = "show progress on one line (default: when the "
            + "output is a terminal)")
    Boolean progress;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean showProgress = progress != null ? progress : System.console() != null;
        AwsClients clients = new AwsClients(AwsSettings.fromSystemEnvironment());
        Dependencies dependencies = null;
        try (S3Client s3 = clients.s3ForLargeObjects()) {
            PublicKey publicKey;
            try {
                publicKey = key.pem != null ? PublicKeys.fromPem(Files.readString(key.pem))
                        : fromKms(clients, key.kmsKeyId);
            } catch (Exception e) {
                err.println("verify: could not read the public key: " + e.getMessage());
                return Verdict.COULD_NOT_CHECK.exitCode();
            }
            Optional<HikariDataSource> database = Optional.empty();
            if (againstDatabase) {
                dependencies = new Dependencies(DatabaseConfig.fromSystemEnvironment(), Optional.empty(),
                        Dependencies.CIRCUIT_OPEN, "event-recorder-verify", 1);
                database = Optional.of(dependencies.dataSource());
            }
            Verifier.Result result = new Verifier(s3, bucket, new ExportLayout(prefix), publicKey,
                    database.map(d -> d), expectedHead == null ? OptionalLong.empty()
                    : OptionalLong.of(expectedHead), expectedLedgerSize == null ? OptionalLong.empty()
                    : OptionalLong.of(expectedLedgerSize)).verify(new Verifier.Progress() {
                        @Override
                        public void step(String stage, int done, int total) {
                            if (showProgress) {
                                err.print("\rverify: " + stage + " " + done + " of " + total + "   ");
                                err.flush();
                            }
                        }

                        @Override
                        public void finding(Finding finding) {
                            if (showProgress) {
                                err.print("\r");
                            }
                            out.println(finding);
                        }
                    });
            if (showProgress) {
                err.println();
            }
            out.println("verify: " + result.verdict().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + ": " + result.manifests() + " link(s), " + result.objects() + " object(s), "
                    + result.checkpoints() + " checkpoint(s) (tree size " + result.ledgerSize() + ")"
                    + (againstDatabase ? ", " + result.daysAgainstDatabase() + " table-day(s) against the database"
                    : "") + "; " + result.tampered() + " tampered, " + result.rowsAdded() + " row(s) added since "
                    + "export, " + result.notes() + " note(s)" + (result.couldNotCheck() == null ? "" : "; could not check: " + result.couldNotCheck()));
            return result.verdict().exitCode();
        } finally {
            if (dependencies != null) {
                dependencies.close();
            }
        }
    }

    private static PublicKey fromKms(AwsClients clients, String keyId) {
        try (KmsClient kms = clients.kms()) {
            return PublicKeys.fromKms(kms, keyId);
        }
    }
}
