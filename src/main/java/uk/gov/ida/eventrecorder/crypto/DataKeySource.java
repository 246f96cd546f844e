package uk.gov.ida.eventrecorder.crypto;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.OutsideCall;
import uk.gov.ida.eventrecorder.config.KeyLocation;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;

/**
 * Fetches the AES data keys producers encrypt events with: KMS ciphertexts held in the environment (separated by
 * commas) or in an S3 object (one a line). More than one during a key rotation, the current key first. Called once
 * per container; the keys then live only in memory.
 */
public final class DataKeySource {
    private final KmsSecrets kms;
    private final Supplier<S3Client> s3;

    /** @param s3 built only if the key is in S3, so the environment-key path never loads the S3 client */
    public DataKeySource(KmsSecrets kms, Supplier<S3Client> s3) {
        this.kms = kms;
        this.s3 = s3;
    }

    public List<SecretKey> load(KeyLocation location) {
        List<String> ciphertexts;
        String source;
        if (location instanceof KeyLocation.InEnvironment env) {
            source = "ENCRYPTION_KEY";
            ciphertexts = env.ciphertexts();
        } else if (location instanceof KeyLocation.InS3Object object) {
            source = "the data key in s3://" + object.bucket() + "/" + object.key();
            String text;
            try {
                text = s3.get().getObjectAsBytes(r -> r.bucket(object.bucket()).key(object.key())
                        .overrideConfiguration(OutsideCall.within(OutsideCall.S3)))
                        .asString(StandardCharsets.US_ASCII);
            } catch (SdkException e) {
                throw new SecretUnavailableException("could not read " + source + ": " + e.getMessage(), e);
            }
            ciphertexts = text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
            if (ciphertexts.isEmpty()) {
                throw new SecretUnavailableException(source + " is empty");
            }
        } else {
            throw new IllegalArgumentException("unknown key location " + location);
        }
        List<SecretKey> keys = new ArrayList<>(ciphertexts.size());
        for (int k = 0; k < ciphertexts.size(); k++) {
            String which = ciphertexts.size() == 1 ? source : source + " (key " + (k + 1) + " of " + ciphertexts.size() + ")";
            keys.add(new SecretKeySpec(aesKeyBytes(kms.decrypt(ciphertexts.get(k), which, SecretPurpose.DATA_KEY), which), "AES"));
        }
        return keys;
    }

    /**
     * KMS returns the key either as raw bytes or, as some producers' tooling stored it, as base64 text of them.
     * Both can have an AES key's length (base64 of a 16-byte key is 24 characters), so text that is wholly base64
     * and decodes to a key size is taken as base64: a random raw key made only of base64 characters has a chance
     * of about 4^-16.
     */
    static byte[] aesKeyBytes(byte[] plaintext, String source) {
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
        throw new SecretUnavailableException(source + " decrypts to " + plaintext.length
                + " bytes; expected an AES key of 16, 24 or 32 bytes (raw or base64)");
    }

    private static boolean isAesKeyLength(int length) {
        return length == 16 || length == 24 || length == 32;
    }
}
