package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;
import dev.tally.schemas.Json;

/**
 * A command answered with its count: the gateway (Kafka a {@code MockProducer}) against a stand-in
 * query API whose counts are what the test says the processor has counted.
 */
class CountReplyTest {

    private static final String COMMAND = "token=t0k&team_id=T1&channel_id=C1&user_id=U1&command=/count&text=standup"
            + "&response_url=https://hooks.slack.com/commands/1&trigger_id=1337.42.abc";
    private static final Signer SLACK = Signers.timestampedHmac("X-Slack-Signature", "v0=", "X-Slack-Request-Timestamp", "v0:", ":");

    private final FakeQueryApi query = new FakeQueryApi();
    private TestGateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        query.close();
    }

    @Test
    void shouldAnswerASlashCommandWithTheTotalAndWindowCountThatIncludeIt() throws Exception {
        gateway = slackGateway("template: \"{counter} for {key}: {total} ({window_count} this {window})\"\nwindow: 1d");
        query.counted(() -> 4 + gateway.events.history().size());

        final HttpResponse<String> answer = post(COMMAND);

        assertThat(answer.statusCode()).isEqualTo(200);
        final JsonNode body = Json.MAPPER.readTree(answer.body());
        assertThat(body.get("response_type").asText()).isEqualTo("ephemeral");
        assertThat(body.get("text").asText()).isEqualTo("commands for standup|C1: 5 (5 this 1d)");
        assertThat(gateway.events.history()).hasSize(1);
        assertThat(query.keys).allMatch("standup|C1"::equals);
    }

    @Test
    void shouldSayCountingWhenTheCountDoesNotShowTheEventInTime() throws Exception {
        gateway = slackGateway("response_type: in_channel\ntimeout: 200ms");
        query.counted(() -> 4);

        final HttpResponse<String> answer = post(COMMAND);

        assertThat(answer.statusCode()).isEqualTo(200);
        final JsonNode body = Json.MAPPER.readTree(answer.body());
        assertThat(body.get("response_type").asText()).isEqualTo("in_channel");
        assertThat(body.get("text").asText()).isEqualTo("commands for standup|C1: counting…");
        assertThat(gateway.events.history()).as("the event is in Kafka all the same").hasSize(1);
    }

    @Test
    void shouldSayCountingWhenTheQueryApiDoesNotAnswer() throws Exception {
        gateway = slackGateway("");
        query.close();

        final HttpResponse<String> answer = post(COMMAND);

        assertThat(answer.statusCode()).isEqualTo(200);
        // The key is known when the counter's group_by was read (when the source was built) before the query API went away.
        assertThat(Json.MAPPER.readTree(answer.body()).get("text").asText())
                .isIn("commands for standup|C1: counting…", "commands for : counting…");
        assertThat(gateway.events.history()).hasSize(1);
    }

    @Test
    void shouldAnswerOnlyOnceKafkaAcknowledgedAndNotAtAllWhenItRefuses() throws Exception {
        gateway = slackGateway("");
        query.counted(() -> 0);
        gateway.events.sendException = new org.apache.kafka.common.errors.TimeoutException("broker gone");
        // Kafka refuses the event: the command gets the 503 problem, never a message with a count.
        final HttpResponse<String> answer = post(COMMAND);
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
    }

    @Test
    void shouldAnswerADiscordApplicationCommandWithAnInteractionResponseOfType4() throws Exception {
        final Signer discord = Signers.discord();
        query.groupedBy("[\"/payload/data/options/0/value\",\"/payload/channel_id\"]");   // read when the source is built
        gateway = TestGateway.startAt(Clock.fixed(DeliveryScenario.NOW, ZoneOffset.UTC), """
                query: {url: "%s"}
                sources:
                  discord:
                    scheme: discord
                    secrets: [{env: KEY}]
                    reply:
                      counter: commands
                """.formatted(query.url()), Map.of("KEY", discord.configured(DeliveryScenario.SECRET)));
        query.counted(() -> 6 + gateway.events.history().size());
        final Delivery command = DeliveryScenario.valid(discord).withBody("""
                {"id":"1574001486856192000","application_id":"1011","type":2,"guild_id":"G1","channel_id":"C7",
                 "data":{"id":"7","name":"count","type":1,"options":[{"name":"what","type":3,"value":"standup"}]}}""").build();

        final HttpResponse<String> answer = gateway.post("discord", command, new String[] {"X-Signature-Ed25519", "X-Signature-Timestamp"},
                "Content-Type", "application/json");

        assertThat(answer.statusCode()).isEqualTo(200);
        final JsonNode body = Json.MAPPER.readTree(answer.body());
        assertThat(body.get("type").asInt()).isEqualTo(4);
        assertThat(body.at("/data/content").asText()).isEqualTo("commands for standup|C7: 7");
        assertThat(body.at("/data/flags").asInt()).as("ephemeral").isEqualTo(64);
        assertThat(body.at("/data/allowed_mentions/parse").isEmpty()).isTrue();

        // Discord's PING, with a reply configured too: the handshake answer, nothing written.
        final Delivery ping = DeliveryScenario.valid(discord).withBody("{\"id\":\"1574001486856192001\",\"type\":1}").build();
        final HttpResponse<String> pong = gateway.post("discord", ping, new String[] {"X-Signature-Ed25519", "X-Signature-Timestamp"},
                "Content-Type", "application/json");
        assertThat(pong.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(pong.body())).isEqualTo(Json.MAPPER.readTree("{\"type\":1}"));
        assertThat(gateway.events.history()).hasSize(1);
    }

    @Test
    void shouldStillAnswerEventsThatAreNotCommandsWith202() throws Exception {
        gateway = slackGateway("");
        query.counted(() -> 0);
        final String event = "{\"type\":\"event_callback\",\"team_id\":\"T1\",\"event_id\":\"Ev1\",\"event\":{\"type\":\"app_mention\"}}";
        final Delivery delivery = DeliveryScenario.valid(SLACK).withBody(event).build();
        final HttpResponse<String> answer = gateway.post("slack", delivery, new String[] {"X-Slack-Signature", "X-Slack-Request-Timestamp"},
                "Content-Type", "application/json");
        assertThat(answer.statusCode()).isEqualTo(202);
    }

    @Test
    void shouldKeyTheEventAsTheProcessorsCountersDo() throws Exception {
        final dev.tally.schemas.Envelope event = new dev.tally.schemas.Envelope("slack", "trig-1", "slash_command", DeliveryScenario.NOW,
                DeliveryScenario.NOW, "T1", Json.MAPPER.readTree("{\"text\":\"a|b\\\\c\",\"n\":7,\"o\":{\"x\":1}}"), null);
        assertThat(CountReply.key(List.of("source", "event_type", "entity_id", "/payload/text", "/payload/n", "/payload/o", "/payload/none"),
                event)).isEqualTo("slack|slash_command|T1|a\\|b\\\\c|7|{\"x\":1}|");
    }

    @Test
    void shouldRefuseAReplyOnASchemeWithoutCommands() {
        assertThatThrownBy(() -> config("github", "reply: {counter: commands}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not use reply");
    }

    @Test
    void shouldRefuseATemplateWithAWindowCountButNoWindow() {
        assertThatThrownBy(() -> config("slack", "reply: {counter: commands, template: \"{window_count} today\"}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("set window");
    }

    @Test
    void shouldRefuseATimeoutBeyondWhatThePlatformWaits() {
        assertThatThrownBy(() -> config("slack", "reply: {counter: commands, timeout: 3s}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("reply.timeout");
    }

    private static void config(final String scheme, final String settings) {
        final String yaml = "gateway:\n  sources:\n    src:\n      scheme: " + scheme + "\n      secrets: [{env: KEY}]\n" + settings.indent(6);
        Source.all(GatewayConfig.from(ConfigFile.parse("test", yaml), Map.of("KEY", "k")), Map.of("KEY", "k"));
    }

    private TestGateway slackGateway(final String replySettings) {
        return TestGateway.startAt(Clock.fixed(DeliveryScenario.NOW, ZoneOffset.UTC), """
                query: {url: "%s"}
                sources:
                  slack:
                    scheme: slack
                    secrets: [{env: KEY}]
                    reply:
                      counter: commands
                %s""".formatted(query.url(), replySettings.indent(6)),
                Map.of("KEY", DeliveryScenario.SECRET));
    }

    private HttpResponse<String> post(final String form) throws Exception {
        final Delivery delivery = DeliveryScenario.valid(SLACK).withBody(form).build();
        return gateway.post("slack", delivery, new String[] {"X-Slack-Signature", "X-Slack-Request-Timestamp"},
                "Content-Type", "application/x-www-form-urlencoded");
    }

    /** The query API's routes the reply reads, answering what {@link #counted} says is counted for every key. */
    private static final class FakeQueryApi implements AutoCloseable {
        final List<String> keys = new CopyOnWriteArrayList<>();
        private final HttpServer server;
        private volatile LongSupplier counted = () -> 0;
        private volatile String groupBy = "[\"/payload/text\",\"/payload/channel_id\"]";

        FakeQueryApi() {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/v1/counters", this::answer);
            server.start();
        }

        void groupedBy(final String fields) {
            this.groupBy = fields;
        }

        void counted(final LongSupplier now) {
            this.counted = now;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private void answer(final HttpExchange exchange) throws IOException {
            final String path = exchange.getRequestURI().getPath();
            final String query = exchange.getRequestURI().getRawQuery();
            final long n = counted.getAsLong();
            final String body;
            if (path.equals("/v1/counters")) {
                body = "{\"counters\":[{\"name\":\"commands\",\"group_by\":" + groupBy + "}]}";
            } else {
                final String key = URLDecoder.decode(query.replaceAll(".*key=([^&]*).*", "$1"), StandardCharsets.UTF_8);
                keys.add(key);
                body = path.endsWith("/total") ? "{\"counter\":\"commands\",\"key\":\"" + key + "\",\"total\":" + n + "}"
                        : "{\"windows\":[{\"window\":\"1d\",\"start\":\"2026-11-22T00:00:00Z\",\"end\":\"2026-11-23T00:00:00Z\",\"count\":"
                        + n + ",\"final\":false}]}";
            }
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
