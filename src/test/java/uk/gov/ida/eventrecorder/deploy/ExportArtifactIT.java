package uk.gov.ida.eventrecorder.deploy;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.testing.ExportFixture;
import uk.gov.ida.eventrecorder.testing.JavaCommand;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The export's own artifact as an operator and an auditor run it: {@code java -jar event-recorder-export.jar export}
 * and {@code verify} in fresh JVMs, configured as the function is, against PostgreSQL and moto (reached through the
 * SDK's standard {@code AWS_ENDPOINT_URL}); and the recorder's artifact without any of it.
 */
class ExportArtifactIT {
    private static final Path EXPORT = Path.of(System.getProperty("export.artifact.path",
            "target/event-recorder-export.jar"));
    private static final Path RECORDER = Path.of(System.getProperty("artifact.path", "target/event-recorder-lambda.jar"));

    private record Run(int exit, String output) {
    }

    @Test
    void theRecordersArtifactCarriesNoParquetAndNoExportCodeAndTheExportsCarriesBoth() throws IOException {
        try (ZipFile recorder = new ZipFile(RECORDER.toFile()); ZipFile export = new ZipFile(EXPORT.toFile())) {
            for (String name : List.of("org/apache/parquet/hadoop/ParquetWriter.class",
                    "org/xerial/snappy/Snappy.class", "uk/gov/ida/eventrecorder/export/Exporter.class",
                    "uk/gov/ida/eventrecorder/lambda/ExportHandler.class",
                    "uk/gov/ida/eventrecorder/verification/Verifier.class")) {
                assertTrue(recorder.getEntry(name) == null, "the recorder's artifact has " + name);
                assertTrue(export.getEntry(name) != null, "the export's artifact lacks " + name);
            }
            assertTrue(export.getEntry("uk/gov/ida/eventrecorder/lambda/SqsEventHandler.class") != null);
            // Every function the template gives this artifact (the export, the ledger) finds its handler in it.
            new Template().functions().forEach((name, function) -> {
                if (function.path("Properties").path("CodeUri").asText().equals("target/event-recorder-export.jar")) {
                    String handler = Template.handlerClass(function).replace('.', '/') + ".class";
                    assertTrue(export.getEntry(handler) != null, name + ": the export's artifact lacks " + handler);
                }
            });
            System.out.printf("artifacts: recorder %,d bytes (%d entries), export %,d bytes (%d entries)%n",
                    RECORDER.toFile().length(), recorder.size(), EXPORT.toFile().length(), export.size());
        }
    }

    @Test
    void everyNativeLibraryInTheExportsArtifactHasAnArm64Build() throws IOException {
        System.out.println("native libraries in the export's artifact: " + NativeLibraries.in(EXPORT));
        assertEquals(List.of(), NativeLibraries.withoutArm64Build(EXPORT),
                "snappy's native code must run on the arm64 functions too");
    }

    @Test
    void theOperatorExportsAndTheAuditorVerifiesThenFindsAnAlteredRowAndSaysWhenItCannotCheck() throws Exception {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        Map<String, String> env = environment(f);

        Run export = run(env, "export");
        assertEquals(0, export.exit(), export.output());
        assertTrue(export.output().contains("export: "), export.output());
        assertEquals(1, f.indexed("audit_events", ExportFixture.DAY_1).size(), f.keys().toString());
        // The head, published outside the bucket: the log line of each link, and the command's last line.
        long head = export.output().lines().filter(l -> l.startsWith("export chain head: sequence "))
                .mapToLong(l -> Long.parseLong(l.substring("export chain head: sequence ".length()).trim()))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError(export.output()));
        assertTrue(export.output().contains(String.format("export chain head: sequence %d, link _chain/%012d.json, "
                + "sha256 ", head, head)), export.output());

        Run intact = run(env, "verify", "--bucket", f.bucket, "--kms-key-id", f.keyId, "--against-database",
                "--expected-head", Long.toString(head));
        assertEquals(0, intact.exit(), intact.output());
        String summary = intact.output().lines().filter(l -> l.startsWith("verify: ")).findFirst().orElseThrow();
        assertTrue(summary.startsWith("verify: intact: "), summary);
        assertTrue(summary.contains(" 0 tampered, 0 row(s) added since export"), summary);

        f.db.admin("UPDATE billing.billing_events SET provided_level_of_assurance = 'LEVEL_4' WHERE event_id = 'bill-"
                + ExportFixture.DAY_2 + "'");
        Run tampered = run(env, "verify", "--bucket", f.bucket, "--kms-key-id", f.keyId, "--against-database",
                "--no-progress");
        assertEquals(1, tampered.exit(), tampered.output());
        assertTrue(tampered.output().lines().anyMatch(l -> l.equals("TAMPERED billing.billing_events "
                + ExportFixture.DAY_2 + ": event_id=bill-" + ExportFixture.DAY_2 + " altered since export")),
                tampered.output());
        assertFalse(tampered.output().contains("LEVEL_4"), "names the row, never its content");

        Run progress = run(env, "verify", "--bucket", f.bucket, "--kms-key-id", f.keyId, "--progress");
        assertTrue(progress.output().contains("\rverify: links "), "progress on one line when asked");

        Run cut = run(env, "verify", "--bucket", f.bucket, "--kms-key-id", f.keyId, "--expected-head",
                Long.toString(head + 1));
        assertEquals(1, cut.exit(), cut.output());
        assertTrue(cut.output().contains("TAMPERED the chain ends at " + head + " but the export published "
                + (head + 1) + ": links " + (head + 1) + ".." + (head + 1) + " are gone"), cut.output());

        Run nothing = run(env, "verify", "--bucket", f.bucket, "--prefix", "exprot", "--kms-key-id", f.keyId);
        assertEquals(2, nothing.exit(), nothing.output());
        assertTrue(nothing.output().contains("nothing to verify under s3://" + f.bucket + "/exprot/: check --bucket "
                + "and --prefix"), nothing.output());

        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Map<String, String> unreachable = new HashMap<>(env);
        unreachable.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:" + closed);
        Run cannot = run(unreachable, "verify", "--bucket", f.bucket, "--kms-key-id", f.keyId);
        assertEquals(2, cannot.exit(), cannot.output());
        assertTrue(cannot.output().contains("UNCHECKED "), cannot.output());
    }

    @Test
    void theOperatorRunsTheLedgersCheckpointFromTheArtifactAndItSaysWhatItDid() throws Exception {
        ExportFixture f = new ExportFixture(true);
        Map<String, String> env = environment(f);

        Run genesis = run(env, "ledger", "checkpoint");
        f.seed();
        Run first = run(env, "ledger", "checkpoint");
        Run idle = run(env, "ledger", "checkpoint");

        assertEquals(0, genesis.exit(), genesis.output());
        assertTrue(genesis.output().contains("ledger: checkpointed, checkpoint 0, 0 leaves (0 new), 1 object(s) "
                + "written, in "), genesis.output());
        assertEquals(0, first.exit(), first.output());
        assertTrue(first.output().contains("ledger: checkpointed, checkpoint 1, 33 leaves (33 new), 1 object(s) "
                + "written, in "), first.output());
        assertTrue(idle.output().contains("ledger: idle, checkpoint 1, 33 leaves (0 new), 0 object(s) written"),
                idle.output());
        assertTrue(f.keys().contains("_ledger/000000000001.json"), f.keys().toString());
    }

    @Test
    void theOperatorProvesAnEventAndTheAuditorChecksTheProofsOfflineWithThePublicKeyAlone(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        ExportFixture f = new ExportFixture(true);
        Map<String, String> env = environment(f);
        assertEquals(0, run(env, "ledger", "checkpoint").exit(), "the genesis");
        f.db.admin("INSERT INTO audit.audit_events VALUES ('evt-cli', '" + ExportFixture.DAY_1 + " 10:00:00', 'hub', "
                        + "NULL, 'session_event', NULL)",
                "INSERT INTO billing.billing_events VALUES ('" + ExportFixture.DAY_1 + " 10:00:00', 's', 'p', 'r', "
                        + "'idp-a', 'LEVEL_1', 'LEVEL_2', NULL, 'evt-cli', NULL)");
        Run waiting = run(env, "verify-event", "evt-cli");
        assertEquals(1, waiting.exit(), waiting.output());
        assertTrue(waiting.output().contains("verify-event: audit.audit_events event_id=evt-cli time_stamp="
                + ExportFixture.DAY_1 + "T10:00:00.000000Z is not in the ledger yet: the next checkpoint adds it"),
                waiting.output());
        assertEquals(0, run(env, "ledger", "checkpoint").exit());

        Run proved = run(env, "verify-event", "evt-cli");
        Run unknown = run(env, "verify-event", "no-such-event");

        assertEquals(0, proved.exit(), proved.output());
        assertTrue(proved.output().contains("verify-event: 2 of the event's 2 row(s) proved"), proved.output());
        assertEquals(2, unknown.exit(), unknown.output());
        List<String> lines = proved.output().lines().toList();
        Path proofs = dir.resolve("proofs.json");
        java.nio.file.Files.writeString(proofs, String.join("\n", lines.subList(lines.indexOf("["),
                lines.indexOf("]") + 1)) + "\n");
        Path pem = dir.resolve("key.pem");
        java.nio.file.Files.writeString(pem, uk.gov.ida.eventrecorder.digest.PublicKeys.toPem(
                uk.gov.ida.eventrecorder.digest.PublicKeys.fromKms(f.kms, f.keyId)));
        Run holds = run(Map.of(), "verify-proof", proofs.toString(), "--public-key", pem.toString());
        assertEquals(0, holds.exit(), holds.output());
        assertEquals(2, holds.output().lines().filter(l -> l.startsWith("holds: proof ")).count(), holds.output());
        java.nio.file.Files.writeString(proofs, java.nio.file.Files.readString(proofs).replace("evt-cli", "evt-clj"));
        Run fails = run(Map.of(), "verify-proof", proofs.toString(), "--public-key", pem.toString());
        assertEquals(1, fails.exit(), fails.output());
        assertTrue(fails.output().contains("FAILED: proof 1 "), fails.output());
    }

    private static Map<String, String> environment(ExportFixture f) {
        Map<String, String> env = new HashMap<>();
        env.put("DB_CONNECTION_STRING", f.db.connectionString());
        env.put("EXPORT_BUCKET", f.bucket);
        env.put("EXPORT_SIGNING_KEY_ID", f.keyId);
        env.put("AWS_ENDPOINT_URL", f.moto.endpoint().toString());
        env.put("AWS_REGION", "eu-west-2");
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        return env;
    }

    private static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        JavaCommand.Result result = JavaCommand.run(EXPORT, env, null, args);
        return new Run(result.exit(), result.output());
    }
}
