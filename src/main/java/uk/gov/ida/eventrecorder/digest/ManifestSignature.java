package uk.gov.ida.eventrecorder.digest;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A manifest's signature, as its link carries it ({@link ChainLink}). KMS signs the statement
 * {@code event-recorder-export/2 <manifest key> sha256:<hex of the manifest's bytes>} with {@code ECDSA_SHA_256}
 * (an {@code ECC_NIST_P256} key), message type {@code RAW}: any ECDSA verifier checks it with the key's public half,
 * for example {@code openssl dgst -sha256 -verify public.pem -signature sig.der statement.txt}.
 */
@JsonPropertyOrder({"manifestKey", "manifestSha256", "keyId", "algorithm", "signature"})
public record ManifestSignature(String manifestKey, String manifestSha256, String keyId, String algorithm,
                                String signature) {
    public static final String ALGORITHM = "ECDSA_SHA_256";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static byte[] statement(String manifestKey, String manifestSha256) {
        return (Manifest.FORMAT + " " + manifestKey + " sha256:" + manifestSha256).getBytes(StandardCharsets.UTF_8);
    }

    public byte[] toBytes() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ManifestSignature parse(byte[] bytes) throws IOException {
        return JSON.readValue(bytes, ManifestSignature.class);
    }
}
