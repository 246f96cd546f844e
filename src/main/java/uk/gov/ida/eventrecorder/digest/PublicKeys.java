package uk.gov.ida.eventrecorder.digest;

import software.amazon.awssdk.services.kms.KmsClient;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** The signing key's public half, from KMS ({@code kms:GetPublicKey}) or from a PEM file an auditor keeps offline. */
public final class PublicKeys {
    private PublicKeys() {
    }

    public static PublicKey fromKms(KmsClient kms, String keyId) {
        return fromDer(kms.getPublicKey(r -> r.keyId(keyId)).publicKey().asByteArray());
    }

    /** A {@code -----BEGIN PUBLIC KEY-----} block (what {@code aws kms get-public-key} gives, base64, wrapped). */
    public static PublicKey fromPem(String pem) {
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        try {
            return fromDer(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a PEM public key: its body is not base64", null);
        }
    }

    public static String toPem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'})
                .encodeToString(key.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    static PublicKey fromDer(byte[] der) {
        try {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an EC public key (the export signs with ECC_NIST_P256)", null);
        }
    }

    /** True when {@code signature} is the signing key's over {@code manifestKey}'s statement. */
    public static boolean verifies(PublicKey key, ManifestSignature signature, String manifestKey,
                                   String manifestSha256) {
        if (!ManifestSignature.ALGORITHM.equals(signature.algorithm())) {
            return false;
        }
        try {
            return verifies(key, ManifestSignature.statement(manifestKey, manifestSha256),
                    Base64.getDecoder().decode(signature.signature()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * True when {@code signature} (DER, as KMS {@code Sign} with {@code ECDSA_SHA_256} returns it) is the key's over
     * exactly {@code signed}: one check for every text the key signs (manifest statements and ledger checkpoints),
     * which their first words keep apart.
     */
    public static boolean verifies(PublicKey key, byte[] signed, byte[] signature) {
        try {
            Signature ecdsa = Signature.getInstance("SHA256withECDSA");
            ecdsa.initVerify(key);
            ecdsa.update(signed);
            return ecdsa.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
