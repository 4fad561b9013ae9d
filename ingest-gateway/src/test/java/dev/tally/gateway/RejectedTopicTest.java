package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;

import dev.tally.schemas.Json;
import dev.tally.schemas.Topics;

/** Refused deliveries reach {@code webhooks.rejected} redacted, bounded in volume, and never slow the answer. */
class RejectedTopicTest {

    private static final Map<String, String> ENV = Map.of("SHOP_SECRET", DeliveryScenario.SECRET);
    private static final String SOURCES = "sources:\n  shop:\n    secrets: [{env: SHOP_SECRET}]\n";

    @Test
    void shouldWriteARefusedDeliveryWithItsSignatureAndCredentialsRedacted() throws Exception {
        try (TestGateway gw = TestGateway.start(SOURCES, ENV)) {
            final Delivery forged = DeliveryScenario.valid().signedWith("not-the-secret").build();
            final var response = gw.postSigned("shop", forged, "Authorization", "Bearer hunter2", "X-Request-Id", "req-7");
            assertThat(response.statusCode()).isEqualTo(401);

            final List<ProducerRecord<String, byte[]>> written = awaitRecords(gw.rejected, 1);
            assertThat(written).hasSize(1);
            assertThat(written.get(0).topic()).isEqualTo(Topics.REJECTED.name());
            assertThat(written.get(0).key()).isEqualTo("shop");
            final JsonNode value = Json.MAPPER.readTree(written.get(0).value());
            assertThat(value.get("reason").asText()).isEqualTo("signature");
            assertThat(value.get("status").asInt()).isEqualTo(401);
            assertThat(value.get("body_bytes").asLong()).isEqualTo(forged.body().length);
            assertThat(value.get("client_ip").asText()).isEqualTo("127.0.0.1");
            assertThat(header(value, "X-Signature")).isEqualTo("[redacted]");
            assertThat(header(value, "Authorization")).isEqualTo("[redacted]");
            assertThat(header(value, "X-Request-Id")).isEqualTo("req-7");
            final String raw = new String(written.get(0).value(), StandardCharsets.UTF_8);
            assertThat(raw).doesNotContain("hunter2").doesNotContain(forged.header("X-Signature")).doesNotContain("evt-1");
            try (InputStream schema = getClass().getResourceAsStream("/schemas/" + Topics.REJECTED.schema())) {
                assertThat(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema).validate(value)).isEmpty();
            }
        }
    }

    @Test
    void shouldRefuseAnEventStampedAnHourAheadWith422NamingTheLimitAndRecordWhy() throws Exception {
        try (TestGateway gw = TestGateway.startAt(Clock.fixed(DeliveryScenario.NOW, ZoneOffset.UTC), SOURCES, ENV)) {
            final Delivery ahead = DeliveryScenario.valid().withBody(
                    "{\"event_id\":\"evt-9\",\"event_type\":\"order.created\",\"timestamp\":\"2026-11-22T11:00:00Z\",\"schema_version\":\"1\"}").build();
            final var response = gw.postSigned("shop", ahead);
            assertThat(response.statusCode()).isEqualTo(422);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
            final JsonNode problem = Json.MAPPER.readTree(response.body());
            assertThat(problem.get("type").asText()).endsWith("/future-timestamp");
            assertThat(problem.get("detail").asText()).contains("max_future_skew (5m)").contains("2026-11-22T10:05:00Z");

            final List<ProducerRecord<String, byte[]>> written = awaitRecords(gw.rejected, 1);
            assertThat(written).hasSize(1);
            final JsonNode value = Json.MAPPER.readTree(written.get(0).value());
            assertThat(value.get("reason").asText()).isEqualTo("future_timestamp");
            assertThat(value.get("status").asInt()).isEqualTo(422);
            try (InputStream schema = getClass().getResourceAsStream("/schemas/" + Topics.REJECTED.schema())) {
                assertThat(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema).validate(value)).isEmpty();
            }
            assertThat(gw.events.history()).as("nothing reaches webhooks.raw").isEmpty();
        }
    }

    @Test
    void shouldWriteAtMostTheConfiguredVolumeOfAFlood() throws Exception {
        try (TestGateway gw = TestGateway.start("rejected: {per_source: 5/h}\n" + SOURCES, ENV)) {
            final Delivery unsigned = DeliveryScenario.valid().without("X-Signature").build();
            for (int i = 0; i < 40; i++) {
                assertThat(gw.postSigned("shop", unsigned).statusCode()).isEqualTo(401);
            }
            assertThat(awaitRecords(gw.rejected, 5)).hasSize(5);
            assertThat(gw.get("/metrics").body())
                    .contains("tally_gateway_rejected_topic_total{app=\"gateway\",outcome=\"sampled_out\"} 35.0")
                    .contains("tally_gateway_rejections_total{app=\"gateway\",reason=\"signature\",source=\"shop\"} 40.0");
        }
    }

    @Test
    void shouldAnswerAtOnceWhileTheRejectedTopicCannotBeWritten() throws Exception {
        final CountDownLatch release = new CountDownLatch(1);
        final MockProducer<String, byte[]> stuck = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(final ProducerRecord<String, byte[]> record, final Callback callback) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.send(record, callback);
            }
        };
        try (TestGateway gw = TestGateway.withRejectionsTo(stuck, SOURCES, ENV)) {
            final Delivery unsigned = DeliveryScenario.valid().without("X-Signature").build();
            final long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                assertThat(gw.postSigned("shop", unsigned).statusCode()).isEqualTo(401);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(gw.postSigned("shop", DeliveryScenario.valid().build()).statusCode()).isEqualTo(202);
            release.countDown();
        } finally {
            release.countDown();
        }
    }

    private static String header(final JsonNode rejection, final String name) {
        final var fields = rejection.get("headers").fields();
        while (fields.hasNext()) {
            final var field = fields.next();
            if (field.getKey().equalsIgnoreCase(name)) {
                return field.getValue().asText();
            }
        }
        return null;
    }

    /** Waits for {@code expected} records, then a little longer so that an extra one would show. */
    static List<ProducerRecord<String, byte[]>> awaitRecords(final MockProducer<String, byte[]> producer, final int expected)
            throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (producer.history().size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(400);
        return producer.history();
    }
}
