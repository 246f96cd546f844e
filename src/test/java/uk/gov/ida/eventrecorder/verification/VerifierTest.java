package uk.gov.ida.eventrecorder.verification;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.digest.ChainLink;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.ManifestChain;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.testing.ExportFixture;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
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
        String key = f.manifests().stream().filter(m -> m.table().equals("billing.billing_events")
                && m.date().equals(DAY_1.toString())).findFirst().orElseThrow().objects().get(0).key();
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
    void aRemovedLinkIsNamedAsAGapInTheChainAndItsManifestAsNotTheExports() {
        ExportFixture f = exported(false);
        ExportLayout layout = new ExportLayout("");
        f.s3.deleteObject(r -> r.bucket(f.bucket).key(layout.linkKey(3)));

        Outcome outcome = verify(f, false);

        assertEquals(Verdict.TAMPERED, outcome.result().verdict());
        assertTrue(outcome.texts(Finding.Kind.TAMPERED).contains("link 3 missing from the chain (deleted, or never "
                + "written) before " + layout.linkKey(4)), outcome.findings().toString());
        assertTrue(outcome.texts(Finding.Kind.TAMPERED).contains("object " + manifestKey(f, 3) + " is not the "
                + "export's: no link of the chain accounts for it"), outcome.findings().toString());
    }

    @Test
    void aReplacedManifestCopyIsNamedAsNotTheManifestItsLinkSigns() {
        ExportFixture f = exported(false);
        String second = manifestKey(f, 2);
        String altered = f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(second)).asUtf8String()
                .replace("\"rows\":4", "\"rows\":3");
        f.s3.putObject(r -> r.bucket(f.bucket).key(second), RequestBody.fromString(altered));

        List<String> tampered = verify(f, false).texts(Finding.Kind.TAMPERED);

        assertEquals(List.of("manifest " + second + " is not the manifest its link " + new ExportLayout("").linkKey(2)
                + " signs: altered"), tampered);
    }

    @Test
    void aLinkRewrittenAroundAnAlteredManifestFailsItsSignatureAndBreaksTheLinkFromTheNext() throws Exception {
        ExportFixture f = exported(false);
        String second = new ExportLayout("").linkKey(2);
        ChainLink link = ChainLink.parse(f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(second)).asByteArray());
        byte[] altered = new String(link.manifestBytes(), StandardCharsets.UTF_8).replace("\"rows\":4", "\"rows\":3")
                .getBytes(StandardCharsets.UTF_8);
        ChainLink forged = new ChainLink(link.format(), link.sequence(), link.manifestKey(),
                ManifestChain.sha256Hex(altered), link.keyId(), link.algorithm(), link.signature(),
                Base64.getEncoder().encodeToString(altered));
        f.s3.putObject(r -> r.bucket(f.bucket).key(second), RequestBody.fromBytes(forged.toBytes()));
        f.s3.putObject(r -> r.bucket(f.bucket).key(link.manifestKey()), RequestBody.fromBytes(altered));

        List<String> tampered = verify(f, false).texts(Finding.Kind.TAMPERED);

        assertEquals(List.of("link " + second + " is not the export's: its signature is not the export's key's over "
                        + "its manifest at this place",
                "link " + new ExportLayout("").linkKey(3) + " does not follow the link before it: that one was "
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
