package dev.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;

/** What the Java records write is what the published JSON Schemas describe. */
class SchemaContractTest {

    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void shouldWriteEnvelopesThatMatchTheirSchema() throws Exception {
        final Envelope full = new Envelope("shop", "e1", "order.created", T, T.plusSeconds(1), "c1",
                Json.MAPPER.createObjectNode().put("plan", "pro"), "1");
        final Envelope minimal = new Envelope("shop", "e2", "t", T, T, null, null, null);
        assertThat(schema("envelope.schema.json").validate(toJson(full, Topics.RAW))).isEmpty();
        assertThat(schema("envelope.schema.json").validate(toJson(minimal, Topics.RAW))).isEmpty();
        assertThat(Topics.RAW.valueSerde().deserializer().deserialize("t",
                Topics.RAW.valueSerde().serializer().serialize("t", full))).isEqualTo(full);
    }

    @Test
    void shouldWriteFinalCountsThatMatchTheirSchema() throws Exception {
        final CountUpdate windowed = new CountUpdate("c", "shop|pro", "1m", T, T.plusSeconds(60), 3);
        assertThat(schema("count-update.schema.json").validate(toJson(windowed, Topics.COUNT_FINAL))).isEmpty();
    }

    @Test
    void shouldWriteKeyCountsThatMatchTheirSchema() throws Exception {
        final KeyCounts open = new KeyCounts("c", "shop|pro", 9, java.util.List.of(
                new KeyCounts.Window("1m", T, T.plusSeconds(60), 3), new KeyCounts.Window("1h", T, T.plusSeconds(3600), 4)));
        final KeyCounts none = new KeyCounts("c", "shop|free", 1, java.util.List.of());
        assertThat(schema("key-counts.schema.json").validate(toJson(open, Topics.COUNT_UPDATES))).isEmpty();
        assertThat(schema("key-counts.schema.json").validate(toJson(none, Topics.COUNT_UPDATES))).isEmpty();
        assertThat(Topics.COUNT_UPDATES.valueSerde().deserializer().deserialize("t",
                Topics.COUNT_UPDATES.valueSerde().serializer().serialize("t", open))).isEqualTo(open);
    }

    @Test
    void shouldWriteUndeliveredAlertsThatMatchTheirSchema() throws Exception {
        final Alert alert = new Alert("c", "shop|pro", "1h", T, T.plusSeconds(3600), 100, 100, "e1", T.plusSeconds(5));
        final UndeliveredAlert answered = new UndeliveredAlert(alert, "ops", "alert_0123", 5, 503, "503 after 5 attempts", T, T.plusSeconds(60));
        final UndeliveredAlert silent = new UndeliveredAlert(alert, "ops", "alert_0123", 1, null, "timed out", T, T);
        assertThat(schema("undelivered-alert.schema.json").validate(toJson(answered, Topics.UNDELIVERED))).isEmpty();
        assertThat(schema("undelivered-alert.schema.json").validate(toJson(silent, Topics.UNDELIVERED))).isEmpty();
        assertThat(Topics.UNDELIVERED.valueSerde().deserializer().deserialize("t",
                Topics.UNDELIVERED.valueSerde().serializer().serialize("t", answered))).isEqualTo(answered);
        assertThat(answered.topicKey()).isEqualTo(alert.topicKey() + "|ops");
    }

    @Test
    void shouldWriteLateEventsOfEitherCauseThatMatchTheirSchema() throws Exception {
        final LateEvent missed = LateEvent.windowClosed("c", "shop|pro", "1m", T, T.plusSeconds(60), T.plusSeconds(90), T.plusSeconds(95),
                "shop", "e1", T.plusSeconds(1), "window closed");
        final LateEvent ahead = LateEvent.futureTimestamp("shop", "e2", Instant.parse("2099-01-01T00:00:00Z"), T, T.plusSeconds(1), "5m",
                "event time too far ahead");
        assertThat(schema("late-event.schema.json").validate(toJson(missed, Topics.LATE))).isEmpty();
        assertThat(schema("late-event.schema.json").validate(toJson(ahead, Topics.LATE))).isEmpty();
        assertThat(Topics.LATE.valueSerde().deserializer().deserialize("t",
                Topics.LATE.valueSerde().serializer().serialize("t", ahead))).isEqualTo(ahead);
        final JsonNode withoutLimit = toJson(ahead, Topics.LATE);
        ((com.fasterxml.jackson.databind.node.ObjectNode) withoutLimit).remove("max_future_skew");
        assertThat(schema("late-event.schema.json").validate(withoutLimit)).as("a future_timestamp record names its limit").isNotEmpty();
    }

    @Test
    void shouldWriteProblemsThatMatchTheirSchema() throws Exception {
        final Problem problem = Problem.of(401, "bad-signature", "Signature verification failed", "no").at("/webhooks/x");
        assertThat(schema("problem.schema.json").validate(Json.MAPPER.readTree(problem.toJson()))).isEmpty();
    }

    @Test
    void shouldRejectAnEnvelopeWithoutAnEventId() throws Exception {
        final JsonNode broken = Json.MAPPER.readTree("{\"source\":\"s\",\"event_type\":\"t\",\"event_time\":\"2026-11-22T10:00:00Z\","
                + "\"received_at\":\"2026-11-22T10:00:00Z\"}");
        assertThat(schema("envelope.schema.json").validate(broken)).isNotEmpty();
    }

    private static <V> JsonNode toJson(final V value, final Topics.Topic<?, V> topic) throws Exception {
        assertThat(topic.schema()).isNotNull();
        return Json.MAPPER.readTree(topic.valueSerde().serializer().serialize(topic.name(), value));
    }

    private static JsonSchema schema(final String name) throws Exception {
        try (InputStream in = SchemaContractTest.class.getResourceAsStream("/schemas/" + name)) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        }
    }
}
