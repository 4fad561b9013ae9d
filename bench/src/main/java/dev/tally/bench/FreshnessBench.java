package dev.tally.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.tally.gateway.GatewayApp;
import dev.tally.processor.CountBatch;
import dev.tally.processor.CountingStage;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Topics;

/**
 * Time from the gateway's 202 to the count being visible through the query API, under steady
 * background load, for a few probe events a second (each with a key of its own, polled until its
 * total is 1). The probes go through the gateway; the background load (events on 10 000 keys, event
 * time now) is written straight to {@code webhooks.raw} at the offered rate, as many gateways
 * would — one gateway on this machine does not reach the rates measured here, and what is
 * measured is the pipeline behind the 202 under that load. Baseline in the same run: time from the same 202 to the event being read from
 * {@code webhooks.raw} by a plain read_committed consumer — the floor any pipeline behind Kafka pays.
 */
final class FreshnessBench {

    /**
     * @param warmup the least time the background load runs before the probes start: the pipeline's start
     *               (JIT compilation, the first assignment, a backlog built meanwhile) is not what is
     *               measured, its steady state under the load is. After it the probes wait until the
     *               processor has caught up (less than a second of load not yet committed), at most
     *               {@link #MAX_WARMUP}; a pipeline that never catches up is measured behind.
     */
    record Settings(double rate, Duration duration, Duration warmup, double probesPerSec, Duration pollInterval) {
    }

    /** The background load: written to {@code webhooks.raw} directly at a fixed rate. */
    record Background(double offeredPerSecond, long sent, double seconds) {
        Map<String, Object> toMap() {
            return Map.of("offered_per_s", offeredPerSecond, "sent", sent, "sent_per_s", Report.round(sent / seconds));
        }
    }

    /** The longest the probes wait for the processor to catch up with the background load. */
    static final Duration MAX_WARMUP = Duration.ofSeconds(60);

    record Outcome(Histogram visibleMicros, Histogram rawMicros, Histogram stageMicros, long probes, long unseen, Background background,
                   double warmupSeconds, boolean caughtUp) {
        Map<String, Object> toMap() {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("probes", probes);
            m.put("never_visible", unseen);
            m.put("visible_p50_ms", Report.round(ms(visibleMicros, 50)));
            m.put("visible_p99_ms", Report.round(ms(visibleMicros, 99)));
            m.put("visible_max_ms", Report.round(visibleMicros.getTotalCount() == 0 ? Double.NaN : visibleMicros.getMaxValue() / 1000.0));
            m.put("raw_topic_p50_ms", Report.round(ms(rawMicros, 50)));
            m.put("raw_topic_p99_ms", Report.round(ms(rawMicros, 99)));
            m.put("stage_topic_p50_ms", Report.round(ms(stageMicros, 50)));
            m.put("stage_topic_p99_ms", Report.round(ms(stageMicros, 99)));
            m.put("background", background.toMap());
            m.put("warmup_seconds", Report.round(warmupSeconds));
            m.put("caught_up_before_probes", caughtUp);
            return m;
        }
    }

    private FreshnessBench() {
    }

