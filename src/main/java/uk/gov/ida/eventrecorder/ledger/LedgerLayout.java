package uk.gov.ida.eventrecorder.ledger;

import uk.gov.ida.eventrecorder.digest.ExportLayout;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the ledger's checkpoints lie in the export bucket: {@code <prefix>_ledger/000000000042.json}, one object per
 * sequence, beside the export's chain. Twelve digits so that a listing's order is the sequence's (a checkpoint a
 * minute fills them in about two million years).
 */
public final class LedgerLayout {
    public static final String LEDGER = "_ledger/";
    public static final long MAX_SEQUENCE = 999_999_999_999L;
    private static final Pattern CHECKPOINT = Pattern.compile("_ledger/(\\d{12})\\.json");

    private LedgerLayout() {
    }

    /** Everything under the ledger, for listing; the prefix is read as the export reads it. */
    public static String ledgerPrefix(String prefix) {
        return new ExportLayout(prefix).prefix() + LEDGER;
    }

    public static String checkpointKey(String prefix, long sequence) {
        if (sequence < 0 || sequence > MAX_SEQUENCE) {
            throw new IllegalArgumentException("a checkpoint sequence is 0 to " + MAX_SEQUENCE + ", not "
                    + sequence);
        }
        return ledgerPrefix(prefix) + String.format("%012d", sequence) + ".json";
    }

    /** The sequence a checkpoint's key names, or empty for any other key. */
    public static OptionalLong parseCheckpointKey(String prefix, String key) {
        String base = new ExportLayout(prefix).prefix();
        if (key == null || !key.startsWith(base)) {
            return OptionalLong.empty();
        }
        Matcher m = CHECKPOINT.matcher(key.substring(base.length()));
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }
}
