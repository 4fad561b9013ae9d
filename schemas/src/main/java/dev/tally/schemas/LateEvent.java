package dev.tally.schemas;

import java.time.Instant;

/**
 * An event that arrived after a window it belongs to had closed, as written to {@link Topics#LATE}:
 * it is not counted in that window, and this record says so. Schema: {@code schemas/late-event.schema.json}.
 *
 * @param counter      the counter whose window it missed
 * @param key          the counter's group key for the event
 * @param window       the window size it missed ({@code 1m}, …)
 * @param windowStart  start of the missed window
 * @param windowEnd    end of the missed window
 * @param closedAt     the stream time at which that window closed (its end plus the counter's grace)
 * @param streamTime   the processor's stream time when the event arrived
 * @param source       the event's source
 * @param eventId      the event's id
 * @param eventTime    the event's time
 * @param reason       why it is late, in words
 */
public record LateEvent(String counter, String key, String window, Instant windowStart, Instant windowEnd,
                        Instant closedAt, Instant streamTime, String source, String eventId, Instant eventTime,
                        String reason) {
}
