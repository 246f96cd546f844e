package uk.gov.ida.eventrecorder.crypto;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.IvParameterSpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * The message body the producers' {@code verify-event-emitter} writes, {@code base64(16-byte IV ‖ AES/CBC/PKCS5Padding
 * ciphertext of the event JSON)}, made here for what must make one without a producer: the SnapStart priming and the
 * image's AOT training (under throwaway keys), and the tests' producer stand-in. {@link EventDecryptor} reads it; the
 * producer vectors check both against the real library's output.
 */
public final class ProducerFormat {
    private ProducerFormat() {
    }

    /** @param iv 16 bytes: random, as the producers draw it, or fixed where nothing is secret */
    public static String encrypt(SecretKey key, byte[] iv, String json) {
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
            byte[] ciphertext = cipher.doFinal(json.getBytes(StandardCharsets.UTF_8));
            byte[] body = new byte[iv.length + ciphertext.length];
            System.arraycopy(iv, 0, body, 0, iv.length);
            System.arraycopy(ciphertext, 0, body, iv.length, ciphertext.length);
            return Base64.getEncoder().encodeToString(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES/CBC/PKCS5Padding", e);
        }
    }
}
