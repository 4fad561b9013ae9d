package dev.tally.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** Backoff with jitter, Retry-After, and when a delivery is given up. */
class RetryPolicyTest {

    private static final RetryPolicy POLICY = new RetryPolicy(5, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(30));
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void shouldDoubleTheWaitAfterEachFailureUpToTheMaximum() {
        assertThat(POLICY.delay(1, null, () -> 0.0)).isEqualTo(Duration.ofMillis(500));
        assertThat(POLICY.delay(2, null, () -> 0.0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(POLICY.delay(3, null, () -> 0.0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(POLICY.delay(10, null, () -> 0.0)).isEqualTo(Duration.ofSeconds(15));
        assertThat(POLICY.delay(60, null, () -> 0.0)).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void shouldJitterTheUpperHalfOfTheWait() {
        assertThat(POLICY.delay(3, null, () -> 0.999_999)).isBetween(Duration.ofMillis(3999), Duration.ofSeconds(4));
        assertThat(POLICY.delay(10, null, () -> 0.5)).isEqualTo(Duration.ofMillis(22_500));
    }

    @Test
    void shouldWaitWhatRetryAfterSaysInsteadOfTheBackoff() {
        assertThat(POLICY.delay(1, Duration.ofSeconds(7), () -> 0.0)).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void shouldGiveUpAtTheAttemptLimitOrWhenTheNextAttemptWouldPassTheDeadline() {
        assertThat(POLICY.allowsAnother(4, Duration.ofMinutes(1), Duration.ofSeconds(1))).isTrue();
        assertThat(POLICY.allowsAnother(5, Duration.ofMinutes(1), Duration.ofSeconds(1))).isFalse();
        assertThat(POLICY.allowsAnother(2, Duration.ofMinutes(9), Duration.ofMinutes(1))).isTrue();
        assertThat(POLICY.allowsAnother(2, Duration.ofMinutes(9), Duration.ofSeconds(61))).isFalse();
    }

    @Test
    void shouldReadRetryAfterAsSecondsOrAsAnHttpDate() {
        assertThat(RetryAfter.parse("120", NOW)).isEqualTo(Duration.ofMinutes(2));
        assertThat(RetryAfter.parse(" 0 ", NOW)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("Sun, 22 Nov 2026 10:00:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Sun, 22 Nov 2026 09:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
    }

    @Test
    void shouldIgnoreARetryAfterItCannotRead() {
        assertThat(RetryAfter.parse(null, NOW)).isNull();
        assertThat(RetryAfter.parse("soon", NOW)).isNull();
        assertThat(RetryAfter.parse("-5", NOW)).isNull();
        assertThat(RetryAfter.parse("99999999999999999999999", NOW)).isNull();
    }

    @Test
    void shouldHonourRetryAfterOnlyOn429And503() {
        assertThat(new Transport.Answer(429, Duration.ofSeconds(3), "").honouredRetryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(new Transport.Answer(503, Duration.ofSeconds(3), "").honouredRetryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(new Transport.Answer(500, Duration.ofSeconds(3), "").honouredRetryAfter()).isNull();
    }
}
