package uk.gov.ida.eventrecorder.testing;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

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
        try {
            byte[] iv = new byte[16];
            RANDOM.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
            byte[] ciphertext = cipher.doFinal(json.getBytes(StandardCharsets.UTF_8));
            byte[] body = new byte[iv.length + ciphertext.length];
            System.arraycopy(iv, 0, body, 0, iv.length);
            System.arraycopy(ciphertext, 0, body, iv.length, ciphertext.length);
            return Base64.getEncoder().encodeToString(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
