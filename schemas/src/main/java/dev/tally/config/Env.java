package dev.tally.config;

import java.util.Map;

/** Reads typed values from environment variables, failing with a message that names the variable. */
public final class Env {

    private Env() {
    }

    /** The port in {@code variable} if set, else {@code fromFile} if set, else {@code fallback}. */
    public static int port(final Map<String, String> env, final String variable, final Integer fromFile, final int fallback) {
        final String value = env.get(variable);
        if (value == null || value.isBlank()) {
            return fromFile != null ? fromFile : fallback;
        }
        try {
            final int port = Integer.parseInt(value.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(variable + " must be a port number (0-65535), got '" + value + "'");
    }
}
