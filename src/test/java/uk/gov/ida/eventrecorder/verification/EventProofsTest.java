package uk.gov.ida.eventrecorder.verification;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import uk.gov.ida.eventrecorder.cli.ExportCli;
import uk.gov.ida.eventrecorder.testing.ExportFixture;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_1;
import static uk.gov.ida.eventrecorder.verification.LedgerVerifierTest.checkpoint;
import static uk.gov.ida.eventrecorder.verification.LedgerVerifierTest.fixture;

/**
 * One event's proofs, as verify-event prints them, checked by an implementation written here from the auditor's
 * guide alone (SHA-256, the entry's bytes, RFC 9162 §2.1.3.2, ECDSA over the checkpoint text), never by the project's
 * own classes; and verify-proof, which must fail for a byte changed anywhere in the file.
 */
class EventProofsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EVENT = "evt-proof-1";

    @Test
    void anEventsAuditBillingAndFraudRowsAreEachProvedAsAnIndependentCheckerSeesIt() throws Exception {
        ExportFixture f = withEvent();

        EventProofs.Outcome outcome = prove(f, EVENT);

        assertEquals(List.of(), outcome.unproved());
        assertEquals(3, outcome.rows());
        JsonNode proofs = JSON.readTree(ProofFile.print(outcome.proofs()));
        assertEquals(3, proofs.size());
        PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(
                f.kms.getPublicKey(r -> r.keyId(f.keyId)).publicKey().asByteArray()));
        List<String> tables = new ArrayList<>();
        for (JsonNode proof : proofs) {
            tables.add(proof.get("table").asText());
            assertEquals(List.of(), independentProblems(proof, key), proof.get("table").asText());
            assertEquals(EVENT, proof.get("key").get(0).asText());
            assertEquals(DAY_1.toString(), proof.get("day").asText());
            // The checkpoint is the one the bucket holds, signed text for signed text.
            String sequence = proof.get("checkpoint").asText().split("\n")[1].substring("sequence ".length());
            JsonNode object = JSON.readTree(f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(String.format(
                    "_ledger/%012d.json", Long.parseLong(sequence)))).asByteArray());
            assertEquals(object.get("checkpoint").asText(), proof.get("checkpoint").asText());
        }
        assertEquals(List.of("audit.audit_events", "billing.billing_events", "billing.fraud_events"), tables);
    }

    @Test
    void aByteChangedAnywhereInTheProofsMakesVerifyProofFail(@TempDir Path dir) throws Exception {
        ExportFixture f = withEvent();
        byte[] file = ProofFile.print(prove(f, EVENT).proofs());
        Path pem = dir.resolve("key.pem");
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'})
                .encodeToString(f.kms.getPublicKey(r -> r.keyId(f.keyId)).publicKey().asByteArray())
                + "\n-----END PUBLIC KEY-----\n");
        Path proofs = dir.resolve("proofs.json");
        Files.write(proofs, file);
        assertEquals(0, verifyProof(proofs, pem), "the file as printed holds");
        PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(
                f.kms.getPublicKey(r -> r.keyId(f.keyId)).publicKey().asByteArray()));
        byte[] keyId = ("\"keyId\":\"" + f.keyId + "\"").getBytes(StandardCharsets.UTF_8);

        List<Integer> held = new ArrayList<>();
        for (int at = 0; at < file.length; at++) {
            if (withinKeyId(file, at, keyId)) {
                continue; // the key's name, for the reader: the proof rests on the public key given
            }
            byte[] changed = file.clone();
            changed[at] = (byte) (changed[at] == 'a' ? 'b' : changed[at] == '\n' ? ' ' : changed[at] ^ 0x01);
            if (ProofFile.check(changed, key).holds()) {
                held.add(at);
            }
        }

        assertEquals(List.of(), held, "every changed byte fails");
        file[file.length / 2] ^= 0x01;
        Files.write(proofs, file);
        assertEquals(1, verifyProof(proofs, pem));
    }

    @Test
    void aRowNotYetInAnyCheckpointIsSaidWithWhenItWillBe() throws Exception {
        ExportFixture f = withEvent();
        f.db.admin("INSERT INTO audit.audit_events VALUES ('evt-late', '" + DAY_1 + " 21:00:00', 'hub', NULL, "
                + "'session_event', NULL)");

        EventProofs.Outcome outcome = prove(f, "evt-late");

        assertEquals(List.of(), outcome.proofs());
        assertEquals(List.of("audit.audit_events event_id=evt-late time_stamp=" + DAY_1 + "T21:00:00.000000Z is not "
                + "in the ledger yet: the next checkpoint adds it, within LEDGER_INTERVAL (60 s by default) of its "
                + "commit"), outcome.unproved());
        checkpoint(f);
        assertEquals(1, prove(f, "evt-late").proofs().size(), "and the next checkpoint proves it");
    }

    @Test
    void aLeafAfterTheNewestPublishedCheckpointWaitsForItsPublication() throws Exception {
        ExportFixture f = withEvent();
        f.db.admin("UPDATE ledger.checkpoints SET published_at = NULL WHERE sequence = 1");

        EventProofs.Outcome outcome = prove(f, EVENT);

        assertEquals(List.of(), outcome.proofs());
        assertEquals(3, outcome.unproved().size());
        assertTrue(outcome.unproved().get(0).matches("audit\\.audit_events event_id=" + EVENT + " time_stamp=\\S+ is "
                + "leaf \\d+, after the newest published checkpoint 0 \\(tree size 0\\): the next checkpoint publishes "
                + "it, within LEDGER_INTERVAL \\(60 s by default\\)"), outcome.unproved().get(0));
    }

    @Test
    void aRowRecordedBeforeTheLedgerBeganIsProvedByTheExportChainOnly() throws Exception {
        ExportFixture f = fixture(false);
        f.seed();
        checkpoint(f);

        EventProofs.Outcome outcome = prove(f, "ev-2-" + DAY_1);

        assertEquals(2, outcome.rows());
        assertEquals(List.of(), outcome.proofs());
        assertTrue(outcome.unproved().stream().allMatch(u -> u.endsWith(" was recorded before the ledger began: the "
                + "export chain proves it, no leaf will")), outcome.unproved().toString());
    }

    @Test
    void aRowAlteredAfterItsCheckpointIsProvedByItsRevisedLeafNotItsFirst() throws Exception {
        ExportFixture f = withEvent();
        f.db.admin("UPDATE audit.audit_events SET details = '{\"a\": 2}' WHERE event_id = '" + EVENT + "'");
        checkpoint(f);
        checkpoint(f);

        EventProofs.Outcome outcome = prove(f, EVENT);

        assertEquals(List.of(), outcome.unproved(), "the row as it is now is its latest leaf's");
        JsonNode audit = JSON.readTree(ProofFile.print(outcome.proofs())).get(0);
        assertEquals("audit.audit_events", audit.get("table").asText());
        byte[] entry = Base64.getDecoder().decode(audit.get("entry").asText());
        assertEquals(1, entry[1], "kind 1, REVISED: the leaf the change made");
        assertEquals(2, Long.parseLong(audit.get("checkpoint").asText().split("\n")[1].substring("sequence "
                .length())), "the checkpoint that took the change");
    }

    @Test
    void aRowWhoseLeafTheDatabasesLedgerLostIsSaidToBeChangedNotToBeWaitingForACheckpoint() throws Exception {
        ExportFixture f = withEvent();
        // The leaf's hashes stay, so the other rows' paths still lead to the root; the row's own leaf is gone.
        f.db.admin("UPDATE ledger.leaves SET row_key = ARRAY['another'] WHERE table_name = 'billing.billing_events'");

        EventProofs.Outcome outcome = prove(f, EVENT);

        assertEquals(2, outcome.proofs().size(), "the audit and fraud rows still prove");
        assertEquals(List.of("billing.billing_events event_id=" + EVENT + " was committed before checkpoint 1, which "
                + "took it, but none of that checkpoint's leaves is this row's: the database's ledger was changed "
                + "(run verify on the bucket)"), outcome.unproved());
    }

    @Test
    void theLedgersLeavesCarryNoIndexButTheirPositionSoThatEachLeafIsAnAppend() throws Exception {
        ExportFixture f = withEvent();

        List<String> indexes = new ArrayList<>();
        try (Connection c = f.db.dataSource().getConnection(); var rs = c.createStatement().executeQuery("SELECT "
                + "indexname FROM pg_indexes WHERE schemaname = 'ledger' AND tablename = 'leaves' ORDER BY 1")) {
            while (rs.next()) {
                indexes.add(rs.getString(1));
            }
        }

        assertEquals(List.of("leaves_pkey"), indexes);
    }

    // ---- the independent checker: the auditor's guide, written out

    /** What fails of one proof, checked with the JDK's SHA-256 and ECDSA and nothing of the project's. */
    static List<String> independentProblems(JsonNode proof, PublicKey key) throws Exception {
        List<String> problems = new ArrayList<>();
        byte[] entry = Base64.getDecoder().decode(proof.get("entry").asText());
        byte[] leafHash = HexFormat.of().parseHex(proof.get("leafHash").asText());
        if (!Arrays.equals(sha256(new byte[]{0}, entry), leafHash)) {
            problems.add("leaf hash");
        }
        // entry = 0x01 ‖ kind ‖ str(table) ‖ str(day) ‖ k ‖ k × str(key) ‖ 32-byte row hash
        ByteBuffer in = ByteBuffer.wrap(entry);
        if (in.get() != 1 || in.get() != 0) {
            problems.add("entry format or kind");
        }
        if (!str(in).equals(proof.get("table").asText()) || !str(in).equals(proof.get("day").asText())) {
            problems.add("entry table or day");
        }
        int k = in.get() & 0xff;
        for (int i = 0; i < k; i++) {
            if (!str(in).equals(proof.get("key").get(i).asText())) {
                problems.add("entry key");
            }
        }
        if (k != proof.get("key").size() || in.remaining() != 32) {
            problems.add("entry length");
        }
        String[] lines = proof.get("checkpoint").asText().split("\n", -1);
        long size = Long.parseLong(lines[2].substring("size ".length()));
        byte[] root = HexFormat.of().parseHex(lines[3].substring("root ".length()));
        List<byte[]> path = new ArrayList<>();
        proof.get("inclusion").forEach(h -> path.add(HexFormat.of().parseHex(h.asText())));
        if (!inclusionHolds(proof.get("leafIndex").asLong(), size, leafHash, path, root)) {
            problems.add("inclusion");
        }
        Signature ecdsa = Signature.getInstance("SHA256withECDSA");
        ecdsa.initVerify(key);
        ecdsa.update(proof.get("checkpoint").asText().getBytes(StandardCharsets.UTF_8));
        if (!proof.get("algorithm").asText().equals("ECDSA_SHA_256")
                || !ecdsa.verify(Base64.getDecoder().decode(proof.get("signature").asText()))) {
            problems.add("signature");
        }
        return problems;
    }

    /** RFC 9162 §2.1.3.2, as the RFC words it. */
    static boolean inclusionHolds(long leafIndex, long treeSize, byte[] leafHash, List<byte[]> path, byte[] root)
            throws Exception {
        if (leafIndex >= treeSize) {
            return false;
        }
        long fn = leafIndex;
        long sn = treeSize - 1;
        byte[] r = leafHash;
        for (byte[] p : path) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = sha256(new byte[]{1}, p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = sha256(new byte[]{1}, r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(r, root);
    }

    private static byte[] sha256(byte[]... parts) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (byte[] part : parts) {
            sha.update(part);
        }
        return sha.digest();
    }

    private static String str(ByteBuffer in) {
        byte[] text = new byte[in.getInt()];
        in.get(text);
        return new String(text, StandardCharsets.UTF_8);
    }

    // ---- helpers

    private static ExportFixture withEvent() {
        return withEvent(EVENT);
    }

    /** A ledger begun before an event whose audit, billing and fraud rows the next checkpoint holds. */
    static ExportFixture withEvent(String event) {
        ExportFixture f = fixture(false);
        checkpoint(f);
        f.db.admin("INSERT INTO audit.audit_events VALUES ('" + event + "', '" + DAY_1 + " 10:00:00.5', 'hub', 's-1', "
                        + "'fraud_detected', '{\"a\": 1}')",
                "INSERT INTO billing.billing_events VALUES ('" + DAY_1 + " 10:00:00.5', 's-1', 'pid-1', 'req-1', "
                        + "'idp-a', 'LEVEL_1', 'LEVEL_2', NULL, '" + event + "', 'rp-a')",
                "INSERT INTO billing.fraud_events VALUES ('" + event + "', '" + DAY_1 + " 10:00:00.5', 's-1', "
                        + "'pid-1', NULL, 'idp-a', 'fe-1', 'FI01', 'rp-a')");
        checkpoint(f);
        return f;
    }

    /** verify-event's lookup for an event, in a transaction it rolls back. */
    static EventProofs.Outcome prove(ExportFixture f, String eventId) {
        try (Connection c = f.db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                return EventProofs.prove(c, eventId);
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int verifyProof(Path proofs, Path pem) {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new ExportCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(out))
                .execute("verify-proof", proofs.toString(), "--public-key", pem.toString());
        assertFalse(out.toString().isEmpty());
        return code;
    }

    private static boolean withinKeyId(byte[] file, int at, byte[] keyId) {
        for (int start = Math.max(0, at - keyId.length + 1); start <= at && start + keyId.length <= file.length;
             start++) {
            if (Arrays.equals(file, start, start + keyId.length, keyId, 0, keyId.length)
                    && at >= start + "\"keyId\":\"".length() && at < start + keyId.length - 1) {
                return true;
            }
        }
        return false;
    }
}
