package uk.gov.ida.eventrecorder.crypto;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.event.InvalidMessageException;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.testing.EventEncrypter;

import javax.crypto.spec.SecretKeySpec;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EventDecryptorTest {
    private final byte[] key = EventEncrypter.newKey(16);
    private final EventDecryptor decryptor = new EventDecryptor(new SecretKeySpec(key, "AES"));

    @Test
    void decryptsWhatTheProducerEncryptedIncludingLineWrappedBase64() {
        String body = new EventEncrypter(key).encrypt("{\"a\":\"é\"}");
        assertEquals("{\"a\":\"é\"}", decryptor.decrypt(body));
        assertEquals("{\"a\":\"é\"}", decryptor.decrypt(body.substring(0, 20) + "\r\n" + body.substring(20)));
    }

    @Test
    void namesTheReasonForEachKindOfUnreadableBody() {
        assertReason(RejectionReason.BASE64, "%%%not base64%%%");
        assertReason(RejectionReason.LENGTH, "");
        assertReason(RejectionReason.LENGTH, Base64.getEncoder().encodeToString(new byte[16]));
        assertReason(RejectionReason.LENGTH, Base64.getEncoder().encodeToString(new byte[40]));
        assertReason(RejectionReason.PADDING_OR_KEY, new EventEncrypter(EventEncrypter.newKey(16)).encrypt("{\"x\":1}"));
    }

    private void assertReason(RejectionReason expected, String body) {
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> decryptor.decrypt(body));
        assertEquals(expected, e.reason(), e.getMessage());
    }
}
