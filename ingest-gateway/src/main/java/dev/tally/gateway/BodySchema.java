package dev.tally.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import dev.tally.config.ConfigException;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * A source's own JSON Schema (draft 2020-12) for its verified bodies, from the file its
 * {@code schema} setting names. A body that does not match is answered 400 naming the failing field.
 */
final class BodySchema {

    private final String file;
    private final JsonSchema schema;

    private BodySchema(final String file, final JsonSchema schema) {
        this.file = file;
        this.schema = schema;
    }

    /** Reads and compiles the schema; fails naming the setting and the file when it cannot. */
    static BodySchema load(final String where, final String file) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
            return new BodySchema(file, JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config));
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(where + ".schema: cannot read JSON Schema " + file + ": " + e.getMessage(), e);
        }
    }

    void validate(final JsonNode body) {
        final Set<ValidationMessage> errors = schema.validate(body);
        if (!errors.isEmpty()) {
            final ValidationMessage first = errors.stream()
                    .min(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString()).thenComparing(ValidationMessage::getMessage))
                    .orElseThrow();
            final String at = first.getInstanceLocation().toString();
            final String message = first.getMessage().startsWith(at + ": ") ? first.getMessage().substring(at.length() + 2) : first.getMessage();
            throw new ProblemException(Problem.of(400, "schema-mismatch", "Body does not match the source's schema",
                    "The body does not match " + Path.of(file).getFileName() + " at " + (at.isEmpty() ? "the top level" : at) + ": " + message
                            + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "")));
        }
    }
}
