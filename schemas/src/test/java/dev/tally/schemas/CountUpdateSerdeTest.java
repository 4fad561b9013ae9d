package dev.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The count update writer writes exactly the JSON the object mapper writes, and reads it back. */
class CountUpdateSerdeTest {

    @Property(tries = 2000)
    void shouldWriteTheSameBytesAsTheObjectMapper(@ForAll("updates") final CountUpdate update) throws Exception {
        final byte[] json = CountUpdateSerde.write(update);

        assertThat(new String(json, StandardCharsets.UTF_8))
                .isEqualTo(Json.MAPPER.writeValueAsString(update));
        assertThat(new CountUpdateSerde().deserializer().deserialize(Topics.COUNT_UPDATES.name(), json)).isEqualTo(update);
    }

    @Provide
    Arbitrary<CountUpdate> updates() {
        final Arbitrary<String> text = Arbitraries.strings().ofMaxLength(12).withChars("aZ09|\\\"/ é€\u0001\u001f\n\t\r\b\f\u2028")
                .withCharRange('a', 'z');
        final Arbitrary<Instant> times = Combinators.combine(Arbitraries.longs().between(-2_000_000_000L, 8_000_000_000L),
                Arbitraries.of(0, 1_000_000, 120_000_000, 999_999_999)).as(Instant::ofEpochSecond);
        final Arbitrary<CountUpdate> windowed = Combinators.combine(text, text, text, times, times, Arbitraries.longs())
                .as(CountUpdate::new);
        final Arbitrary<CountUpdate> total = Combinators.combine(text, text, Arbitraries.longs())
                .as((counter, key, count) -> new CountUpdate(counter, key, CountUpdate.ALL_TIME, null, null, count));
        return Arbitraries.oneOf(windowed, total);
    }
}
