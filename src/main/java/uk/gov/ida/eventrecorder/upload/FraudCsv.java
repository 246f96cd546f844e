package uk.gov.ida.eventrecorder.upload;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import java.io.IOException;
import uk.gov.ida.eventrecorder.event.TimestampRange;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and validates an IDP fraud-data CSV. Columns, in order: timestamp, idp_event_id, fid_code,
 * contra-indicators (separated by commas or line breaks inside the field), contra_score (integer; empty is 0),
 * request_id, client_ip_address, pid. Every failing row and field is collected, not just the first.
 */
public final class FraudCsv {
    static final int COLUMNS = 8;
    private static final CsvMapper CSV = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
    private static final List<DateTimeFormatter> FORMATS = List.of(
            DateTimeFormatter.ISO_LOCAL_DATE_TIME,
            DateTimeFormatter.ofPattern("dd/MM/uuuu HH:mm[:ss]"),
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm[:ss][.SSS]"));
    private static final String[] FIELDS = {"timestamp", "idp_event_id", "fid_code", "contra_indicators",
            "contra_score", "request_id", "client_ip_address", "pid"};

    /** The rows that passed and the failures; the upload may be stored only if there are no failures. */
    public record Result(List<FraudRow> rows, List<ValidationFailure> failures) {
    }

    public Result read(byte[] content, UploadTags tags) {
        List<ValidationFailure> failures = new ArrayList<>();
        List<FraudRow> rows = new ArrayList<>();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            failures.add(new ValidationFailure(0, "file", "the file is not UTF-8 text: save it as CSV UTF-8"));
            return new Result(rows, failures);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // Excel's "CSV UTF-8" starts with a byte-order mark
        }
        CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(tags.delimiter()).withQuoteChar('"');
        long rowNumber = 0;
        try (MappingIterator<String[]> records = CSV.readerFor(String[].class).with(schema).readValues(text)) {
            while (records.hasNextValue()) {
                String[] record = records.nextValue();
                rowNumber++;
                if (rowNumber == 1 && tags.hasHeader()) {
                    continue;
                }
                if (record.length == 1 && record[0].isBlank()) {
                    continue; // a blank line
                }
                validate(rowNumber, record, tags.timezone(), rows, failures);
            }
        } catch (IOException | RuntimeJsonMappingException e) {
            // The CSV parser's message quotes the text it choked on: the uploader is told where, not what.
            failures.add(new ValidationFailure(rowNumber + 1, "row", "the CSV cannot be read from this row on: a "
                    + "quoted field is not closed, or a quote stands inside an unquoted field"));
        }
        if (rows.isEmpty() && failures.isEmpty()) {
            failures.add(new ValidationFailure(0, "file", "the file has no data rows"));
        }
        return new Result(rows, failures);
    }

    private static void validate(long row, String[] record, ZoneId zone, List<FraudRow> rows,
                                 List<ValidationFailure> failures) {
        if (record.length != COLUMNS) {
            failures.add(new ValidationFailure(row, "row", "has " + record.length + " columns; expected " + COLUMNS
                    + " (" + String.join(", ", FIELDS) + ")"));
            return;
        }
        int before = failures.size();
        LocalDateTime timeStamp = timestamp(row, record[0].strip(), zone, failures);
        String idpEventId = required(row, record, 1, failures);
        String fidCode = required(row, record, 2, failures);
        Map<String, Integer> contraIndicators = contraIndicators(row, record[3], failures);
        int score = score(row, record[4].strip(), failures);
        String requestId = required(row, record, 5, failures);
        String clientIp = required(row, record, 6, failures);
        String pid = required(row, record, 7, failures);
        if (failures.size() == before) {
            rows.add(new FraudRow(row, timeStamp, idpEventId, fidCode, contraIndicators, score, requestId, clientIp,
                    pid));
        }
    }

    private static LocalDateTime timestamp(long row, String value, ZoneId zone, List<ValidationFailure> failures) {
        if (value.isEmpty()) {
            failures.add(new ValidationFailure(row, "timestamp", "is empty"));
            return null;
        }
        for (DateTimeFormatter format : FORMATS) {
            LocalDateTime local;
            try {
                local = LocalDateTime.parse(value, format);
            } catch (DateTimeParseException next) {
                continue; // try the next format
            }
            // The queue's rule, before anything converts it: the driver would store a date before 4713 BC as
            // -infinity, and the server refuses one after 294276 AD with a message that quotes it.
            Instant instant = local.atZone(zone).toInstant();
            String outside = TimestampRange.outside(instant);
            if (outside != null) {
                failures.add(new ValidationFailure(row, "timestamp", TimestampRange.LABEL + ": " + outside));
                return null;
            }
            return TimestampRange.utc("timestamp", instant);
        }
        failures.add(new ValidationFailure(row, "timestamp", "is not a date and time (" + value.length()
                + " characters): use "
                + "2018-02-10T12:00:00, 10/02/2018 12:00[:00] or 2018-02-10 12:00[:00]"));
        return null;
    }

    private static String required(long row, String[] record, int column, List<ValidationFailure> failures) {
        String value = record[column].strip();
        if (value.isEmpty()) {
            failures.add(new ValidationFailure(row, FIELDS[column], "is empty"));
            return null;
        }
        if (value.indexOf('\0') >= 0) {
            failures.add(new ValidationFailure(row, FIELDS[column], "contains a NUL character"));
            return null;
        }
        return value;
    }

    private static int score(long row, String value, List<ValidationFailure> failures) {
        if (value.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            failures.add(new ValidationFailure(row, "contra_score", "is not a whole number (" + value.length()
                    + " characters)"));
            return 0;
        }
    }

    /** A code with a NUL is refused like any other field's, never dropped without a word. */
    private static Map<String, Integer> contraIndicators(long row, String value, List<ValidationFailure> failures) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String code : value.split("[,\\r\\n]+")) {
            String c = code.strip();
            if (c.indexOf('\0') >= 0) {
                failures.add(new ValidationFailure(row, "contra_indicators", "contains a NUL character"));
            } else if (!c.isEmpty()) {
                counts.merge(c, 1, Integer::sum);
            }
        }
        return counts;
    }

}
