package dev.tally.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tally.config.ConfigFile;

/**
 * A running {@link GatewayApp} on a free loopback port whose producers are Kafka's
 * {@link MockProducer}s (acknowledging at once), for the HTTP rules that do not need a broker.
 */
final class TestGateway implements AutoCloseable {

    final MockProducer<String, byte[]> events = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    final MockProducer<String, byte[]> rejected = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    final GatewayApp app;
    final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    final MockProducer<String, byte[]> rejectedProducer;

    private TestGateway(final GatewayConfig config, final Map<String, String> env, final MockProducer<String, byte[]> rejections) {
        this(config, env, rejections, Clock.systemUTC());
    }

    private TestGateway(final GatewayConfig config, final Map<String, String> env, final MockProducer<String, byte[]> rejections,
                        final Clock clock) {
        this.rejectedProducer = rejections == null ? rejected : rejections;
        final GatewayApp.Kafka kafka = new GatewayApp.Kafka(events, rejectedProducer, () -> null, () -> { }, () -> { });
        this.app = new GatewayApp(config, env, clock, kafka).start();
        this.base = "http://127.0.0.1:" + app.port();
    }

    /** A gateway started from a config file that it watches, checking it every 100 ms. */
    static TestGateway watching(final Path file, final Map<String, String> env) {
        final TestGateway gateway = new TestGateway(GatewayConfig.from(ConfigFile.load(file), env), env, null);
        gateway.app.reloadOnChange(file, Duration.ofMillis(100));
        return gateway;
    }

    /** A gateway whose rejections go to {@code rejections} instead of {@link #rejected}. */
    static TestGateway withRejectionsTo(final MockProducer<String, byte[]> rejections, final String gatewayYaml, final Map<String, String> env) {
        final ConfigFile file = ConfigFile.parse("test", "gateway:\n  port: 0\n" + gatewayYaml.indent(2));
        return new TestGateway(GatewayConfig.from(file, env), env, rejections);
    }

    /** {@code gatewayYaml} is the {@code gateway} section's body; the port is always a free one. */
    static TestGateway start(final String gatewayYaml, final Map<String, String> env) {
        final ConfigFile file = ConfigFile.parse("test", "gateway:\n  port: 0\n" + gatewayYaml.indent(2));
        return new TestGateway(GatewayConfig.from(file, env), env, null);
    }

    /** A gateway whose receive times come from {@code clock}. */
    static TestGateway startAt(final Clock clock, final String gatewayYaml, final Map<String, String> env) {
        final ConfigFile file = ConfigFile.parse("test", "gateway:\n  port: 0\n" + gatewayYaml.indent(2));
        return new TestGateway(GatewayConfig.from(file, env), env, null, clock);
    }

    /** Posts the delivery's body to {@code /webhooks/{source}} with the delivery's {@code headers} and the extra ones. */
    HttpResponse<String> post(final String source, final Delivery delivery, final String[] headers, final String... extra) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/webhooks/" + source))
                .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()));
        for (final String header : headers) {
            if (delivery.header(header) != null) {
                request.header(header, delivery.header(header));
            }
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            request.header(extra[i], extra[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A canonical delivery signed with the hmac defaults, posted with {@code X-Signature} and the extra headers. */
    HttpResponse<String> postSigned(final String source, final Delivery delivery, final String... extra) throws Exception {
        return post(source, delivery, new String[] {"X-Signature"}, extra);
    }

    HttpResponse<String> get(final String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        app.close();
    }
}
