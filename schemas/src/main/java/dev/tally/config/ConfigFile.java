package dev.tally.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * Tally's YAML config file ({@code tally.yaml}): one file with a {@code kafka}, a {@code gateway}, a
 * {@code processor} and a {@code query} section. Each app binds its own section to its typed
 * config. Unknown fields are errors, so a typo fails at start with the path of the field.
 */
public final class ConfigFile {

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .addModule(new SimpleModule().addDeserializer(Duration.class, new DurationDeserializer()))
            .build();

    private final String origin;
    private final JsonNode root;

    private ConfigFile(final String origin, final JsonNode root) {
        this.origin = origin;
        this.root = root == null || root.isNull() ? MissingNode.getInstance() : root;
    }

    public static ConfigFile load(final Path path) {
        try {
            return new ConfigFile(path.toString(), YAML.readTree(Files.readString(path)));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + path + ": " + e.getMessage(), e);
        }
    }

    public static ConfigFile parse(final String origin, final String yaml) {
        try {
            return new ConfigFile(origin, YAML.readTree(yaml));
        } catch (IOException e) {
            throw new ConfigException("cannot parse " + origin + ": " + e.getMessage(), e);
        }
    }

    /** Binds a top-level section to {@code type}; a missing section binds as an empty one. */
    public <T> T section(final String name, final Class<T> type) {
        final JsonNode node = root.path(name);
        try {
            return YAML.treeToValue(node.isMissingNode() || node.isNull() ? YAML.createObjectNode() : node, type);
        } catch (IOException e) {
            throw new ConfigException(origin + ", section '" + name + "': " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    public String origin() {
        return origin;
    }

    private static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(final JsonParser p, final DeserializationContext ctx) throws IOException {
            final String text = p.getValueAsString();
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw InvalidFormatException.from(p, e.getMessage(), text, Duration.class);
            }
        }
    }
}
