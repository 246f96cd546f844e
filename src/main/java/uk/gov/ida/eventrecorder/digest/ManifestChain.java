package uk.gov.ida.eventrecorder.digest;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import uk.gov.ida.eventrecorder.OutsideCall;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The chain of manifests in the export bucket, as the export sees it: listed once per run (keys name their place),
 * appended to one manifest at a time. A manifest is written only if its key is new ({@code If-None-Match: *}), so two
 * runs at once cannot both take the same place in the chain, and nothing is ever overwritten.
 */
public final class ManifestChain {
    private final S3Client s3;
    private final String bucket;
    private final ExportLayout layout;
    private final ManifestSigner signer;
    private final List<ExportLayout.ManifestKey> manifests;
    private Manifest.Link head;
    private long headSequence;

    private ManifestChain(S3Client s3, String bucket, ExportLayout layout, ManifestSigner signer,
                          List<ExportLayout.ManifestKey> manifests) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.signer = signer;
        this.manifests = manifests;
    }

    /**
     * Lists the chain and reads its head. A head whose signature is missing (a run stopped between the two PUTs) is
     * signed now, so the chain a run appends to is always whole.
     */
    public static ManifestChain load(S3Client s3, String bucket, ExportLayout layout, ManifestSigner signer) {
        List<ExportLayout.ManifestKey> manifests = new ArrayList<>();
        Set<String> signatures = new HashSet<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(layout.manifestsPrefix())).contents()) {
            if (o.key().endsWith(".sig")) {
                signatures.add(o.key());
            } else {
                layout.parseManifestKey(o.key()).ifPresent(manifests::add);
            }
        }
        manifests.sort(Comparator.comparingLong(ExportLayout.ManifestKey::sequence));
        ManifestChain chain = new ManifestChain(s3, bucket, layout, signer, manifests);
        if (!manifests.isEmpty()) {
            ExportLayout.ManifestKey last = manifests.get(manifests.size() - 1);
            byte[] bytes = chain.read(last.key());
            String sha = sha256Hex(bytes);
            chain.head = new Manifest.Link(last.key(), sha);
            chain.headSequence = last.sequence();
            if (!signatures.contains(ExportLayout.signatureKey(last.key()))) {
                chain.putSignature(last.key(), sha);
            }
        }
        return chain;
    }

    public List<ExportLayout.ManifestKey> manifests() {
        return List.copyOf(manifests);
    }

    /** The parts of one table's day exported so far, in order. */
    public List<ExportLayout.ManifestKey> parts(String table, LocalDate date) {
        return manifests.stream().filter(m -> m.table().equals(table) && m.date().equals(date))
                .sorted(Comparator.comparingInt(ExportLayout.ManifestKey::part)).toList();
    }

    public Manifest read(ExportLayout.ManifestKey key) {
        try {
            return Manifest.parse(read(key.key()));
        } catch (IOException e) {
            throw new IllegalStateException("manifest " + key.key() + " does not parse: run verify", null);
        }
    }

    /**
     * Appends a manifest: gives it the next place and the link to the head, writes it and its signature.
     *
     * @return the manifest as stored
     */
    public Manifest append(Manifest unplaced) {
        long sequence = headSequence + 1;
        LocalDate date = LocalDate.parse(unplaced.date());
        ExportLayout.ManifestKey key = layout.manifestKey(sequence, shortName(unplaced.table()), date, unplaced.part());
        Manifest placed = new Manifest(Manifest.FORMAT, sequence, unplaced.table(), unplaced.date(), unplaced.part(),
                unplaced.exportedAt(), unplaced.snapshot(), unplaced.rows(), unplaced.firstTimeStamp(),
                unplaced.lastTimeStamp(), unplaced.rowsSha256(), unplaced.columns(), unplaced.keyColumns(),
                unplaced.objects(), head, signer.keyId());
        byte[] bytes = placed.toBytes();
        try {
            s3.putObject(r -> r.bucket(bucket).key(key.key()).ifNoneMatch("*").contentType("application/json")
                    .overrideConfiguration(OutsideCall.within(OutsideCall.S3)), RequestBody.fromBytes(bytes));
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                throw new IllegalStateException("manifest " + key.key() + " was written meanwhile by another export "
                        + "run: runs must not overlap (the function's reserved concurrency is 1)", null);
            }
            throw e;
        }
        String sha = sha256Hex(bytes);
        putSignature(key.key(), sha);
        head = new Manifest.Link(key.key(), sha);
        headSequence = sequence;
        manifests.add(key);
        return placed;
    }

    public Optional<Manifest.Link> head() {
        return Optional.ofNullable(head);
    }

    private void putSignature(String manifestKey, String sha) {
        byte[] signature = signer.sign(manifestKey, sha).toBytes();
        s3.putObject(r -> r.bucket(bucket).key(ExportLayout.signatureKey(manifestKey)).ifNoneMatch("*")
                .contentType("application/json").overrideConfiguration(OutsideCall.within(OutsideCall.S3)),
                RequestBody.fromBytes(signature));
    }

    private byte[] read(String key) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
    }

    /** {@code audit.audit_events} to {@code audit_events}: the folder and the manifest key use the table's name. */
    public static String shortName(String table) {
        return table.substring(table.indexOf('.') + 1);
    }

    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(RowDigest.sha256().digest(bytes));
    }
}
