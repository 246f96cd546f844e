package uk.gov.ida.eventrecorder.crypto;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KmsException;

import java.util.Base64;

/**
 * Decrypts the KMS ciphertexts the recorder is configured with (the data key and the database password).
 * Plaintexts are returned to the caller only; they are never logged or put in an exception.
 */
public final class KmsSecrets {
    private final KmsClient kms;

    public KmsSecrets(KmsClient kms) {
        this.kms = kms;
    }

    /**
     * @param ciphertextBase64 the base64 KMS ciphertext blob
     * @param source           what the ciphertext is, for error messages (e.g. the variable's name)
     */
    public byte[] decrypt(String ciphertextBase64, String source) {
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(ciphertextBase64.strip());
        } catch (IllegalArgumentException e) {
            throw new SecretUnavailableException(source + " is not valid base64");
        }
        try {
            return kms.decrypt(r -> r.ciphertextBlob(SdkBytes.fromByteArray(blob))).plaintext().asByteArray();
        } catch (KmsException e) {
            String code = e.awsErrorDetails() == null ? "unknown" : e.awsErrorDetails().errorCode();
            throw new SecretUnavailableException("KMS could not decrypt " + source + " (" + code + ", HTTP "
                    + e.statusCode() + ")", e);
        } catch (SdkException e) {
            throw new SecretUnavailableException("KMS unreachable while decrypting " + source + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }
}
