package uk.gov.ida.eventrecorder.verification;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.ManifestChain;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.ledger.Checkpoint;
import uk.gov.ida.eventrecorder.ledger.CheckpointObject;
import uk.gov.ida.eventrecorder.ledger.Checkpointer;
import uk.gov.ida.eventrecorder.ledger.LedgerLayout;
import uk.gov.ida.eventrecorder.ledger.LedgerReport;
import uk.gov.ida.eventrecorder.testing.ExportFixture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_1;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.RUN_AT;

/**
 * verify's check of the ledger under {@code _ledger/} and of its tie to the export, against the threats it exists
 * for: each test does what an attacker could (in a plain bucket: past the lock; with the signing key where the threat
 * needs it; in the database as its owner), and reads the finding verify names. The ledger is written by the real
 * checkpoint run, the export by the real export, into moto's S3 with moto's KMS, from PostgreSQL.
 */
class LedgerVerifierTest {
    private static final ExportLayout LAYOUT = new ExportLayout("");

    record Outcome(Verifier.Result result, List<Finding> findings) {
        List<String> texts(Finding.Kind kind) {
            return findings.stream().filter(f -> f.kind() == kind).map(Finding::text).toList();
        }

        boolean names(Finding.Kind kind, String start) {
            return texts(kind).stream().anyMatch(t -> t.startsWith(start));
        }
    }

    // ---- the happy path

    @Test
    void aLedgerWithItsExportIsIntactAndEachManifestNamesTheCheckpointItsSnapshotSaw() {
        ExportFixture f = ledgeredAndExported(true);

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(Verdict.INTACT, outcome.result().verdict(), outcome.findings().toString());
        assertEquals(List.of(), outcome.findings());
        assertEquals(2, outcome.result().checkpoints());
        long leaves = outcome.result().ledgerSize();
        assertTrue(leaves > 20, "every seeded row is a leaf: " + leaves);
        for (Manifest m : f.manifests()) {
            assertNotNull(m.ledger(), m.table() + " " + m.date());
            assertEquals(1, m.ledger().sequence());
            assertEquals(leaves, m.ledger().size());
            assertEquals(0, m.ledger().rowsBeforeLedger());
            assertEquals(0, m.ledger().rowsAfterCheckpoint());
        }
    }

    @Test
    void rowsRecordedBeforeGenesisOrAfterTheCheckpointAreCountedInTheManifestAndAreNoTampering() {
        ExportFixture f = fixture(true);
        f.seed(); // before the ledger began: no leaf will ever hold these
        checkpoint(f);
        f.db.admin("INSERT INTO audit.audit_events VALUES ('after-genesis', '" + DAY_1 + " 16:00:00', 'hub', NULL, "
                + "'session_event', NULL)");
        checkpoint(f);
        f.db.admin("INSERT INTO audit.audit_events VALUES ('after-checkpoint', '" + DAY_1 + " 17:00:00', 'hub', NULL, "
                + "'session_event', NULL)");
        f.export(RUN_AT, false);

        Outcome outcome = verify(f, OptionalLong.empty());

        Manifest audit = f.manifests().stream().filter(m -> m.table().equals("audit.audit_events")
                && m.date().equals(DAY_1.toString())).findFirst().orElseThrow();
        assertEquals(new Manifest.Ledger(1, 1, audit.ledger().root(), 4, 1), audit.ledger());
        assertEquals(Verdict.INTACT, outcome.result().verdict(), outcome.findings().toString());
        checkpoint(f);
        assertEquals(Verdict.INTACT, verify(f, OptionalLong.empty()).result().verdict(), "and once a leaf holds it");
    }

    @Test
    void aLateRowsAddendumNamesTheLaterCheckpointAndTheDayOfTwoPartsIsIntact() {
        ExportFixture f = ledgeredAndExported(true);
        f.db.admin("INSERT INTO billing.billing_events VALUES ('" + DAY_1 + " 18:00:00', 'sess-9', 'pid-9', 'req-9', "
                + "'idp-a', 'LEVEL_1', 'LEVEL_2', NULL, 'late-bill', NULL)");
        checkpoint(f);
        f.export(RUN_AT.plusSeconds(600), false);

        Outcome outcome = verify(f, OptionalLong.empty());

        Manifest addendum = f.manifests().stream().filter(m -> m.part() == 1).findFirst().orElseThrow();
        assertEquals(2, addendum.ledger().sequence());
        assertEquals(1, addendum.rows());
        assertEquals(Verdict.INTACT, outcome.result().verdict(), outcome.findings().toString());
        assertEquals(3, outcome.result().checkpoints());
    }

