package dev.tally.notifier;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;
import dev.tally.config.Durations;
import dev.tally.config.Env;
import dev.tally.config.KafkaSettings;

/**
 * The notifier's settings: the {@code notify} section of the config file, the counters' {@code notify}
 * lists (which sinks each counter's alerts go to), then environment overrides.
 *
 * @param groupId        prefix of the consumer groups: each sink reads {@code alerts} as group
 *                       {@code <group_id>.<sink>} (default {@code tally-notifier}), shared by every instance
 * @param sinks          where alerts go
 * @param routes         counter name to the names of its sinks; an alert of a counter not listed goes nowhere
 * @param allowHttpHosts hosts a sink may reach over plain http (for local receivers); every other URL must be https
 * @param startFrom      where a sink's group starts when it has no committed offset yet (a new sink, a new group id):
 *                       {@code earliest} (default: every alert still in the topic), {@code latest}, or a duration such as
 *                       {@code 1h} (the alerts of the last hour); as Kafka's {@code auto.offset.reset}
 * @param host           bind address of {@code tally notifier}'s /metrics and /healthz ({@code TALLY_NOTIFY_HOST}, default 127.0.0.1)
 * @param port           their port ({@code TALLY_NOTIFY_PORT}, default 8082)
 * @param kafka          where Kafka is
 */
