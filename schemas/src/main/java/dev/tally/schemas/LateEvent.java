package dev.tally.schemas;

import java.time.Instant;

/**
 * An event that is not counted where its event time says, as written to {@link Topics#LATE}, and
 * why ({@link #cause}): it arrived after a window it belongs to had closed ({@value #WINDOW_CLOSED}:
 * not counted in that window, one record per counter and window size it missed), or its event time
 * was further ahead of the processor's wall clock than {@code processor.max_future_skew}
 * ({@value #FUTURE_TIMESTAMP}: not counted at all, one record per delivery). Schema:
 * {@code schemas/late-event.schema.json}.
 *
 * @param counter       the counter whose window it missed ({@value #WINDOW_CLOSED} only)
 * @param key           the counter's group key for the event ({@value #WINDOW_CLOSED} only)
 * @param window        the window size it missed ({@code 1m}, …; {@value #WINDOW_CLOSED} only)
 * @param windowStart   start of the missed window ({@value #WINDOW_CLOSED} only)
 * @param windowEnd     end of the missed window ({@value #WINDOW_CLOSED} only)
 * @param closedAt      the stream time at which that window closed, its end plus the counter's grace
 *                      ({@value #WINDOW_CLOSED} only)
 * @param streamTime    the processor's stream time when the event arrived ({@value #WINDOW_CLOSED} only)
 * @param source        the event's source
 * @param eventId       the event's id
 * @param eventTime     the event's time
 * @param reason        why, in words
 * @param cause         {@value #WINDOW_CLOSED} or {@value #FUTURE_TIMESTAMP}
 * @param receivedAt    when the gateway received it ({@value #FUTURE_TIMESTAMP} only)
 * @param wallClock     the processor's wall clock when it read the event ({@value #FUTURE_TIMESTAMP} only)
 * @param maxFutureSkew the limit it exceeded, such as {@code 5m} ({@value #FUTURE_TIMESTAMP} only)
 */
public record LateEvent(String counter, String key, String window, Instant windowStart, Instant windowEnd,
                        Instant closedAt, Instant streamTime, String source, String eventId, Instant eventTime,
                        String reason, String cause, Instant receivedAt, Instant wallClock, String maxFutureSkew) {

    /** The event's window had closed when it arrived. */
    public static final String WINDOW_CLOSED = "window_closed";
    /** The event's time was too far ahead of the wall clock to be believed. */
    public static final String FUTURE_TIMESTAMP = "future_timestamp";

    /** An event that missed one closed window of one counter. */
    public static LateEvent windowClosed(final String counter, final String key, final String window, final Instant windowStart,
                                         final Instant windowEnd, final Instant closedAt, final Instant streamTime, final String source,
                                         final String eventId, final Instant eventTime, final String reason) {
        return new LateEvent(counter, key, window, windowStart, windowEnd, closedAt, streamTime, source, eventId, eventTime,
                reason, WINDOW_CLOSED, null, null, null);
    }

    /** An event stamped further ahead of the wall clock than {@code maxFutureSkew}: counted nowhere. */
    public static LateEvent futureTimestamp(final String source, final String eventId, final Instant eventTime, final Instant receivedAt,
                                            final Instant wallClock, final String maxFutureSkew, final String reason) {
        return new LateEvent(null, null, null, null, null, null, null, source, eventId, eventTime,
                reason, FUTURE_TIMESTAMP, receivedAt, wallClock, maxFutureSkew);
    }
}