    // ---- the ledger's objects

    @Test
    void aForgedCheckpointSignedByAnotherKeyIsTampered() throws Exception {
        ExportFixture f = ledgeredAndExported(false);
        CheckpointObject last = object(f, 1);
        Checkpoint forged = last.checkpoint().next(last.checkpoint().size(), last.checkpoint().root(),
                Instant.parse("2026-12-02T00:00:00Z"));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        Signature ecdsa = Signature.getInstance("SHA256withECDSA");
        ecdsa.initSign(generator.generateKeyPair().getPrivate());
        ecdsa.update(forged.signedBytes());
        put(f, 2, CheckpointObject.signed(forged, "1:1:", f.keyId, ecdsa.sign(), List.of(), List.of()));

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(Verdict.TAMPERED, outcome.result().verdict());
        assertEquals(List.of("checkpoint " + key(2) + " is not the export's key's: its signature is not the key's "
                + "over its checkpoint text"), outcome.texts(Finding.Kind.TAMPERED));
        assertEquals(2, outcome.result().checkpoints(), "the ledger is verified up to the forged one");
    }

    @Test
    void aReplacedVersionOfACheckpointIsTamperedAndTheFirstVersionIsTheOneChecked() {
        ExportFixture f = ledgeredAndExported(true);
        byte[] replaced = object(f, 1).encode();
        replaced[replaced.length - 3] ^= 1;
        f.s3.putObject(r -> r.bucket(f.bucket).key(key(1)), RequestBody.fromBytes(replaced));

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(List.of(key(1) + " has 2 versions: replaced since the export wrote it (the first is checked)"),
                outcome.texts(Finding.Kind.TAMPERED));
    }

    @Test
    void aCheckpointHiddenByADeleteMarkerIsTampered() {
        ExportFixture f = ledgeredAndExported(true);
        f.s3.deleteObject(r -> r.bucket(f.bucket).key(key(1)));

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(Verdict.TAMPERED, outcome.result().verdict());
        assertTrue(outcome.names(Finding.Kind.TAMPERED, key(1) + " is hidden by a delete marker at "),
                outcome.findings().toString());
        assertEquals(2, outcome.result().checkpoints(), "its locked version is read all the same");
    }

    @Test
    void aGapInTheSequencesIsTamperedAndTheManifestsNamingALaterCheckpointCannotBeTied() {
        ExportFixture f = ledgeredAndExported(false);
        f.db.admin("INSERT INTO audit.audit_events VALUES ('late', '" + DAY_1 + " 15:00:00', 'hub', NULL, 'x', NULL)");
        checkpoint(f);
        f.s3.deleteObject(r -> r.bucket(f.bucket).key(key(1)));

        Outcome outcome = verify(f, OptionalLong.empty());

        assertTrue(outcome.texts(Finding.Kind.TAMPERED).contains("checkpoint 1 missing from the ledger (deleted, or "
                + "never written) before " + key(2)), outcome.findings().toString());
        assertTrue(outcome.names(Finding.Kind.UNCHECKED, "1 checkpoint(s) from " + key(2) + " on are not checked"),
                outcome.findings().toString());
        assertTrue(outcome.names(Finding.Kind.TAMPERED, "manifest " + manifestKey(f, "audit.audit_events")
                + " names checkpoint 1, which the verified ledger does not hold"), outcome.findings().toString());
    }

    @Test
    void aCheckpointWhosePreviousLineLiesIsTamperedEvenSignedByTheKey() {
        ExportFixture f = ledgeredAndExported(false);
        Checkpoint last = object(f, 1).checkpoint();
        Checkpoint lying = new Checkpoint(2, last.size(), last.root(), last.size() - 1, last.root(),
                Instant.parse("2026-12-02T00:00:00Z"));
        byte[] signature = new ManifestSigner(f.kms, f.keyId).signStatement(lying.signedBytes());
        put(f, 2, CheckpointObject.signed(lying, "1:1:", f.keyId, signature, List.of(), List.of(new byte[0])));

        Outcome outcome = verify(f, OptionalLong.empty());

        assertTrue(outcome.texts(Finding.Kind.TAMPERED).contains("checkpoint " + key(2) + "'s previous line (size "
                + (last.size() - 1) + ") is not checkpoint 1's size " + last.size() + " and root: the ledger was "
                + "forked or rewritten"), outcome.findings().toString());
    }

