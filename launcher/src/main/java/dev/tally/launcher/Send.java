package dev.tally.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;
import dev.tally.config.Durations;
import dev.tally.gateway.CanonicalEventParser;
import dev.tally.gateway.GatewayConfig;
import dev.tally.gateway.Outbound;
import dev.tally.gateway.PublicKeys;
import dev.tally.gateway.Source;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;

/**
 * {@code tally send}: signs deliveries as a configured source's sender does (its scheme, its first
 * secret, read from the environment or file as the gateway reads it) and posts them to the gateway:
 * one event from flags, JSON lines from a file or stdin, or generated load. Prints what the gateway
 * answered; exits 1 when any delivery was not accepted.
 */
@Command(name = "send",
        description = "Sign and post webhook deliveries to the gateway as a configured source's sender would.",
        footer = {"", "Examples:",
                "  tally send --payload '{\"plan\":\"pro\"}'         one event as source 'demo'",
                "  tally send -s shop --file events.jsonl     one event a JSON line (- for stdin)",
                "  tally send --count 10000 --rate 500 --keys 50 --duplicates 0.1",
                "",
                "A JSON line is a canonical event (event_id, event_type, timestamp, entity_id,",
                "payload); a missing event_id is generated, a missing timestamp is now.",
                "Exit status: 0 when every delivery was accepted, 1 when any was not,",
                "2 for a configuration error."})
final class Send extends Tally.Common implements Callable<Integer> {

