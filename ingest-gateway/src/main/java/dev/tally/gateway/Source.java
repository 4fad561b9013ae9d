package dev.tally.gateway;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.tally.config.ConfigException;

/**
 * A configured sender: its name (the path segment of {@code POST /webhooks/{source}}), how its
 * signatures are checked and how its body becomes events.
 */
public record Source(String name, String scheme, SignatureVerifier verifier, EventMapper mapper) {

    /** Builds every configured source; fails naming the first missing secret or bad setting. */
    public static Map<String, Source> all(final GatewayConfig config, final Map<String, String> env) {
        final CanonicalEventParser canonical = new CanonicalEventParser();
        final Map<String, Source> sources = new TreeMap<>();
        config.sources().forEach((name, settings) -> sources.put(name, from(name, settings, env, canonical)));
        return Collections.unmodifiableMap(sources);
    }

    /** Builds a source from its config section, reading its secrets from the environment or files. */
    public static Source from(final String name, final GatewayConfig.SourceSettings settings,
                              final Map<String, String> env, final CanonicalEventParser canonical) {
        final String where = "gateway.sources." + name;
        final String scheme = settings.scheme() == null ? "hmac" : settings.scheme().toLowerCase(Locale.ROOT);
        if (settings.secrets() == null || settings.secrets().isEmpty()) {
            throw new ConfigException(where + ": list at least one secret under 'secrets' (as {env: VARIABLE} or {file: /path})");
        }
        final List<byte[]> secrets = new ArrayList<>();
        for (int i = 0; i < settings.secrets().size(); i++) {
            secrets.add(settings.secrets().get(i).resolve(env, where + ".secrets[" + i + "]"));
        }
        return switch (scheme) {
            case "hmac" -> new Source(name, scheme, new HmacVerifier(
                    settings.header() == null ? "X-Signature" : settings.header(),
                    settings.prefix() == null ? "sha256=" : settings.prefix(),
                    settings.encoding() == null ? HmacVerifier.Encoding.HEX : settings.encoding(),
                    secrets), canonical);
            default -> throw new ConfigException(where + ": unknown scheme '" + settings.scheme() + "'; known schemes: hmac");
        };
    }
}
