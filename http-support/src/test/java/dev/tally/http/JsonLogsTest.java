package dev.tally.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.schemas.Json;

/** {@code logback-json.xml} writes one JSON object per line with the key-value pairs as fields. */
class JsonLogsTest {

    @Test
    void shouldWriteOneJsonObjectPerLineWithSourceAndEventId() throws Exception {
        final URL config = JsonLogsTest.class.getResource("/logback-json.xml");
        assertThat(config).isNotNull();
        final PrintStream stdout = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            final JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(config);
            final Logger log = context.getLogger("dev.tally.gateway.GatewayApp");
            log.atInfo().addKeyValue("source", "shop").addKeyValue("event_id", "evt-1").log("accepted {} event", 1);
            context.stop();
        } finally {
            System.setOut(stdout);
        }
        final String line = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("accepted")).findFirst().orElseThrow();
        final JsonNode json = Json.MAPPER.readTree(line);
        assertThat(json.get("level").asText()).isEqualTo("INFO");
        assertThat(json.get("formattedMessage").asText()).isEqualTo("accepted 1 event");
        assertThat(json.get("kvpList").toString()).contains("\"source\":\"shop\"").contains("\"event_id\":\"evt-1\"");
    }
}
