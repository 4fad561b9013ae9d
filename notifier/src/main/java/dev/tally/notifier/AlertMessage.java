package dev.tally.notifier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.schemas.Alert;
import dev.tally.schemas.Json;
import dev.tally.schemas.Topics;

/** The request body an alert becomes for each {@link SinkFormat}. */
public final class AlertMessage {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

    private AlertMessage() {
    }

    /** The body for {@code format}: the alert's own JSON for {@code standard}, a chat message otherwise. */
    public static byte[] body(final SinkFormat format, final Alert alert) {
        try {
            return switch (format) {
                case STANDARD -> Topics.ALERTS.valueSerde().serializer().serialize(Topics.ALERTS.name(), alert);
                case SLACK -> Json.MAPPER.writeValueAsBytes(slack(alert));
                case DISCORD -> Json.MAPPER.writeValueAsBytes(discord(alert));
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the " + format + " message of alert " + alert.topicKey(), e);
        }
    }

    /**
     * The alert in words: {@code orders_by_plan: shop|pro reached 100 in the 1h window 2026-11-22 10:00–11:00 UTC (count 100)}.
     * Chat formats wrap the counter in bold and the key in code, see {@link #slack} and {@link #discord}.
     */
    static String sentence(final Alert alert, final String counter, final String key) {
        return counter + ": " + key + " reached " + alert.threshold() + " in the " + alert.window() + " window "
                + span(alert.windowStart(), alert.windowEnd()) + " (count " + alert.count() + ")";
    }

    /** {@code 2026-11-22 10:00–11:00 UTC}, the end's date written only when it differs from the start's. */
    static String span(final Instant start, final Instant end) {
        final String endDay = DAY.format(end);
        final boolean sameDay = DAY.format(start).equals(endDay);
        return DAY.format(start) + " " + time(start) + "–" + (sameDay ? "" : endDay + " ") + time(end) + " UTC";
    }

    private static String time(final Instant t) {
        return (t.getEpochSecond() % 60 == 0 ? MINUTE : SECOND).format(t);
    }

    private static ObjectNode slack(final Alert alert) {
        // Slack's mrkdwn: &, < and > are the only characters to escape; a key in backticks shows as code.
        final String text = ":bell: " + sentence(alert, "*" + slackEscape(alert.counter()) + "*",
                "`" + slackEscape(alert.key()).replace('`', '\'') + "`");
        return Json.MAPPER.createObjectNode().put("text", text);
    }

    private static ObjectNode discord(final Alert alert) {
        final String key = "`" + alert.key().replace('`', '\'') + "`";
        final ObjectNode message = Json.MAPPER.createObjectNode();
        message.put("content", sentence(alert, "**" + discordEscape(alert.counter()) + "**", key));
        final ObjectNode embed = message.putArray("embeds").addObject();
        embed.put("title", alert.counter() + " reached " + alert.threshold());
        embed.put("timestamp", alert.eventTime().toString());
        final ArrayNode fields = embed.putArray("fields");
        fields.addObject().put("name", "Key").put("value", key).put("inline", true);
        fields.addObject().put("name", "Window").put("value", alert.window() + ", " + span(alert.windowStart(), alert.windowEnd()))
                .put("inline", true);
        fields.addObject().put("name", "Count").put("value", String.valueOf(alert.count())).put("inline", true);
        // A key is data from a webhook: it must not ping @everyone or a role.
        message.putObject("allowed_mentions").putArray("parse");
        return message;
    }

    private static String slackEscape(final String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String discordEscape(final String text) {
        return text.replaceAll("([*_~`|>\\\\])", "\\\\$1");
    }
}
