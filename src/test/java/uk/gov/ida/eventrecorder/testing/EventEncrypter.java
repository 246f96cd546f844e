package uk.gov.ida.eventrecorder.testing;

import uk.gov.ida.eventrecorder.crypto.ProducerFormat;

import javax.crypto.spec.SecretKeySpec;
import java.security.SecureRandom;

/**
 * Encrypts events as the producers' {@code verify-event-emitter} {@code EventEncrypter} does: a random 16-byte IV,
 * AES/CBC/PKCS5Padding, and base64 of IV followed by ciphertext. The producer vectors check this against the real
 * library's output.
 */
public final class EventEncrypter {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKeySpec key;

    public EventEncrypter(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    public static byte[] newKey(int bytes) {
        byte[] key = new byte[bytes];
        RANDOM.nextBytes(key);
        return key;
    }

    public String encrypt(String json) {
        byte[] iv = new byte[16];
        RANDOM.nextBytes(iv);
        return ProducerFormat.encrypt(key, iv, json);
    }
}
