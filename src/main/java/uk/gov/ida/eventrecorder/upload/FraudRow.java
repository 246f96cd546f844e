package uk.gov.ida.eventrecorder.upload;

import java.time.LocalDateTime;
import java.util.Map;

/**
 * One validated row of an IDP fraud-data upload.
 *
 * @param timeStamp         UTC, converted from the upload's time zone
 * @param contraIndicators  code to how often it appears on this event
 */
public record FraudRow(long row, LocalDateTime timeStamp, String idpEventId, String fidCode,
                       Map<String, Integer> contraIndicators, int contraScore, String requestId,
                       String clientIpAddress, String pid) {
}
