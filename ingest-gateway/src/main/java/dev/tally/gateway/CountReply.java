package dev.tally.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import dev.tally.config.ConfigException;
import dev.tally.config.Durations;
import dev.tally.schemas.Envelope;
import dev.tally.schemas.GroupKey;

/**
 * Answers a chat command with its counter's figures for the command's key ({@code reply} of a
 * Slack or Discord source). The figures are the query API's, read twice: once before the event is
 * written to Kafka (the baseline), then, once Kafka acknowledged it, until the total and the
 * window's count are each at least one more than the baseline, for at most {@code timeout}. Then the
 * message shows them; otherwise it says the count is still being made ({@code pending}).
 *
 * <p>So a figure shown is never higher than the true count (the query API counts only accepted
 * events, each once), and it has grown by at least the one event since before this one was
 * written. When deliveries of the same key race, the growth may be another's event while this one
 * is a commit behind; a redelivery of an event already counted does not grow the count, and is
 * answered {@code pending} after {@code timeout}.
 */
final class CountReply {

    /** The key and the figures before the event was written; figures null when the query API did not answer. */
    record Baseline(String key, CountReader.Figures figures) {
    }

    static final String DEFAULT_TEMPLATE = "{counter} for {key}: {total}";
    static final String DEFAULT_PENDING = "{counter} for {key}: counting…";
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(2);
    static final Duration LONGEST_WAIT = Duration.ofMillis(2500);
    private static final long POLL_MILLIS = 50;

    private final GatewayConfig.Reply settings;
    private final ReplyFormat format;
    private final CountReader reader;
    private final Duration window;
    private final Duration wait;
    private final boolean inChannel;

    private CountReply(final GatewayConfig.Reply settings, final ReplyFormat format, final CountReader reader, final Duration window,
                       final Duration wait, final boolean inChannel) {
        this.settings = settings;
        this.format = format;
        this.reader = reader;
        this.window = window;
        this.wait = wait;
        this.inChannel = inChannel;
    }

    /** Checks the settings, failing the start naming the one that is wrong. */
    static CountReply of(final String where, final GatewayConfig.Reply s, final ReplyFormat format, final CountReader reader) {
        final String at = where + ".reply";
        if (s.counter() == null || s.counter().isBlank()) {
            throw new ConfigException(at + ": name the counter whose figures the reply shows (counter: …)");
        }
        final String template = s.template() == null ? DEFAULT_TEMPLATE : s.template();
        final Duration window;
        try {
            window = s.window() == null ? null : Durations.parse(s.window());
        } catch (IllegalArgumentException | ConfigException e) {
            throw new ConfigException(at + ".window: not a duration such as 1h or 1d: " + s.window(), e);
        }
        if (window == null && (template.contains("{window_count}") || template.contains("{window}"))) {
            throw new ConfigException(at + ": the template shows {window_count} or {window}; set window to one of the counter's windows, such as 1d");
        }
        final String type = s.responseType() == null ? "ephemeral" : s.responseType();
        if (!type.equals("ephemeral") && !type.equals("in_channel")) {
            throw new ConfigException(at + ".response_type: ephemeral or in_channel, got " + type);
        }
        final Duration wait = s.timeout() == null ? DEFAULT_WAIT : s.timeout();
        if (wait.isNegative() || wait.compareTo(LONGEST_WAIT) > 0) {
            throw new ConfigException(at + ".timeout: from 0 to " + Durations.format(LONGEST_WAIT)
                    + " (the platform gives 3 s for the whole answer), got " + Durations.format(wait));
        }
        // Read the counter's group_by now, so the first command does not wait for it (kept once read; retried when not).
        reader.groupBy(s.counter());
        return new CountReply(s, format, reader, window, wait, type.equals("in_channel"));
    }

    /** Whether this delivery is a command this source answers: one event of the platform's command kind. */
    boolean answers(final List<Envelope> events) {
        return events.size() == 1 && format.answers(events.get(0));
    }

    /** The figures before the event is written; never fails (a baseline without figures leads to {@code pending}). */
    CompletableFuture<Baseline> before(final Envelope event) {
        return reader.groupBy(settings.counter())
                .thenCompose(fields -> {
                    final String key = key(fields, event);
                    return reader.figures(settings.counter(), key, window, event.eventTime())
                            .handle((figures, error) -> new Baseline(key, error == null ? figures : null));
                })
                .exceptionally(error -> new Baseline(null, null));
    }

    /** The answer's body, once the figures show the event or {@code timeout} has passed since now. */
    CompletableFuture<Map<String, Object>> answer(final Baseline baseline, final Envelope event) {
        if (baseline.figures() == null) {
            return CompletableFuture.completedFuture(format.body(render(settings.pending(), DEFAULT_PENDING, baseline.key(), null), inChannel));
        }
        final long deadline = System.nanoTime() + wait.toNanos();
        return poll(baseline, event, deadline).thenApply(figures -> format.body(figures == null
                ? render(settings.pending(), DEFAULT_PENDING, baseline.key(), null)
                : render(settings.template(), DEFAULT_TEMPLATE, baseline.key(), figures), inChannel));
    }

    private CompletableFuture<CountReader.Figures> poll(final Baseline baseline, final Envelope event, final long deadline) {
        return reader.figures(settings.counter(), baseline.key(), window, event.eventTime())
                .handle((figures, error) -> error == null && grown(baseline.figures(), figures) ? figures : null)
                .thenCompose(figures -> {
                    if (figures != null || System.nanoTime() >= deadline) {
                        return CompletableFuture.completedFuture(figures);
                    }
                    final Executor later = CompletableFuture.delayedExecutor(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    return CompletableFuture.supplyAsync(() -> null, later).thenCompose(x -> poll(baseline, event, deadline));
                });
    }

    /** Each figure at least one more than before: the count has taken in an event since the baseline. */
    private static boolean grown(final CountReader.Figures before, final CountReader.Figures now) {
        return now.total() >= before.total() + 1
                && (before.windowCount() == null || now.windowCount() >= before.windowCount() + 1);
    }

    private String render(final String template, final String fallback, final String key, final CountReader.Figures figures) {
        String text = (template == null ? fallback : template)
                .replace("{counter}", settings.counter())
                .replace("{key}", key == null ? "" : key)
                .replace("{window}", window == null ? "" : Durations.format(window));
        if (figures != null) {
            text = text.replace("{total}", String.valueOf(figures.total()))
                    .replace("{window_count}", figures.windowCount() == null ? "" : String.valueOf(figures.windowCount()));
        }
        return text;
    }

    /** The event's key under {@code groupBy}, by the rule the processor's counters key events with. */
    static String key(final List<String> groupBy, final Envelope event) {
        return GroupKey.of(groupBy, event);
    }
}
