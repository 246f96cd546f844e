package uk.gov.ida.eventrecorder.crypto;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import uk.gov.ida.eventrecorder.OutsideCall;
import software.amazon.awssdk.services.kms.model.KmsException;

import java.util.Base64;
import java.util.Map;

/**
 * Decrypts the KMS ciphertexts the recorder is configured with (the data key and the database password).
 * Plaintexts are returned to the caller only; they are never logged or put in an exception.
 */
public final class KmsSecrets {
    private final KmsClient kms;
    private final boolean bindPurpose;

    public KmsSecrets(KmsClient kms) {
        this(kms, false);
    }

    /**
     * @param bindPurpose decrypt with the encryption context naming each ciphertext's {@link SecretPurpose}
     *                    ({@code KMS_ENCRYPTION_CONTEXT}); false for ciphertexts made without one
     */
    public KmsSecrets(KmsClient kms, boolean bindPurpose) {
        this.kms = kms;
        this.bindPurpose = bindPurpose;
    }

    /**
     * @param ciphertextBase64 the base64 KMS ciphertext blob
     * @param source           what the ciphertext is, for error messages (e.g. the variable's name)
     * @param purpose          what it is for: the encryption context it is decrypted with, when purposes are bound
     */
    public byte[] decrypt(String ciphertextBase64, String source, SecretPurpose purpose) {
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(ciphertextBase64.strip());
        } catch (IllegalArgumentException e) {
            throw new SecretUnavailableException(source + " is not valid base64");
        }
        try {
            return kms.decrypt(r -> r.ciphertextBlob(SdkBytes.fromByteArray(blob))
                    .overrideConfiguration(OutsideCall.within(OutsideCall.KMS)).applyMutation(d -> {
                if (bindPurpose) {
                    d.encryptionContext(Map.of(SecretPurpose.CONTEXT_KEY, purpose.value()));
                }
            })).plaintext().asByteArray();
        } catch (KmsException e) {
            String code = e.awsErrorDetails() == null ? "unknown" : e.awsErrorDetails().errorCode();
            throw new SecretUnavailableException("KMS could not decrypt " + source + " (" + code + ", HTTP "
                    + e.statusCode() + (bindPurpose ? "; decrypted with encryption context " + SecretPurpose.CONTEXT_KEY
                    + "=" + purpose.value() + ": was it encrypted with it?" : "") + ")", e);
        } catch (SdkException e) {
            throw new SecretUnavailableException("KMS unreachable while decrypting " + source + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }
}
