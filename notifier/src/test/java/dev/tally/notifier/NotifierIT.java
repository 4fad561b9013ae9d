package dev.tally.notifier;

import static dev.tally.notifier.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.config.ConfigFile;
import dev.tally.schemas.Alert;
import dev.tally.schemas.Topics;
import dev.tally.schemas.UndeliveredAlert;

/**
 * The notifier on a real broker, delivering to a real HTTP receiver that checks signatures on its own:
 * every alert arrives signed, a sink answering 503 with Retry-After gets every alert once it recovers,
 * and a sink that never answers ends in alerts.undelivered while another sink keeps receiving.
 */
class NotifierIT {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    static Path dir;
    private static EmbeddedKafkaBroker broker;
    private static WebhookReceiver receiver;
    private final List<NotifierApp> apps = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")));
        receiver = new WebhookReceiver(SECRET);
    }

    @AfterAll
    static void stopBroker() {
        receiver.close();
        broker.close();
    }

    @AfterEach
    void stopNotifiers() {
        apps.forEach(NotifierApp::close);
    }

    @Test
    void shouldDeliverEveryAlertSignedSoThatTheReceiverVerifiesIt() throws Exception {
        start("""
                notify:
                  group_id: it-signed
                  allow_http_hosts: [127.0.0.1]
                  sinks:
                    - {name: signed, url: "%s", secret: {env: OPS_SECRET}}
                """.formatted(receiver.url("ok", "signed")), Map.of("signed_counter", List.of("signed")));
        final List<Alert> alerts = alerts("signed_counter", 40);
        TopicReader.write(broker.bootstrapServers(), alerts);

        await(Duration.ofSeconds(60), () -> receiver.deliveredIds("/ok/signed").size() == alerts.size(), "all 40 alerts delivered");
        final List<WebhookReceiver.Received> received = receiver.received("/ok/signed");
        assertThat(received).allSatisfy(r -> assertThat(r.verified()).as("signature of %s verifies", r.webhookId()).isTrue());
        assertThat(received.stream().map(r -> Topics.ALERTS.valueSerde().deserializer().deserialize("t", r.body())).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(alerts);
        assertThat(receiver.deliveredIds("/ok/signed"))
                .isEqualTo(alerts.stream().map(a -> WebhookId.of(a.topicKey())).collect(Collectors.toSet()));

        final String tampered = SECRET.substring(0, SECRET.length() - 2) + "Sx";
        assertThat(received).allSatisfy(r -> assertThat(WebhookReceiver.verify(tampered, r.webhookId(), r.timestamp(), r.body(),
                r.signature())).as("verifies under a tampered secret").isFalse());
        assertThat(received).allSatisfy(r -> assertThat(WebhookReceiver.verify(SECRET, r.webhookId(), r.timestamp(),
                (r.bodyText() + " ").getBytes(java.nio.charset.StandardCharsets.UTF_8), r.signature())).isFalse());
    }

    @Test
    void shouldDeliverEveryAlertOnceASinkAnswering503WithRetryAfterRecovers() throws Exception {
        receiver.recoverAfter(Duration.ofSeconds(3));
        start("""
                notify:
                  group_id: it-recovering
                  allow_http_hosts: [127.0.0.1]
                  sinks:
                    - {name: recovering, url: "%s", secret: {env: OPS_SECRET}, max_attempts: 30, deadline: 2m, min_backoff: 100ms}
                """.formatted(receiver.url("flaky", "recovering")), Map.of("recovering_counter", List.of("recovering")));
        final List<Alert> alerts = alerts("recovering_counter", 20);
        TopicReader.write(broker.bootstrapServers(), alerts);

        await(Duration.ofSeconds(90), () -> receiver.deliveredIds("/flaky/recovering").size() == alerts.size(),
                "all 20 alerts delivered after the 503s");
        final List<WebhookReceiver.Received> received = receiver.received("/flaky/recovering");
        final Map<String, List<WebhookReceiver.Received>> byId = received.stream()
                .collect(Collectors.groupingBy(WebhookReceiver.Received::webhookId));
        assertThat(received).anyMatch(r -> r.answered() == 503);
        assertThat(received).allSatisfy(r -> assertThat(r.verified()).isTrue());
        for (List<WebhookReceiver.Received> attempts : byId.values()) {
            attempts.sort(Comparator.comparing(WebhookReceiver.Received::at));
            for (int i = 1; i < attempts.size(); i++) {
                // Retry-After: 1 is honoured (its whole seconds, less the receiver's clock granularity)
                assertThat(Duration.between(attempts.get(i - 1).at(), attempts.get(i).at())).isGreaterThan(Duration.ofMillis(900));
            }
        }
        assertThat(undelivered("recovering")).isEmpty();
        assertThat(registry.find("tally.notifier.deliveries").tag("sink", "recovering").tag("outcome", "retried").tag("status", "503")
                .counter().count()).isPositive();
    }

    @Test
    void shouldGiveUpANeverAnsweringSinkIntoUndeliveredWhileAnotherSinkKeepsReceiving() throws Exception {
        start("""
                notify:
                  group_id: it-dead
                  allow_http_hosts: [127.0.0.1]
                  sinks:
                    - {name: dead, url: "%s", secret: {env: OPS_SECRET}, timeout: 300ms, max_attempts: 3, deadline: 2s, min_backoff: 200ms}
                    - {name: alive, url: "%s", format: slack}
                """.formatted(receiver.url("silent", "dead"), receiver.url("ok", "alive")),
                Map.of("dead_counter", List.of("dead", "alive")));
        final List<Alert> alerts = alerts("dead_counter", 10);
        TopicReader.write(broker.bootstrapServers(), alerts);

        await(Duration.ofSeconds(60), () -> receiver.received("/ok/alive").size() == alerts.size(), "the live sink received all 10");
        final Instant aliveDone = receiver.received("/ok/alive").stream().map(WebhookReceiver.Received::at).max(Comparator.naturalOrder())
                .orElseThrow();
        await(Duration.ofSeconds(60), () -> undelivered("dead").size() == alerts.size(), "10 alerts undelivered to the dead sink");

        final List<UndeliveredAlert> given = undelivered("dead");
        assertThat(given).extracting(UndeliveredAlert::alert).containsExactlyInAnyOrderElementsOf(alerts);
        assertThat(given).allSatisfy(u -> {
            assertThat(u.attempts()).isBetween(2, 3);
            assertThat(u.lastStatus()).isNull();
            assertThat(u.reason()).contains("no answer within the sink's timeout").contains("deadline 2s");
            assertThat(u.webhookId()).isEqualTo(WebhookId.of(u.alert().topicKey()));
            assertThat(u.gaveUpAt()).isAfter(aliveDone);
        });
        assertThat(receiver.received("/silent/dead")).hasSizeGreaterThanOrEqualTo(2 * alerts.size());
        assertThat(undelivered("alive")).isEmpty();
        assertThat(receiver.received("/ok/alive").get(0).bodyText()).contains("\"text\"").contains("dead_counter");
    }

    @Test
    void shouldShareTheAlertsBetweenTwoInstancesOfOneGroup() throws Exception {
        final String yaml = """
                notify:
                  group_id: it-shared
                  allow_http_hosts: [127.0.0.1]
                  sinks:
                    - {name: shared, url: "%s", secret: {env: OPS_SECRET}}
                """.formatted(receiver.url("ok", "shared"));
        final SimpleMeterRegistry first = new SimpleMeterRegistry();
        final SimpleMeterRegistry second = new SimpleMeterRegistry();
        start(yaml, Map.of("shared_counter", List.of("shared")), first);
        start(yaml, Map.of("shared_counter", List.of("shared")), second);
        final List<Alert> alerts = alerts("shared_counter", 60);
        TopicReader.write(broker.bootstrapServers(), alerts);

        await(Duration.ofSeconds(60), () -> receiver.deliveredIds("/ok/shared").equals(ids(alerts)), "all 60 delivered");
        // A sender counts a delivery once it has read the answer, a moment after the receiver counted the request.
        await(Duration.ofSeconds(10), () -> delivered(first, "shared") + delivered(second, "shared") >= receiver.received("/ok/shared").size(),
                "every answered request counted by its sender");
        final double byFirst = delivered(first, "shared");
        final double bySecond = delivered(second, "shared");
        assertThat(byFirst + bySecond).as("each alert delivered by one of them").isEqualTo(receiver.received("/ok/shared").size());
        assertThat(byFirst).as("the first instance's share").isPositive();
        assertThat(bySecond).as("the second instance's share").isPositive();
    }

    private static double delivered(final SimpleMeterRegistry registry, final String sink) {
        return registry.find("tally.notifier.deliveries").tag("sink", sink).tag("outcome", "delivered").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    private void start(final String yaml, final Map<String, List<String>> routes) throws InterruptedException {
        start(yaml, routes, registry);
    }

    private void start(final String yaml, final Map<String, List<String>> routes, final SimpleMeterRegistry meters)
            throws InterruptedException {
        final Map<String, String> env = new HashMap<>(Map.of("OPS_SECRET", SECRET, "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()));
        final NotifierConfig config = NotifierConfig.from(ConfigFile.parse("it.yaml", yaml), env, routes);
        final NotifierApp app = new NotifierApp(config, meters, Clock.systemUTC()).start();
        apps.add(app);
        app.awaitAssigned(Duration.ofSeconds(60));
    }

    private static List<UndeliveredAlert> undelivered(final String sink) {
        return TopicReader.readAll(broker.bootstrapServers(), Topics.UNDELIVERED).stream().filter(u -> u.sink().equals(sink)).toList();
    }

    static List<Alert> alerts(final String counter, final int n) {
        final List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            alerts.add(new Alert(counter, "shop|key-" + i, "1h", T0, T0.plusSeconds(3600), 100, 100, "evt-" + i, T0.plusSeconds(i)));
        }
        return alerts;
    }

    static Set<String> ids(final List<Alert> alerts) {
        return alerts.stream().map(a -> WebhookId.of(a.topicKey())).collect(Collectors.toSet());
    }
}
