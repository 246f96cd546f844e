package uk.gov.ida.eventrecorder.digest;

import java.nio.charset.StandardCharsets;

/**
 * A manifest's signature, as its link carries it ({@link ChainLink}). KMS signs the statement
 * {@code event-recorder-export/2 <manifest key> sha256:<hex of the manifest's bytes>} with {@code ECDSA_SHA_256}
 * (an {@code ECC_NIST_P256} key), message type {@code RAW}: any ECDSA verifier checks it with the key's public half,
 * for example {@code openssl dgst -sha256 -verify public.pem -signature sig.der statement.txt}.
 */
public record ManifestSignature(String manifestKey, String manifestSha256, String keyId, String algorithm,
                                String signature) {
    public static final String ALGORITHM = "ECDSA_SHA_256";

    public static byte[] statement(String manifestKey, String manifestSha256) {
        return (Manifest.FORMAT + " " + manifestKey + " sha256:" + manifestSha256).getBytes(StandardCharsets.UTF_8);
    }
}