    @Option(names = {"-s", "--source"}, description = "The configured source to send as (default: the only one, or 'demo').")
    String source;
    @Option(names = "--url", description = "The gateway (default: http://<gateway.host>:<gateway.port> of the config).")
    URI url;
    @Option(names = "--type", defaultValue = "order.created", description = "Event type (default: ${DEFAULT-VALUE}).")
    String type;
    @Option(names = "--id", description = "Event id (default: a new one per event).")
    String id;
    @Option(names = "--entity", description = "Entity id, such as a customer.")
    String entity;
    @Option(names = "--time", description = "Event time, ISO 8601 with an offset (default: now).")
    OffsetDateTime time;
    @Option(names = "--payload", description = "The event's payload, a JSON object.")
    String payload;
    @Option(names = {"-f", "--file"}, description = "Send the events of this JSON-lines file; - reads stdin.")
    String file;
    @Option(names = "--count", defaultValue = "1", description = "Generated load: this many deliveries (default: ${DEFAULT-VALUE}).")
    int count;
    @Option(names = "--rate", defaultValue = "0", description = "Deliveries per second; 0: as fast as --concurrency allows (default).")
    double rate;
    @Option(names = "--keys", defaultValue = "10", description = "Generated load: spread over this many entities and payload plans (default: ${DEFAULT-VALUE}).")
    int keys;
    @Option(names = "--duplicates", defaultValue = "0", description = "Generated load: share of deliveries that resend an earlier event, as a retrying sender does (0 to 1).")
    double duplicates;
    @Option(names = "--concurrency", defaultValue = "8", description = "Deliveries in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;
    @Option(names = "--max-time", defaultValue = "10m", description = "Stop sending after this long (default: ${DEFAULT-VALUE}).",
            converter = DurationText.class)
    Duration maxTime;
    @Option(names = "--private-key", description = "PKCS#8 PEM private key, for schemes verified by public keys "
            + "(discord, sendgrid, paypal, standard with whpk_).")
    Path privateKey;
    @Option(names = "--no-progress", description = "No progress bar (it shows on a terminal when sending more than one delivery).")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    private final Random random = new Random();
    private volatile String lastAnswer;

    /** Durations as the config file writes them: 500ms, 30s, 5m. */
    static final class DurationText implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(final String text) {
            return Durations.parse(text);
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        final ConfigFile configFile = file();
        final GatewayConfig config = GatewayConfig.from(configFile, env());
        final String name = sourceName(config);
        final Source sender = Source.from(name, config.sources().get(name), config, env(), new CanonicalEventParser());
        final PrivateKey key = privateKey == null ? null : PublicKeys.privateKey(Files.readString(privateKey));
        final URI target = (url != null ? url : URI.create("http://" + loopbackIfAny(config.host()) + ":" + config.port()))
                .resolve("/webhooks/" + name);
        final SendResults results = new SendResults();
        final long started = System.nanoTime();
        final long planned = file != null ? -1 : count;
        try (ProgressBar bar = progressBar(planned)) {
            send(sender, key, target, events(name), results, bar);
        }
        final double seconds = (System.nanoTime() - started) / 1e9;
        final SendResults.Summary summary = results.summary(seconds);
        if (summary.sent() == 1 && file == null && lastAnswer != null) {
            spec.commandLine().getOut().println(lastAnswer);
        }
        spec.commandLine().getOut().println(summary.text());
        if (rate > 0 && summary.sent() > 1 && summary.sent() / seconds < 0.9 * rate) {
            // The rate is a ceiling: with --concurrency answers in flight, the gateway's latency bounds what is reached.
            spec.commandLine().getOut().printf(Locale.ROOT, "reached %.0f/s of the %.0f/s asked: %d deliveries in flight at a time "
                    + "were not enough at this latency; raise --concurrency%n", summary.sent() / seconds, rate, concurrency);
        }
        spec.commandLine().getOut().flush();
        return summary.allAccepted() ? 0 : 1;
    }

    private void send(final Source sender, final PrivateKey key, final URI target, final Iterator<Planned> events,
                      final SendResults results, final ProgressBar bar) throws InterruptedException {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final Semaphore inFlight = new Semaphore(concurrency);
        final long start = System.nanoTime();
        final long deadline = start + maxTime.toNanos();
        for (long i = 0; events.hasNext() && System.nanoTime() < deadline; i++) {
            if (rate > 0) {
                final long due = start + (long) (i * 1e9 / rate);
                final long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            final Planned next = events.next();
            final Outbound delivery = sender.deliver(next.event(), Instant.now(), key);
            final HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()));
            delivery.headers().forEach(request::header);
            inFlight.acquire();
            final long sentAt = System.nanoTime();
            http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
                final long micros = (System.nanoTime() - sentAt) / 1000;
                final String answer = response != null ? response.body()
                        : error.getCause() != null ? error.getCause().toString() : error.toString();
                final int status = response != null ? response.statusCode() : 0;
                results.record(status, answer, micros, next.duplicate());
                lastAnswer = status + " " + answer.strip();
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(" " + results.progress());
                }
                inFlight.release();
            });
        }
        inFlight.acquire(concurrency);   // every answer is in
    }

    /** One event to send, and whether it resends an earlier one. */
    private record Planned(Envelope event, boolean duplicate) {
    }

    private Iterator<Planned> events(final String name) throws IOException {
        if (file != null) {
            final BufferedReader in = file.equals("-") ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
            return in.lines().filter(line -> !line.isBlank()).map(line -> new Planned(fromLine(name, line), false)).iterator();
        }
        final JsonNode fixedPayload = payload == null ? null : json(payload, "--payload");
        if (fixedPayload != null && !fixedPayload.isObject()) {
            throw new ConfigException("--payload must be a JSON object, such as '{\"plan\":\"pro\"}'");
        }
        final String run = UUID.randomUUID().toString().substring(0, 8);
        final List<Envelope> sent = new ArrayList<>();
        return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < count;
            }

            @Override
            public Planned next() {
                final int n = i++;
                if (!sent.isEmpty() && random.nextDouble() < duplicates) {
                    return new Planned(sent.get(random.nextInt(sent.size())), true);
                }
                final Envelope event = count == 1 ? one(name, fixedPayload) : generated(name, run, n, fixedPayload);
                if (duplicates > 0 && sent.size() < 10_000) {
                    sent.add(event);
                }
                return new Planned(event, false);
            }
        };
    }

    private Envelope one(final String name, final JsonNode fixedPayload) {
        return new Envelope(name, id != null ? id : "evt-" + UUID.randomUUID(), type, eventTime(), Instant.now(), entity,
                fixedPayload, null);
    }

    /** Event {@code n} of a generated run: its own id, spread over {@code --keys} entities and plans. */
    private Envelope generated(final String name, final String run, final int n, final JsonNode fixedPayload) {
        final int k = n % keys;
        final ObjectNode body = fixedPayload instanceof ObjectNode given ? given.deepCopy() : Json.MAPPER.createObjectNode();
        if (!body.has("plan")) {
            body.put("plan", "plan-" + k);
        }
        return new Envelope(name, (id != null ? id : "load-" + run) + "-" + n, type, eventTime(), Instant.now(),
                entity != null ? entity : "entity-" + k, body, null);
    }

    private Envelope fromLine(final String name, final String line) {
        final JsonNode e = json(line, "a line of " + file);
        return new Envelope(name,
                e.hasNonNull("event_id") ? e.get("event_id").asText() : "evt-" + UUID.randomUUID(),
                e.hasNonNull("event_type") ? e.get("event_type").asText() : type,
                e.hasNonNull("timestamp") ? OffsetDateTime.parse(e.get("timestamp").asText()).toInstant() : eventTime(),
                Instant.now(),
                e.hasNonNull("entity_id") ? e.get("entity_id").asText() : entity,
                e.get("payload"),
                e.hasNonNull("schema_version") ? e.get("schema_version").asText() : null);
    }

    private Instant eventTime() {
        return time != null ? time.toInstant() : Instant.now();
    }

    private void validate() {
        if (count < 1 || keys < 1 || concurrency < 1 || rate < 0 || duplicates < 0 || duplicates > 1) {
            throw new ConfigException("--count, --keys and --concurrency must be at least 1, --rate at least 0, "
                    + "--duplicates between 0 and 1");
        }
        if (file != null && count != 1) {
            throw new ConfigException("give either --file or --count, not both");
        }
    }

    private String sourceName(final GatewayConfig config) {
        if (source != null) {
            if (!config.sources().containsKey(source)) {
                throw new ConfigException("no source '" + source + "' in " + this.config + "; configured: "
                        + String.join(", ", config.sources().keySet()));
            }
            return source;
        }
        if (config.sources().size() == 1) {
            return config.sources().keySet().iterator().next();
        }
        if (config.sources().containsKey("demo")) {
            return "demo";
        }
        throw new ConfigException("choose a source with --source: " + String.join(", ", config.sources().keySet()));
    }

    private ProgressBar progressBar(final long planned) {
        if (noProgress || System.console() == null || planned == 1) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName("send").setInitialMax(planned).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200).showSpeed().setUnit(" deliveries", 1).continuousUpdate().build();
    }

    private static JsonNode json(final String text, final String what) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(what + " is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String loopbackIfAny(final String host) {
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }
}
