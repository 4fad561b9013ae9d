package dev.tally.notifier;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * When a sink's failed delivery is tried again, and when it is given up: exponential backoff with
 * jitter between {@code minBackoff} and {@code maxBackoff}, a server's {@code Retry-After} taking
 * its place, and at most {@code maxAttempts} requests within {@code deadline} of the first.
 *
 * @param maxAttempts requests per alert and sink, the first included (default {@value #DEFAULT_MAX_ATTEMPTS})
 * @param deadline    no request starts later than this after the first (default 1h)
 * @param minBackoff  the wait after the first failure, before jitter (default 1s)
 * @param maxBackoff  the longest wait backoff alone gives (default 5m)
 */
public record RetryPolicy(int maxAttempts, Duration deadline, Duration minBackoff, Duration maxBackoff) {

    public static final int DEFAULT_MAX_ATTEMPTS = 12;
    public static final Duration DEFAULT_DEADLINE = Duration.ofHours(1);
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(5);
    public static final RetryPolicy DEFAULT = new RetryPolicy(DEFAULT_MAX_ATTEMPTS, DEFAULT_DEADLINE, DEFAULT_MIN_BACKOFF, DEFAULT_MAX_BACKOFF);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max_attempts must be 1 or more, got " + maxAttempts);
        }
        if (deadline.isNegative() || minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("deadline and backoffs must not be negative, and max_backoff ("
                    + maxBackoff + ") not below min_backoff (" + minBackoff + ")");
        }
    }

    /**
     * The wait before attempt {@code failed + 1}: {@code retryAfter} when the server sent one, else
     * {@code min(maxBackoff, minBackoff * 2^(failed-1))}, of which the upper half is random ("equal
     * jitter": never less than half, so a failing sink is not hammered, and retries of many alerts spread out).
     *
     * @param failed     how many attempts failed so far (1 after the first)
     * @param retryAfter the server's Retry-After, or null
     * @param random     uniform in [0, 1)
     */
    public Duration delay(final int failed, final Duration retryAfter, final DoubleSupplier random) {
        if (retryAfter != null) {
            return retryAfter;
        }
        final long min = Math.max(1, minBackoff.toMillis());
        final long base = Math.min(maxBackoff.toMillis(), min << Math.min(30, Math.max(0, failed - 1)));
        return Duration.ofMillis(base / 2 + (long) (random.getAsDouble() * (base - base / 2)));
    }

    /** Whether another attempt may start {@code wait} from now, {@code sinceFirst} after the first one. */
    public boolean allowsAnother(final int attempts, final Duration sinceFirst, final Duration wait) {
        return attempts < maxAttempts && sinceFirst.plus(wait).compareTo(deadline) <= 0;
    }
}
