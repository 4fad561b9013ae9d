package dev.tally.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** {@code /readyz} tells the truth: not ready while threads keep failing or a store stays unqueryable. */
class ReadinessTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final FakeProbe probe = new FakeProbe();
    private final Readiness readiness = new Readiness(clock, probe);

    @Test
    void shouldBeReadyWhenRunningWithEveryStoreQueryable() {
        assertThat(readiness.check().ready()).isTrue();
    }

    @Test
    void shouldNotBeReadyUntilRunning() {
        probe.state = KafkaStreams.State.REBALANCING;
        assertThat(readiness.check()).satisfies(s -> {
            assertThat(s.ready()).isFalse();
            assertThat(s.detail()).contains("REBALANCING");
        });
    }

    @Test
    void shouldNotBeReadyForAMinuteAfterAStreamThreadFailed() {
        readiness.check();
        probe.failedThreads = 1;
        clock.advance(Duration.ofSeconds(5));
        assertThat(readiness.check().detail()).contains("A stream thread failed and was replaced at " + T0.plusSeconds(5));

        clock.advance(Duration.ofSeconds(59));
        assertThat(readiness.check().ready()).as("59 s after the failure").isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(readiness.check().ready()).as("a minute after it").isTrue();
    }

    @Test
    void shouldSayAThreadFailedEvenWhileTheReplacementRebalances() {
        readiness.check();
        probe.failedThreads = 1;
        probe.state = KafkaStreams.State.REBALANCING;
        assertThat(readiness.check().detail()).contains("A stream thread failed").contains("REBALANCING");
    }

    @Test
    void shouldStayNotReadyWhileThreadsKeepFailing() {
        for (int i = 1; i <= 5; i++) {
            probe.failedThreads = i;
            clock.advance(Duration.ofSeconds(40));
            assertThat(readiness.check().ready()).isFalse();
        }
    }

    @Test
    void shouldTolerateAStoreUnqueryableForUpToTheBound() {
        probe.unqueryable.add("tally-by-source-rows/0");
        assertThat(readiness.check().ready()).isTrue();
        clock.advance(Readiness.STORE_UNAVAILABLE_BOUND.minusMillis(1));
        assertThat(readiness.check().ready()).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(readiness.check()).satisfies(s -> {
            assertThat(s.ready()).isFalse();
            assertThat(s.detail()).contains("tally-by-source-rows/0 (since " + T0 + ")");
        });

        probe.unqueryable.clear();
        assertThat(readiness.check().ready()).as("queryable again").isTrue();
        probe.unqueryable.add("tally-by-source-rows/0");
        assertThat(readiness.check().ready()).as("the bound counts from the new outage").isTrue();
    }

    private static final class FakeProbe implements Readiness.Probe {
        KafkaStreams.State state = KafkaStreams.State.RUNNING;
        long failedThreads;
        final Set<String> unqueryable = new TreeSet<>();

        @Override
        public KafkaStreams.State state() {
            return state;
        }

        @Override
        public long failedThreads() {
            return failedThreads;
        }

        @Override
        public Set<String> unqueryableStores() {
            return new TreeSet<>(unqueryable);
        }
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(final Instant start) {
            this.now = start;
        }

        void advance(final Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(final ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
