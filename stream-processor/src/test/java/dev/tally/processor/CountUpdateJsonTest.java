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

    @Provide
    Arbitrary<CountUpdate> updates() {
        // Keys are group-by values from payloads: any text, quotes, backslashes, control characters and non-ASCII included.
        final Arbitrary<String> text = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12),
                Arbitraries.strings().withChars("\"\\/\n\t\u0000\u001f\u007f\u2028éß€😀|:").ofMaxLength(6));
        final Arbitrary<Instant> instants = Arbitraries.oneOf(
                bounds().map(Instant::ofEpochMilli),
                Arbitraries.longs().between(-62_000_000_000L, 253_000_000_000L)
                        .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n))));
        return Combinators.combine(text, text, Arbitraries.of("1m", "1h", "1d", CountUpdate.ALL_TIME), instants.injectNull(0.2),
                        Arbitraries.longs())
                .as((counter, key, window, start, count) -> start == null
                        ? new CountUpdate(counter, key, CountUpdate.ALL_TIME, null, null, count)
                        : new CountUpdate(counter, key, window, start, start.plusSeconds(60), count));
    }

    @Provide
    Arbitrary<Long> bounds() {
        return Arbitraries.longs().between(0, 40_000_000L).map(minute -> minute * 60_000L);
    }
}