    @Test
    void anEntryRemovedFromACheckpointObjectIsTamperedAndTheLedgerEndsBeforeIt() {
        ExportFixture f = ledgeredAndExported(false);
        CheckpointObject real = object(f, 1);
        List<byte[]> fewer = new ArrayList<>(real.entries());
        fewer.remove(3);
        put(f, 1, new CheckpointObject(real.checkpoint(), real.snapshot(), real.keyId(), real.algorithm(), real.signature(),
                real.consistency(), fewer));

        Outcome outcome = verify(f, OptionalLong.empty());

        long size = real.checkpoint().size();
        assertTrue(outcome.texts(Finding.Kind.TAMPERED).contains("checkpoint " + key(1) + " holds " + (size - 1)
                + " entries for the " + size + " leaves it adds (0 to " + size + "): entries removed or added"),
                outcome.findings().toString());
        assertEquals(1, outcome.result().checkpoints());
    }

    @Test
    void aLedgerEndingBeforeTheSizeItPublishedIsACutTail() {
        ExportFixture f = ledgeredAndExported(true);
        long size = verify(f, OptionalLong.empty()).result().ledgerSize();

        Outcome published = verify(f, OptionalLong.of(size));
        Outcome beyond = verify(f, OptionalLong.of(size + 5));

        assertEquals(Verdict.INTACT, published.result().verdict(), published.findings().toString());
        assertEquals(List.of("the ledger's checkpoints end at tree size " + size + " but the ledger published "
                + (size + 5) + ": its last checkpoints are gone"), beyond.texts(Finding.Kind.TAMPERED));
    }

    // ---- the tie between the export and the ledger

    @Test
    void aRowDeletedFromTheDatabaseAfterItsCheckpointIsALeafMissingFromTheExport() {
        ExportFixture f = ledgered(false);
        f.db.admin("DELETE FROM audit.audit_events WHERE event_id = 'ev-2-" + DAY_1 + "' AND time_stamp = '" + DAY_1
                + " 00:00:00'");
        f.export(RUN_AT, false);
        committedSinceTheExport(f);
        checkpoint(f); // the ledger records the removal: the row was in a checkpoint all the same

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(Verdict.TAMPERED, outcome.result().verdict());
        List<String> tampered = outcome.texts(Finding.Kind.TAMPERED);
        assertEquals(1, tampered.size(), tampered.toString());
        assertTrue(tampered.get(0).startsWith("manifest " + manifestKey(f, "audit.audit_events") + ": "
                + "audit.audit_events " + DAY_1 + " event_id=ev-2-" + DAY_1 + " time_stamp=" + DAY_1
                + "T00:00:00.000000Z (leaf "), tampered.get(0));
        assertTrue(tampered.get(0).endsWith("is REMOVED): in the ledger at checkpoint 1 but in none of the day's "
                + "exported parts: deleted before its export, or left out"), tampered.get(0));
    }

    @Test
    void aRowDeletedBeforeItsExportIsADeletionEvenWhenTheCheckpointTheExportNamesHoldsItsRemovedLeaf() {
        ExportFixture f = ledgered(false);
        // As the tables' owner (no function's role may DELETE): the ledger notes the removal within a minute, so the
        // day's export, hours later, names a checkpoint whose latest leaf for the key is REMOVED.
        f.db.admin("DELETE FROM audit.audit_events WHERE event_id = 'ev-2-" + DAY_1 + "' AND time_stamp = '" + DAY_1
                + " 00:00:00'");
        checkpoint(f);
        f.export(RUN_AT, false);

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(Verdict.TAMPERED, outcome.result().verdict(), outcome.findings().toString());
        List<String> tampered = outcome.texts(Finding.Kind.TAMPERED);
        assertEquals(1, tampered.size(), tampered.toString());
        assertTrue(tampered.get(0).startsWith("manifest " + manifestKey(f, "audit.audit_events") + ": "
                + "audit.audit_events " + DAY_1 + " event_id=ev-2-" + DAY_1 + " time_stamp=" + DAY_1
                + "T00:00:00.000000Z (leaf "), tampered.get(0));
        assertTrue(tampered.get(0).endsWith("is REMOVED): recorded by the ledger, then deleted before its export"),
                tampered.get(0));
    }

