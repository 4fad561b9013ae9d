package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * The parser skips the schema validator only for bodies the validator accepts: whatever
 * {@link CanonicalEventParser#plainlyValid} lets through, webhook-event.schema.json must accept.
 */
class CanonicalEventParserPropertyTest {

    private static final JsonSchema SCHEMA = schema();

    @Property(tries = 20_000)
    void shouldSkipTheValidatorOnlyForBodiesItAccepts(@ForAll("bodies") final ObjectNode body) {
        final boolean plain = CanonicalEventParser.plainlyValid(body);
        if (plain) {
            assertThat(SCHEMA.validate(body)).as(body.toString()).isEmpty();
        }
        Statistics.collect(plain, SCHEMA.validate(body).isEmpty());
        // Both kinds of body, and valid ones the quick check leaves to the validator, must come up often enough to mean something.
        Statistics.coverage(c -> {
            c.check(true, true).percentage(p -> p > 2);
            c.check(false, true).percentage(p -> p > 0.2);
            c.check(false, false).percentage(p -> p > 50);
        });
    }

    @Property(tries = 5_000)
    void shouldSkipTheValidatorForTheTimestampsSendersUse(@ForAll("timestamps") final String timestamp) {
        final ObjectNode body = plain().put("timestamp", timestamp);
        assertThat(CanonicalEventParser.plainlyValid(body)).as(timestamp).isTrue();
        assertThat(SCHEMA.validate(body)).as(timestamp).isEmpty();
    }

    @Property(tries = 5_000)
    void shouldSkipTheValidatorOnlyForOffsetsItAccepts(@ForAll("timestamps") final String utc,
                                                     @ForAll("offsets") final String offset) {
        final ObjectNode body = plain().put("timestamp", utc.substring(0, utc.length() - 1) + offset);
        if (CanonicalEventParser.plainlyValid(body)) {
            assertThat(SCHEMA.validate(body)).as(body.get("timestamp").asText()).isEmpty();
        }
    }

    @Provide
    Arbitrary<String> offsets() {
        return new OffsetDateTimeTextTest().offsets();
    }

    @Example
    void shouldLeaveLongOrUnusualFieldsToTheValidator() {
        assertThat(CanonicalEventParser.plainlyValid(plain())).isTrue();
        assertThat(CanonicalEventParser.plainlyValid(plain().put("event_id", "e".repeat(257)))).isFalse();
        // 256 code points in 512 UTF-16 units: the schema accepts it, the quick check leaves it to the schema.
        final ObjectNode astral = plain().put("event_id", "\uD83D\uDE00".repeat(256));
        assertThat(CanonicalEventParser.plainlyValid(astral)).isFalse();
        assertThat(SCHEMA.validate(astral)).isEmpty();
        assertThat(CanonicalEventParser.plainlyValid(plain().put("timestamp", "2026-11-22t10:15:30z"))).isFalse();
        // RFC 3339's "offset unknown": OffsetDateTime reads it, the schema's date-time format refuses it.
        assertThat(CanonicalEventParser.plainlyValid(plain().put("timestamp", "2026-11-22T10:15:30-00:00"))).isFalse();
        assertThat(SCHEMA.validate(plain().put("timestamp", "2026-11-22T10:15:30-00:00"))).isNotEmpty();
        assertThat(CanonicalEventParser.plainlyValid(plain().put("payload", 3))).isFalse();
    }

    private static ObjectNode plain() {
        final ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("event_id", "e1").put("event_type", "order.created").put("timestamp", "2026-11-22T10:15:30.123456Z")
                .put("schema_version", "1").putObject("payload").put("k", "v");
        return body;
    }

    /** Objects whose every field is sometimes missing, null, of another type, empty, at or past its length limit. */
    @Provide
    Arbitrary<ObjectNode> bodies() {
        final Arbitrary<JsonNode> id = value(256);
        final Arbitrary<JsonNode> version = value(64);
        final Arbitrary<JsonNode> timestamp = Arbitraries.frequencyOf(
                Tuple.of(6, timestamps().map(JsonNodeFactory.instance::textNode)),
                Tuple.of(3, new OffsetDateTimeTextTest().nearlyIso().map(JsonNodeFactory.instance::textNode)),
                Tuple.of(1, value(40)));
        final Arbitrary<JsonNode> payload = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(JsonNodeFactory.instance.objectNode().put("k", "v"))),
                Tuple.of(1, Arbitraries.of(JsonNodeFactory.instance.nullNode(), JsonNodeFactory.instance.arrayNode(),
                        JsonNodeFactory.instance.textNode("{}"), JsonNodeFactory.instance.numberNode(1))),
                Tuple.of(1, Arbitraries.just(null)));
        return Combinators.combine(id, id, timestamp, version, value(256), payload).as((eventId, type, time, v, entity, p) -> {
            final ObjectNode body = JsonNodeFactory.instance.objectNode();
            putUnlessMissing(body, "event_id", eventId);
            putUnlessMissing(body, "event_type", type);
            putUnlessMissing(body, "timestamp", time);
            putUnlessMissing(body, "schema_version", v);
            putUnlessMissing(body, "entity_id", entity);
            putUnlessMissing(body, "payload", p);
            return body;
        });
    }

    @Provide
    Arbitrary<String> timestamps() {
        return new OffsetDateTimeTextTest().instants().map(java.time.Instant::toString);
    }

    private static void putUnlessMissing(final ObjectNode body, final String field, final JsonNode value) {
        if (value != null) {
            body.set(field, value);
        }
    }

    /** A field value, mostly a plain short string, else around a string limit or of another type; null stands for a missing field. */
    private static Arbitrary<JsonNode> value(final int maxLength) {
        final JsonNodeFactory f = JsonNodeFactory.instance;
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.strings().alpha().numeric().withChars(".-_:").ofMinLength(1).ofMaxLength(12).map(f::textNode)),
                Tuple.of(1, Arbitraries.just(f.textNode(""))),
                Tuple.of(1, Arbitraries.integers().between(maxLength - 2, maxLength + 2).map(n -> f.textNode("x".repeat(n)))),
                Tuple.of(1, Arbitraries.integers().between(maxLength / 2 - 1, maxLength / 2 + 1).map(n -> f.textNode("\uD83D\uDE00".repeat(n)))),
                Tuple.of(1, Arbitraries.of(f.nullNode(), f.numberNode(7), f.booleanNode(true), f.objectNode(), f.arrayNode())),
                Tuple.of(1, Arbitraries.just(null)));
    }

    private static JsonSchema schema() {
        try (InputStream in = CanonicalEventParser.class.getResourceAsStream("/schemas/webhook-event.schema.json")) {
            final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
