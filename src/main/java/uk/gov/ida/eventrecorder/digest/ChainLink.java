package uk.gov.ida.eventrecorder.digest;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.PublicKey;
import java.util.Base64;

/**
 * One place of the chain ({@code _chain/<12-digit sequence>.json}), claimed by one conditional write that only one
 * writer can win. It holds the signed manifest itself (base64 of its exact bytes), so that the place, the manifest
 * and its signature are one object: the export signs before it claims, and never writes a manifest unsigned.
 *
 * @param manifestKey    where the manifest's copy is kept, readable by name ({@code _manifests/…})
 * @param manifestSha256 hex SHA-256 of the manifest's bytes
 * @param signature      KMS {@code Sign} ({@code ECDSA_SHA_256}, {@code RAW}) over
 *                       {@link ManifestSignature#statement}, DER, base64
 * @param manifest       the manifest's bytes, base64
 */
@JsonPropertyOrder({"format", "sequence", "manifestKey", "manifestSha256", "keyId", "algorithm", "signature",
        "manifest"})
public record ChainLink(String format, long sequence, String manifestKey, String manifestSha256, String keyId,
                        String algorithm, String signature, String manifest) {
    public static ChainLink of(long sequence, ManifestSignature signature, byte[] manifestBytes) {
        return new ChainLink(Manifest.FORMAT, sequence, signature.manifestKey(), signature.manifestSha256(),
                signature.keyId(), signature.algorithm(), signature.signature(),
                Base64.getEncoder().encodeToString(manifestBytes));
    }

    public byte[] manifestBytes() {
        return Base64.getDecoder().decode(manifest);
    }

    /**
     * Why this link is not one the export wrote at {@code place}, or null when it is: its manifest's bytes hash to
     * the SHA-256 it names, the signing key's signature covers them, and the manifest says it is at this place.
     */
    public String fault(PublicKey key, long place) {
        byte[] bytes;
        try {
            bytes = manifestBytes();
        } catch (IllegalArgumentException | NullPointerException e) {
            return "its manifest is not base64";
        }
        String sha = ManifestChain.sha256Hex(bytes);
        if (!sha.equals(manifestSha256)) {
            return "its manifest's bytes do not hash to the SHA-256 it names";
        }
        if (sequence != place || !PublicKeys.verifies(key, new ManifestSignature(manifestKey, sha, keyId, algorithm,
                signature), manifestKey, sha)) {
            return "its signature is not the export's key's over its manifest at this place";
        }
        Manifest parsed;
        try {
            parsed = Manifest.parse(bytes);
        } catch (IOException e) {
            return "its manifest does not parse as " + Manifest.FORMAT;
        }
        if (parsed.sequence() != place) {
            return "its manifest says place " + parsed.sequence();
        }
        return null;
    }

    public Manifest parsedManifest() {
        try {
            return Manifest.parse(manifestBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] toBytes() {
        return Manifest.jsonLine(this);
    }

    public static ChainLink parse(byte[] bytes) throws IOException {
        return Manifest.parse(bytes, ChainLink.class, "link");
    }
}
