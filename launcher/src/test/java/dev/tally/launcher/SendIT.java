package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.gateway.GatewayApp;
import dev.tally.gateway.GatewayConfig;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * {@code tally send} against a real gateway on a real broker: what it sends is accepted, lands in
 * {@code webhooks.raw} as the event given, in the source's own scheme; a delivery signed with
 * another secret is refused and makes the command fail.
 */
class SendIT {

    @TempDir
    static Path dir;

    private static EmbeddedKafkaBroker broker;
    private static GatewayApp gateway;
    private static Path config;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")));
        Files.writeString(dir.resolve("shop.secret"), "send-it-secret");
        Files.writeString(dir.resolve("github.secret"), "send-it-github");
        config = dir.resolve("tally.yaml");
        Files.writeString(config, """
                gateway:
                  sources:
                    shop:
                      secrets: [{file: %s}]
                    gh:
                      scheme: github
                      secrets: [{file: %s}]
                """.formatted(dir.resolve("shop.secret"), dir.resolve("github.secret")));
        final ConfigFile file = ConfigFile.load(config);
        final Map<String, String> env = Map.of("TALLY_GATEWAY_PORT", "0");
        final GatewayConfig gatewayConfig = GatewayConfig.from(file, env)
                .withKafka(KafkaSettings.from(file, env).withBootstrapServers(broker.bootstrapServers()));
        gateway = new GatewayApp(gatewayConfig, env, Clock.systemUTC()).start();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldSendOneEventFromFlagsAndItsRetriesAndFailOnARefusedOne() throws Exception {
        final Run one = send("-c", config.toString(), "--source", "shop", "--id", "evt-flags", "--type", "order.created",
                "--entity", "cust-7", "--time", "2026-11-22T10:15:30Z", "--payload", "{\"plan\":\"pro\"}");
        assertThat(one.exit()).as(one.out()).isZero();
        assertThat(one.out()).contains("202 {\"status\":\"accepted\",\"source\":\"shop\",\"event_ids\":[\"evt-flags\"]}")
                .contains("accepted in ").contains(" ms");

        final Run load = send("-c", config.toString(), "--source", "shop", "--id", "load", "--count", "40", "--keys", "4",
                "--duplicates", "0.25", "--concurrency", "4", "--rate", "200");
        assertThat(load.exit()).as(load.out()).isZero();
        assertThat(load.out()).contains("sent 40 deliveries").contains("40 accepted, 0 rejected");

        Files.writeString(dir.resolve("other.secret"), "not-the-gateways-secret");
        final Path forged = dir.resolve("forged.yaml");
        Files.writeString(forged, Files.readString(config).replace(dir.resolve("shop.secret").toString(),
                dir.resolve("other.secret").toString()));
        final Run refused = send("-c", forged.toString(), "--source", "shop", "--id", "evt-forged");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.out()).contains("401 {").contains("rejected in ").contains("(401 ×1)").contains("does not match");

        final List<Envelope> raw = raw(41, "shop");
        assertThat(raw).filteredOn(e -> e.eventId().equals("evt-flags")).singleElement().satisfies(e -> {
            assertThat(e.eventType()).isEqualTo("order.created");
            assertThat(e.entityId()).isEqualTo("cust-7");
            assertThat(e.eventTime()).isEqualTo(Instant.parse("2026-11-22T10:15:30Z"));
            assertThat(e.payload().get("plan").asText()).isEqualTo("pro");
        });
        assertThat(raw).filteredOn(e -> e.eventId().startsWith("load-")).hasSize(40)
                .extracting(Envelope::entityId).containsOnly("entity-0", "entity-1", "entity-2", "entity-3");
        assertThat(raw).noneMatch(e -> e.eventId().equals("evt-forged"));
    }

    @Test
    void shouldSendJsonLinesInTheSourcesOwnScheme() throws Exception {
        final Path lines = dir.resolve("events.jsonl");
        Files.writeString(lines, """
                {"event_id": "gh-1", "event_type": "push", "entity_id": "acme/app", "payload": {"ref": "main"}}

                {"event_id": "gh-2", "event_type": "pull_request.opened", "entity_id": "acme/app"}
                """);
        final Run run = send("-c", config.toString(), "--source", "gh", "--file", lines.toString());
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("sent 2 deliveries").contains("2 accepted, 0 rejected");

        assertThat(raw(2, "gh")).extracting(Envelope::eventId, Envelope::eventType, Envelope::entityId)
                .containsExactlyInAnyOrder(
                        tuple("gh-1", "push", "acme/app"),
                        tuple("gh-2", "pull_request.opened", "acme/app"));
    }

    private record Run(int exit, String out) {
    }

    private static Run send(final String... args) {
        final StringWriter out = new StringWriter();
        final CommandLine cli = new CommandLine(new Tally());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        final String[] all = new String[args.length + 3];
        all[0] = "send";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--url";
        all[args.length + 2] = "http://127.0.0.1:" + gateway.port();
        return new Run(cli.execute(all), out.toString());
    }

    /** At least {@code n} events of {@code source} from the raw topic. */
    private static List<Envelope> raw(final int n, final String source) {
        final List<Envelope> events = new ArrayList<>();
        try (KafkaConsumer<String, Envelope> consumer = TopicClients.reader(broker.bootstrapServers(), Topics.RAW)) {
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (events.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Envelope> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value().source().equals(source)) {
                        events.add(r.value());
                    }
                }
            }
        }
        return events;
    }
}
