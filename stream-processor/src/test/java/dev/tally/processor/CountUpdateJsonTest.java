package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.tally.schemas.CountUpdate;
import dev.tally.schemas.Json;
import dev.tally.schemas.KeyCounts;

class CountUpdateJsonTest {

    @Property(tries = 5000)
    void shouldWriteTheBytesTheMapperWrites(@ForAll("updates") final CountUpdate update) throws Exception {
        assertThat(new String(CountUpdateJson.write(update), StandardCharsets.UTF_8))
                .isEqualTo(new String(Json.MAPPER.writeValueAsBytes(update), StandardCharsets.UTF_8));
    }

    @Property(tries = 200)
    void shouldWriteTheSameBytesForAWindowBoundWhateverWasFormattedBefore(@ForAll("bounds") final long first,
                                                                          @ForAll("bounds") final long second) throws Exception {
        // Bounds share memo slots; the second must never come out as the first.
        for (long millis : new long[] {first, second, first}) {
            final CountUpdate update = new CountUpdate("c", "k", "1m", Instant.ofEpochMilli(millis), Instant.ofEpochMilli(millis + 60_000), 1);
            assertThat(CountUpdateJson.write(update)).isEqualTo(Json.MAPPER.writeValueAsBytes(update));
        }
    }

    @Property(tries = 3000)
    void shouldWriteKeyCountsAsTheMapperDoes(@ForAll("keyCounts") final KeyCounts counts) throws Exception {
        assertThat(new String(CountUpdateJson.write(counts), StandardCharsets.UTF_8))
                .isEqualTo(new String(Json.MAPPER.writeValueAsBytes(counts), StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<KeyCounts> keyCounts() {
        final Arbitrary<KeyCounts.Window> window = Combinators.combine(Arbitraries.of("1m", "1h", "1d", "15s"), instants(), Arbitraries.longs())
                .as((size, start, count) -> new KeyCounts.Window(size, start, start.plusSeconds(60), count));
        return Combinators.combine(text(), text(), Arbitraries.longs(), window.list().ofMaxSize(4)).as(KeyCounts::new);
    }

    /** Keys are group-by values from payloads: any text, quotes, backslashes, control characters and non-ASCII included. */
    private static Arbitrary<String> text() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12),
                Arbitraries.strings().withChars("\"\\/\n\t\u0000\u001f\u007f\u2028éß€😀|:").ofMaxLength(6));
    }

    private Arbitrary<Instant> instants() {
        return Arbitraries.oneOf(
                bounds().map(Instant::ofEpochMilli),
                Arbitraries.longs().between(-62_000_000_000L, 253_000_000_000L)
                        .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n))));
    }

    @Provide
    Arbitrary<CountUpdate> updates() {
        return Combinators.combine(text(), text(), Arbitraries.of("1m", "1h", "1d"), instants(), Arbitraries.longs())
                .as((counter, key, window, start, count) -> new CountUpdate(counter, key, window, start, start.plusSeconds(60), count));
    }

    @Provide
    Arbitrary<Long> bounds() {
        return Arbitraries.longs().between(0, 40_000_000L).map(minute -> minute * 60_000L);
    }
}