public record NotifierConfig(String groupId, List<Sink> sinks, Map<String, List<String>> routes, Set<String> allowHttpHosts,
                             String startFrom, String host, int port, KafkaSettings kafka) {

    public static final String DEFAULT_GROUP_ID = "tally-notifier";

    public NotifierConfig {
        sinks = List.copyOf(sinks);
        routes = Map.copyOf(routes);
        allowHttpHosts = Set.copyOf(allowHttpHosts);
        final Set<String> names = new HashSet<>();
        for (Sink sink : sinks) {
            if (!names.add(sink.name())) {
                throw new ConfigException("notify.sinks: two sinks are named '" + sink.name() + "'");
            }
            final String scheme = sink.url().getScheme() == null ? "" : sink.url().getScheme().toLowerCase(Locale.ROOT);
            if (sink.url().getHost() == null || !(scheme.equals("https")
                    || scheme.equals("http") && allowHttpHosts.contains(sink.url().getHost()))) {
                throw new ConfigException("sink '" + sink.name() + "': url must be https://host/..., or http:// to a host listed in "
                        + "notify.allow_http_hosts " + allowHttpHosts + "; got " + sink.origin());
            }
        }
        for (Map.Entry<String, List<String>> route : new TreeMap<>(routes).entrySet()) {
            for (String sink : route.getValue()) {
                if (!names.contains(sink)) {
                    throw new ConfigException("counter '" + route.getKey() + "' notifies '" + sink
                            + "', which is not a sink under notify.sinks (configured: " + new TreeSet<>(names) + ")");
                }
            }
        }
    }

    /** A sink's or a secret's source: {@code {env: VARIABLE}} or {@code {file: /path}}. */
    record Ref(String env, String file) {
        String read(final Map<String, String> env, final String what) {
            if ((this.env == null) == (file == null)) {
                throw new ConfigException(what + " is {env: VARIABLE} or {file: /path}");
            }
            if (this.env != null) {
                final String value = env.get(this.env);
                if (value == null || value.isBlank()) {
                    throw new ConfigException(what + ": environment variable " + this.env + " is not set");
                }
                return value.strip();
            }
            try {
                return Files.readString(Path.of(file)).strip();
            } catch (IOException e) {
                throw new ConfigException(what + ": cannot read file " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String toString() {
            return env != null ? "env " + env : "file " + file;
        }
    }

    /** {@code url} is a string or a {@link Ref}, since chat webhook URLs are secrets themselves. */
    private record SinkSection(String name, Object url, String format, Ref secret, Integer maxAttempts, Duration deadline,
                               Duration minBackoff, Duration maxBackoff, Duration timeout, Integer queue, Integer concurrency) {
    }

    private record Section(String groupId, List<String> allowHttpHosts, String startFrom, List<SinkSection> sinks,
                           String host, Integer port) {
    }

    public static NotifierConfig from(final ConfigFile file, final Map<String, String> env, final Map<String, List<String>> routes) {
        final Section s = file.section("notify", Section.class);
        final List<Sink> sinks = new ArrayList<>();
        for (SinkSection c : s.sinks() == null ? List.<SinkSection>of() : s.sinks()) {
            final String where = file.origin() + ", sink '" + c.name() + "'";
            try {
                final SinkFormat format = SinkFormat.parse(c.format(), where);
                final RetryPolicy retry = new RetryPolicy(
                        c.maxAttempts() == null ? RetryPolicy.DEFAULT_MAX_ATTEMPTS : c.maxAttempts(),
                        c.deadline() == null ? RetryPolicy.DEFAULT_DEADLINE : c.deadline(),
                        c.minBackoff() == null ? RetryPolicy.DEFAULT_MIN_BACKOFF : c.minBackoff(),
                        c.maxBackoff() == null ? RetryPolicy.DEFAULT_MAX_BACKOFF : c.maxBackoff());
                final Ref secret = c.secret();
                sinks.add(new Sink(c.name(), url(c.url(), env, where), format,
                        secret == null ? null : WebhookSecret.parse(secret.read(env, where + " secret"), secret.toString()),
                        retry,
                        c.timeout() == null ? Sink.DEFAULT_TIMEOUT : c.timeout(),
                        c.queue() == null ? Sink.DEFAULT_QUEUE : c.queue(),
                        c.concurrency() == null ? Sink.DEFAULT_CONCURRENCY : c.concurrency()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + ": " + e.getMessage(), e);
            }
        }
        return new NotifierConfig(
                s.groupId() == null ? DEFAULT_GROUP_ID : s.groupId(),
                sinks, routes,
                Set.copyOf(s.allowHttpHosts() == null ? List.of() : s.allowHttpHosts()),
                startFrom(file, s.startFrom()),
                env.getOrDefault("TALLY_NOTIFY_HOST", s.host() == null ? "127.0.0.1" : s.host()),
                Env.port(env, "TALLY_NOTIFY_PORT", s.port(), 8082),
                KafkaSettings.from(file, env));
    }

    private static String startFrom(final ConfigFile file, final String text) {
        if (text == null || text.equals("earliest") || text.equals("latest")) {
            return text == null ? "earliest" : text;
        }
        try {
            return "by_duration:" + Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file.origin() + ": notify.start_from is earliest, latest or a duration such as 1h; got '"
                    + text + "'", e);
        }
    }

    private static URI url(final Object url, final Map<String, String> env, final String where) {
        final String text;
        if (url instanceof String plain) {
            text = plain;
        } else if (url instanceof Map<?, ?> map && map.size() == 1 && map.values().iterator().next() instanceof String value
                && (map.containsKey("env") || map.containsKey("file"))) {
            text = (map.containsKey("env") ? new Ref(value, null) : new Ref(null, value)).read(env, where + " url");
        } else {
            throw new ConfigException(where + ": url is https://... or {env: VARIABLE} or {file: /path}");
        }
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            // The message would quote the URL, which may hold a token.
            throw new ConfigException(where + ": url is not a valid URI (at index " + e.getIndex() + ")");
        }
    }

    /** Whether any sink is configured: without one, no notifier runs. */
    public boolean enabled() {
        return !sinks.isEmpty();
    }

    /** The sinks {@code counter}'s alerts go to (none for a counter without {@code notify}). */
    public List<String> sinksOf(final String counter) {
        return routes.getOrDefault(counter, List.of());
    }

    /** The same settings on another cluster (once the embedded broker is up). */
    public NotifierConfig withKafka(final KafkaSettings newKafka) {
        return new NotifierConfig(groupId, sinks, routes, allowHttpHosts, startFrom, host, port, newKafka);
    }
}