    @Test
    void aRowAlteredBeforeItsExportIsAnAlterationEvenWhenARevisedLeafHoldsTheAlteredRow() {
        ExportFixture f = ledgered(false);
        // As the tables' owner, triggers on (no function's role may UPDATE a billing row): the ledger adds a REVISED
        // leaf with the altered row, which the export then writes.
        f.db.admin("UPDATE billing.billing_events SET request_id = 'req-x' WHERE event_id = 'bill-" + DAY_1 + "'");
        checkpoint(f);
        f.export(RUN_AT, false);

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(Verdict.TAMPERED, outcome.result().verdict(), outcome.findings().toString());
        List<String> tampered = outcome.texts(Finding.Kind.TAMPERED);
        assertEquals(1, tampered.size(), tampered.toString());
        assertTrue(tampered.get(0).startsWith("manifest " + manifestKey(f, "billing.billing_events") + ": "
                + "billing.billing_events " + DAY_1 + " event_id=bill-" + DAY_1 + " (leaf "), tampered.get(0));
        assertTrue(tampered.get(0).endsWith("is REVISED): recorded by the ledger, then altered (a REVISED leaf with "
                + "another row hash): no function's role may change a row of this table"), tampered.get(0));
    }

    @Test
    void anExportedRowAlteredWithoutTheLedgerNoticingMatchesNoLeaf() {
        ExportFixture f = ledgered(false);
        // As the tables' owner, with the triggers off: no trigger notes the change, so no leaf records it.
        f.db.admin("SET session_replication_role = replica; UPDATE billing.billing_events SET request_id = 'req-x' "
                + "WHERE event_id = 'bill-" + DAY_1 + "'; SET session_replication_role = origin");
        f.export(RUN_AT, false);

        Outcome outcome = verify(f, OptionalLong.empty());

        String manifest = manifestKey(f, "billing.billing_events");
        List<String> tampered = outcome.texts(Finding.Kind.TAMPERED);
        assertEquals(2, tampered.size(), tampered.toString());
        assertTrue(tampered.get(0).startsWith("manifest " + manifest + ": billing.billing_events " + DAY_1
                + " event_id=bill-" + DAY_1 + " (leaf "), tampered.get(0));
        assertTrue(tampered.get(0).endsWith("): exported with a row hash none of its leaves holds: altered before its "
                + "export, or in it"), tampered.get(0));
        assertEquals("manifest " + manifest + ": 1 exported row(s) have no leaf in the verified ledger, more than the "
                + "0 it says were recorded before the ledger began (0) or after checkpoint 1 (0): rows the ledger "
                + "never recorded (event_id=bill-" + DAY_1 + ")", tampered.get(1));
    }

    @Test
    void anExportedRowThatNoLeafCoversBeyondTheRowsTheManifestAllowsIsTampered() {
        ExportFixture f = ledgered(false);
        // A row slipped in with the id of a transaction the last checkpoint's snapshot had already seen: the ledger
        // never looks for it, the export writes it.
        f.db.admin("INSERT INTO billing.billing_events (time_stamp, session_id, hashed_persistent_id, request_id, "
                + "idp_entity_id, minimum_level_of_assurance, provided_level_of_assurance, event_id, recorded_xid) "
                + "SELECT '" + DAY_1 + " 19:00:00', 's', 'p', 'r', 'idp-a', 'LEVEL_1', 'LEVEL_2', 'slipped', "
                + "recorded_xid FROM billing.billing_events WHERE event_id = 'bill-" + DAY_1 + "'");
        f.export(RUN_AT, false);

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(List.of("manifest " + manifestKey(f, "billing.billing_events") + ": 1 exported row(s) have no "
                + "leaf in the verified ledger, more than the 0 it says were recorded before the ledger began (0) or "
                + "after checkpoint 1 (0): rows the ledger never recorded (event_id=slipped)"),
                outcome.texts(Finding.Kind.TAMPERED));
    }

    // ---- the checkpoint a manifest names, against the later ones its export could see

