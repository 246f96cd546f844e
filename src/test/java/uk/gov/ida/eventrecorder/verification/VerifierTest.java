package uk.gov.ida.eventrecorder.verification;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.testing.ExportFixture;

import java.net.ServerSocket;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_1;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.RUN_AT;

/**
 * The auditor's check, tested against the export and against deliberate tampering. The tampering tests use a bucket
 * without Object Lock: what an attacker past the lock (or a bucket made without it) could do.
 */
class VerifierTest {
    record Outcome(Verifier.Result result, List<Finding> findings) {
        List<String> texts(Finding.Kind kind) {
            return findings.stream().filter(f -> f.kind() == kind).map(Finding::text).toList();
        }
    }

    @Test
    void anUntouchedExportIsIntactInTheBucketAndAgainstTheDatabase() {
        ExportFixture f = exported(true);

        Outcome outcome = verify(f, true);

        assertEquals(Verdict.INTACT, outcome.result().verdict(), outcome.findings().toString());
        assertEquals(List.of(), outcome.findings());
        assertEquals(14, outcome.result().manifests());
        assertEquals(14, outcome.result().daysAgainstDatabase());
    }

    @Test
    void anUpdatedRowIsNamedByTableDayAndEventId() {
        ExportFixture f = exported(false);
        f.db.admin("UPDATE audit.audit_events SET event_type = 'something_else' WHERE event_id = 'ev-2-" + DAY_1
                + "' AND time_stamp = '" + DAY_1 + " 00:00:00'");

        Outcome outcome = verify(f, true);

        assertEquals(Verdict.TAMPERED, outcome.result().verdict());
        assertEquals(List.of("audit.audit_events " + DAY_1 + ": event_id=ev-2-" + DAY_1 + " time_stamp=" + DAY_1
                + "T00:00:00.000000Z altered since export"), outcome.texts(Finding.Kind.TAMPERED));
    }

    @Test
    void aDeletedRowIsNamedAndARowAddedSinceIsReportedApartWithoutFailingTheCheck() {
        ExportFixture f = exported(false);
        f.db.admin("DELETE FROM billing.fraud_events WHERE event_id = 'fraud-" + DAY_1 + "'",
                "INSERT INTO audit.audit_events VALUES ('late', '" + DAY_1 + " 15:00:00', 'hub', NULL, 'x', NULL)");

        Outcome outcome = verify(f, true);

        assertEquals(List.of("billing.fraud_events " + DAY_1 + ": event_id=fraud-" + DAY_1 + " deleted since export"),
                outcome.texts(Finding.Kind.TAMPERED));
        assertEquals(List.of("audit.audit_events " + DAY_1 + ": event_id=late time_stamp=" + DAY_1
                + "T15:00:00.000000Z added since export"), outcome.texts(Finding.Kind.ADDED));
        assertEquals(1, outcome.result().rowsAdded());
        Outcome addedOnly = verify(withFraudRowBack(f), true);
        assertEquals(Verdict.INTACT, addedOnly.result().verdict(), "late rows are not tampering");
    }

    @Test
    void aLateRowIsAddedSinceExportUntilItsAddendumThenTheDayOfTwoPartsIsIntact() {
        ExportFixture f = exported(true);
        f.db.admin("INSERT INTO billing.billing_events VALUES ('" + DAY_1 + " 18:00:00', 'sess-9', 'pid-9', 'req-9', "
                + "'idp-a', 'LEVEL_1', 'LEVEL_2', NULL, 'late-bill', NULL)");
        assertEquals(List.of("billing.billing_events " + DAY_1 + ": event_id=late-bill added since export"),
                verify(f, true).texts(Finding.Kind.ADDED));

        f.export(RUN_AT.plusSeconds(600), false);
        Outcome afterAddendum = verify(f, true);

        assertEquals(Verdict.INTACT, afterAddendum.result().verdict(), afterAddendum.findings().toString());
        assertEquals(List.of(), afterAddendum.findings());
        assertEquals(15, afterAddendum.result().manifests());
        f.db.admin("DELETE FROM billing.billing_events WHERE event_id = 'late-bill'");
        assertEquals(List.of("billing.billing_events " + DAY_1 + ": event_id=late-bill deleted since export"),
                verify(f, true).texts(Finding.Kind.TAMPERED), "a row of the addendum is checked as any other");
    }

    @Test
    void aReplacedObjectIsNamedEvenWhenItsSizeIsTheSame() {
        ExportFixture f = exported(false);
        String key = "billing_events/date=" + DAY_1 + "/part-000.parquet";
        byte[] bytes = f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(key)).asByteArray();
        bytes[bytes.length / 2] ^= 1;
        f.s3.putObject(r -> r.bucket(f.bucket).key(key), RequestBody.fromBytes(bytes));

        Outcome outcome = verify(f, true);

