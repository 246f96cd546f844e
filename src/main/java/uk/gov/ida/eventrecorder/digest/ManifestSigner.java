package uk.gov.ida.eventrecorder.digest;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.MessageType;
import software.amazon.awssdk.services.kms.model.SigningAlgorithmSpec;

import java.util.Base64;

/**
 * Signs with the export's KMS asymmetric key ({@code kms:Sign}; the private half never leaves KMS): the manifests'
 * statements and the ledger's checkpoints, whose texts begin with different format names, so that no signature over
 * one can be read as the other.
 */
public final class ManifestSigner {
    private final KmsClient kms;
    private final String keyId;
    private java.security.PublicKey publicKey;

    public ManifestSigner(KmsClient kms, String keyId) {
        this.kms = kms;
        this.keyId = keyId;
    }

    /**
     * The key's public half, asked of KMS once ({@code kms:GetPublicKey}): a run checks with it that the chain it
     * appends to holds nothing but what the export signed.
     */
    public synchronized java.security.PublicKey publicKey() {
        if (publicKey == null) {
            publicKey = PublicKeys.fromKms(kms, keyId);
        }
        return publicKey;
    }

    public String keyId() {
        return keyId;
    }

    public ManifestSignature sign(String manifestKey, String manifestSha256) {
        byte[] signature = signStatement(ManifestSignature.statement(manifestKey, manifestSha256));
        return new ManifestSignature(manifestKey, manifestSha256, keyId, ManifestSignature.ALGORITHM,
                Base64.getEncoder().encodeToString(signature));
    }

    /**
     * The DER signature of {@code statement} (at most 4,096 bytes, KMS's limit for a RAW message), ECDSA_SHA_256:
     * checked by any ECDSA verifier ({@code SHA256withECDSA}) with the key's public half.
     */
    public byte[] signStatement(byte[] statement) {
        return kms.sign(r -> r.keyId(keyId).messageType(MessageType.RAW)
                .signingAlgorithm(SigningAlgorithmSpec.ECDSA_SHA_256)
                .message(SdkBytes.fromByteArray(statement))).signature().asByteArray();
    }
}
