package uk.gov.ida.eventrecorder.upload;

/**
 * One reason an upload cannot be stored: a row of {@code idp_data.upload_session_validation_failures}.
 *
 * @param row the record's number in the file, counting a header as row 1; 0 for the file as a whole
 */
public record ValidationFailure(long row, String field, String message) {
}
