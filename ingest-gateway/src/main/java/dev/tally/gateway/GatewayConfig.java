package dev.tally.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonFormat;

import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;
import dev.tally.config.Env;
import dev.tally.config.KafkaSettings;

/**
 * The gateway's settings: the {@code gateway} section of the config file, then environment
 * overrides ({@code TALLY_GATEWAY_HOST}, {@code TALLY_GATEWAY_PORT}). The sources, their limits and
 * {@code trusted_proxies} are reloaded when the file changes; the rest needs a restart.
 *
 * @param host           address to bind (default 127.0.0.1)
 * @param port           HTTP port (default 8080)
 * @param ackTimeout     how long a request waits for Kafka's acknowledgement before answering 503 (default 5s)
 * @param maxBodyBytes   largest accepted body for sources that set no {@code max_body_bytes} (default 1 MiB)
 * @param trustedProxies proxies (CIDR) whose {@code X-Forwarded-For} names the client; default none: the
 *                       client is the peer address
 * @param tls            serve HTTPS instead of HTTP when set (default: plain HTTP)
 * @param rejected       how many rejected deliveries per source reach {@code webhooks.rejected} (default 10/s)
 * @param sources        the configured senders by name
 * @param kafka          where Kafka is and how topics are created
 * @param maxFutureSkew  how far an event's time may be ahead of its receive time for sources that set no
 *                       {@code max_future_skew} ({@code gateway.max_future_skew}, default 5m); 422 beyond
 * @param query          where the query API is, for sources that {@code reply} with counts
 *                       ({@code gateway.query}; {@code TALLY_GATEWAY_QUERY_URL})
 */
