package dev.tally.processor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonProperty;

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
 * @param standbyReplicas warm copies of each state store on other instances ({@code processor.standby_replicas},
 *                       default 0: a single instance has nowhere to put one), so queries are answered from a
 *                       standby while a store moves; the cluster configs set 1
 * @param queryAccess    who may query: bearer tokens or {@code query.auth: none}, and CORS origins
 * @param streamThreads  Kafka Streams threads of this instance ({@code processor.stream_threads}, default the
 *                       number of processors the JVM sees): the topology has two stages per raw partition (dedupe
 *                       and reorder, then the counters), and one thread runs all of them one record after another
 * @param orderedOutput  whether the processor writes {@code events.ordered} through its reorder buffer
 *                       ({@code processor.ordered_output}, default true); counting does not need it
 * @param maxFutureSkew  how far an event's time may be ahead of the wall clock, and of its record's Kafka
 *                       timestamp, before it is kept out of every count and written to {@code events.late}
 *                       ({@code processor.max_future_skew}, default 5m, as the gateway's)
 */
public record ProcessorConfig(String applicationId, Path stateDir, Duration dedupeHorizon,
                              Map<String, Duration> dedupeHorizons, Duration reorderDelay, Duration idleAdvance,
                              StoreKind stateStores, long rocksdbMemoryBytes, Duration queryHistory, Duration commitInterval, List<Counter> counters, String queryHost, int queryPort,
                              String advertisedHost, KafkaSettings kafka, int standbyReplicas, QueryAccess queryAccess,
                              int streamThreads, boolean orderedOutput, Duration maxFutureSkew) {

    public static final int DEFAULT_STANDBY_REPLICAS = 0;
    /** Default {@link #maxFutureSkew}: the gateway's default {@code max_future_skew}. */
    public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofMinutes(5);
    /** One stream thread per processor the JVM sees. */
    public static final int DEFAULT_STREAM_THREADS = Runtime.getRuntime().availableProcessors();

    /**
     * The {@code query.auth} and {@code query.cors} settings. Tokens are named, never held: each is
     * an environment variable or a file, read by the query API at start.
     *
     * @param auth        {@code TOKENS} (bearer tokens required), {@code NONE} (explicitly off) or {@code UNSET}
     * @param tokens      where each accepted token is read from
     * @param corsOrigins origins allowed to call the API from a browser ({@code query.cors.allowed_origins}); empty: no CORS
     */
    public record QueryAccess(Auth auth, List<TokenRef> tokens, List<String> corsOrigins) {
        public enum Auth { TOKENS, NONE, UNSET }

        /** A token's source: {@code {env: VARIABLE}} or {@code {file: /path}}. */
        public record TokenRef(String env, String file) {
            @Override
            public String toString() {
                return env != null ? "env:" + env : "file:" + file;
            }
        }

        public static final QueryAccess UNSET_ACCESS = new QueryAccess(Auth.UNSET, List.of(), List.of());

        public QueryAccess {
            tokens = List.copyOf(tokens);
            corsOrigins = List.copyOf(corsOrigins);
        }
    }

    /**
     * The settings without standby, query-access, thread, ordered-output and skew fields: no standby, query auth
     * unset, default threads, {@code events.ordered} written, the default future skew.
     */
    public ProcessorConfig(final String applicationId, final Path stateDir, final Duration dedupeHorizon,
                           final Map<String, Duration> dedupeHorizons, final Duration reorderDelay, final Duration idleAdvance,
                           final StoreKind stateStores, final long rocksdbMemoryBytes, final Duration queryHistory,
                           final Duration commitInterval, final List<Counter> counters, final String queryHost, final int queryPort,
                           final String advertisedHost, final KafkaSettings kafka) {
        this(applicationId, stateDir, dedupeHorizon, dedupeHorizons, reorderDelay, idleAdvance, stateStores,
                rocksdbMemoryBytes, queryHistory, commitInterval, counters, queryHost, queryPort, advertisedHost, kafka,
                DEFAULT_STANDBY_REPLICAS, QueryAccess.UNSET_ACCESS, DEFAULT_STREAM_THREADS, true, DEFAULT_MAX_FUTURE_SKEW);
    }

    /** The default window sizes of a counter that lists none. */
    public static final List<Duration> DEFAULT_WINDOWS = List.of(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1));
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(1);

    private record Section(String applicationId, String stateDir, Duration dedupeHorizon,
                           Map<String, Duration> dedupeHorizons, Duration reorderDelay, Duration idleAdvance,
                           String stateStores, Long rocksdbMemoryBytes, Duration queryHistory, Duration commitInterval,
                           List<CounterSection> counters, Integer standbyReplicas, Integer streamThreads, Boolean orderedOutput,
                           Duration maxFutureSkew) {
    }

    private record CounterSection(String name, Filter filter, List<String> groupBy, List<Duration> windows, Duration grace,
                                  Map<String, Long> deltas, List<Long> thresholds, Duration hop,
                                  @JsonProperty("notify") List<String> sinks) {
        record Filter(List<String> source, List<String> eventType, Map<String, List<String>> payload) {
        }
    }

    /** {@code auth} is the word {@code none} or {@code {tokens: [{env: …} | {file: …}, …]}}. */
    private record QuerySection(String host, Integer port, String advertisedHost, Object auth, Cors cors) {
        record Cors(List<String> allowedOrigins) {
        }
    }

    public ProcessorConfig {
        counters = List.copyOf(counters);
        dedupeHorizons = Map.copyOf(dedupeHorizons);
        if (maxFutureSkew.isNegative()) {
            throw new ConfigException("processor.max_future_skew must be 0 or more, got " + maxFutureSkew);
        }
        CountingStage.of(counters); // fails on group_by lists that would share a stage name
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
                    c.thresholds() == null ? List.of() : c.thresholds(),
                    c.hop(),
                    c.sinks() == null ? List.of() : c.sinks());
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
                KafkaSettings.from(file, env),
                standbyReplicas(file, s.standbyReplicas()),
                queryAccess(file, q),
                streamThreads(file, s.streamThreads()),
                s.orderedOutput() == null || s.orderedOutput(),
                s.maxFutureSkew() == null ? DEFAULT_MAX_FUTURE_SKEW : s.maxFutureSkew());
    }

    private static int standbyReplicas(final ConfigFile file, final Integer value) {
        if (value != null && value < 0) {
            throw new ConfigException(file.origin() + ": processor.standby_replicas must be 0 or more, got " + value);
        }
        return value == null ? DEFAULT_STANDBY_REPLICAS : value;
    }

    private static int streamThreads(final ConfigFile file, final Integer value) {
        if (value != null && value < 1) {
            throw new ConfigException(file.origin() + ": processor.stream_threads must be 1 or more, got " + value);
        }
        return value == null ? DEFAULT_STREAM_THREADS : value;
    }

    private static QueryAccess queryAccess(final ConfigFile file, final QuerySection q) {
        final List<String> origins = q.cors() == null || q.cors().allowedOrigins() == null ? List.of() : q.cors().allowedOrigins();
        final String shape = file.origin() + ": query.auth must be 'none' or {tokens: [{env: VARIABLE} or {file: /path}, ...]}";
        if (q.auth() == null) {
            return new QueryAccess(QueryAccess.Auth.UNSET, List.of(), origins);
        }
        if (q.auth() instanceof String word) {
            if (!"none".equals(word)) {
                throw new ConfigException(shape + ", got '" + word + "'");
            }
            return new QueryAccess(QueryAccess.Auth.NONE, List.of(), origins);
        }
        if (!(q.auth() instanceof Map<?, ?> map) || !map.keySet().equals(Set.of("tokens")) || !(map.get("tokens") instanceof List<?> list)
                || list.isEmpty()) {
            throw new ConfigException(shape);
        }
        final List<QueryAccess.TokenRef> tokens = new ArrayList<>();
        for (Object entry : list) {
            if (!(entry instanceof Map<?, ?> ref) || ref.size() != 1
                    || !(ref.containsKey("env") || ref.containsKey("file")) || !(ref.values().iterator().next() instanceof String value)) {
                throw new ConfigException(shape + "; each token is {env: VARIABLE} or {file: /path}, got " + entry);
            }
            tokens.add(ref.containsKey("env") ? new QueryAccess.TokenRef(value, null) : new QueryAccess.TokenRef(null, value));
        }
        return new QueryAccess(QueryAccess.Auth.TOKENS, tokens, origins);
    }

    /** The same settings with query access replaced (the embedded {@code tally up} turns auth off with this). */
    public ProcessorConfig withQueryAccess(final QueryAccess access) {
        return new ProcessorConfig(applicationId, stateDir, dedupeHorizon, dedupeHorizons, reorderDelay, idleAdvance,
                stateStores, rocksdbMemoryBytes, queryHistory, commitInterval, counters,
                queryHost, queryPort, advertisedHost, kafka, standbyReplicas, access, streamThreads, orderedOutput, maxFutureSkew);
    }

    /** The same settings with {@code events.ordered} written or not. */
    public ProcessorConfig withOrderedOutput(final boolean ordered) {
        return new ProcessorConfig(applicationId, stateDir, dedupeHorizon, dedupeHorizons, reorderDelay, idleAdvance,
                stateStores, rocksdbMemoryBytes, queryHistory, commitInterval, counters,
                queryHost, queryPort, advertisedHost, kafka, standbyReplicas, queryAccess, streamThreads, ordered, maxFutureSkew);
    }

    /** The dedupe horizon of events from {@code source}. */
    public Duration dedupeHorizon(final String source) {
        return dedupeHorizons.getOrDefault(source, dedupeHorizon);
    }

    /** Counter name to the sinks its alerts go to, for the counters that name any (the notifier's routes). */
    public Map<String, List<String>> notifyRoutes() {
        final Map<String, List<String>> routes = new TreeMap<>();
        counters.stream().filter(c -> !c.sinks().isEmpty()).forEach(c -> routes.put(c.name(), c.sinks()));
        return routes;
    }

    public Counter counter(final String name) {
        return counters.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    public ProcessorConfig withKafka(final KafkaSettings newKafka) {
        return new ProcessorConfig(applicationId, stateDir, dedupeHorizon, dedupeHorizons, reorderDelay, idleAdvance,
                stateStores, rocksdbMemoryBytes, queryHistory, commitInterval, counters,
                queryHost, queryPort, advertisedHost, newKafka, standbyReplicas, queryAccess, streamThreads, orderedOutput, maxFutureSkew);
    }

    public ProcessorConfig withStateDir(final Path dir) {
        return new ProcessorConfig(applicationId, dir, dedupeHorizon, dedupeHorizons, reorderDelay, idleAdvance,
                stateStores, rocksdbMemoryBytes, queryHistory, commitInterval, counters,
                queryHost, queryPort, advertisedHost, kafka, standbyReplicas, queryAccess, streamThreads, orderedOutput, maxFutureSkew);
    }

    /** The same settings answering queries on {@code port} (tests pick free ports up front). */
    public ProcessorConfig withQueryPort(final int port) {
        return new ProcessorConfig(applicationId, stateDir, dedupeHorizon, dedupeHorizons, reorderDelay, idleAdvance,
                stateStores, rocksdbMemoryBytes, queryHistory, commitInterval, counters,
                queryHost, port, advertisedHost, kafka, standbyReplicas, queryAccess, streamThreads, orderedOutput, maxFutureSkew);
    }
}
