package dev.tally.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;
import dev.tally.schemas.ProblemException;

/**
 * Reads the canonical webhook body ({@code schemas/webhook-event.schema.json}) into an
 * {@link Envelope}. Runs only after the signature was verified; every problem becomes a 400 that
 * names the field.
 */
public final class CanonicalEventParser implements EventMapper {

    private static final String SCHEMA = "/schemas/webhook-event.schema.json";

    private final JsonSchema schema;

    public CanonicalEventParser() {
        try (InputStream in = CanonicalEventParser.class.getResourceAsStream(SCHEMA)) {
            if (in == null) {
                throw new IllegalStateException(SCHEMA + " is missing from the classpath");
            }
            final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
            this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Outcome map(final String source, final Delivery delivery) {
        final JsonNode body = JsonBody.parse(delivery);
        if (!body.isObject()) {
            throw ProblemException.badRequest("The body must be a JSON object with event_id, event_type, timestamp and schema_version.");
        }
        if (!plainlyValid(body)) {
            final Set<ValidationMessage> errors = schema.validate(body);
            if (!errors.isEmpty()) {
                final String first = errors.stream()
                        .map(ValidationMessage::getMessage)
                        .sorted(Comparator.naturalOrder())
                        .findFirst().orElseThrow();
                throw ProblemException.badRequest("The body does not match webhook-event.schema.json: "
                        + first.replaceFirst("^: ", ""));
            }
        }
        final JsonNode payload = body.path("payload");
        return new Outcome.Events(List.of(new Envelope(
                source,
                body.get("event_id").asText(),
                body.get("event_type").asText(),
                timestamp(body.get("timestamp").asText()),
                delivery.receivedAt(),
                textOrNull(body.get("entity_id")),
                payload.isObject() ? payload : null,
                // A number or a string in the body; always text in the envelope (1 is "1").
                JsonBody.text(body.get("schema_version")))));
    }

    /** The canonical body of {@code event}; {@code schema_version} "1" unless the event has one. */
    @Override
    public Outbound compose(final Envelope event) {
        final ObjectNode body = Json.MAPPER.createObjectNode()
                .put("event_id", event.eventId())
                .put("event_type", event.eventType())
                .put("timestamp", event.eventTime().toString());
        if (event.entityId() != null) {
            body.put("entity_id", event.entityId());
        }
        if (event.payload() != null) {
            body.set("payload", event.payload());
        }
        body.put("schema_version", event.schemaVersion() == null ? "1" : event.schemaVersion());
        return new Outbound(Map.of(), JsonBody.bytes(body));
    }

    /**
     * True only for bodies the schema certainly accepts, checked in a few field reads instead of the
     * validator (which every body would otherwise go through): the required fields are strings no
     * longer in UTF-16 units than the schema's limit in code points (schema_version also an integer), the optional ones absent, null or
     * of their type, and the timestamp in the common RFC 3339 form with a known offset. Any other body is left to the
     * validator, which decides and names what is wrong.
     */
    static boolean plainlyValid(final JsonNode body) {
        final JsonNode entityId = body.get("entity_id");
        final JsonNode payload = body.get("payload");
        final JsonNode timestamp = body.get("timestamp");
        final JsonNode version = body.get("schema_version");
        return text(body.get("event_id"), 256) && text(body.get("event_type"), 256)
                && (text(version, 64) || version != null && version.isIntegralNumber())
                && (entityId == null || entityId.isNull() || entityId.isTextual() && entityId.textValue().length() <= 256)
                && (payload == null || payload.isNull() || payload.isObject())
                && timestamp != null && timestamp.isTextual() && rfc3339(timestamp.textValue());
    }

    // RFC 3339 reads -00:00 as "offset unknown", and the schema's date-time format refuses it.
    private static boolean rfc3339(final String timestamp) {
        return !timestamp.endsWith("-00:00") && OffsetDateTimeText.common(timestamp) != null;
    }

    private static boolean text(final JsonNode node, final int maxLength) {
        return node != null && node.isTextual() && !node.textValue().isEmpty() && node.textValue().length() <= maxLength;
    }

    private static Instant timestamp(final String text) {
        final Instant time;
        try {
            time = OffsetDateTimeText.parse(text);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("$.timestamp: '" + text
                    + "' is not an ISO 8601 date-time with a zone offset, such as 2026-11-22T10:15:30Z.");
        }
        if (time.isBefore(Instant.EPOCH)) {
            // Kafka Streams cannot window negative timestamps.
            throw ProblemException.badRequest("$.timestamp: '" + text + "' is before 1970-01-01T00:00:00Z.");
        }
        return time;
    }

    private static String textOrNull(final JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
