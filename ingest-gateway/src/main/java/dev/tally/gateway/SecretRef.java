package dev.tally.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.tally.config.ConfigException;

/**
 * Where a secret comes from: an environment variable ({@code env}) or a file ({@code file}, such
 * as a mounted Docker or Kubernetes secret). The config file never holds the secret itself, and
 * nothing logs its value.
 */
public record SecretRef(String env, String file) {

    /** Reads the secret; fails naming the variable or file, never printing the value. */
    public byte[] resolve(final Map<String, String> environment, final String where) {
        if ((env == null) == (file == null)) {
            throw new ConfigException(where + ": give a secret either as {env: VARIABLE} or as {file: /path}");
        }
        final String value;
        if (env != null) {
            value = environment.get(env);
            if (value == null || value.isEmpty()) {
                throw new ConfigException(where + ": environment variable " + env + " is not set");
            }
        } else {
            try {
                value = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException(where + ": cannot read secret file " + file + ": " + e.getMessage(), e);
            }
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return env != null ? "env:" + env : "file:" + file;
    }
}
