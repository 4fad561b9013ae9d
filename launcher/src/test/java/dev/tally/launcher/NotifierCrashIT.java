package dev.tally.launcher;

import static dev.tally.notifier.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.notifier.TopicReader;
import dev.tally.notifier.WebhookId;
import dev.tally.notifier.WebhookReceiver;
import dev.tally.schemas.Alert;
import dev.tally.schemas.Topics;

/**
 * At least once across a crash: {@code tally notifier} runs as its own process, is SIGKILLed while
 * deliveries are in flight (nothing committed on the way out), and restarted. Every alert reaches the
 * receiver, and every request for an alert, repeats included, carries that alert's one webhook-id.
 */
class NotifierCrashIT {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final int ALERTS = 300;
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path dir;

    private EmbeddedKafkaBroker broker;
    private LoopbackCluster.Cluster processes;
    private WebhookReceiver receiver;

    @AfterEach
    void stop() {
        if (processes != null) {
            processes.close();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldDeliverEveryAlertWithItsOneWebhookIdAcrossASigkilledNotifier() throws Exception {
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.onFreePorts(dir.resolve("broker")));
        receiver = new WebhookReceiver(SECRET);
        final Path config = dir.resolve("tally.yaml");
        Files.writeString(config, """
                processor:
                  counters:
                    - {name: orders, group_by: [source], thresholds: [100], notify: [hook]}
                notify:
                  group_id: crash-it
                  allow_http_hosts: [127.0.0.1]
                  sinks:
                    - {name: hook, url: "%s", secret: {env: HOOK_SECRET}, concurrency: 4}
                """.formatted(receiver.url("slow", "hook")));
        final List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < ALERTS; i++) {
            alerts.add(new Alert("orders", "shop-" + i, "1h", T0, T0.plusSeconds(3600), 100, 100, "evt-" + i, T0.plusSeconds(i)));
        }
        TopicReader.write(broker.bootstrapServers(), alerts);

        processes = LoopbackCluster.Cluster.unstarted(dir.resolve("processes"), Map.of());
        final Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "HOOK_SECRET", SECRET,
                "TALLY_NOTIFY_PORT", "0");
        processes.startTally("notifier", env, "notifier", "-c", config.toString());
        await(Duration.ofSeconds(90), () -> receiver.deliveredIds("/slow/hook").size() >= ALERTS / 5, "a fifth delivered");
        processes.kill("notifier");
        final int beforeKill = receiver.received("/slow/hook").size();
        assertThat(receiver.deliveredIds("/slow/hook")).as("killed mid-stream").hasSizeLessThan(ALERTS);

        processes.startTally("notifier-restarted", env, "notifier", "-c", config.toString());
        final Set<String> expected = alerts.stream().map(a -> WebhookId.of(a.topicKey())).collect(Collectors.toSet());
        await(Duration.ofSeconds(120), () -> receiver.deliveredIds("/slow/hook").containsAll(expected), "every alert delivered");

        final List<WebhookReceiver.Received> received = receiver.received("/slow/hook");
        assertThat(received.size()).as("the restarted notifier delivered").isGreaterThan(beforeKill);
        assertThat(receiver.deliveredIds("/slow/hook")).isEqualTo(expected);
        assertThat(received).allSatisfy(r -> {
            assertThat(r.verified()).isTrue();
            final Alert alert = Topics.ALERTS.valueSerde().deserializer().deserialize("t", r.body());
            assertThat(r.webhookId()).as("the id of %s", alert.key()).isEqualTo(WebhookId.of(alert.topicKey()));
        });
        final long repeats = received.size() - expected.size();
        System.out.println("NotifierCrashIT: " + received.size() + " requests for " + ALERTS + " alerts, " + repeats + " repeats");
    }
}