    static double ms(final Histogram h, final double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    static void run(final Report report, final Path work, final Broker broker, final Settings s) throws InterruptedException {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("offered_per_s", s.rate());
        out.put("seconds", s.duration().toSeconds());
        out.put("warmup_seconds", s.warmup().toSeconds());
        out.put("probes_per_s", s.probesPerSec());
        out.put("poll_interval_ms", s.pollInterval().toMillis());
        final Map<String, List<? extends Number>> bars = new LinkedHashMap<>();
        // A cold start under the load: this JVM's gateway, processor and query API are compiled while they catch up.
        // Measured for how long that takes, then left out, so the first measured shape is not the one that pays for it.
        final Outcome cold = start(broker, work, Rig.Shape.standard(Duration.ofSeconds(5)), "bench-fresh-cold",
                new Settings(s.rate(), Duration.ofSeconds(1), s.warmup(), s.probesPerSec(), s.pollInterval()));
        out.put("cold_start_catch_up_seconds", Report.round(cold.warmupSeconds()));
        out.put("cold_start_caught_up", cold.caughtUp());
        report.note("freshness", "a cold start (this JVM's first pipeline) under the load: seconds until it caught up",
                cold.caughtUp() ? Report.format(cold.warmupSeconds()) + " s" : "not within " + MAX_WARMUP.toSeconds() + " s", "—", "—", "—");
        for (Rig.Shape shape : List.of(Rig.Shape.standard(Duration.ofSeconds(5)), Rig.Shape.standard(Duration.ofSeconds(5)).withOrderedOutput(false),
                Rig.Shape.standard(Duration.ZERO))) {
            final String name = "reorder_delay " + shape.reorderDelay().toSeconds() + "s" + (shape.orderedOutput() ? "" : ", no events.ordered");
            final String app = "bench-fresh-" + shape.reorderDelay().toSeconds() + (shape.orderedOutput() ? "" : "-unordered");
            final Outcome o = start(broker, work, shape, app, s);
            out.put(name, o.toMap());
            report.compare("freshness", "202 → visible in query API, p50, " + name, ms(o.visibleMicros(), 50),
                    ms(o.rawMicros(), 50), " ms", "—");
            report.compare("freshness", "202 → visible in query API, p99, " + name, ms(o.visibleMicros(), 99),
                    ms(o.rawMicros(), 99), " ms", "p99 < 1000 ms");
            // Where the count waits: the first sub-topology's commit (readable to the counting stage), or the counting stage.
            report.compare("freshness", "202 → readable in the counting stage's repartition topic, p99, " + name,
                    ms(o.stageMicros(), 99), ms(o.rawMicros(), 99), " ms", "—");
            bars.put(name, List.of(ms(o.visibleMicros(), 50), ms(o.visibleMicros(), 99)));
            if (!bars.containsKey("baseline: readable in webhooks.raw")) {
                bars.put("baseline: readable in webhooks.raw", List.of(ms(o.rawMicros(), 50), ms(o.rawMicros(), 99)));
            }
        }
        Plots.bars(report.dir().resolve("freshness.png"), "Freshness: 202 → count visible (" + (long) s.rate() + " events/s background)",
                "ms", List.of("p50", "p99"), bars);
        report.section("freshness", out);
    }

    /** Starts the gateway and a processor of {@code shape} on an empty raw topic, and measures them under the load. */
    private static Outcome start(final Broker broker, final Path work, final Rig.Shape shape, final String app, final Settings s)
            throws InterruptedException {
        broker.reset();   // each run starts from an empty topic: no backlog of the other's background
        final ProcessorConfig config = Rig.processorConfig(broker.bootstrap(), app, shape, work.resolve("state-" + app));
        try (GatewayApp gateway = Rig.gateway(broker.bootstrap());
             Rig.Processing p = new Rig.Processing(config).awaitRunning()) {
            return measure(broker.bootstrap(), "http://127.0.0.1:" + gateway.port(), p.queryUrl(),
                    CountingStage.of(config.counters()).get(0).repartitionTopic(app), s, app);
        }
    }

    private static Outcome measure(final String bootstrap, final String gatewayUrl, final String queryUrl, final String stageTopic,
                                   final Settings s, final String tag) throws InterruptedException {
        final Map<String, Long> ackedAt = new ConcurrentHashMap<>();
        final Map<String, Long> pendingVisible = new ConcurrentHashMap<>();
        final Histogram visible = new Histogram(3);
        final Histogram raw = new Histogram(3);
        final Histogram stage = new Histogram(3);
        final Map<String, Long> notInStage = new ConcurrentHashMap<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong stopDeadline = new AtomicLong(Long.MAX_VALUE);
        final Set<String> seenBeforeAck = ConcurrentHashMap.newKeySet();
        final HttpClient http = Load.client();

        final Thread rawReader = new Thread(() -> readRaw(bootstrap, ackedAt, seenBeforeAck, raw, stop), "fresh-raw-reader");
        rawReader.start();
        // Where a probe waits: before or after the first sub-topology's commit makes it readable to the counting stage.
        final Thread stageReader = new Thread(() -> readStage(bootstrap, stageTopic, notInStage, stage, stop), "fresh-stage-reader");
        stageReader.start();
        final Thread poller = new Thread(() -> {
            while (!stop.get() || !pendingVisible.isEmpty()) {
                for (Map.Entry<String, Long> e : pendingVisible.entrySet()) {
                    try {
                        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/counters/"
                                + Rig.COUNTER + "/total?key=" + URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200 && r.body().contains("\"total\":1")) {
                            synchronized (visible) {
                                visible.recordValue((System.nanoTime() - e.getValue()) / 1000);
                            }
                            pendingVisible.remove(e.getKey());
                        }
                    } catch (Exception ex) {
                        // the query API busy; the next round tries again
                    }
                }
                if (stop.get() && System.nanoTime() > stopDeadline.get()) {
                    break;
                }
                Broker.sleep(s.pollInterval().toMillis());
            }
        }, "fresh-poller");
        poller.start();
        final CountDownLatch go = new CountDownLatch(1);
        final Thread prober = new Thread(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            final long periodMs = (long) (1000 / s.probesPerSec());
            for (long i = 0; !stop.get(); i++) {
                final String key = "probe-" + tag + "-" + i;
                final byte[] body = Rig.body(key, key, Instant.now());
                try {
                    final HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(gatewayUrl + "/webhooks/" + Rig.SOURCE))
                            .header("Content-Type", "application/json").header("X-Signature", Rig.sign(body))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 202) {
                        final long now = System.nanoTime();
                        final String rawKey = Envelope.rawKey(Rig.SOURCE, key);
                        ackedAt.put(rawKey, now);
                        if (seenBeforeAck.remove(rawKey) && ackedAt.remove(rawKey) != null) {
                            // Readable in the raw topic before the client saw the 202: no delay at all.
                            synchronized (raw) {
                                raw.recordValue(0);
                            }
                        }
                        pendingVisible.put(key, now);
                        notInStage.put(key, now);
                    }
                } catch (Exception ex) {
                    // counted as not sent
                }
                Broker.sleep(periodMs);
            }
        }, "fresh-prober");
        prober.start();
        final long t0 = System.nanoTime();
        final AtomicLong sent = new AtomicLong();
        final AtomicBoolean loadDone = new AtomicBoolean();
        final Thread load = new Thread(() -> {
            try (RawProducer producer = new RawProducer(bootstrap)) {
                sent.set(producer.atRate(s.rate(), MAX_WARMUP.plus(s.duration()), 10_000, tag + "-bg-", loadDone::get));
            }
        }, "fresh-load");
        load.start();
        final boolean caughtUp = awaitCaughtUp(bootstrap, tag, s);
        final double warmup = (System.nanoTime() - t0) / 1e9;
        System.err.printf("  [%s] probing after %.1f s of load (%s)%n", tag, warmup, caughtUp ? "caught up" : "not caught up");
        go.countDown();
        Broker.sleep(s.duration().toMillis());
        stop.set(true);
        loadDone.set(true);
        load.join(30_000);
        final Background background = new Background(s.rate(), sent.get(), (System.nanoTime() - t0) / 1e9);
        prober.join(10_000);
        // Give the last probes time to become visible: the reorder delay plus a margin.
        stopDeadline.set(System.nanoTime() + Duration.ofSeconds(20).toNanos());
        poller.join(30_000);
        rawReader.join(10_000);
        stageReader.join(10_000);
        final long probes = visible.getTotalCount() + pendingVisible.size();
        return new Outcome(visible, raw, stage, probes, pendingVisible.size(), background, warmup, caughtUp);
    }

    /**
     * Waits at least the settings' warm-up, then until application {@code applicationId} has committed
     * all but a second's worth of the background load on {@link Topics#RAW}, at most {@link #MAX_WARMUP}.
     *
     * @return whether it caught up
     */
    private static boolean awaitCaughtUp(final String bootstrap, final String applicationId, final Settings s) throws InterruptedException {
        final long start = System.nanoTime();
        Broker.sleep(s.warmup().toMillis());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (System.nanoTime() - start < MAX_WARMUP.toNanos()) {
                try {
                    final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                            .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                    final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    committed.keySet().stream().filter(tp -> tp.topic().equals(Topics.RAW.name()))
                            .forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                    long lag = 0;
                    for (var end : admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS).entrySet()) {
                        lag += end.getValue().offset() - committed.get(end.getKey()).offset();
                    }
                    if (!latest.isEmpty() && lag < s.rate()) {
                        return true;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // the group not there yet, or the broker busy: look again
                }
                Broker.sleep(500);
            }
        }
        return false;
    }

    /** A consumer of a group of its own ({@code groupPrefix} and a number), reading what committed transactions wrote, at once. */
    private static KafkaConsumer<String, byte[]> readCommitted(final String bootstrap, final String groupPrefix, final String reset) {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Records, per probe, when its entry is readable (read_committed) in the counting stage's repartition topic, keyed by its group key in a batch. */
    private static void readStage(final String bootstrap, final String topic, final Map<String, Long> ackedAt, final Histogram stage,
                                  final AtomicBoolean stop) {
        try (KafkaConsumer<String, byte[]> consumer = readCommitted(bootstrap, "bench-fresh-stage-", "earliest")) {
            consumer.subscribe(List.of(topic));
            final long end = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (!stop.get() && System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    final long now = System.nanoTime();
                    for (CountBatch.Entry entry : CountBatch.SERDE.deserializer().deserialize(topic, r.value()).entries()) {
                        final Long acked = ackedAt.remove(entry.key());
                        if (acked != null) {
                            synchronized (stage) {
                                stage.recordValue(Math.max(0, (now - acked) / 1000));
                            }
                        }
                    }
                }
            }
        }
    }

    private static void readRaw(final String bootstrap, final Map<String, Long> ackedAt, final Set<String> seenBeforeAck,
                                final Histogram raw,
                                final AtomicBoolean stop) {
        try (KafkaConsumer<String, byte[]> consumer = readCommitted(bootstrap, "bench-fresh-raw-", "latest")) {
            consumer.subscribe(List.of(Topics.RAW.name()));
            final long end = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (!stop.get() && System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    final Long acked = ackedAt.remove(r.key());
                    if (acked != null) {
                        synchronized (raw) {
                            raw.recordValue(Math.max(0, (System.nanoTime() - acked) / 1000));
                        }
                    } else if (r.key() != null && r.key().contains(":probe-")) {
                        seenBeforeAck.add(r.key());
                    }
                }
            }
        }
    }
}
