package dev.tally.gateway;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;

/**
 * The replay window of schemes that sign a timestamp: a signed time further than the tolerance from
 * the receive time is refused with 401, so a captured delivery cannot be sent again later.
 */
final class Freshness {

    /** What most providers allow (Stripe, Slack, Standard Webhooks: five minutes). */
    static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private Freshness() {
    }

    /** Reads unix seconds; 401 naming {@code what} when it is not a number. */
    static Instant unixSeconds(final String text, final String what) {
        try {
            return Instant.ofEpochSecond(Long.parseLong(text.trim()));
        } catch (NumberFormatException | DateTimeException e) {
            throw SignatureVerifier.rejected(what + " must be unix seconds, not '" + text + "'.");
        }
    }

    /** @throws dev.tally.schemas.ProblemException 401 when {@code signedAt} is outside now ± tolerance */
    static void check(final Instant signedAt, final Instant now, final Duration tolerance, final String what) {
        if (signedAt.isBefore(now.minus(tolerance))) {
            throw SignatureVerifier.rejected(what + " (" + signedAt + ") is too old: more than " + tolerance.toSeconds()
                    + " s before this server's time (" + now + "). Send deliveries promptly, and check the sender's clock.");
        }
        if (signedAt.isAfter(now.plus(tolerance))) {
            throw SignatureVerifier.rejected(what + " (" + signedAt + ") is too far in the future: more than "
                    + tolerance.toSeconds() + " s after this server's time (" + now + "). Check the sender's clock.");
        }
    }
}
