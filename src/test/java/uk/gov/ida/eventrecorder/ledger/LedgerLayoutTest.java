package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LedgerLayoutTest {
    @Test
    void aCheckpointsKeyIsItsTwelveDigitSequenceUnderTheLedgerAndParsesBack() {
        assertEquals("export/_ledger/000000000042.json", LedgerLayout.checkpointKey("export/", 42));
        assertEquals("export/_ledger/000000000042.json", LedgerLayout.checkpointKey("export", 42));
        assertEquals("_ledger/000000000000.json", LedgerLayout.checkpointKey("", 0));
        assertEquals("_ledger/999999999999.json", LedgerLayout.checkpointKey(null, LedgerLayout.MAX_SEQUENCE));
        assertEquals(OptionalLong.of(42),
                LedgerLayout.parseCheckpointKey("export", "export/_ledger/000000000042.json"));
        assertEquals("export/_ledger/", LedgerLayout.ledgerPrefix("export"));
    }

    @Test
    void otherKeysNameNoCheckpoint() {
        for (String key : new String[]{"export/_ledger/42.json", "export/_ledger/0000000000042.json",
                "other/_ledger/000000000042.json", "export/_chain/000000000042.json",
                "export/_ledger/000000000042.json.bak", "export/_ledger/00000000004a.json"}) {
            assertEquals(OptionalLong.empty(), LedgerLayout.parseCheckpointKey("export/", key), key);
        }
    }

    @Test
    void aSequenceOutsideTwelveDigitsHasNoKey() {
        assertThrows(IllegalArgumentException.class, () -> LedgerLayout.checkpointKey("", -1));
        assertThrows(IllegalArgumentException.class, () -> LedgerLayout.checkpointKey("", 1_000_000_000_000L));
    }
}
