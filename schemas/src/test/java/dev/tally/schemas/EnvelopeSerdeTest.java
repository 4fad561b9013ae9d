package dev.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The envelope reader's fast path reads exactly what the plain JSON serde reads, and leaves everything else to it. */
class EnvelopeSerdeTest {

    private static final String TOPIC = Topics.RAW.name();
    private static final JsonSerde<Envelope> JSON = new JsonSerde<>(Envelope.class);
    private static final EnvelopeSerde SERDE = new EnvelopeSerde();

    @Property(tries = 2000)
    void shouldReadWhatTheGatewayWritesOnTheFastPathAsTheJsonSerdeDoes(@ForAll("envelopes") final Envelope envelope) {
        final byte[] json = SERDE.serializer().serialize(TOPIC, envelope);

        final Envelope fast = EnvelopeSerde.readCommonShape(json);

        assertThat(fast).as("read on the fast path").isNotNull();
        assertThat(fast).isEqualTo(JSON.deserializer().deserialize(TOPIC, json)).isEqualTo(envelope);
    }

    @Property(tries = 2000)
    void shouldReadEveryInstantSpellingLikeInstantParse(@ForAll("instants") final String text) {
        final Instant fast = EnvelopeSerde.instant(text);

        if (fast != null) {
            assertThat(fast).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void shouldReadIsoInstantsWithAnyNumberOfFractionDigits() {
        for (String text : List.of("2026-11-22T10:00:00Z", "2026-11-22T10:00:00.5Z", "2026-11-22T10:00:00.120Z",
                "2024-02-29T23:59:59.999999999Z", "1969-12-31T23:59:59.000001Z", "0001-01-01T00:00:00Z")) {
            assertThat(EnvelopeSerde.instant(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void shouldLeaveOtherShapesToTheJsonSerdeWithItsResultsAndErrors() {
        final String fields = "\"source\":\"s\",\"event_id\":\"e\",\"event_type\":\"t\",";
        final String times = "\"event_time\":\"2026-11-22T10:00:00Z\",\"received_at\":\"2026-11-22T10:00:01Z\"";
        final List<String> others = List.of(
                "{" + fields + "\"event_time\":\"2026-11-22T11:00:00+01:00\",\"received_at\":\"2026-11-22T10:00:01Z\"}",
                "{" + fields + "\"event_time\":\"2026-11-22t10:00:00z\",\"received_at\":\"2026-11-22T10:00:01Z\"}",
                "{" + fields + "\"event_time\":1795000000.5,\"received_at\":\"2026-11-22T10:00:01Z\"}",
                "{" + fields + "\"event_time\":\"2026-02-30T10:00:00Z\",\"received_at\":\"2026-11-22T10:00:01Z\"}",
                "{" + fields + "\"event_time\":\"2026-12-31T23:59:60Z\",\"received_at\":\"2026-11-22T10:00:01Z\"}",
                "{" + fields + "\"event_time\":null,\"received_at\":\"2026-11-22T10:00:01Z\"}",
                "{" + fields + times + ",\"payload\":null}",
                "{" + fields + times + ",\"payload\":[1,2]}",
                "{" + fields + times + ",\"schema_version\":2}",
                "{" + fields + times + ",\"entity_id\":null}",
                "{" + fields + times + ",\"unknown\":\"x\"}",
                "{" + fields + times + ",\"source\":\"again\"}",
                "{\"event_id\":\"e\",\"event_type\":\"t\"," + times + "}",
                "{" + fields + times,
                "[]",
                "not json",
                "");
        for (String text : others) {
            final byte[] json = text.getBytes(StandardCharsets.UTF_8);
            assertThat(EnvelopeSerde.readCommonShape(json)).as(text).isNull();
            final Throwable expectedError = catchThrowable(() -> JSON.deserializer().deserialize(TOPIC, json));
            final Throwable error = catchThrowable(() -> SERDE.deserializer().deserialize(TOPIC, json));
            if (expectedError == null) {
                assertThat(error).as(text).isNull();
                assertThat(SERDE.deserializer().deserialize(TOPIC, json)).as(text)
                        .isEqualTo(JSON.deserializer().deserialize(TOPIC, json));
            } else {
                assertThat(error).as(text).isNotNull().hasMessage(expectedError.getMessage()).isInstanceOf(expectedError.getClass());
            }
        }
    }

    @Provide
    Arbitrary<Envelope> envelopes() {
        final Arbitrary<String> text = Arbitraries.strings().ofMinLength(1).ofMaxLength(12)
                .withChars("aZ09:._-\"\\/ é€\u0001\n").withCharRange('a', 'z');
        final Arbitrary<Instant> times = Combinators.combine(
                Arbitraries.longs().between(-2_000_000_000L, 8_000_000_000L),
                Arbitraries.of(0, 1, 2, 3, 6, 9).flatMap(digits -> Arbitraries.integers().between(0, 999_999_999)
                        .map(nanos -> nanos - nanos % (int) Math.pow(10, 9 - digits))))
                .as(Instant::ofEpochSecond);
        return Combinators.combine(text, text, text, times, times, text.injectNull(0.5), payloads().injectNull(0.3),
                text.injectNull(0.3)).as(Envelope::new);
    }

    private Arbitrary<JsonNode> payloads() {
        return Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(5), Arbitraries.integers(),
                Arbitraries.doubles(), Arbitraries.strings().ofMaxLength(8)).as((key, n, d, s) -> {
                    final ObjectNode node = Json.MAPPER.createObjectNode();
                    node.put("k" + key, s).put("n", n).put("d", d).putNull("none");
                    node.putObject("nested").putArray("list").add(n).add(s).add(true);
                    return node;
                });
    }

    @Provide
    Arbitrary<String> instants() {
        final Arbitrary<String> canonical = Arbitraries.longs().between(-62_000_000_000L, 253_000_000_000L)
                .map(s -> Instant.ofEpochSecond(s, s % 1_000_000_000L).toString());
        final Arbitrary<String> mangled = Combinators.combine(canonical, Arbitraries.integers().between(0, 29),
                Arbitraries.of('0', '9', 'Z', '.', ':', '-', 'T', ' ', '+')).as((s, i, c) ->
                i < s.length() ? s.substring(0, i) + c + s.substring(i + 1) : s + c);
        return Arbitraries.oneOf(canonical, mangled);
    }
}