    @Test
    void aManifestNamingACheckpointOlderThanOneMadeAndWrittenBeforeItsExportIsTiedToThatOneAndItsDeletedRowIsTampered() {
        // Given checkpoint 2, made two hours before the export and written to the bucket now (more than the clocks'
        // skew before it too), holding two rows of day 1 recorded after checkpoint 1
        Instant exportedAt = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        ExportFixture f = twoCheckpoints(exportedAt.minus(Duration.ofHours(3)), exportedAt.minus(Duration.ofHours(2)),
                "ev-kept", "ev-gone");
        // When one of them is deleted (as the tables' owner) and the export names checkpoint 1, counting the other
        // as recorded after it: what an export shown only checkpoint 1 writes, or whoever holds the key signs
        f.db.admin("DELETE FROM audit.audit_events WHERE event_id = 'ev-gone'");
        exportSeeing(f, 1, exportedAt);

        Outcome outcome = verify(f, OptionalLong.empty());

        // Then naming checkpoint 1 is a note, and day 1's rows, tied to checkpoint 2, lack the deleted one
        assertEquals(Verdict.TAMPERED, outcome.result().verdict(), outcome.findings().toString());
        Manifest day1 = f.manifests().stream().filter(m -> m.date().equals(DAY_1.toString())).findFirst()
                .orElseThrow();
        assertEquals(List.of(1L, 0L, 1L), List.of(day1.ledger().sequence(), day1.ledger().rowsBeforeLedger(),
                day1.ledger().rowsAfterCheckpoint()));
        String key = manifestKey(f, "audit.audit_events");
        assertTrue(outcome.texts(Finding.Kind.NOTE).contains("manifest " + key + ", exported at " + exportedAt
                + ", names checkpoint 1 (made at " + object(f, 1).checkpoint().time() + "); checkpoint 2 was made at "
                + object(f, 2).checkpoint().time() + " and written to the bucket at " + written(f, 2) + ", more than "
                + "3 minutes before that export: its export's snapshot held it, though not yet marked published (its "
                + "mark came late), so its rows are tied to checkpoint 2 here"), outcome.findings().toString());
        List<String> tampered = outcome.texts(Finding.Kind.TAMPERED);
        assertEquals(1, tampered.size(), tampered.toString());
        assertTrue(tampered.get(0).startsWith("manifest " + key + ": audit.audit_events " + DAY_1 + " event_id=ev-gone "
                + "time_stamp=" + DAY_1 + "T16:00:00.000000Z (leaf "), tampered.get(0));
        assertTrue(tampered.get(0).endsWith("): in the ledger at checkpoint 2 but in none of the day's exported parts: "
                + "deleted before its export, or left out"), tampered.get(0));
    }

    @Test
    void aManifestNamingTheNewestCheckpointMadeBeforeItsExportLessTheClocksSkewIsIntact() {
        // Given checkpoint 2 made a second less than the skew before the export, and committed after the export's
        // snapshot (the export runs first, its snapshot seeing checkpoint 1 alone), which names checkpoint 1
        Instant exportedAt = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        ExportFixture f = checkpointsTwoHoursBefore(exportedAt);
        f.export(exportedAt, false);
        committedSinceTheExport(f);
        checkpoint(f, exportedAt.minus(ExportedAt.CLOCK_SKEW).plusSeconds(1));
        // and a late row's addendum, an hour later, that names checkpoint 3, the newest made before it, with
        // checkpoint 4 made after it
        audit(f, "ev-3");
        checkpoint(f, exportedAt.plus(Duration.ofMinutes(30)));
        exportSeeing(f, 3, exportedAt.plus(Duration.ofHours(1)));
        audit(f, "ev-4");
        checkpoint(f, exportedAt.plus(Duration.ofHours(2)));

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(List.of(1L, 3L), f.manifests().stream().filter(m -> m.date().equals(DAY_1.toString()))
                .map(m -> m.ledger().sequence()).toList());
        assertEquals(Verdict.INTACT, outcome.result().verdict(), outcome.findings().toString());
        assertEquals(List.of(), outcome.findings());
    }

    @Test
    void aCheckpointMadeBeforeTheExportButWrittenToTheBucketAfterItIsANoteNotTampering() {
        // Given checkpoint 2 made an hour before the export but written to the bucket after it: what a run leaves
        // when it stops between committing a checkpoint and writing it, and a later run writes it
        Instant exportedAt = Instant.now().plus(Duration.ofMinutes(1)).truncatedTo(ChronoUnit.SECONDS);
        ExportFixture f = checkpointsTwoHoursBefore(exportedAt);
        // When the export, which could not see it, names checkpoint 1
        f.export(exportedAt, false);
        committedSinceTheExport(f);
        checkpoint(f, exportedAt.minus(Duration.ofHours(1)));

        Outcome outcome = verify(f, OptionalLong.empty());

        // Then the manifest is intact, and the note says why the export could not see checkpoint 2
        assertEquals(Verdict.INTACT, outcome.result().verdict(), outcome.findings().toString());
        assertEquals("manifest " + manifestKey(f, "audit.audit_events") + ", exported at " + exportedAt
                + ", names checkpoint 1 (made at " + object(f, 1).checkpoint().time() + "); checkpoint 2 was made at "
                + object(f, 2).checkpoint().time() + ", more than 3 minutes before that export, but written to the "
                + "bucket only at " + written(f, 2) + ": its run stopped before writing it, and the export could not "
                + "see it yet (or this bucket is a copy, whose objects bear the copy's times)",
                outcome.texts(Finding.Kind.NOTE).get(0));
        assertEquals(f.manifests().size(), outcome.texts(Finding.Kind.NOTE).size(), outcome.findings().toString());
    }

