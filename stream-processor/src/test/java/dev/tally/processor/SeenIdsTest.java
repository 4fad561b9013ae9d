package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SeenIdsTest {

    private static final long HORIZON = Duration.ofHours(24).toMillis();
    private static final long T0 = 1_790_000_000_000L;

    @Test
    void shouldKnowEveryIdItWasGivenAcrossGrowingFilters() {
        final SeenIds ids = new SeenIds(HORIZON);
        // Far past the first filter's capacity, so a slice's chain grows.
        for (int i = 0; i < 200_000; i++) {
            ids.add("github:" + i, T0 + i);
        }
        for (int i = 0; i < 200_000; i++) {
            assertThat(ids.mightContain("github:" + i, T0 + i - HORIZON, T0 + i + HORIZON)).as("id %d", i).isTrue();
        }
    }

    @Test
    void shouldTellMostNewIdsFromStoredOnes() {
        final SeenIds ids = new SeenIds(HORIZON);
        for (int i = 0; i < 100_000; i++) {
            ids.add("stripe:evt_" + i, T0 + i * 10L);
        }
        int maybe = 0;
        for (int i = 0; i < 100_000; i++) {
            if (ids.mightContain("stripe:new_" + i, T0 - HORIZON, T0 + HORIZON * 2)) {
                maybe++;
            }
        }
        assertThat(maybe).as("new ids answered 'maybe'").isLessThan(3_000);
    }

    @Test
    void shouldLookOnlyWithinTheAskedReceiveTimes() {
        final SeenIds ids = new SeenIds(HORIZON);
        ids.add("a", T0);
        ids.add("b", T0 + 3 * HORIZON);
        // "a" was filed 3 horizons ago; its slice is gone, so a lookup reaching back there must go to the store
        assertThat(ids.mightContain("a", T0 - HORIZON, T0 + HORIZON)).isTrue();
        // ... and one within the last horizon knows it was not received then
        assertThat(ids.mightContain("a", T0 + 2 * HORIZON, T0 + 4 * HORIZON)).isFalse();
        assertThat(ids.mightContain("b", T0 + 2 * HORIZON, T0 + 4 * HORIZON)).isTrue();
    }

    @Test
    void shouldGoBlindPastItsMostIdsRatherThanGrowWithoutBound() {
        final SeenIds ids = new SeenIds(HORIZON, 1_000);
        for (int i = 0; i < 1_000; i++) {
            ids.add("id-" + i, T0 + i);
        }
        assertThat(ids.isBlind()).isFalse();
        assertThat(ids.mightContain("never-seen", T0, T0 + HORIZON)).isFalse();
        ids.add("one-more", T0 + 1_000);
        assertThat(ids.isBlind()).isTrue();
        assertThat(ids.mightContain("never-seen", T0, T0 + HORIZON)).isTrue();
    }

    @Test
    void shouldSendEveryLookupToTheStoreOnceBlind() {
        final SeenIds ids = new SeenIds(HORIZON);
        ids.add("a", T0);
        ids.blind();
        ids.add("b", T0);
        assertThat(ids.isBlind()).isTrue();
        assertThat(ids.mightContain("never-seen", T0, T0 + HORIZON)).isTrue();
    }
}
