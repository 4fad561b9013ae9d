package dev.tally.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.tally.config.ConfigFile;
import dev.tally.config.KafkaSettings;
import dev.tally.gateway.GatewayApp;
import dev.tally.gateway.GatewayConfig;
import dev.tally.gateway.HmacVerifier;
import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.query.CountsService;
import dev.tally.query.QueryApp;

/**
 * Tally's parts as the benchmarks start them, from one YAML config: one source {@code bench}
 * (generic HMAC) and one counter {@code by_key} grouped by {@code /payload/k} with
 * 1-minute, 1-hour and 1-day windows (the three sizes of the processing benchmark).
 */
final class Rig {

    static final String SOURCE = "bench";
    static final String SECRET = "bench-secret";
    static final byte[] SECRET_BYTES = SECRET.getBytes(StandardCharsets.UTF_8);
    static final String COUNTER = "by_key";

    private Rig() {
    }

    /**
     * What Tally runs: its reorder delay, the counter's window sizes, whether it writes
     * {@code events.ordered}, and whether a second counter with another {@code group_by} (by event
     * type, the same three sizes) runs beside it. A counter without window sizes is configured with
     * all three but counts nothing (it takes only events of a source that sends none), so dedupe,
     * the watermark and {@code events.ordered} do the work: the stage ladder's first rungs
     * ({@link StagesBench}).
     */
    record Shape(Duration reorderDelay, List<String> windows, boolean orderedOutput, boolean secondCounter) {
        static final List<String> ALL_WINDOWS = List.of("1m", "1h", "1d");

        Shape(final Duration reorderDelay, final List<String> windows) {
            this(reorderDelay, windows, true, false);
        }

        /** The counter every benchmark measures: three window sizes, {@code events.ordered} written. */
        static Shape standard(final Duration reorderDelay) {
            return new Shape(reorderDelay, ALL_WINDOWS);
        }

        Shape withOrderedOutput(final boolean ordered) {
            return new Shape(reorderDelay, windows, ordered, secondCounter);
        }

        Shape withSecondCounter() {
            return new Shape(reorderDelay, windows, orderedOutput, true);
        }

        /** In words, for reports. */
        String describe() {
            return (windows.isEmpty() ? "nothing counted" : "by_key " + String.join("/", windows))
                    + (secondCounter ? " + by_type" : "") + (orderedOutput ? ", events.ordered" : ", no events.ordered");
        }

        /** As program arguments of a child JVM: the delay in milliseconds, the sizes ("-" for none), the two flags. */
        List<String> args() {
            return List.of(String.valueOf(reorderDelay.toMillis()), windows.isEmpty() ? "-" : String.join(",", windows),
                    String.valueOf(orderedOutput), String.valueOf(secondCounter));
        }

        static Shape fromArgs(final List<String> args) {
            return new Shape(Duration.ofMillis(Long.parseLong(args.get(0))), args.get(1).equals("-") ? List.of() : List.of(args.get(1).split(",")),
                    Boolean.parseBoolean(args.get(2)), Boolean.parseBoolean(args.get(3)));
        }
    }

    static String yaml(final String applicationId, final Shape shape) {
        return """
                gateway:
                  sources:
                    bench:
                      secrets: [{env: BENCH_SECRET}]
                processor:
                  application_id: %s
                  reorder_delay: %dms
                  ordered_output: %s
                  standby_replicas: 1   # the query bench's two instances keep one standby each
                  counters:
                    - name: by_key
                      %s
                      group_by: [/payload/k]
                      windows: [%s]
                      grace: 1m
                %s
                query:
                  auth: none
                """.formatted(applicationId, shape.reorderDelay().toMillis(), shape.orderedOutput(),
                shape.windows().isEmpty() ? "filter: {source: [counts-nothing]}" : "",
                String.join(", ", shape.windows().isEmpty() ? Shape.ALL_WINDOWS : shape.windows()),
                shape.secondCounter() ? "    - {name: by_type, group_by: [event_type], windows: [1m, 1h, 1d], grace: 1m}" : "");
    }

    static Map<String, String> env() {
        final Map<String, String> env = new HashMap<>();
        // KAFKA_* reach Tally's clients as they do under `tally` (KAFKA_STATESTORE_CACHE_MAX_BYTES=0, say); the
        // bootstrap servers are always the bench's broker.
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("KAFKA_")) {
                env.put(name, value);
            }
        });
        env.put("BENCH_SECRET", SECRET);
        env.put("TALLY_GATEWAY_PORT", "0");
        env.put("TALLY_QUERY_PORT", "0");
        return env;
    }

    static ProcessorConfig processorConfig(final String bootstrap, final String applicationId, final Shape shape,
                                           final Path stateDir) {
        return processorConfig(bootstrap, applicationId, shape, stateDir, 0);
    }

    /** As above, with the query API on {@code queryPort}, which it also advertises to other instances (0: any free port, not advertisable). */
    static ProcessorConfig processorConfig(final String bootstrap, final String applicationId, final Shape shape,
                                           final Path stateDir, final int queryPort) {
        final ConfigFile file = ConfigFile.parse("bench", yaml(applicationId, shape));
        final Map<String, String> env = env();
        env.put("TALLY_QUERY_PORT", String.valueOf(queryPort));
        return ProcessorConfig.from(file, env)
                .withKafka(KafkaSettings.from(file, env).withBootstrapServers(bootstrap)).withStateDir(stateDir);
    }

    static GatewayConfig gatewayConfig(final String bootstrap) {
        final ConfigFile file = ConfigFile.parse("bench", yaml("unused", Shape.standard(Duration.ZERO)));
        return GatewayConfig.from(file, env()).withKafka(KafkaSettings.from(file, env()).withBootstrapServers(bootstrap));
    }

    static GatewayApp gateway(final String bootstrap) {
        return new GatewayApp(gatewayConfig(bootstrap), env(), Clock.systemUTC()).start();
    }

    /** A canonical event body for the generic HMAC scheme. */
    static byte[] body(final String eventId, final String key, final Instant time) {
        return ("{\"event_id\":\"" + eventId + "\",\"event_type\":\"bench.event\",\"timestamp\":\"" + time
                + "\",\"schema_version\":\"1\",\"payload\":{\"k\":\"" + key + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    static String sign(final byte[] body) {
        return HmacVerifier.sign(SECRET_BYTES, body);
    }

    /** Processor with its query API, as {@code tally processor} runs them. */
    static final class Processing implements AutoCloseable {
        final ProcessorApp processor;
        final QueryApp query;

        Processing(final ProcessorConfig config) {
            processor = new ProcessorApp(config).start();
            query = new QueryApp(config, new CountsService(processor.streams(), config),
                    Clock.systemUTC()).start();
        }

        String queryUrl() {
            return "http://127.0.0.1:" + query.port();
        }

        Processing awaitRunning() throws InterruptedException {
            processor.awaitRunning(Duration.ofMinutes(2));
            return this;
        }

        @Override
        public void close() {
            query.close();
            processor.close();
        }
    }
}