    @Test
    void aManifestWhoseExportedAtIsNoInstantIsTamperedForItCannotBeCheckedAgainstLaterCheckpoints() {
        // Given a ledger of the genesis alone, and a manifest naming it signed with the key by hand
        ExportFixture f = fixture(false);
        checkpoint(f);
        Checkpoint genesis = object(f, 0).checkpoint();
        ManifestChain.load(f.s3, f.bucket, LAYOUT, new ManifestSigner(f.kms, f.keyId)).append(new Manifest(
                Manifest.FORMAT, 0, "audit.audit_events", DAY_1.toString(), DAY_1.toString(), 0, "yesterday",
                "1:1:", 0, null, null, "", List.of(), List.of("event_id", "time_stamp"), List.of(), null, null,
                new Manifest.Ledger(0, 0, HexFormat.of().formatHex(genesis.root()), 0, 0)));

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(List.of("manifest " + manifestKey(f, "audit.audit_events") + "'s exportedAt is not an instant "
                + "as the export writes it: whether its export could see a later checkpoint than checkpoint 0 "
                + "cannot be checked"), outcome.texts(Finding.Kind.TAMPERED));
    }

    @Test
    void theAuditorsGuideStatesTheSkewVerifyAllowsAndTheExportFunctionsTimeoutIsTheTemplates() throws Exception {
        String guide = Files.readString(Path.of("docs", "export-and-verification.md")).replaceAll("\\s+", " ");
        String template = Files.readString(Path.of("template.yaml"));

        long minutes = ExportedAt.CLOCK_SKEW.toMinutes();
        assertTrue(guide.contains("more than " + minutes + " minutes before the manifest's `exportedAt`")
                && guide.contains("### Why " + minutes + " minutes"), "docs/export-and-verification.md, \"The ledger "
                + "and the export\"");
        String export = template.substring(template.indexOf("Description: exports each settled day"));
        assertTrue(export.substring(export.indexOf("Timeout: ")).startsWith("Timeout: "
                + ExportedAt.EXPORT_FUNCTION_TIMEOUT.toSeconds() + "\n"), "template.yaml, the export function");
    }

    @Test
    void aManifestExportedBeforeTheLastDayItCoversEndedIsTampered() {
        // Given a manifest signed with the key by hand, exported at noon on the day it covers
        ExportFixture f = fixture(false);
        ManifestChain.load(f.s3, f.bucket, LAYOUT, new ManifestSigner(f.kms, f.keyId)).append(new Manifest(
                Manifest.FORMAT, 0, "audit.audit_events", DAY_1.toString(), DAY_1.toString(), 0, DAY_1 + "T12:00:00Z",
                "1:1:", 0, null, null, "", List.of(), List.of("event_id", "time_stamp"), List.of(), null, null));

        Outcome outcome = verify(f, OptionalLong.empty());

        assertEquals(List.of("manifest " + manifestKey(f, "audit.audit_events") + " covers days through " + DAY_1
                + " but is exported at " + DAY_1 + "T12:00:00Z, before that day ended (" + DAY_1.plusDays(1)
                + "T00:00:00Z): an export writes only days that ended before its exportedAt, so this one is not when "
                + "it ran"), outcome.texts(Finding.Kind.TAMPERED));
    }

