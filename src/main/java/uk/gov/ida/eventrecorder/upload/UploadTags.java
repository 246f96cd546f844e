package uk.gov.ida.eventrecorder.upload;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an identity provider says about its upload, in the object's S3 tags: {@code idp} and {@code username}
 * (required), {@code timezone} (IANA, default Europe/London), {@code dialect} ({@code excel}, {@code excel-tab},
 * {@code unix}; default excel, as Python's csv module names them) and {@code has_header} (default true).
 *
 * @param problems every tag that is present but unusable, as validation failures (field = tag name)
 */
public record UploadTags(String idp, String username, ZoneId timezone, char delimiter, boolean hasHeader,
                         List<ValidationFailure> problems) {

    public static UploadTags from(Map<String, String> tags) {
        List<ValidationFailure> problems = new ArrayList<>();
        ZoneId zone = ZoneId.of("Europe/London");
        String timezone = tags.get("timezone");
        if (timezone != null && !timezone.isBlank()) {
            try {
                zone = ZoneId.of(timezone.strip());
            } catch (DateTimeException e) {
                problems.add(new ValidationFailure(0, "timezone", "is not a known time zone: use an IANA name such "
                        + "as Europe/London"));
            }
        }
        char delimiter = ',';
        String dialect = tags.getOrDefault("dialect", "excel").strip().toLowerCase(Locale.ROOT);
        switch (dialect) {
            case "excel", "unix", "" -> delimiter = ',';
            case "excel-tab" -> delimiter = '\t';
            default -> problems.add(new ValidationFailure(0, "dialect", "is not a known CSV dialect: use excel, "
                    + "excel-tab or unix"));
        }
        boolean header = true;
        String hasHeader = tags.get("has_header");
        if (hasHeader != null && !hasHeader.isBlank()) {
            switch (hasHeader.strip().toLowerCase(Locale.ROOT)) {
                case "true", "1", "y", "yes" -> header = true;
                case "false", "0", "n", "no" -> header = false;
                default -> problems.add(new ValidationFailure(0, "has_header", "is not a yes/no value: use true, "
                        + "1, y, yes or false, 0, n, no"));
            }
        }
        return new UploadTags(blankToNull(tags.get("idp")), blankToNull(tags.get("username")), zone, delimiter,
                header, List.copyOf(problems));
    }

    /** The tags without which no upload session can be recorded (its columns are not null). */
    public List<String> missingRequired() {
        List<String> missing = new ArrayList<>();
        if (idp == null) {
            missing.add("idp");
        }
        if (username == null) {
            missing.add("username");
        }
        return missing;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
