package uk.gov.ida.eventrecorder.crypto;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.config.KeyLocation;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * Fetches the AES data key producers encrypt events with: a KMS ciphertext held in the environment or in an S3
 * object. Called once per container; the key then lives only in memory.
 */
public final class DataKeySource {
    private final KmsSecrets kms;
    private final Supplier<S3Client> s3;

    /** @param s3 built only if the key is in S3, so the environment-key path never loads the S3 client */
    public DataKeySource(KmsSecrets kms, Supplier<S3Client> s3) {
        this.kms = kms;
        this.s3 = s3;
    }

    public SecretKey load(KeyLocation location) {
        byte[] plaintext;
        if (location instanceof KeyLocation.InEnvironment env) {
            plaintext = kms.decrypt(env.ciphertextBase64(), "ENCRYPTION_KEY");
        } else if (location instanceof KeyLocation.InS3Object object) {
            String source = "the data key in s3://" + object.bucket() + "/" + object.key();
            String ciphertext;
            try {
                ciphertext = s3.get().getObjectAsBytes(r -> r.bucket(object.bucket()).key(object.key()))
                        .asString(StandardCharsets.US_ASCII);
            } catch (SdkException e) {
                throw new SecretUnavailableException("could not read " + source + ": " + e.getMessage(), e);
            }
            plaintext = kms.decrypt(ciphertext, source);
        } else {
            throw new IllegalArgumentException("unknown key location " + location);
        }
        return new SecretKeySpec(aesKeyBytes(plaintext), "AES");
    }

    /**
     * KMS returns the key either as raw bytes or, as some producers' tooling stored it, as base64 text of them.
     * Both can have an AES key's length (base64 of a 16-byte key is 24 characters), so text that is wholly base64
     * and decodes to a key size is taken as base64: a random raw key made only of base64 characters has a chance
     * of about 4^-16.
     */
    static byte[] aesKeyBytes(byte[] plaintext) {
        String text = new String(plaintext, StandardCharsets.ISO_8859_1).strip();
        if (text.matches("[A-Za-z0-9+/]+={0,2}")) {
            try {
                byte[] decoded = Base64.getDecoder().decode(text);
                if (isAesKeyLength(decoded.length)) {
                    return decoded;
                }
            } catch (IllegalArgumentException notBase64) {
                // fall through: raw bytes
            }
        }
        if (isAesKeyLength(plaintext.length)) {
            return plaintext;
        }
        throw new SecretUnavailableException("the decrypted data key is " + plaintext.length
                + " bytes; expected an AES key of 16, 24 or 32 bytes (raw or base64)");
    }

    private static boolean isAesKeyLength(int length) {
        return length == 16 || length == 24 || length == 32;
    }
}
