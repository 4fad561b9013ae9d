package dev.tally.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonFormat;

import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;
import dev.tally.config.Env;
import dev.tally.config.KafkaSettings;

/**
 * The gateway's settings: the {@code gateway} section of the config file, then environment
 * overrides ({@code TALLY_GATEWAY_HOST}, {@code TALLY_GATEWAY_PORT}).
 *
 * @param host         address to bind (default 127.0.0.1)
 * @param port         HTTP port (default 8080)
 * @param ackTimeout   how long a request waits for Kafka's acknowledgement before answering 503 (default 5s)
 * @param maxBodyBytes largest accepted body (default 1 MiB)
 * @param sources      the configured senders by name
 * @param kafka        where Kafka is and how topics are created
 */
public record GatewayConfig(String host, int port, Duration ackTimeout, long maxBodyBytes,
                            Map<String, SourceSettings> sources, KafkaSettings kafka) {

    /** One sender's settings as written under {@code gateway.sources.<name>}. */
    public record SourceSettings(
            String scheme,
            List<SecretRef> secrets,
            String header,
            String prefix,
            @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES) HmacVerifier.Encoding encoding) {
    }

    private record Section(String host, Integer port, Duration ackTimeout, Long maxBodyBytes,
                           Map<String, SourceSettings> sources) {
    }

    public GatewayConfig {
        sources = Map.copyOf(sources);
    }

    public static GatewayConfig from(final ConfigFile file, final Map<String, String> env) {
        final Section s = file.section("gateway", Section.class);
        final GatewayConfig config = new GatewayConfig(
                env.getOrDefault("TALLY_GATEWAY_HOST", s.host() == null ? "127.0.0.1" : s.host()),
                Env.port(env, "TALLY_GATEWAY_PORT", s.port(), 8080),
                s.ackTimeout() == null ? Duration.ofSeconds(5) : s.ackTimeout(),
                s.maxBodyBytes() == null ? 1024 * 1024 : s.maxBodyBytes(),
                s.sources() == null ? Map.of() : new TreeMap<>(s.sources()),
                KafkaSettings.from(file, env));
        if (config.sources().isEmpty()) {
            throw new ConfigException(file.origin() + ": configure at least one source under gateway.sources");
        }
        return config;
    }

    public GatewayConfig withKafka(final KafkaSettings kafka) {
        return new GatewayConfig(host, port, ackTimeout, maxBodyBytes, sources, kafka);
    }
}
