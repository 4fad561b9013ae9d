package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.ProblemException;

class CanonicalEventParserTest {

    private final CanonicalEventParser parser = new CanonicalEventParser();

    @Test
    void shouldMapTheCanonicalBodyToAnEnvelope() {
        final List<Envelope> events = events(DeliveryScenario.valid().withBody("""
                {"event_id":"e1","event_type":"order.created","timestamp":"2026-11-22T11:00:00+01:00",
                 "entity_id":"cust-7","schema_version":"2","payload":{"plan":"pro"}}""").build());

        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo("shop:e1");
            assertThat(e.eventType()).isEqualTo("order.created");
            assertThat(e.eventTime()).isEqualTo(Instant.parse("2026-11-22T10:00:00Z"));
            assertThat(e.receivedAt()).isEqualTo(DeliveryScenario.NOW);
            assertThat(e.entityId()).isEqualTo("cust-7");
            assertThat(e.payload().get("plan").asText()).isEqualTo("pro");
            assertThat(e.schemaVersion()).isEqualTo("2");
        });
    }

    @ParameterizedTest(name = "schema_version {0} is stored as \"{1}\"")
    @CsvSource(delimiter = '|', value = {
        "1      | 1",
        "\"1\"  | 1",
        "2.1    | 2.1",
        "\"v2\" | v2"})
    void shouldAcceptSchemaVersionAsANumberOrAString(final String json, final String stored) {
        final List<Envelope> events = events(DeliveryScenario.valid().withBody("""
                {"event_id":"e1","event_type":"order.created","timestamp":"2026-11-22T10:00:00Z","schema_version":%s}"""
                .formatted(json)).build());

        assertThat(events).singleElement().extracting(Envelope::schemaVersion).isEqualTo(stored);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not JSON                 | {oops                                                                             | not valid JSON",
        "an array                 | []                                                                                | must be a JSON object",
        "no event_id              | {\"event_type\":\"t\",\"timestamp\":\"2026-11-22T10:00:00Z\",\"schema_version\":\"1\"} | event_id",
        "empty event_id           | {\"event_id\":\"\",\"event_type\":\"t\",\"timestamp\":\"2026-11-22T10:00:00Z\",\"schema_version\":\"1\"} | event_id",
        "no timestamp             | {\"event_id\":\"e\",\"event_type\":\"t\",\"schema_version\":\"1\"}                | timestamp",
        "timestamp without offset | {\"event_id\":\"e\",\"event_type\":\"t\",\"timestamp\":\"2026-11-22T10:00:00\",\"schema_version\":\"1\"} | timestamp",
        "timestamp not a date     | {\"event_id\":\"e\",\"event_type\":\"t\",\"timestamp\":\"yesterday\",\"schema_version\":\"1\"} | timestamp",
        "timestamp before 1970    | {\"event_id\":\"e\",\"event_type\":\"t\",\"timestamp\":\"1969-12-31T23:59:59Z\",\"schema_version\":\"1\"} | 1970",
        "payload not an object    | {\"event_id\":\"e\",\"event_type\":\"t\",\"timestamp\":\"2026-11-22T10:00:00Z\",\"schema_version\":\"1\",\"payload\":3} | payload",
        "no schema_version        | {\"event_id\":\"e\",\"event_type\":\"t\",\"timestamp\":\"2026-11-22T10:00:00Z\"}  | schema_version",
        "schema_version a boolean | {\"event_id\":\"e\",\"event_type\":\"t\",\"timestamp\":\"2026-11-22T10:00:00Z\",\"schema_version\":true} | schema_version",
    })
    void shouldRejectAnInvalidBodyWith400NamingTheField(final String name, final String body, final String detail) {
        assertThatThrownBy(() -> parser.map("shop", DeliveryScenario.valid().withBody(body).build()))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(400);
                    assertThat(e.problem().detail()).contains(detail);
                });
    }

    private List<Envelope> events(final Delivery delivery) {
        return ((Outcome.Events) parser.map("shop", delivery)).events();
    }
}
