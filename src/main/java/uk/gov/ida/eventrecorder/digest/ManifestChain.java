package uk.gov.ida.eventrecorder.digest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import uk.gov.ida.eventrecorder.OutsideCall;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The chain of signed manifests in the export bucket, as one export run sees it (the auditor's guide, "The chain").
 * Place N is claimed by one conditional write of {@code _chain/N.json} ({@code If-None-Match: *}): whatever runs at
 * once, exactly one writer wins each place, and a loser reads what won and goes on after it. A run signs only
 * manifests it built itself, before it claims their place; it checks the head it appends to with the key's public
 * half and never adopts what it did not sign. After a link it writes the part's Athena index, then the manifest's
 * copy; a copy that is missing marks a link whose run stopped there, which the next run completes from the link's own
 * bytes (writing, never signing).
 */
public final class ManifestChain {
    private static final Logger LOG = LoggerFactory.getLogger(ManifestChain.class);
    /** Places lost in a row to other runs before this run gives up its item, cleanly, to the next run. */
    static final int ATTEMPTS = 10;

    /** The chain holds something the export did not sign, or has lost links: nothing may be appended to it. */
    public static final class Alarm extends RuntimeException {
        Alarm(String message) {
            super(message, null, false, false);
        }
    }

    /** Other runs took every place this run tried: it stops, and the next run goes on. */
    public static final class Contention extends RuntimeException {
        Contention(String message) {
            super(message, null, false, false);
        }
    }

    private final S3Client s3;
    private final String bucket;
    private final ExportLayout layout;
    private final ManifestSigner signer;
    private final PublicKey publicKey;
    private final List<ExportLayout.ManifestKey> manifests = new ArrayList<>();
    private Manifest.Link head;
    private long headSequence;

    private ManifestChain(S3Client s3, String bucket, ExportLayout layout, ManifestSigner signer) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.signer = signer;
        this.publicKey = signer.publicKey();
    }

    /**
     * Lists the chain, checks its head link, and completes any link whose run stopped before its index or copy.
     *
     * @throws Alarm when a link or manifest is not the export's, or a place is missing: the run must not write
     */
    public static ManifestChain load(S3Client s3, String bucket, ExportLayout layout, ManifestSigner signer) {
        ManifestChain chain = new ManifestChain(s3, bucket, layout, signer);
        // Copies first, links second: a copy is written after its link, so every copy listed has its link listed,
        // whatever another run writes meanwhile.
        Map<Long, ExportLayout.ManifestKey> copies = new TreeMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(layout.manifestsPrefix()))
                .contents()) {
            Optional<ExportLayout.ManifestKey> key = layout.parseManifestKey(o.key());
            if (key.isEmpty() || copies.put(key.get().sequence(), key.get()) != null) {
                throw alarm(o.key(), "is a manifest no link of the chain accounts for: the export did not write it");
            }
        }
        // The links' versions, not only the current objects: a delete marker (which Object Lock allows) could hide
        // the chain's newest links, and the run would then claim their places again.
        TreeMap<Long, String> links = new TreeMap<>();
        for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(r -> r.bucket(bucket)
                .prefix(layout.chainPrefix()))) {
            for (DeleteMarkerEntry marker : page.deleteMarkers()) {
                throw alarm(marker.key(), "is hidden by a delete marker at " + marker.lastModified());
            }
            for (ObjectVersion version : page.versions()) {
                OptionalLong place = layout.parseLinkKey(version.key());
                if (place.isEmpty()) {
                    throw alarm(version.key(), "is not a link the export writes");
                }
                if (links.put(place.getAsLong(), version.key()) != null) {
                    throw alarm(version.key(), "has more than one version: a link is written once");
                }
            }
        }
        for (ExportLayout.ManifestKey copy : copies.values()) {
            if (!links.containsKey(copy.sequence())) {
                throw alarm(copy.key(), "is a manifest no link of the chain accounts for: the export did not write it");
            }
        }
        if (!links.isEmpty() && (links.firstKey() != 1 || links.lastKey() != links.size())) {
            throw alarm(layout.chainPrefix(), "holds " + links.size() + " link(s) for places 1 to " + links.lastKey()
                    + ": links are missing");
        }
        for (Map.Entry<Long, String> link : links.entrySet()) {
            ExportLayout.ManifestKey copy = copies.get(link.getKey());
            boolean isHead = link.getKey() == links.lastKey();
            if (copy != null && !isHead) {
                chain.manifests.add(copy);
                continue;
            }
            // The head is checked; a link without its copy (its run stopped after claiming the place) is checked
            // and completed.
            ChainLink checked = chain.checked(link.getKey(), link.getValue());
            Manifest manifest = checked.parsedManifest();
            ExportLayout.ManifestKey key = chain.keyOf(manifest);
            if (copy != null && !copy.equals(key)) {
                throw alarm(copy.key(), "is not the manifest its link " + link.getValue() + " holds");
            }
            if (copy == null) {
                chain.complete(checked, manifest);
            }
            chain.manifests.add(key);
            if (isHead) {
                if (link.getKey() > 1) {
                    // The head must follow the link before it, which its own signature cannot say.
                    ChainLink before = chain.checked(link.getKey() - 1, links.get(link.getKey() - 1));
                    if (!new Manifest.Link(before.manifestKey(), before.manifestSha256()).equals(manifest.previous())) {
                        throw alarm(link.getValue(), "does not follow the link before it");
                    }
                }
                chain.head = new Manifest.Link(checked.manifestKey(), checked.manifestSha256());
                chain.headSequence = link.getKey();
            }
        }
        return chain;
    }

    private ChainLink checked(long place, String linkKey) {
        ChainLink link;
        try {
            link = ChainLink.parse(s3.getObjectAsBytes(r -> r.bucket(bucket).key(linkKey)
                    .overrideConfiguration(OutsideCall.within(OutsideCall.S3))).asByteArray());
        } catch (IOException e) {
            throw alarm(linkKey, "does not parse as an " + Manifest.FORMAT + " link");
        }
        String fault = link.fault(publicKey, place);
        if (fault != null) {
            throw alarm(linkKey, fault);
        }
        Manifest manifest = link.parsedManifest();
        if (!keyOf(manifest).key().equals(link.manifestKey())) {
            throw alarm(linkKey, "names its manifest " + link.manifestKey() + ", not where the export keeps it");
        }
        if (place > 1 && headSequence == place - 1 && !head.equals(manifest.previous())) {
            throw alarm(linkKey, "does not follow the link before it");
        }
        return link;
    }

    private static Alarm alarm(String key, String why) {
        return new Alarm("the export chain is not the export's own: " + key + " " + why + ". Nothing is written "
                + "after it: run verify, and find who wrote to the bucket (the operator's guide, \"The chain "
                + "stopped\")");
    }

    private ExportLayout.ManifestKey keyOf(Manifest manifest) {
        return layout.manifestKey(manifest.sequence(), shortName(manifest.table()), manifest.day(),
                manifest.throughDay(), manifest.part());
    }

    public List<ExportLayout.ManifestKey> manifests() {
        return List.copyOf(manifests);
    }

    /** True when the chain holds the table's part over any of these days (this run's or another's). */
    public boolean covers(String table, LocalDate from, LocalDate through, int part) {
        return manifests.stream().anyMatch(m -> m.overlaps(table, from, through, part));
    }

    /**
     * A manifest as its link holds it, signature and hash checked: never its copy, which is what a reader browses
     * but what the export did not sign (a new version of a copy misleads no run; verify names it).
     */
    public Manifest read(ExportLayout.ManifestKey key) {
        ChainLink link = checked(key.sequence(), layout.linkKey(key.sequence()));
        Manifest manifest = link.parsedManifest();
        if (!keyOf(manifest).equals(key)) {
            throw alarm(layout.linkKey(key.sequence()), "holds " + link.manifestKey() + ", not " + key.key());
        }
        return manifest;
    }

    /**
     * Appends a manifest this run built: signs it at the next place, claims the place, then writes its index and
     * copy. A place taken meanwhile by another run is read (and checked); if that run exported the same part of
     * the same days, this run's is dropped (its objects stay, listed by nothing), otherwise it tries the new head.
     *
     * @return the manifest as signed, or empty when another run exported the same part first
     */
    public Optional<Manifest> append(Manifest unplaced) {
        String table = shortName(unplaced.table());
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (covers(table, unplaced.day(), unplaced.throughDay(), unplaced.part())) {
                return Optional.empty();
            }
            long sequence = headSequence + 1;
            Manifest placed = unplaced.placed(sequence, head, signer.keyId());
            ExportLayout.ManifestKey key = keyOf(placed);
            byte[] bytes = placed.toBytes();
            String sha = sha256Hex(bytes);
            ChainLink link = ChainLink.of(sequence, signer.sign(key.key(), sha), bytes);
            byte[] linkBytes = link.toBytes();
            String linkKey = layout.linkKey(sequence);
            if (!putIfNew(linkKey, linkBytes, "application/json")) {
                catchUp();
                continue;
            }
            complete(link, placed);
            manifests.add(key);
            head = new Manifest.Link(key.key(), sha);
            headSequence = sequence;
            // Published outside the bucket (logs, and the ExportChainHead metric): a cut tail cannot hide these.
            LOG.info("export chain head: sequence {}, link {}, sha256 {}", sequence, linkKey, sha256Hex(linkBytes));
            return Optional.of(placed);
        }
        throw new Contention("other export runs took the chain's next place " + ATTEMPTS + " times in a row; "
                + unplaced.table() + " " + unplaced.date() + " part " + unplaced.part() + " is left to the next run");
    }

    /** The places other runs have claimed since this run's head, each checked as the head is. */
    private void catchUp() {
        String after = layout.linkKey(headSequence);
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(layout.chainPrefix())
                .startAfter(headSequence == 0 ? null : after)).contents()) {
            long place = headSequence + 1;
            if (!o.key().equals(layout.linkKey(place))) {
                throw alarm(o.key(), "is not the link at place " + place + " the chain needs next");
            }
            ChainLink link = checked(place, o.key());
            manifests.add(keyOf(link.parsedManifest()));
            head = new Manifest.Link(link.manifestKey(), link.manifestSha256());
            headSequence = place;
        }
    }

    /** The head's place: what this run's last link, or the last one it read, claimed (0: an empty chain). */
    public long headSequence() {
        return headSequence;
    }

    public Optional<Manifest.Link> head() {
        return Optional.ofNullable(head);
    }

    /** What follows a link: the part's Athena index, then the manifest's copy (its presence says: done). */
    private void complete(ChainLink link, Manifest manifest) {
        List<String> parquet = manifest.objects().stream().filter(o -> o.format().equals("parquet"))
                .map(Manifest.StoredObject::key).toList();
        if (!parquet.isEmpty()) {
            putOrFind(layout.indexKey(shortName(manifest.table()), manifest.day(), manifest.part()),
                    index(bucket, parquet), "text/plain");
        }
        putOrFind(link.manifestKey(), link.manifestBytes(), "application/json");
    }

    /**
     * Writes what follows a link, or finds it written (by this run's earlier attempt, or a run that stopped after
     * it): the same bytes, or an alarm. An index placed there by someone else would make Athena read what no signed
     * manifest lists.
     */
    private void putOrFind(String key, byte[] bytes, String contentType) {
        if (!putIfNew(key, bytes, contentType) && !java.util.Arrays.equals(bytes, s3.getObjectAsBytes(r -> r
                .bucket(bucket).key(key).overrideConfiguration(OutsideCall.within(OutsideCall.S3))).asByteArray())) {
            throw alarm(key, "is not what its link lists: the export did not write it");
        }
    }

    /** The index Athena reads a part through (SymlinkTextInputFormat): one {@code s3://bucket/key} line an object. */
    public static byte[] index(String bucket, List<String> keys) {
        StringBuilder lines = new StringBuilder();
        for (String key : keys) {
            lines.append("s3://").append(bucket).append('/').append(key).append('\n');
        }
        return lines.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the object only if its key is new; false when another writer has it. */
    private boolean putIfNew(String key, byte[] bytes, String contentType) {
        try {
            s3.putObject(r -> r.bucket(bucket).key(key).ifNoneMatch("*").contentType(contentType)
                    .overrideConfiguration(OutsideCall.within(OutsideCall.S3)), RequestBody.fromBytes(bytes));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return false;
            }
            throw e;
        }
    }

    /** {@code audit.audit_events} to {@code audit_events}: the folder and the manifest key use the table's name. */
    public static String shortName(String table) {
        return table.substring(table.indexOf('.') + 1);
    }

    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(RowDigest.sha256().digest(bytes));
    }
}
