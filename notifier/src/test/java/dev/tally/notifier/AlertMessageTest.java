package dev.tally.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.schemas.Alert;
import dev.tally.schemas.Json;
import dev.tally.schemas.Topics;

/** What each sink format sends for one alert. */
class AlertMessageTest {

    private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");
    private static final Alert ALERT = new Alert("orders_by_plan", "shop|pro", "1h", START, START.plusSeconds(3600),
            100, 100, "evt-7", START.plusSeconds(1234));

    @Test
    void shouldSendTheAlertsOwnJsonToAStandardSink() throws Exception {
        final byte[] body = AlertMessage.body(SinkFormat.STANDARD, ALERT);
        assertThat(Topics.ALERTS.valueSerde().deserializer().deserialize("alerts", body)).isEqualTo(ALERT);
        assertThat(Json.MAPPER.readTree(body).get("window_start").asText()).isEqualTo("2026-11-22T10:00:00Z");
    }

    @Test
    void shouldSaySlackTheCounterKeyWindowAndCountInWords() throws Exception {
        final JsonNode slack = Json.MAPPER.readTree(AlertMessage.body(SinkFormat.SLACK, ALERT));
        assertThat(slack.fieldNames()).toIterable().containsExactly("text");
        assertThat(slack.get("text").asText()).isEqualTo(
                ":bell: *orders_by_plan*: `shop|pro` reached 100 in the 1h window 2026-11-22 10:00–11:00 UTC (count 100)");
    }

    @Test
    void shouldEscapeSlackMarkupInKeys() throws Exception {
        final Alert hostile = new Alert("c", "<!channel>&", "1m", START, START.plusSeconds(60), 5, 5, "e", START);
        assertThat(Json.MAPPER.readTree(AlertMessage.body(SinkFormat.SLACK, hostile)).get("text").asText())
                .contains("`&lt;!channel&gt;&amp;`").doesNotContain("<!channel>");
    }

    @Test
    void shouldSendDiscordContentAndAnEmbedThatMentionsNobody() throws Exception {
        final JsonNode discord = Json.MAPPER.readTree(AlertMessage.body(SinkFormat.DISCORD, ALERT));
        assertThat(discord.get("content").asText()).isEqualTo(
                "**orders\\_by\\_plan**: `shop|pro` reached 100 in the 1h window 2026-11-22 10:00–11:00 UTC (count 100)");
        final JsonNode embed = discord.get("embeds").get(0);
        assertThat(embed.get("title").asText()).isEqualTo("orders_by_plan reached 100");
        assertThat(embed.get("timestamp").asText()).isEqualTo("2026-11-22T10:20:34Z");
        assertThat(embed.get("fields").findValuesAsText("name")).containsExactly("Key", "Window", "Count");
        assertThat(embed.get("fields").findValuesAsText("value")).containsExactly("`shop|pro`", "1h, 2026-11-22 10:00–11:00 UTC", "100");
        assertThat(discord.get("allowed_mentions").get("parse")).isEmpty();
    }

    @Test
    void shouldWriteTheEndsDateOnlyWhenTheWindowCrossesMidnightAndSecondsOnlyWhenThereAreSome() {
        final Instant day = Instant.parse("2026-11-22T00:00:00Z");
        assertThat(AlertMessage.span(day, day.plusSeconds(86_400))).isEqualTo("2026-11-22 00:00–2026-11-23 00:00 UTC");
        assertThat(AlertMessage.span(day.plusSeconds(10), day.plusSeconds(20))).isEqualTo("2026-11-22 00:00:10–00:00:20 UTC");
    }
}