public record GatewayConfig(String host, int port, Duration ackTimeout, long maxBodyBytes, List<IpRange> trustedProxies,
                            Tls tls, Rejected rejected, Map<String, SourceSettings> sources, KafkaSettings kafka,
                            Duration maxFutureSkew, QueryApi query) {

    /** Default {@link #maxBodyBytes}: 1 MiB. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    /** Default {@link Rejected#perSource}: 10 rejected deliveries a second per source. */
    public static final Rate DEFAULT_REJECTED_RATE = Rate.parse("10/s");
    /** Default {@link #maxFutureSkew}: 5 minutes, as the signed-timestamp tolerance of the schemes that sign one. */
    public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofMinutes(5);

    /**
     * HTTPS on the gateway's port.
     *
     * @param keystore    a PKCS12 (or {@code type}) keystore holding the server's key and certificate chain
     * @param passwordEnv the environment variable holding the keystore password
     * @param type        the keystore type (default PKCS12)
     */
    public record Tls(String keystore, String passwordEnv, String type) {
    }

    /**
     * The rejected-deliveries topic.
     *
     * @param perSource at most this many rejections per source are written (the rest are only counted);
     *                  {@code 0/s} writes none
     */
    public record Rejected(Rate perSource) {
    }

    /**
     * Token-bucket limits; each bucket holds one period's worth, refilled continuously. Unset means unlimited.
     *
     * @param perSource every delivery to the source, from anywhere
     * @param perIp     deliveries to the source from one client address
     */
    public record RateLimit(Rate perSource, Rate perIp) {
    }

    /**
     * One sender's settings as written under {@code gateway.sources.<name>}. Only {@code scheme} and
     * {@code secrets} apply to every scheme; a scheme refuses settings it does not use, naming them.
     *
     * @param scheme          hmac (default), token, github, stripe, slack, shopify, standard, woocommerce,
     *                        mailgun, sendgrid, discord, paypal, jira or twilio
     * @param secrets         what verifies deliveries, in order, every one accepted (rotation): shared
     *                        secrets, or for sendgrid, discord, standard ({@code whpk_}) and paypal the
     *                        public keys or certificates
     * @param header          hmac, token: the header carrying the signature or token
     * @param prefix          hmac, token: text before the digest or token in that header
     * @param encoding        hmac: hex or base64
     * @param timestampHeader hmac: a header with the signed unix-seconds time ({@code ts + "." + body} is signed)
     * @param tolerance       schemes that sign a time: how far it may be from now (default 5m)
     * @param webhookId       paypal: the webhook's id, part of what PayPal signs
     * @param fields          hmac, token: where the envelope's fields are in the body
     * @param maxBodyBytes    every scheme: largest body (default: the gateway's {@code max_body_bytes}, 1 MiB); 413 above
     * @param contentTypes    every scheme: accepted media types (default: what the scheme's sender posts, JSON,
     *                        and forms for slack, github, mailgun, twilio; {@code "*&#47;*"} accepts any); 415
     *                        otherwise. A delivery without Content-Type is read as JSON
     * @param rateLimit       every scheme: token buckets per source and per client address (default unlimited); 429
     * @param allowIps        every scheme: client addresses (CIDR) allowed to deliver (default any); 403 otherwise
     * @param schema          every scheme: a JSON Schema file the verified body must match (default none); 400
     * @param maxFutureSkew   every scheme: how far an event's time may be ahead of its receive time (default the
     *                        gateway's {@code max_future_skew}, 5m); 422 beyond, for the whole delivery
     * @param publicUrl       twilio: the exact URL Twilio calls (it is part of what Twilio signs)
     * @param reply           slack, discord: answer commands with a count read from the query API
     */
    public record SourceSettings(
            String scheme,
            List<SecretRef> secrets,
            String header,
            String prefix,
            @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES) Encoding encoding,
            String timestampHeader,
            Duration tolerance,
            String webhookId,
            FieldPointers fields,
            Long maxBodyBytes,
            List<String> contentTypes,
            RateLimit rateLimit,
            List<IpRange> allowIps,
            String schema,
            Duration maxFutureSkew,
            String publicUrl,
            Reply reply) {

        /** The scheme-specific optional settings that are set, by their names in the file. */
        public Set<String> options() {
            final Map<String, Object> all = new TreeMap<>();
            all.put("header", header);
            all.put("prefix", prefix);
            all.put("encoding", encoding);
            all.put("timestamp_header", timestampHeader);
            all.put("tolerance", tolerance);
            all.put("webhook_id", webhookId);
            all.put("fields", fields);
            all.put("public_url", publicUrl);
            all.put("reply", reply);
            all.values().removeIf(Objects::isNull);
            return all.keySet();
        }
    }

    /**
     * How a chat command is answered (Slack slash commands, Discord application commands): with a
     * message holding a counter's figures for the command's key, read from the query API after Kafka
     * acknowledged the event.
     *
     * @param counter      the counter (of {@code processor.counters}) whose key the event has
     * @param window       a window size of that counter, for {@code {window_count}} and {@code {window}}; optional
     * @param template     the message: {@code {counter}}, {@code {key}}, {@code {total}}, {@code {window_count}},
     *                     {@code {window}} are replaced (default {@code "{counter} for {key}: {total}"})
     * @param pending      the message when the count does not show the event within {@code timeout}
     *                     (default {@code "{counter} for {key}: counting…"})
     * @param responseType {@code ephemeral} (default: only the user sees it) or {@code in_channel}
     * @param timeout      how long to wait for the count to show the event (default 2s, at most 2500ms:
     *                     Slack and Discord give 3 s for the whole answer)
     */
    public record Reply(String counter, String window, String template, String pending, String responseType, Duration timeout) {
    }

    /**
     * Where the query API is, for {@code reply}.
     *
     * @param url   its base URL (default {@code http://127.0.0.1:8081}; {@code tally up} uses its own)
     * @param token a bearer token when the query API requires one
     */
    public record QueryApi(String url, SecretRef token) {
    }

    /**
     * JSON pointers into the body for the envelope's fields, for senders without a scheme of their own.
     *
     * @param id     the event id, such as {@code /id}
     * @param type   the event type
     * @param time   the event time: unix seconds or ISO 8601; missing means the receive time
     * @param entity the entity the event is about
     */
    public record FieldPointers(String id, String type, String time, String entity) {
    }

    private record Section(String host, Integer port, Duration ackTimeout, Long maxBodyBytes, List<IpRange> trustedProxies,
                           Tls tls, Rejected rejected, Map<String, SourceSettings> sources, Duration maxFutureSkew,
                           QueryApi query) {
    }

    public GatewayConfig {
        trustedProxies = List.copyOf(trustedProxies);
        sources = Map.copyOf(sources);
    }

    public static GatewayConfig from(final ConfigFile file, final Map<String, String> env) {
        final Section s = file.section("gateway", Section.class);
        final GatewayConfig config = new GatewayConfig(
                env.getOrDefault("TALLY_GATEWAY_HOST", s.host() == null ? "127.0.0.1" : s.host()),
                Env.port(env, "TALLY_GATEWAY_PORT", s.port(), 8080),
                s.ackTimeout() == null ? Duration.ofSeconds(5) : s.ackTimeout(),
                s.maxBodyBytes() == null ? DEFAULT_MAX_BODY_BYTES : s.maxBodyBytes(),
                s.trustedProxies() == null ? List.of() : s.trustedProxies(),
                s.tls(),
                s.rejected() == null || s.rejected().perSource() == null ? new Rejected(DEFAULT_REJECTED_RATE) : s.rejected(),
                s.sources() == null ? Map.of() : new TreeMap<>(s.sources()),
                KafkaSettings.from(file, env),
                s.maxFutureSkew() == null ? DEFAULT_MAX_FUTURE_SKEW : s.maxFutureSkew(),
                new QueryApi(env.getOrDefault("TALLY_GATEWAY_QUERY_URL", s.query() == null ? null : s.query().url()),
                        s.query() == null ? null : s.query().token()));
        if (config.maxFutureSkew().isNegative()) {
            throw new ConfigException(file.origin() + ": gateway.max_future_skew must be 0 or more, got " + config.maxFutureSkew());
        }
        if (config.sources().isEmpty()) {
            throw new ConfigException(file.origin() + ": configure at least one source under gateway.sources");
        }
        if (config.tls() != null && (config.tls().keystore() == null || config.tls().passwordEnv() == null)) {
            throw new ConfigException(file.origin() + ": gateway.tls needs keystore and password_env");
        }
        return config;
    }

    public GatewayConfig withKafka(final KafkaSettings kafka) {
        return new GatewayConfig(host, port, ackTimeout, maxBodyBytes, trustedProxies, tls, rejected, sources, kafka, maxFutureSkew, query);
    }

    /** This config reading counts from the query API at {@code url} unless {@code gateway.query.url} names one ({@code tally up}). */
    public GatewayConfig withDefaultQueryUrl(final String url) {
        return query.url() != null ? this : new GatewayConfig(host, port, ackTimeout, maxBodyBytes, trustedProxies, tls, rejected,
                sources, kafka, maxFutureSkew, new QueryApi(url, query.token()));
    }
}