        assertEquals(Verdict.TAMPERED, outcome.result().verdict());
        List<String> tampered = outcome.texts(Finding.Kind.TAMPERED);
        assertEquals(1, tampered.size(), tampered.toString());
        assertTrue(tampered.get(0).startsWith("object " + key + " is not what "), tampered.get(0));
    }

    @Test
    void aRemovedManifestIsNamedAsAGapInTheChain() {
        ExportFixture f = exported(false);
        String third = manifestKey(f, 3);
        f.s3.deleteObject(r -> r.bucket(f.bucket).key(third));

        Outcome outcome = verify(f, false);

        assertEquals(Verdict.TAMPERED, outcome.result().verdict());
        assertTrue(outcome.texts(Finding.Kind.TAMPERED).contains("manifest 3 missing from the chain (deleted or "
                + "never written) before " + manifestKey(f, 4)), outcome.findings().toString());
        assertTrue(outcome.texts(Finding.Kind.TAMPERED).stream().anyMatch(t -> t.startsWith("object ")
                && t.endsWith("is listed by no manifest (added, or left by an export that stopped before its "
                + "manifest); readers of the folder see it")), "its objects are orphans now");
    }

    @Test
    void aReplacedManifestFailsItsSignatureAndBreaksTheLinkFromTheNext() {
        ExportFixture f = exported(false);
        String second = manifestKey(f, 2);
        String altered = f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(second)).asUtf8String().replace("\"rows\":4", "\"rows\":3");
        f.s3.putObject(r -> r.bucket(f.bucket).key(second), RequestBody.fromString(altered));

        List<String> tampered = verify(f, false).texts(Finding.Kind.TAMPERED);

        assertEquals(List.of("manifest " + second + " does not match its signature: the manifest was altered, or "
                        + "signed by another key",
                "manifest " + manifestKey(f, 3) + " does not follow " + second + ": the manifest before it was "
                        + "replaced"), tampered);
    }

    @Test
    void anotherKeysPublicHalfFromAPemFileFindsNoManifestSigned() throws Exception {
        ExportFixture f = exported(true);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        PublicKey other = PublicKeys.fromPem(PublicKeys.toPem(generator.generateKeyPair().getPublic()));
        PublicKey right = PublicKeys.fromPem(PublicKeys.toPem(PublicKeys.fromKms(f.kms, f.keyId)));

        Outcome wrong = verify(f, other, Optional.empty());
        Outcome offline = verify(f, right, Optional.empty());

        assertEquals(14, wrong.texts(Finding.Kind.TAMPERED).size());
        assertEquals(Verdict.INTACT, offline.result().verdict(), "the PEM an auditor keeps offline works as KMS does");
    }

    @Test
    void anUnreachableBucketCouldNotBeCheckedWhichIsNeitherIntactNorTampered() throws Exception {
        ExportFixture f = exported(true);
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        S3Client nowhere = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + closed))
                .region(Region.EU_WEST_2).forcePathStyle(true).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b"))).build();
        List<Finding> findings = new ArrayList<>();

        Verifier.Result result = new Verifier(nowhere, f.bucket, new ExportLayout(""), PublicKeys.fromKms(f.kms,
                f.keyId), Optional.empty()).verify(progress(findings));

        assertEquals(Verdict.COULD_NOT_CHECK, result.verdict());
        assertEquals(2, result.verdict().exitCode());
        assertEquals(Finding.Kind.UNCHECKED, findings.get(0).kind());
    }

    private static ExportFixture withFraudRowBack(ExportFixture f) {
        f.db.admin("INSERT INTO billing.fraud_events VALUES ('fraud-" + DAY_1 + "', '" + DAY_1 + " 13:00:00', "
                + "'sess-1', 'pid-1', NULL, 'idp-a', 'fe-1', 'FI01', 'rp-a')");
        return f;
    }

    private static ExportFixture exported(boolean locked) {
        ExportFixture f = new ExportFixture(locked);
        f.seed();
        f.export(RUN_AT, false);
        return f;
    }

    private static String manifestKey(ExportFixture f, long sequence) {
        return f.keys().stream().filter(k -> k.startsWith(String.format("_manifests/%012d_", sequence))
                && k.endsWith(".json")).findFirst().orElseThrow();
    }

    private static Outcome verify(ExportFixture f, boolean againstDatabase) {
        return verify(f, PublicKeys.fromKms(f.kms, f.keyId), againstDatabase ? Optional.of(f.db.dataSource())
                : Optional.empty());
    }

    private static Outcome verify(ExportFixture f, PublicKey key, Optional<javax.sql.DataSource> database) {
        List<Finding> findings = new ArrayList<>();
        Verifier.Result result = new Verifier(f.s3, f.bucket, new ExportLayout(""), key, database)
                .verify(progress(findings));
        return new Outcome(result, findings);
    }

    private static Verifier.Progress progress(List<Finding> findings) {
        return new Verifier.Progress() {
            @Override
            public void step(String stage, int done, int total) {
            }

            @Override
            public void finding(Finding finding) {
                findings.add(finding);
            }
        };
    }
}
