package uk.gov.ida.eventrecorder.crypto;

import uk.gov.ida.eventrecorder.event.InvalidMessageException;
import uk.gov.ida.eventrecorder.event.RejectionReason;

import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.IllegalBlockSizeException;
import javax.crypto.SecretKey;
import javax.crypto.spec.IvParameterSpec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * Reverses the producers' {@code EventEncrypter}: a message body is
 * {@code base64(16-byte IV ‖ AES/CBC/PKCS5Padding(key, IV, event JSON))}.
 *
 * <p>During a data-key rotation the queue holds messages under the old key and the new: the decryptor holds every
 * configured key and reads a message with the first under which it both decrypts and parses. CBC has no
 * authentication, so a wrong key yields valid padding about once in 256 tries; the parse is what tells.
 */
public final class EventDecryptor {
    private static final int IV_LENGTH = 16;
    private static final int BLOCK = 16;

    private final List<SecretKey> keys;
    // Cipher instances are not thread-safe and cost a provider lookup to create: one per thread, reused.
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(EventDecryptor::newCipher);

    /** A message read under one of the keys. @param dataKey the key's position, from 1 */
    public record Decrypted<T>(T value, String plaintext, int dataKey) {
    }

    public EventDecryptor(SecretKey key) {
        this(List.of(key));
    }

    /** @param keys in the order they are tried: the current key first during a rotation */
    public EventDecryptor(List<SecretKey> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no data key");
        }
        this.keys = List.copyOf(keys);
    }

    /** The plaintext under the first key it decrypts under. */
    /** The data keys, in the order they are tried (the operator's key check values). */
    public List<SecretKey> keys() {
        return keys;
    }

    public String decrypt(String body) {
        return decrypt(body, plaintext -> plaintext).value();
    }

    /**
     * Decrypts with each key in turn and reads the plaintext with {@code reader}; the first key under which both
     * succeed wins. If the body decrypts under some key but never reads, the first reading failure is thrown: it
     * says what is wrong with the event.
     */
    public <T> Decrypted<T> decrypt(String body, Function<String, T> reader) {
        byte[] bytes = decode(body);
        InvalidMessageException unreadable = null;
        for (int k = 0; k < keys.size(); k++) {
            String plaintext;
            try {
                plaintext = decryptWith(keys.get(k), bytes);
            } catch (InvalidMessageException notThisKey) {
                continue;
            }
            try {
                return new Decrypted<>(reader.apply(plaintext), plaintext, k + 1);
            } catch (InvalidMessageException e) {
                if (unreadable == null) {
                    unreadable = e;
                }
            }
        }
        if (unreadable != null) {
            throw unreadable;
        }
        throw new InvalidMessageException(RejectionReason.PADDING_OR_KEY, keys.size() == 1
                ? "the padding is wrong: the message was encrypted with another key, or corrupted"
                : "the message decrypts under none of the " + keys.size() + " data keys: it was encrypted with "
                + "another key, or corrupted");
    }

    private static byte[] decode(String body) {
        if (body == null || body.isBlank()) {
            throw new InvalidMessageException(RejectionReason.LENGTH, "the message body is empty");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(withoutWhitespace(body));
        } catch (IllegalArgumentException e) {
            throw new InvalidMessageException(RejectionReason.BASE64, "the body is not base64: " + e.getMessage());
        }
        if (bytes.length < IV_LENGTH + BLOCK || (bytes.length - IV_LENGTH) % BLOCK != 0) {
            throw new InvalidMessageException(RejectionReason.LENGTH, "the body decodes to " + bytes.length
                    + " bytes; expected a 16-byte IV and a whole number (at least one) of 16-byte blocks");
        }
        return bytes;
    }

    private String decryptWith(SecretKey key, byte[] bytes) {
        byte[] plaintext;
        try {
            Cipher cipher = ciphers.get();
            cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(bytes, 0, IV_LENGTH));
            plaintext = cipher.doFinal(bytes, IV_LENGTH, bytes.length - IV_LENGTH);
        } catch (BadPaddingException | IllegalBlockSizeException e) {
            throw new InvalidMessageException(RejectionReason.PADDING_OR_KEY,
                    "the padding is wrong: the message was encrypted with another key, or corrupted");
        } catch (GeneralSecurityException e) {
            throw new InvalidMessageException(RejectionReason.PADDING_OR_KEY,
                    "AES decryption failed: " + e.getClass().getSimpleName());
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(plaintext)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidMessageException(RejectionReason.PADDING_OR_KEY,
                    "the decrypted bytes are not UTF-8: the message was probably encrypted with another key");
        }
    }

    /** Tolerates line-wrapped base64, but unlike the MIME decoder does not skip other characters silently. */
    private static String withoutWhitespace(String body) {
        for (int i = 0; i < body.length(); i++) {
            if (Character.isWhitespace(body.charAt(i))) {
                return body.replaceAll("\\s+", "");
            }
        }
        return body;
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/CBC/PKCS5Padding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES/CBC/PKCS5Padding", e);
        }
    }
}