    @Test
    void aManifestExportedEarlierThanTheOneBeforeItInTheChainIsANote() {
        // Given a day exported at RUN_AT plus an hour, then a late row's addendum signed at RUN_AT
        ExportFixture f = ledgered(false);
        f.export(RUN_AT.plus(Duration.ofHours(1)), false);
        audit(f, "late");
        checkpoint(f);
        f.export(RUN_AT, false);

        Outcome outcome = verify(f, OptionalLong.empty());

        Manifest addendum = f.manifests().stream().filter(m -> m.part() == 1).findFirst().orElseThrow();
        String key = LAYOUT.manifestKey(addendum.sequence(), "audit_events", addendum.day(), addendum.throughDay(), 1)
                .key();
        assertEquals(Verdict.INTACT, outcome.result().verdict(), outcome.findings().toString());
        assertEquals(List.of("manifest " + key + " is exported at " + RUN_AT + ", 60 minutes before the manifest "
                + "before it in the chain (exported at " + RUN_AT.plus(Duration.ofHours(1)) + "): its run overlapped "
                + "that one's (a command-line export beside the function's), or its exportedAt was signed earlier "
                + "than it ran"), outcome.texts(Finding.Kind.NOTE));
    }

    // ---- review: the tie's margin against a backdated exportedAt, and an honest export whose mark came late

    @Test
    void aManifestWhoseExportedAtIsBackdatedBeforeTheCheckpointThatHoldsItsDeletedRowIsNotIntact() {
        // Given the genesis made just before day 1 settled, two day-1 rows recorded after it, and checkpoint 1, made
        // an hour ago and written to the bucket now, holding both
        ExportFixture f = fixture(false);
        checkpoint(f, RUN_AT.minus(Duration.ofMinutes(30)));
        audit(f, "ev-kept");
        audit(f, "ev-gone");
        checkpoint(f, Instant.now().minus(Duration.ofHours(1)));
        // When one row is deleted, and an export whose clock says RUN_AT (a command-line export run on a host whose
        // clock was set back: the export role signs whatever its clock says) names the genesis and counts the other
        // as recorded after it; its manifest reaches the bucket now, days after the exportedAt it is signed with
        f.db.admin("DELETE FROM audit.audit_events WHERE event_id = 'ev-gone'");
        exportSeeing(f, 0, RUN_AT);

        Outcome outcome = verify(f, OptionalLong.empty());

        // Then verify does not call it intact: checkpoint 1 was in the bucket before the manifest was (both
        // LastModified, S3's), yet the deleted row goes unchecked
        assertTrue(outcome.result().verdict() != Verdict.INTACT, "a deleted row, untied: " + outcome.findings());
    }

    @Test
    void anHonestExportWhoseNewerCheckpointWasWrittenButNotYetMarkedPublishedIsNotTampered() {
        // Given checkpoint 2, committed and written to the bucket 20 minutes before the export, whose mark was lost
        // (the database failed over between the PUT and the UPDATE) and the export ran before the next ledger run
        Instant exportedAt = Instant.now().plus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.SECONDS);
        ExportFixture f = twoCheckpoints(exportedAt.minus(Duration.ofHours(2)),
                exportedAt.minus(Duration.ofMinutes(21)), "ev-2");
        // When the export, which saw only checkpoint 1 published, names it; nothing is deleted or altered
        exportSeeing(f, 1, exportedAt);

        Outcome outcome = verify(f, OptionalLong.empty());

