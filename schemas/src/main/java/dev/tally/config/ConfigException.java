package dev.tally.config;

/** A configuration problem found at start; its message names the file, variable or field to fix. */
public final class ConfigException extends RuntimeException {

    public ConfigException(final String message) {
        super(message);
    }

    public ConfigException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
