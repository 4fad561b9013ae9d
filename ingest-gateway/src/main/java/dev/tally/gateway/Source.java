package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.tally.config.ConfigException;
import dev.tally.schemas.Envelope;

/**
 * A configured sender: its name (the path segment of {@code POST /webhooks/{source}}), how its
 * signatures are checked, how its body becomes events, and what it admits ({@link Policy}).
 */
public record Source(String name, String scheme, SignatureVerifier verifier, EventMapper mapper, Policy policy, String signatureHeader,
                     CountReply reply) {

    /** Builds every configured source; fails naming the first missing secret or bad setting. */
    public static Map<String, Source> all(final GatewayConfig config, final Map<String, String> env) {
        final CanonicalEventParser canonical = new CanonicalEventParser();
        final boolean replies = config.sources().values().stream().anyMatch(s -> s.reply() != null);
        final CountReader counts = replies ? CountReader.of(config.query(), env) : null;
        final Map<String, Source> sources = new TreeMap<>();
        config.sources().forEach((name, settings) -> sources.put(name, from(name, settings, config, env, canonical, counts)));
        return Collections.unmodifiableMap(sources);
    }

    /**
     * The signed delivery a sender of this source's scheme sends for {@code event} at {@code at}:
     * composed by the scheme's mapper, signed by its verifier ({@code tally send}).
     *
     * @param privateKey the sender's key for schemes verified by public keys; null for shared secrets
     */
    public Outbound deliver(final Envelope event, final Instant at, final PrivateKey privateKey) {
        final Outbound unsigned = mapper.compose(event);
        return verifier.sign(unsigned.header("Content-Type") != null ? unsigned
                : unsigned.with(Map.of("Content-Type", "application/json")), at, privateKey);
    }

    /** Builds a source from its config section, reading its secrets from the environment or files. */
    public static Source from(final String name, final GatewayConfig.SourceSettings settings, final GatewayConfig config,
                              final Map<String, String> env, final CanonicalEventParser canonical) {
        return from(name, settings, config, env, canonical, null);
    }

    /** @param counts where replies read counts; null when no source replies (then a {@code reply} reads the default query API) */
    static Source from(final String name, final GatewayConfig.SourceSettings settings, final GatewayConfig config,
                       final Map<String, String> env, final CanonicalEventParser canonical, final CountReader counts) {
        final String where = "gateway.sources." + name;
        final String scheme = settings.scheme() == null ? "hmac" : settings.scheme().toLowerCase(Locale.ROOT);
        if (settings.secrets() == null || settings.secrets().isEmpty()) {
            throw new ConfigException(where + ": list at least one secret under 'secrets' (as {env: VARIABLE} or {file: /path})");
        }
        final List<String> secrets = new ArrayList<>();
        for (int i = 0; i < settings.secrets().size(); i++) {
            secrets.add(new String(settings.secrets().get(i).resolve(env, where + ".secrets[" + i + "]"), StandardCharsets.UTF_8));
        }
        final Schemes.Setup setup = new Schemes.Setup(where, settings, List.copyOf(secrets), canonical);
        final Schemes.Parts parts = switch (scheme) {
            case "hmac" -> Schemes.hmac(setup);
            case "token" -> Schemes.token(setup);
            case "github" -> Schemes.github(setup);
            case "stripe" -> Schemes.stripe(setup);
            case "slack" -> Schemes.slack(setup);
            case "shopify" -> Schemes.shopify(setup);
            case "standard" -> Schemes.standard(setup);
            case "woocommerce" -> Schemes.woocommerce(setup);
            case "mailgun" -> Schemes.mailgun(setup);
            case "sendgrid" -> Schemes.sendgrid(setup);
            case "discord" -> Schemes.discord(setup);
            case "paypal" -> Schemes.paypal(setup);
            case "jira" -> Schemes.jira(setup);
            case "twilio" -> Schemes.twilio(setup);
            default -> throw new ConfigException(where + ": unknown scheme '" + settings.scheme() + "'; known schemes: "
                    + String.join(", ", Schemes.NAMES));
        };
        final CountReply reply = parts.replies() == null ? null : CountReply.of(where, settings.reply(), parts.replies(),
                counts != null ? counts : CountReader.of(config.query(), env));
        return new Source(name, scheme, parts.verifier(), parts.mapper(),
                Policy.from(name, settings, config.maxBodyBytes(), config.maxFutureSkew(), parts.contentTypes()), settings.header(), reply);
    }

    /**
     * The delivery's events as the scheme maps them, from whichever field gives its event time, each
     * checked against the source's {@code max_future_skew} ({@link Policy#checkEventTimes}).
     */
    Outcome map(final Delivery delivery) {
        final Outcome outcome = mapper.map(name, delivery);
        if (outcome instanceof Outcome.Events events) {
            policy.checkEventTimes(events.events());
        }
        return outcome;
    }
}