        // Then its rows, tied to checkpoint 2, all hold: nothing was hidden, and an export that could not see the
        // mark is not tampering (the manifest stays in the locked bucket for years)
        assertEquals(List.of(), outcome.texts(Finding.Kind.TAMPERED), outcome.findings().toString());
    }

    // ---- helpers

    /** A fixture whose database holds no ledger yet (the fixture empties it), and a bucket of its own. */
    static ExportFixture fixture(boolean locked) {
        return new ExportFixture(locked);
    }

    /** The genesis, the seeded rows, and the checkpoint that holds them (sequence 1). */
    static ExportFixture ledgered(boolean locked) {
        ExportFixture f = fixture(locked);
        checkpoint(f);
        f.seed();
        assertEquals(1, checkpoint(f).sequence());
        return f;
    }

    static ExportFixture ledgeredAndExported(boolean locked) {
        ExportFixture f = ledgered(locked);
        f.export(RUN_AT, false);
        return f;
    }

    static LedgerReport checkpoint(ExportFixture f) {
        try {
            LedgerReport report = new Checkpointer(f.db.dataSource(), f.s3, new ManifestSigner(f.kms, f.keyId),
                    new Checkpointer.Settings(f.bucket, "", Duration.ofMinutes(1)), Clock.systemUTC()).run();
            assertFalse(report.outcome() == LedgerReport.Outcome.STOPPED, report.warnings().toString());
            return report;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The genesis and checkpoint 1, made at {@code first}, holding day 1's row ev-1; then checkpoint 2, made at
     * {@code second}, holding the rows {@code after} recorded since. Each is written to the bucket now.
     */
    static ExportFixture twoCheckpoints(Instant first, Instant second, String... after) {
        ExportFixture f = fixture(false);
        checkpoint(f, first);
        audit(f, "ev-1");
        checkpoint(f, first);
        for (String eventId : after) {
            audit(f, eventId);
        }
        checkpoint(f, second);
        return f;
    }

    /** A checkpoint run whose clock says {@code at}: the time the checkpoint it makes is signed with. */
    static LedgerReport checkpoint(ExportFixture f, Instant at) {
        try {
            LedgerReport report = new Checkpointer(f.db.dataSource(), f.s3, new ManifestSigner(f.kms, f.keyId),
                    new Checkpointer.Settings(f.bucket, "", Duration.ofMinutes(1)), Clock.fixed(at, ZoneOffset.UTC))
                    .run();
            assertEquals(LedgerReport.Outcome.CHECKPOINTED, report.outcome(), report.warnings().toString());
            return report;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An export run at {@code at} whose snapshot sees checkpoints up to {@code last} published and no later one, as
     * when the later ones' runs had not yet written them (their mark is lifted for the run, then put back).
     */
    static void exportSeeing(ExportFixture f, long last, Instant at) {
        f.db.admin("UPDATE ledger.checkpoints SET published_at = NULL WHERE sequence > " + last);
        f.export(at, false);
        f.db.admin("UPDATE ledger.checkpoints SET published_at = now() WHERE published_at IS NULL");
    }

    /**
     * A transaction committed after the export's snapshot, so that a checkpoint made next holds one the export did not
     * see finish (else, with no transaction between them, the two snapshots are the same and the export held it).
     */
    static void committedSinceTheExport(ExportFixture f) {
        f.db.admin("SELECT txid_current()");
    }

    /** An audit row of day 1 recorded as the recorder records it. */
    static void audit(ExportFixture f, String eventId) {
        f.db.admin("INSERT INTO audit.audit_events VALUES ('" + eventId + "', '" + DAY_1 + " 16:00:00', 'hub', NULL, "
                + "'session_event', NULL)");
    }

    /** When the checkpoint's object was written to the bucket, as S3 lists its version. */
    static Instant written(ExportFixture f, long sequence) {
        return f.s3.listObjectVersions(r -> r.bucket(f.bucket).prefix(key(sequence))).versions().get(0)
                .lastModified();
    }

    static String key(long sequence) {
        return LedgerLayout.checkpointKey("", sequence);
    }

    static CheckpointObject object(ExportFixture f, long sequence) {
        return CheckpointObject.decode(f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(key(sequence)))
                .asByteArray());
    }

    static void put(ExportFixture f, long sequence, CheckpointObject object) {
        f.s3.putObject(r -> r.bucket(f.bucket).key(key(sequence)), RequestBody.fromBytes(object.encode()));
    }

    /** The key of the table's day-1 part 0. */
    static String manifestKey(ExportFixture f, String table) {
        Manifest m = f.manifests().stream().filter(x -> x.table().equals(table) && x.date().equals(DAY_1.toString())
                && x.part() == 0).findFirst().orElseThrow();
        return LAYOUT.manifestKey(m.sequence(), table.substring(table.indexOf('.') + 1), m.day(), m.throughDay(),
                m.part()).key();
    }

    static Outcome verify(ExportFixture f, OptionalLong expectedLedgerSize) {
        List<Finding> findings = new ArrayList<>();
        Verifier.Result result = new Verifier(f.s3, f.bucket, LAYOUT, PublicKeys.fromKms(f.kms, f.keyId),
                Optional.empty(), OptionalLong.empty(), expectedLedgerSize).verify(new Verifier.Progress() {
                    @Override
                    public void step(String stage, int done, int total) {
                    }

                    @Override
                    public void finding(Finding finding) {
                        findings.add(finding);
                    }
                });
        return new Outcome(result, findings);
    }

    /** The genesis and checkpoint 1 (holding ev-1), both two hours before an export, and ev-2 after them. */
    private static ExportFixture checkpointsTwoHoursBefore(Instant exportedAt) {
        ExportFixture f = fixture(false);
        checkpoint(f, exportedAt.minus(Duration.ofHours(2)));
        audit(f, "ev-1");
        checkpoint(f, exportedAt.minus(Duration.ofHours(2)));
        audit(f, "ev-2");
        return f;
    }
}
