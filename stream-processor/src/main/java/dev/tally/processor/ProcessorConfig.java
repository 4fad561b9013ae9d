package dev.tally.processor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;
import dev.tally.config.Env;
import dev.tally.config.KafkaSettings;

/**
 * The processor's settings (with its query API's address): the {@code processor} and {@code query}
 * sections of the config file, then environment overrides.
 *
 * @param applicationId  Kafka Streams application id: consumer group and prefix of internal topics (default {@code tally})
 * @param stateDir       where RocksDB keeps the state stores ({@code TALLY_STATE_DIR}, default {@code data/state})
 * @param dedupeHorizon  how long an event id is remembered to drop its duplicates (default 24h)
 * @param dedupeHorizons per-source horizons that replace the default (senders retry over different spans)
 * @param reorderDelay   how long events wait to be released in event-time order (default 5s)
 * @param idleAdvance    after how much wall-clock silence the processor's time follows the wall clock,
 *                       so buffers drain and windows close when traffic stops (default 2s)
 * @param stateStores    {@code rocksdb} (default) or {@code memory}, see {@link StoreKind}
 * @param rocksdbMemoryBytes memory for all RocksDB stores together: block cache and memtables (default 128 MiB)
 * @param queryHistory   how far back windowed counts stay queryable (default 7d)
 * @param commitInterval how often results are committed and emitted (default 100ms, the exactly-once default)
 * @param counters       what to count
 * @param queryHost      the query API's bind address ({@code TALLY_QUERY_HOST}, default 127.0.0.1)
 * @param queryPort      the query API's port ({@code TALLY_QUERY_PORT}, default 8081)
 * @param advertisedHost the host other instances reach this query API at ({@code TALLY_QUERY_ADVERTISED_HOST},
 *                       default the bind address); set it when binding 0.0.0.0 in a container
 * @param kafka          where Kafka is and how topics are created
 */
public record ProcessorConfig(String applicationId, Path stateDir, Duration dedupeHorizon,
                              Map<String, Duration> dedupeHorizons, Duration reorderDelay, Duration idleAdvance,
                              StoreKind stateStores, long rocksdbMemoryBytes, Duration queryHistory, Duration commitInterval, List<Counter> counters, String queryHost, int queryPort,
                              String advertisedHost, KafkaSettings kafka) {

    /** The default window sizes of a counter that lists none. */
    public static final List<Duration> DEFAULT_WINDOWS = List.of(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1));
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(1);

    private record Section(String applicationId, String stateDir, Duration dedupeHorizon,
                           Map<String, Duration> dedupeHorizons, Duration reorderDelay, Duration idleAdvance,
                           String stateStores, Long rocksdbMemoryBytes, Duration queryHistory, Duration commitInterval,
                           List<CounterSection> counters) {
    }

    private record CounterSection(String name, Filter filter, List<String> groupBy, List<Duration> windows, Duration grace,
                                  Map<String, Long> deltas, List<Long> thresholds) {
        record Filter(List<String> source, List<String> eventType, Map<String, List<String>> payload) {
        }
    }

    private record QuerySection(String host, Integer port, String advertisedHost) {
    }

    public ProcessorConfig {
        counters = List.copyOf(counters);
        dedupeHorizons = Map.copyOf(dedupeHorizons);
        for (Counter c : counters) {
            for (Duration size : c.windows()) {
                if (queryHistory.compareTo(size.plus(c.grace())) < 0) {
                    throw new ConfigException("processor.query_history (" + queryHistory + ") must cover counter '"
                            + c.name() + "' window " + size + " plus its grace " + c.grace());
                }
            }
        }
    }

    public static ProcessorConfig from(final ConfigFile file, final Map<String, String> env) {
        final Section s = file.section("processor", Section.class);
        final QuerySection q = file.section("query", QuerySection.class);
        final List<Counter> counters = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (CounterSection c : s.counters() == null ? List.<CounterSection>of() : s.counters()) {
            final CounterSection.Filter f = c.filter() == null ? new CounterSection.Filter(null, null, null) : c.filter();
            final Map<String, Set<String>> payload = new TreeMap<>();
            if (f.payload() != null) {
                f.payload().forEach((pointer, values) -> payload.put(pointer, Set.copyOf(values)));
            }
            final Counter counter = new Counter(c.name(),
                    Set.copyOf(f.source() == null ? List.of() : f.source()),
                    Set.copyOf(f.eventType() == null ? List.of() : f.eventType()),
                    c.groupBy() == null ? List.of() : c.groupBy(),
                    c.windows() == null ? DEFAULT_WINDOWS : c.windows(),
                    c.grace() == null ? DEFAULT_GRACE : c.grace(),
                    payload,
                    c.deltas() == null ? Map.of() : c.deltas(),
                    c.thresholds() == null ? List.of() : c.thresholds());
            if (!names.add(counter.name())) {
                throw new ConfigException(file.origin() + ": two counters are named '" + counter.name() + "'");
            }
            counters.add(counter);
        }
        if (counters.isEmpty()) {
            throw new ConfigException(file.origin() + ": configure at least one counter under processor.counters");
        }
        final String queryHost = env.getOrDefault("TALLY_QUERY_HOST", q.host() == null ? "127.0.0.1" : q.host());
        return new ProcessorConfig(
                s.applicationId() == null ? "tally" : s.applicationId(),
                Path.of(env.getOrDefault("TALLY_STATE_DIR", s.stateDir() == null ? "data/state" : s.stateDir())),
                s.dedupeHorizon() == null ? Duration.ofHours(24) : s.dedupeHorizon(),
                s.dedupeHorizons() == null ? Map.of() : s.dedupeHorizons(),
                s.reorderDelay() == null ? Duration.ofSeconds(5) : s.reorderDelay(),
                s.idleAdvance() == null ? Duration.ofSeconds(2) : s.idleAdvance(),
                StoreKind.parse(s.stateStores()),
                s.rocksdbMemoryBytes() == null ? 128L << 20 : s.rocksdbMemoryBytes(),
                s.queryHistory() == null ? Duration.ofDays(7) : s.queryHistory(),
                s.commitInterval() == null ? Duration.ofMillis(100) : s.commitInterval(),
                counters,
                queryHost,
                Env.port(env, "TALLY_QUERY_PORT", q.port(), 8081),
                env.getOrDefault("TALLY_QUERY_ADVERTISED_HOST", q.advertisedHost() == null ? queryHost : q.advertisedHost()),
                KafkaSettings.from(file, env));
    }

    /** The dedupe horizon of events from {@code source}. */
    public Duration dedupeHorizon(final String source) {
        return dedupeHorizons.getOrDefault(source, dedupeHorizon);
    }

    public Counter counter(final String name) {
        return counters.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    public ProcessorConfig withKafka(final KafkaSettings newKafka) {
        return new ProcessorConfig(applicationId, stateDir, dedupeHorizon, dedupeHorizons, reorderDelay, idleAdvance,
                stateStores, rocksdbMemoryBytes, queryHistory, commitInterval, counters,
                queryHost, queryPort, advertisedHost, newKafka);
    }

    public ProcessorConfig withStateDir(final Path dir) {
        return new ProcessorConfig(applicationId, dir, dedupeHorizon, dedupeHorizons, reorderDelay, idleAdvance,
                stateStores, rocksdbMemoryBytes, queryHistory, commitInterval, counters,
                queryHost, queryPort, advertisedHost, kafka);
    }
}
